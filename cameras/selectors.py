"""Read-side queries of the cameras app."""

from django.db.models import Q, QuerySet

from cameras.models import Camera
from organizations.choices import Action


def camera_list(
    *,
    user,
    organization,
    action: str = Action.VIEW,
    q: str = "",
    folder=None,
    status: str = "",
    enabled: bool | None = None,
) -> QuerySet[Camera]:
    """Cameras of `organization` the user may see, filtered as the dashboard list and dialects ask."""
    cameras = Camera.objects.for_user(user, action, organization=organization).select_related("folder")
    if q:
        cameras = cameras.filter(
            Q(name__icontains=q)
            | Q(title__icontains=q)
            | Q(comment__icontains=q)
            | Q(inputs__url__icontains=q)
            | Q(postal_address__icontains=q)
            | Q(tags__icontains=q)
        ).distinct()
    if folder is not None:
        cameras = cameras.filter(folder=folder)
    if status:
        cameras = cameras.filter(status=status)
    if enabled is not None:
        cameras = cameras.filter(enabled=enabled)
    return cameras.order_by("position", "name")
