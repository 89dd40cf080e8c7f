"""Dashboard views of tenancy: switching the organization the dashboard works in."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from organizations.access import access_organization
from organizations.middleware import SESSION_KEY


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
