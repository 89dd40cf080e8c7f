"""Template context: the product name and the organization switcher."""

from django.conf import settings

from organizations.selectors import organization_list_for_user


def current_organization(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"site_title": settings.SITE_TITLE}
    organization = getattr(request, "organization", None)
    return {
        "site_title": settings.SITE_TITLE,
        "current_organization": organization if organization else None,
        "user_organizations": organization_list_for_user(user=user),
    }
