"""The timeline page: several cameras on one time axis, and a player for the instant clicked."""

from django.shortcuts import render
from django.views import View

from cameras.selectors import camera_list
from cameras.views.cameras import OrganizationViewMixin
from organizations.choices import Action

DEFAULT_ROWS = 8
MAX_ROWS = 32


class TimelineView(OrganizationViewMixin, View):
    """`?camera=<name>` (repeatable) picks the rows; by default the first cameras with an archive."""

    def get(self, request):
        if self.organization is None:
            return render(request, "recordings/timeline.html", {"no_organization": True})
        cameras = list(camera_list(user=request.user, organization=self.organization, action=Action.ARCHIVE))
        wanted = request.GET.getlist("camera")
        chosen = [c for c in cameras if c.name in wanted][:MAX_ROWS] if wanted else cameras[:DEFAULT_ROWS]
        context = {
            "cameras": cameras,
            "chosen": chosen,
            "chosen_names": {c.name for c in chosen},
            "rows": [{"camera": c.name, "title": c.display_title} for c in chosen],
            "time_zone": self.organization.time_zone,
        }
        return render(request, "recordings/timeline.html", context)
