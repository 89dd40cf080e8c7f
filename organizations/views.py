"""Dashboard views of tenancy: switching the organization the dashboard works in, floor plans."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from organizations.access import access_folder, access_organization
from organizations.exceptions import ObjectNotFound
from organizations.images import raster_type
from organizations.middleware import SESSION_KEY
from organizations.models import Folder

UPLOAD_CSP = "sandbox; default-src 'none'"


class OrganizationSwitchView(View):
    """Remember the chosen organization in the session; one the user does not reach is a 404."""

    http_method_names = ["post"]

    def post(self, request):
        organization = access_organization(request.user, request.POST.get("organization_id"))
        request.session[SESSION_KEY] = organization.id
        messages.success(request, f"You are now working in {organization}.")
        next_url = request.POST.get("next") or request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect(settings.LOGIN_REDIRECT_URL)


def floor_plan(request, filename: str):
    """A folder's floor plan picture, to a signed-in user who may see that folder; else 404."""
    folder = (
        Folder.objects.filter(floor_plan=f"floor_plans/{filename}").select_related("organization").first()
    )
    if folder is None:
        raise Http404("no such floor plan")
    try:
        access_folder(request.user, folder.organization, folder.id)
    except ObjectNotFound:
        raise Http404("no such floor plan") from None
    try:
        stored = folder.floor_plan.open("rb")
    except FileNotFoundError:
        raise Http404("no such floor plan") from None
    mime_type = raster_type(stored)
    stored.seek(0)
    response = FileResponse(
        stored,
        # Stored before uploads were re-encoded and not a picture (an SVG, say): a download, never a page.
        as_attachment=mime_type is None,
        content_type=mime_type or "application/octet-stream",
    )
    # Even opened directly, an upload runs nothing and is never sniffed into HTML.
    response["Content-Security-Policy"] = UPLOAD_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response
