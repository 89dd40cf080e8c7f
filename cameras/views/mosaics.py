"""The live grid: a saved mosaic (or every camera) as tiles of live video, edited by drag and drop."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from cameras import mosaics
from cameras.access import access_camera, is_organization_admin
from cameras.choices import MosaicLayout
from cameras.selectors import camera_list
from cameras.views.cameras import OrganizationViewMixin
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound

TEMPLATE = "cameras/live_grid.html"


def layout_slug(layout: str) -> str:
    """A CSS-safe name of a layout: "1+5" -> "1p5"."""
    return layout.replace("+", "p")


class LiveGridView(OrganizationViewMixin, View):
    """`?mosaic=<id>` shows that mosaic; without one, the first cameras (`?layout=` picks the grid)."""

    def get(self, request):
        user, organization = request.user, self.organization
        if organization is None:
            return render(request, TEMPLATE, {"no_organization": True})
        cameras = list(camera_list(user=user, organization=organization, action=Action.LIVE))
        saved = mosaics.mosaic_list(user=user, organization=organization)
        mosaic = None
        if request.GET.get("mosaic"):
            mosaic = mosaics.access_mosaic(user, request.GET["mosaic"], organization=organization)
        if mosaic is not None:
            layout, tiles = mosaic.layout, mosaics.mosaic_tiles(mosaic=mosaic, user=user)
        else:
            layout, tiles = mosaics.default_tiles(cameras=cameras)
            wanted = request.GET.get("layout")
            if wanted in mosaics.GRID_LAYOUTS:
                layout = wanted
                capacity = mosaics.CAPACITY[wanted]
                tiles = [mosaics.Tile(i, cameras[i] if i < len(cameras) else None) for i in range(capacity)]
        may_share = is_organization_admin(user, organization)
        # Own mosaics are the owner's to edit; the organization's are its administrators'.
        editable = mosaic is not None and (mosaic.owner_id == user.id or may_share)
        context = {
            "cameras": cameras,
            "mosaics": saved,
            "mosaic": mosaic,
            "layout": layout,
            "layout_slug": layout_slug(layout),
            "layouts": [(value, MosaicLayout(value).label) for value in mosaics.GRID_LAYOUTS],
            "tiles": tiles,
            "editable": editable,
            "may_share": may_share,
        }
        return render(request, TEMPLATE, context)


class MosaicSaveView(OrganizationViewMixin, View):
    """Changes to mosaics, by `action`: create, layout, slot, delete."""

    http_method_names = ["post"]

    def post(self, request):
        if self.organization is None:
            raise ObjectNotFound("no organization")
        action = request.POST.get("action", "")
        handler = {
            "create": self._create,
            "layout": self._layout,
            "slot": self._slot,
            "delete": self._delete,
        }.get(action)
        if handler is None:
            return JsonResponse({"error": f"unknown action {action!r}"}, status=400)
        try:
            return handler(request)
        except ValidationError as exc:
            text = "; ".join(f"{field}: {' '.join(errs)}" for field, errs in exc.message_dict.items())
            return JsonResponse({"error": text}, status=422)

    def _grid(self, mosaic) -> HttpResponse:
        return redirect(f"{reverse('cameras:live_grid')}?mosaic={mosaic.id}")

    def _mosaic(self, request):
        return mosaics.access_mosaic(
            request.user, request.POST.get("mosaic"), organization=self.organization, edit=True
        )

    def _create(self, request):
        try:
            mosaic = mosaics.mosaic_create(
                organization=self.organization,
                actor=request.user,
                title=request.POST.get("title", "") or "My view",
                layout=request.POST.get("layout", MosaicLayout.L2X2),
                shared=request.POST.get("shared") == "on",
            )
        except ValidationError as exc:
            messages.error(request, "The mosaic was not saved: " + "; ".join(exc.messages))
            return redirect("cameras:live_grid")
        # Start from what the unsaved grid showed, so saving a view keeps it.
        for position, name in enumerate(request.POST.getlist("cameras")[: mosaics.CAPACITY[mosaic.layout]]):
            if name:
                camera = access_camera(request.user, name, action=Action.LIVE, organization=self.organization)
                mosaics.mosaic_slot_set(mosaic=mosaic, position=position, camera=camera)
        messages.success(request, f"Mosaic “{mosaic.title}” saved.")
        return self._grid(mosaic)

    def _layout(self, request):
        mosaic = mosaics.mosaic_update(mosaic=self._mosaic(request), layout=request.POST.get("layout"))
        return self._grid(mosaic)

    def _slot(self, request):
        mosaic = self._mosaic(request)
        name = request.POST.get("camera", "")
        camera = (
            access_camera(request.user, name, action=Action.LIVE, organization=self.organization)
            if name
            else None
        )
        try:
            position = int(request.POST.get("position", ""))
        except ValueError:
            return JsonResponse({"error": "position must be a number"}, status=400)
        mosaics.mosaic_slot_set(mosaic=mosaic, position=position, camera=camera)
        return JsonResponse({"position": position, "camera": camera.name if camera else None})

    def _delete(self, request):
        mosaic = self._mosaic(request)
        title = mosaic.title
        mosaics.mosaic_delete(mosaic=mosaic)
        messages.success(request, f"Mosaic “{title}” deleted.")
        return redirect("cameras:live_grid")
