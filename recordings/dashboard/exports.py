"""Placeholder: this page is being written."""

from django.http import HttpResponse
from django.views import View


class ExportListView(View):
    def get(self, request):
        return HttpResponse("")
