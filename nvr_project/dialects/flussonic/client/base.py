"""The base view of the Watcher Client API: the shared Watcher view plus restricted querysets.

A client sees every organization it belongs to at once, so the tenant edge is the user, resolved
once in `WatcherView.initial`, and `get_queryset` restricts cameras with `Camera.objects.for_user`
(STYLE §3.3) before any view filters them further.
"""

from cameras.models import Camera
from organizations.choices import Action

from ..views import CORS_HEADERS, WatcherView

__all__ = ["CORS_HEADERS", "WatcherClientView"]


class WatcherClientView(WatcherView):
    """Every Client API view derives from this; a new list is isolated without anyone remembering to."""

    camera_action = Action.VIEW

    def get_queryset(self):
        return Camera.objects.for_user(self.user, self.camera_action)
