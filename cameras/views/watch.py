"""The camera page: live view, the archive from any instant of its timeline, and clip selection."""

from django.shortcuts import render
from django.views import View

from cameras.access import access_camera, camera_actions
from cameras.views.cameras import OrganizationViewMixin
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound


class CameraWatchView(OrganizationViewMixin, View):
    """`?at=<unix seconds>` opens the archive at that instant (daily playback and episodes link here)."""

    def get(self, request, name):
        if self.organization is None:
            raise ObjectNotFound("camera not found")
        user = request.user
        camera = access_camera(user, name, action=Action.LIVE, organization=self.organization)

        actions = camera_actions(user, camera)
        try:
            start_at = float(request.GET["at"]) if request.GET.get("at") else None
        except ValueError:
            start_at = None
        context = {
            "camera": camera,
            "may_archive": Action.ARCHIVE in actions,
            "may_export": Action.EXPORT in actions,
            "start_at": start_at,
            "time_zone": self.organization.time_zone,
        }
        return render(request, "cameras/camera_watch.html", context)
