"""Who may do what with one camera: each member's effective rights, where they come from, camera grants."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from cameras.access import access_camera, camera_rights, is_organization_admin
from cameras.models import Camera, CameraGrant
from cameras.services import camera_grant_remove, camera_grant_set
from cameras.views.cameras import OrganizationViewMixin, htmx_partial, render_page
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder, FolderGrant, Membership
from organizations.selectors import folder_chain, folder_parents, is_admin_membership

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
        user = self.user
        return not (
            user.is_domain_admin or is_admin_membership(self.membership, self.membership.organization)
        )

    @property
    def fallback_label(self) -> str:
        if self.folder_grant_folder is None:
            return "no access"
        return f"folder “{self.folder_grant_folder.title}”"


SOURCE_LABELS = {
    "inactive": "Account disabled",
    "domain_admin": "Domain administrator",
    "admin": "Organization administrator",
    "off": "Camera access turned off for this member",
    "camera": "Camera grant",
    "folder": "Folder grant",
    "tags": "Outside the member's allowed tags",
    "none": "No grant",
}


def _rights(allowed: frozenset[str]) -> tuple[Right, ...]:
    return tuple(Right(value, label, value in allowed) for value, label in Action.choices)


def camera_access_list(*, camera: Camera) -> list[MemberAccess]:
    """Every member of the camera's organization with their effective rights on it, in five queries.

    Each row is `cameras.access.camera_rights`, the rule `Camera.objects.for_user` applies in SQL.
    """
    chain = folder_chain(folder_parents(organization_ids=[camera.organization_id]), camera.folder_id)
    folders = Folder.objects.in_bulk(chain)
    folder_grants: dict[int, dict[int, FolderGrant]] = {}
    for grant in FolderGrant.objects.filter(folder_id__in=chain):
        folder_grants.setdefault(grant.user_id, {})[grant.folder_id] = grant
    camera_grants = {g.user_id: g for g in CameraGrant.objects.filter(camera=camera)}
    memberships = camera.organization.memberships.select_related("user").order_by("-is_admin", "user__login")
    rows = []
    for membership in memberships:
        user = membership.user
        grants = folder_grants.get(user.id, {})
        nearest = next((f for f in chain if f in grants), None)
        camera_grant = camera_grants.get(user.id)
        rights = camera_rights(
            user=user,
            membership=membership,
            camera=camera,
            camera_grant=camera_grant,
            folder_grants=grants,
            chain=chain,
        )
        label = SOURCE_LABELS[rights.source]
        if rights.source == "folder":
            label = f"Folder “{folders[rights.folder_id].title}”"
        rows.append(
            MemberAccess(
                membership=membership,
                rights=_rights(rights.actions),
                source=rights.source,
                source_label=label,
                camera_grant=camera_grant,
                folder_grant=grants.get(nearest),
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
        if is_organization_admin(user, self.organization):
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
