"""Clip exports: start one from a form and follow the organization's exports with live progress.

The rows poll every second while an export in them is pending or running; the answer is 286
(htmx's "stop polling") once none is, so a finished export shows its download link and the page
goes quiet (STYLE 3.5).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from cameras.access import access_camera
from cameras.models import Camera
from cameras.selectors import camera_list
from cameras.views.cameras import OrganizationViewMixin, htmx_partial, render_page
from organizations.choices import Action
from organizations.exceptions import ObjectNotFound
from recordings.choices import JobKind, JobStatus
from recordings.dashboard.forms import ExportForm
from recordings.models import Job
from recordings.playback.exports import EXPORT_MAX_RANGE, EXPORT_TTL, ExportError, export_request
from recordings.services import job_request_cancel

TEMPLATE = "recordings/export_list.html"
PAGE_SIZE = 25
ACTIVE = (JobStatus.PENDING, JobStatus.RUNNING)
STOP_POLLING = 286
DEFAULT_LENGTH = dt.timedelta(minutes=15)


def export_list(*, user, organization) -> QuerySet[Job]:
    """Exports of the organization's cameras that `user` may export, newest first."""
    cameras = Camera.objects.for_user(user, Action.EXPORT, organization=organization)
    return (
        Job.objects.filter(kind=JobKind.EXPORT, organization=organization, camera__in=cameras)
        .select_related("camera", "created_by")
        .order_by("-created_at", "-id")
    )


def access_export(user, public_id, *, organization) -> Job:
    """The export `public_id` if it is one `export_list` shows the user; else ObjectNotFound."""
    job = export_list(user=user, organization=organization).filter(public_id=public_id).first()
    if job is None:
        raise ObjectNotFound("export not found")
    return job


def rows_context(request, organization) -> dict:
    """One page of export rows, whether any is still active, and where the rows poll from."""
    jobs = export_list(user=request.user, organization=organization)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    poll_url = reverse("recordings:export_list") + (f"?page={page.number}" if page.number > 1 else "")
    return {
        "page": page,
        "active": any(job.status in ACTIVE for job in page),
        "poll_url": poll_url,
        "zone": organization.time_zone,
        "now": timezone.now(),
        "max_hours": f"{EXPORT_MAX_RANGE.total_seconds() / 3600:g}",
        "ttl_hours": f"{EXPORT_TTL.total_seconds() / 3600:g}",
    }


def _sentence(message: str) -> str:
    message = message.replace("`", "")
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


class ExportListView(OrganizationViewMixin, View):
    """The export form and the export rows; htmx polls the rows (`export-rows`) while any run."""

    def get(self, request):
        if self.organization is None:
            return render(request, TEMPLATE, {"no_organization": True})
        context = self._context(request, form=self._form(request, initial=self._initial(request)))
        status = STOP_POLLING if htmx_partial(request) and not context["active"] else 200
        return render_page(request, TEMPLATE, "export-rows", context, status=status)

    def post(self, request):
        if self.organization is None:
            raise ObjectNotFound("camera not found")
        form = self._form(request, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            camera = access_camera(
                request.user, data["camera"], action=Action.EXPORT, organization=self.organization
            )
            try:
                export_request(user=request.user, camera=camera, start=data["start"], end=data["end"])
            except ExportError as exc:
                form.add_error(None, _sentence(str(exc)))
            else:
                messages.success(request, f"Export of “{camera.display_title}” queued.")
                if not htmx_partial(request):
                    return redirect("recordings:export_list")
                initial = {**self._initial(request), "camera": camera.name}
                context = self._context(request, form=self._form(request, initial=initial), oob=True)
                return render(request, f"{TEMPLATE}#export-form", context)
        return render_page(request, TEMPLATE, "export-form", self._context(request, form=form), status=422)

    def _form(self, request, **kwargs) -> ExportForm:
        cameras = camera_list(user=request.user, organization=self.organization, action=Action.EXPORT)
        return ExportForm(cameras=cameras, zone=self.organization.time_zone, **kwargs)

    def _initial(self, request) -> dict:
        """The last quarter hour up to this minute, in local time, and the camera the URL names."""
        now = timezone.localtime(timezone.now(), ZoneInfo(self.organization.time_zone)).replace(
            second=0, microsecond=0
        )
        return {
            "camera": request.GET.get("camera", ""),
            "start": (now - DEFAULT_LENGTH).strftime("%Y-%m-%dT%H:%M"),
            "end": now.strftime("%Y-%m-%dT%H:%M"),
        }

    def _context(self, request, *, form: ExportForm, oob: bool = False) -> dict:
        return {
            **rows_context(request, self.organization),
            "form": form,
            "may_export": bool(form.fields["camera"].widget.choices),
            "oob": oob,
        }


class ExportCancelView(OrganizationViewMixin, View):
    """Ask a pending or running export to stop; the worker notices between steps."""

    def post(self, request, public_id):
        if self.organization is None:
            raise ObjectNotFound("export not found")
        job = access_export(request.user, public_id, organization=self.organization)
        job_request_cancel(jobs=[job])
        if not htmx_partial(request):
            messages.info(request, f"Cancelling the export of “{job.camera.display_title}”.")
            return redirect("recordings:export_list")
        return render(request, f"{TEMPLATE}#export-rows", rows_context(request, self.organization))
