"""The multi-camera timeline page."""

from django.http import HttpResponse
from django.views import View


class TimelineView(View):
    def get(self, request):
        return HttpResponse("timeline")
