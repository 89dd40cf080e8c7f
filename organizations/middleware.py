"""Resolve the current organization once per dashboard request (request.organization)."""

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware
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


@sync_and_async_middleware
def CurrentOrganizationMiddleware(get_response):  # noqa: N802 - named as the class it replaced
    """Lazy, so it touches the database only when a view reads it; async-capable, so a waiting
    async view (the Watcher long-poll) holds no thread on its way through."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            request.organization = SimpleLazyObject(lambda: current_organization(request))
            return await get_response(request)

    else:

        def middleware(request):
            request.organization = SimpleLazyObject(lambda: current_organization(request))
            return get_response(request)

    return middleware
