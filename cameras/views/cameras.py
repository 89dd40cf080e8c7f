"""Dashboard pages of cameras: the filtered list, create and edit forms, the enable toggle and the
connection test."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from cameras.access import access_camera, can_add_cameras, is_organization_admin
from cameras.exceptions import CameraLimitReached, CameraNameTaken
from cameras.forms import CameraFilterForm, CameraForm, CameraProbeForm
from cameras.probe import ProbeRefused, camera_probe
from cameras.selectors import camera_list
from cameras.services import camera_create, camera_set_enabled, camera_update
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from organizations.selectors import folder_list

LIST_TEMPLATE = "cameras/camera_list.html"
FORM_TEMPLATE = "cameras/camera_form.html"


def htmx_partial(request) -> bool:
    """True when htmx asks for a fragment; boosted links and history restores get the whole page (NetBox)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(request, template: str, partial: str, context: dict, status: int = 200):
    """Render the page, or only its `partial` for htmx; caches keep the two apart by HX-Request."""
    name = f"{template}#{partial}" if htmx_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


class OrganizationViewMixin:
    """Resolves the organization the middleware chose; None when the user belongs to none."""

    def dispatch(self, request, *args, **kwargs):
        self.organization = request.organization or None  # the lazy value is falsy without one
        return super().dispatch(request, *args, **kwargs)


class CameraObjectMixin(OrganizationViewMixin):
    """Fetches the camera in the URL with the manage action; anything else is a 404."""

    def dispatch(self, request, *args, **kwargs):
        organization = request.organization or None
        if organization is None:
            raise ObjectNotFound("camera not found")
        self.camera = access_camera(
            request.user, kwargs["name"], action=Action.MANAGE, organization=organization
        )
        return super().dispatch(request, *args, **kwargs)


class CameraListView(OrganizationViewMixin, View):
    """The cameras of the current organization the user may see, with search and filters."""

    paginate_by = 100

    def get(self, request):
        user, organization = request.user, self.organization
        context = {
            "may_add": can_add_cameras(user, organization),
            "may_manage_access": is_organization_admin(user, organization),
        }
        if organization is not None:
            folders = folder_list(user=user, organization=organization)
            filter_form = CameraFilterForm(request.GET, folders=folders)
            filters = filter_form.filters()
            cameras = camera_list(user=user, organization=organization, **filters)
            page = Paginator(cameras, self.paginate_by).get_page(request.GET.get("page"))
            shown = [camera.id for camera in page]
            manageable = camera_list(user=user, organization=organization, action=Action.MANAGE)
            context.update(
                filter_form=filter_form,
                page=page,
                filtered=any(filters.values()),
                manageable_ids=set(manageable.filter(id__in=shown).values_list("id", flat=True)),
            )
        return render_page(request, LIST_TEMPLATE, "camera-rows", context)


class CameraCreateView(OrganizationViewMixin, View):
    def dispatch(self, request, *args, **kwargs):
        # Adding is not an object lookup, so a refusal is a 403 that says why (STYLE 3.3).
        if not can_add_cameras(request.user, request.organization or None):
            raise PermissionDenied(
                "You may not add cameras to this organization. "
                "Ask an organization administrator for the “edit cameras” permission."
            )
        return super().dispatch(request, *args, **kwargs)

    def _form(self, request, data=None):
        return CameraForm(data, folders=folder_list(user=request.user, organization=self.organization))

    def get(self, request):
        return render_page(request, FORM_TEMPLATE, "camera-form", {"form": self._form(request)})

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                camera = camera_create(
                    organization=self.organization,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    input_urls=form.input_urls(),
                    **form.camera_fields(),
                )
            except CameraLimitReached as exc:
                form.add_error(None, f"Camera limit reached: {exc}.")
            except CameraNameTaken:
                form.add_error(
                    "name",
                    "A camera with this name already exists; names are unique across all organizations.",
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Camera “{camera.display_title}” added.")
                return _saved(request)
        return render_page(request, FORM_TEMPLATE, "camera-form", {"form": form}, status=422)


class CameraEditView(CameraObjectMixin, View):
    def _form(self, request, data=None):
        return CameraForm(
            data,
            folders=folder_list(user=request.user, organization=self.organization),
            camera=self.camera,
            inputs=self.camera.inputs.all(),
        )

    def get(self, request, name):
        context = {
            "form": self._form(request),
            "camera": self.camera,
            "may_manage_access": is_organization_admin(request.user, self.organization),
        }
        return render_page(request, FORM_TEMPLATE, "camera-form", context)

    def post(self, request, name):
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                camera_update(
                    camera=self.camera,
                    actor=request.user,
                    input_urls=form.input_urls(),
                    **form.camera_fields(),
                )
            except ValidationError as exc:
                self.camera.refresh_from_db()  # the service set the refused values on our instance
                form.add_service_errors(exc)
            else:
                messages.success(request, f"Camera “{self.camera.display_title}” saved.")
                return _saved(request)
        context = {
            "form": form,
            "camera": self.camera,
            "may_manage_access": is_organization_admin(request.user, self.organization),
        }
        return render_page(request, FORM_TEMPLATE, "camera-form", context, status=422)


class CameraToggleView(CameraObjectMixin, View):
    """Enable or disable a camera. The form posts the wanted state, so a double click is harmless."""

    http_method_names = ["post"]

    def post(self, request, name):
        enabled = request.POST.get("enabled") == "true"
        camera = camera_set_enabled(camera=self.camera, enabled=enabled, actor=request.user)
        messages.success(request, f"Camera “{camera.display_title}” {'enabled' if enabled else 'disabled'}.")
        if htmx_partial(request):
            context = {"camera": camera, "messages_oob": True}
            return render_page(request, FORM_TEMPLATE, "camera-toggle", context)
        return redirect(camera.get_absolute_url())


class CameraProbeView(OrganizationViewMixin, View):
    """Test the form's source with the recorder's own input code; answers the probe-result fragment.

    For a camera being edited (`?camera=<name>`, which the user must manage) a blank password
    means the stored one, as saving would; the password itself never comes back.
    """

    http_method_names = ["post"]

    def post(self, request):
        user, main_input = request.user, None
        if request.GET.get("camera"):
            camera = access_camera(
                user, request.GET["camera"], action=Action.MANAGE, organization=self.organization
            )
            main_input = camera.inputs.first()
        elif not can_add_cameras(user, self.organization):
            # Not an object lookup: the refusal is a 403 that says why (STYLE 3.3).
            raise PermissionDenied(
                "You may not test camera connections. Ask an organization administrator for the "
                "“edit cameras” permission."
            )
        form = CameraProbeForm(request.POST, main_input=main_input)
        context, status = {"probe_form": form}, 422
        if form.is_valid():
            try:
                context["probe"] = camera_probe(url=form.source_url(), transport=form.transport())
                status = 200
            except ProbeRefused as exc:
                form.add_error("url", str(exc))
        return render(request, f"{FORM_TEMPLATE}#probe-result", context, status=status)


def _saved(request):
    url = reverse("cameras:camera_list")
    return HttpResponseClientRedirect(url) if htmx_partial(request) else redirect(url)
