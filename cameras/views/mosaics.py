"""The live grid: saved mosaics of live tiles, per user and per organization."""

from django.http import HttpResponse
from django.views import View

from cameras.views.cameras import OrganizationViewMixin


class LiveGridView(OrganizationViewMixin, View):
    def get(self, request):
        return HttpResponse("live grid")


class MosaicSaveView(OrganizationViewMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        return HttpResponse(status=204)
