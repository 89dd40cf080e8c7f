"""The folder tree page: the organization's folders with the cameras the user sees; drag to move.

Every change answers with the tree fragment (htmx, or folders.js's fetch) carrying a notice, or
redirects back with a message when the page is used without JavaScript.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from cameras.access import access_camera, can_add_cameras, is_organization_admin
from cameras.choices import CameraStatus
from cameras.models import Camera
from cameras.selectors import camera_list
from cameras.services import FolderNotEmpty, camera_move, folder_delete
from cameras.views.cameras import OrganizationViewMixin, htmx_partial, render_page
from organizations.access import access_folder
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.models import Folder
from organizations.selectors import folder_list
from organizations.services import FolderMoveInvalid, folder_create, folder_move, folder_rename

TEMPLATE = "cameras/folder_tree.html"
NO_FOLDER = "No folder"
ADMINS_ONLY = "Only organization administrators may create, rename, move or delete folders."


@dataclass(eq=False)
class FolderNode:
    """A folder of the tree. `granted` is False for a folder shown only as the path to a camera."""

    folder: Folder
    granted: bool
    path: str
    children: list["FolderNode"] = field(default_factory=list)
    cameras: list[Camera] = field(default_factory=list)
    total: int = 0
    running: int = 0

    def count(self) -> None:
        for child in self.children:
            child.count()
        self.total = len(self.cameras) + sum(c.total for c in self.children)
        running = sum(c.status == CameraStatus.RUNNING for c in self.cameras)
        self.running = running + sum(c.running for c in self.children)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def folder_tree(*, user, organization) -> tuple[list[FolderNode], list[Camera]]:
    """The root folders (with the cameras `user` may view, nested) and the cameras in no folder.

    Folders the user may see are shown, and so are the folders above them or above a camera
    they may view (the camera list names those folders too), marked as not granted.
    """
    folders = {f.id: f for f in Folder.objects.filter(organization=organization)}
    granted = set(folder_list(user=user, organization=organization).values_list("id", flat=True))
    cameras = list(camera_list(user=user, organization=organization))
    shown: set[int] = set()
    for folder_id in granted | {c.folder_id for c in cameras if c.folder_id}:
        while folder_id in folders and folder_id not in shown:
            shown.add(folder_id)
            folder_id = folders[folder_id].parent_id
    ordered = sorted((folders[i] for i in shown), key=lambda f: (f.position, f.id))
    nodes = {f.id: FolderNode(f, f.id in granted, f.title) for f in ordered}
    roots = []
    for folder in ordered:  # a parent's node exists: `shown` holds every ancestor
        node = nodes[folder.id]
        (nodes[folder.parent_id].children if folder.parent_id else roots).append(node)
    for root in roots:
        for node in root.walk():
            for child in node.children:
                child.path = f"{node.path} / {child.folder.title}"
    loose = []
    for camera in cameras:
        (nodes[camera.folder_id].cameras if camera.folder_id in nodes else loose).append(camera)
    for root in roots:
        root.count()
    return roots, loose


class FolderTreeMixin(OrganizationViewMixin):
    def tree_context(self, **extra) -> dict:
        user, organization = self.request.user, self.organization
        roots, loose = folder_tree(user=user, organization=organization)
        may_move = can_add_cameras(user, organization)
        movable = camera_list(user=user, organization=organization, action=Action.MANAGE) if may_move else []
        nodes = [node for root in roots for node in root.walk()]
        return {
            "roots": roots,
            "loose": loose,
            "nodes": nodes,
            "camera_total": len(loose) + sum(r.total for r in roots),
            "running_total": sum(c.status == CameraStatus.RUNNING for c in loose)
            + sum(r.running for r in roots),
            "may_move_cameras": may_move,
            "may_edit_folders": is_organization_admin(user, organization),
            "movable_ids": set(movable.values_list("id", flat=True)) if may_move else set(),
            "live_ids": set(
                camera_list(user=user, organization=organization, action=Action.LIVE).values_list(
                    "id", flat=True
                )
            ),
            "destinations": [(n.folder.id, n.path) for n in nodes if n.granted],
            **extra,
        }

    def answer(self, text: str, *, error: bool = False):
        """The refreshed tree with `text` for htmx and folders.js (422 for a refusal), else a redirect."""
        request = self.request
        if htmx_partial(request):
            context = self.tree_context(notice=text, notice_error=error)
            return render_page(request, TEMPLATE, "folder-tree", context, status=422 if error else 200)
        (messages.error if error else messages.success)(request, text)
        return redirect(reverse("cameras:folder_tree"))

    def require_organization(self) -> None:
        if self.organization is None:
            raise ObjectNotFound("no organization")

    def require_folder_admin(self) -> None:
        # Not an object lookup: the refusal is a 403 that says why (STYLE 3.3).
        self.require_organization()
        if not is_organization_admin(self.request.user, self.organization):
            raise PermissionDenied(ADMINS_ONLY)

    def destination(self, value: str) -> Folder | None:
        """The folder named by a form's `to` ("" is none); other tenants' and ungranted ones are 404."""
        if not value:
            return None
        return access_folder(self.request.user, self.organization, value)


class FolderTreeView(FolderTreeMixin, View):
    def get(self, request):
        if self.organization is None:
            return render(request, TEMPLATE, {"no_organization": True})
        return render_page(request, TEMPLATE, "folder-tree", self.tree_context())


class FolderMoveView(FolderTreeMixin, View):
    """Move a camera (`camera`=name) or a folder (`folder`=id) into the folder `to` ("": none, top)."""

    http_method_names = ["post"]

    def post(self, request):
        self.require_organization()
        if request.POST.get("camera"):
            return self._move_camera(request.POST["camera"], request.POST.get("to", ""))
        if request.POST.get("folder"):
            return self._move_folder(request.POST["folder"], request.POST.get("to", ""))
        return self.answer("Choose a camera or a folder to move.", error=True)

    def _move_camera(self, name: str, to: str):
        user = self.request.user
        if not can_add_cameras(user, self.organization):
            raise PermissionDenied(
                "You may not move cameras. "
                "Ask an organization administrator for the “edit cameras” permission."
            )
        camera = access_camera(user, name, action=Action.MANAGE, organization=self.organization)
        folder = self.destination(to)
        where = f"“{folder.title}”" if folder else NO_FOLDER.lower()
        if camera.folder_id == (folder.id if folder else None):
            return self.answer(f"“{camera.display_title}” is already in {where}.")
        camera_move(camera=camera, folder=folder, actor=user)
        return self.answer(f"Moved “{camera.display_title}” to {where}.")

    def _move_folder(self, folder_id: str, to: str):
        self.require_folder_admin()
        folder = access_folder(self.request.user, self.organization, folder_id)
        parent = self.destination(to)
        if folder.parent_id == (parent.id if parent else None):
            return self.answer(f"“{folder.title}” is already there.")
        try:
            folder_move(folder=folder, parent=parent, actor=self.request.user)
        except FolderMoveInvalid as exc:
            return self.answer(f"“{folder.title}” cannot move into “{parent.title}”: {exc}.", error=True)
        where = f"into “{parent.title}”" if parent else "to the top level"
        return self.answer(f"Moved folder “{folder.title}” {where}.")


class FolderCreateView(FolderTreeMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        self.require_folder_admin()
        title = request.POST.get("title", "").strip()
        parent = self.destination(request.POST.get("parent", ""))
        try:
            folder = folder_create(
                organization=self.organization, title=title, parent=parent, actor=request.user
            )
        except ValidationError as exc:
            return self.answer(_title_error(exc), error=True)
        return self.answer(f"Folder “{folder.title}” created.")


class FolderRenameView(FolderTreeMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        self.require_folder_admin()
        folder = access_folder(request.user, self.organization, pk)
        old = folder.title
        try:
            folder_rename(folder=folder, title=request.POST.get("title", "").strip(), actor=request.user)
        except ValidationError as exc:
            return self.answer(_title_error(exc), error=True)
        return self.answer(f"Renamed “{old}” to “{folder.title}”.")


class FolderDeleteView(FolderTreeMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        self.require_folder_admin()
        folder = access_folder(request.user, self.organization, pk)
        try:
            folder_delete(folder=folder, actor=request.user)
        except FolderNotEmpty as exc:
            return self.answer(f"Cannot delete: {exc}", error=True)
        return self.answer(f"Folder “{folder.title}” deleted.")


def _title_error(exc: ValidationError) -> str:
    errors = getattr(exc, "message_dict", {}).get("title")
    return f"Folder name: {' '.join(errors)}" if errors else " ".join(exc.messages)
