"""Who may do what with one camera: each member's effective rights, where they come from, camera grants."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from cameras.access import access_camera, is_organization_admin
from cameras.models import Camera, CameraGrant
from cameras.services import camera_grant_remove, camera_grant_set
from cameras.views.cameras import OrganizationViewMixin, htmx_partial, render_page
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder, FolderGrant, Membership

TEMPLATE = "cameras/camera_access.html"


@dataclass(frozen=True, slots=True)
class Right:
    action: str
    label: str
    allowed: bool


@dataclass(frozen=True, slots=True)
class MemberAccess:
    """One member's rights on a camera and the one thing they come from (the nearest grant wins whole)."""

    membership: Membership
    rights: tuple[Right, ...]
    source: str  # domain_admin, admin, camera, folder, tags, off, inactive, none
    source_label: str
    camera_grant: CameraGrant | None
    folder_grant: FolderGrant | None  # the nearest one: what removing the camera grant falls back to
    folder_grant_folder: Folder | None

    @property
    def user(self):
        return self.membership.user

    @property
    def editable(self) -> bool:
        """A camera grant changes something only for members who are not administrators."""
        return not (self.membership.is_admin or self.user.is_domain_admin)

    @property
    def fallback_label(self) -> str:
        if self.folder_grant_folder is None:
            return "no access"
        return f"folder “{self.folder_grant_folder.title}”"


def _rights(allowed: frozenset[str]) -> tuple[Right, ...]:
    return tuple(Right(value, label, value in allowed) for value, label in Action.choices)


def camera_access_list(*, camera: Camera) -> list[MemberAccess]:
    """Every member of the camera's organization with their effective rights on it.

    The same rules as `Camera.objects.for_user`, for all members at once in four queries: domain
    and organization administrators reach everything, a member whose camera access is off
    nothing, others what their camera grant allows, or else the nearest folder grant up the
    camera's folder chain; tag restrictions apply to everyone but domain administrators.
    """
    parents = dict(
        Folder.objects.filter(organization_id=camera.organization_id).values_list("id", "parent_id")
    )
    chain, node = [], camera.folder_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    folders = Folder.objects.in_bulk(chain)
    folder_grants = {(g.folder_id, g.user_id): g for g in FolderGrant.objects.filter(folder_id__in=chain)}
    camera_grants = {g.user_id: g for g in CameraGrant.objects.filter(camera=camera)}
    memberships = camera.organization.memberships.select_related("user").order_by("-is_admin", "user__login")
    everything = frozenset(Action.values)
    tags = {t.lower() for t in camera.tag_set}
    rows = []
    for membership in memberships:
        user = membership.user
        nearest = next((f for f in chain if (f, user.id) in folder_grants), None)
        folder_grant = folder_grants.get((nearest, user.id))
        camera_grant = camera_grants.get(user.id)
        allowed, source, label = frozenset(), "none", "No grant"
        if not user.is_active:
            source, label = "inactive", "Account disabled"
        elif user.is_domain_admin:
            allowed, source, label = everything, "domain_admin", "Domain administrator"
        elif membership.is_admin:
            allowed, source, label = everything, "admin", "Organization administrator"
        elif not membership.can_view_cameras:
            source, label = "off", "Camera access turned off for this member"
        elif camera_grant is not None:
            allowed, source, label = camera_grant.actions, "camera", "Camera grant"
        elif folder_grant is not None:
            allowed, source, label = folder_grant.actions, "folder", f"Folder “{folders[nearest].title}”"
        allowed_tags = user.allowed_tag_set
        if allowed and source != "domain_admin" and allowed_tags is not None:
            if not {t.lower() for t in allowed_tags} & tags:
                allowed, source, label = frozenset(), "tags", "Outside the member's allowed tags"
        rows.append(
            MemberAccess(
                membership=membership,
                rights=_rights(allowed),
                source=source,
                source_label=label,
                camera_grant=camera_grant,
                folder_grant=folder_grant,
                folder_grant_folder=folders.get(nearest),
            )
        )
    return rows


class CameraAccessView(OrganizationViewMixin, View):
    """The camera's access page: organization administrators only (others: 404 unseen, else 403)."""

    def dispatch(self, request, *args, **kwargs):
        organization = request.organization or None
        if organization is None:
            raise ObjectNotFound("camera not found")
        self.camera = access_camera(request.user, kwargs["name"], organization=organization)
        if not is_organization_admin(request.user, organization):
            # The camera is visible to this user, so saying why is no leak (STYLE 3.3).
            raise PermissionDenied(
                "Only organization administrators can see and change who may use this camera."
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, name):
        return render_page(request, TEMPLATE, "access-rows", self._context())

    def post(self, request, name):
        membership = (
            Membership.objects.filter(organization=self.organization, user_id=_int(request.POST.get("user")))
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ObjectNotFound("member not found")
        user, camera = membership.user, self.camera
        if membership.is_admin or user.is_domain_admin:
            return self._answer(request, f"{user} is an administrator and reaches every camera.", error=True)
        if request.POST.get("remove"):
            removed = camera_grant_remove(camera=camera, user=user, actor=request.user)
            text = f"{user} now has the rights of their folder grant." if removed else "No grant to remove."
            return self._answer(request, text)
        flags = {f"can_{action}": f"can_{action}" in request.POST for action in Action.values}
        try:
            camera_grant_set(camera=camera, user=user, actor=request.user, **flags)
        except ValidationError as exc:
            return self._answer(request, " ".join(exc.messages), error=True)
        return self._answer(request, f"Camera grant for {user} saved.")

    def _context(self, **extra) -> dict:
        members = camera_access_list(camera=self.camera)
        return {"camera": self.camera, "members": members, "actions": Action.choices, **extra}

    def _answer(self, request, text: str, *, error: bool = False):
        if htmx_partial(request):
            context = self._context(notice=text, notice_error=error)
            return render_page(request, TEMPLATE, "access-rows", context, status=422 if error else 200)
        (messages.error if error else messages.success)(request, text)
        return redirect(reverse("cameras:camera_access", args=[self.camera.name]))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
