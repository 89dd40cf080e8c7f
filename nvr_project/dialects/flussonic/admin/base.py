"""The base view of the Watcher Admin API: the shared Watcher view, for domain administrators only.

Catalog §2: `POST /login` issues tokens to any valid user, and every other operation answers 403
unless the caller is a domain administrator (`access_level: "admin"`); organization administrators
are not enough.
"""

from rest_framework.permissions import BasePermission

from ..views import WatcherView


class IsDomainAdministrator(BasePermission):
    message = "the Admin API is for domain administrators only"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_domain_admin)


class WatcherAdminView(WatcherView):
    permission_classes = [IsDomainAdministrator]
