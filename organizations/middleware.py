"""Resolve the current organization once per dashboard request (request.organization)."""

from django.utils.functional import SimpleLazyObject

from organizations.selectors import organization_list_for_user

SESSION_KEY = "organization_id"


def current_organization(request):
    """The organization chosen in the session if the user still reaches it, else their first one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    organizations = organization_list_for_user(user=user)
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        organization = organizations.filter(id=chosen).first()
        if organization is not None:
            return organization
    return organizations.order_by("-is_default", "title", "id").first()


class CurrentOrganizationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = SimpleLazyObject(lambda: current_organization(request))
        return self.get_response(request)
