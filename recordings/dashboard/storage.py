"""The storage page: usage per camera as a chart and a table, what retention will delete, node disks
and protected footage."""

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from cameras.access import is_organization_admin
from cameras.models import Camera
from cameras.views.cameras import OrganizationViewMixin
from organizations.choices import Action
from recordings.dashboard.storage_selectors import storage_overview, storage_protected
from recordings.playback.storage import free_floor_rule, node_disks

TEMPLATE = "recordings/storage.html"


def may_see_nodes(user, organization) -> bool:
    """Node disks are infrastructure: domain staff and the organization's administrators only."""
    return user.is_staff or is_organization_admin(user, organization)


class StorageView(OrganizationViewMixin, View):
    def get(self, request):
        user, organization = request.user, self.organization
        context = {"organization": organization}
        if organization is not None:
            now = timezone.now()
            overview = storage_overview(user=user, organization=organization, now=now)
            shown = [row.camera.id for row in overview.cameras]
            live = Camera.objects.for_user(user, Action.LIVE, organization=organization).filter(id__in=shown)
            if may_see_nodes(user, organization):
                context.update(
                    nodes=node_disks(organization=organization, now=now), floor_rule=free_floor_rule()
                )
            context.update(
                overview=overview,
                protected=storage_protected(overview, now=now),
                watchable_ids=set(live.values_list("id", flat=True)),
                now=now,
            )
        return render(request, TEMPLATE, context)
