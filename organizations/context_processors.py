"""Template context for the organization switcher."""

from organizations.selectors import organization_list_for_user


def current_organization(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organization = getattr(request, "organization", None)
    return {
        "current_organization": organization if organization else None,
        "user_organizations": organization_list_for_user(user=user),
    }
