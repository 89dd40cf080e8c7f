"""Clip export as a job: request, run (in Celery), progress, cancel, download, expiry."""

import datetime as dt
import logging
import os
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nvr_project import events
from recordings.choices import JobKind, JobStatus
from recordings.media.export import ClipPart, ExportCancelled, remux_clip
from recordings.models import Job

from . import selectors
from .hls import SegmentEntry

logger = logging.getLogger(__name__)

EXPORT_MAX_RANGE = dt.timedelta(hours=24)
EXPORT_TTL = dt.timedelta(hours=24)  # how long a finished export can be downloaded
PROGRESS_EVERY_S = 0.5


class ExportError(ValueError):
    pass


def export_request(*, user, camera, start: dt.datetime, end: dt.datetime) -> Job:
    """Queue an export of `[start, end)` of `camera`; the job reports progress as it runs."""
    if end <= start:
        raise ExportError("`to` must be after `from`")
    if end - start > EXPORT_MAX_RANGE:
        raise ExportError("an export may span at most 24 hours")
    parts = clip_parts(selectors.segment_entries(camera.id, start, end), _us(start), _us(end))
    if not parts:
        raise ExportError("nothing was recorded in this range")
    job = Job.objects.create(
        kind=JobKind.EXPORT,
        organization_id=camera.organization_id,
        camera=camera,
        created_by=user,
        range_start=start,
        range_end=end,
        bytes_total=sum(part.bytes for part in parts),
        items_total=len(parts),
    )
    from recordings.tasks import export_run_task  # the task module imports this one

    transaction.on_commit(lambda: export_run_task.delay(job.pk))
    return job


def export_run(job_id: int) -> Job:
    """Remux the job's range into one MP4 under NVR_MEDIA_ROOT/exports, reporting progress."""
    job = Job.objects.select_related("camera").get(pk=job_id)
    if job.status != JobStatus.PENDING:
        return job
    if job.cancel_requested:
        job_finish(job, JobStatus.CANCELLED, message="cancelled before it started")
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    start, end = _us(job.range_start), _us(job.range_end)
    parts = clip_parts(selectors.segment_entries(job.camera_id, job.range_start, job.range_end), start, end)
    relative = os.path.join("exports", f"{job.public_id}.mp4")
    target = os.path.join(settings.NVR_MEDIA_ROOT, relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    reporter = _Reporter(job)
    try:
        result = remux_clip(
            parts, target, from_us=start, to_us=end, progress=reporter.progress, cancelled=reporter.cancelled
        )
    except ExportCancelled:
        job_finish(job, JobStatus.CANCELLED, message="cancelled")
        return job
    except Exception as exc:  # a broken file or a full disk: the job says so, the worker lives on
        logger.exception("export %s failed", job.public_id)
        job_finish(job, JobStatus.FAILED, error=str(exc) or type(exc).__name__)
        return job
    job.file_path = relative
    job.result = {
        "duration": result.duration_us / 1_000_000,
        "runs": len(result.runs),
        "bytes": result.bytes_written,
    }
    job_finish(job, JobStatus.DONE, file_path=relative, result=job.result, bytes_done=job.bytes_total)
    return job


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their expiry; the rows stay as history."""
    now = now or timezone.now()
    expired = Job.objects.filter(kind=JobKind.EXPORT, expires_at__lte=now).exclude(file_path="")
    count = 0
    for job in expired:
        try:
            os.remove(os.path.join(settings.NVR_MEDIA_ROOT, job.file_path))
        except FileNotFoundError:
            pass
        Job.objects.filter(pk=job.pk).update(file_path="", message="expired")
        count += 1
    return count


def clip_parts(entries: list[SegmentEntry], from_us: int, to_us: int) -> list[ClipPart]:
    """The fragments a clip of `[from_us, to_us)` needs: from the keyframe at or before the start."""
    parts = []
    for entry in entries:
        overlapping = [
            number
            for number, fragment in enumerate(entry.fragments)
            if entry.started_us + fragment.start_us < to_us and entry.started_us + fragment.end_us > from_us
        ]
        if not overlapping:
            continue
        first = overlapping[0]
        while first > 0 and not entry.fragments[first].is_key:  # a clip opens on a keyframe
            first -= 1
        fragments = entry.fragments[first : overlapping[-1] + 1]
        parts.append(
            ClipPart(
                path=os.path.join(settings.NVR_MEDIA_ROOT, entry.path),
                run_id=entry.run_id,
                init_size=entry.init_size,
                ranges=[(f.byte_offset, f.size) for f in fragments],
                starts_us=entry.started_us + fragments[0].start_us,
                ends_us=entry.started_us + fragments[-1].end_us,
            )
        )
    return parts


class _Reporter:
    """Progress into the job row and onto the organization's event channel, a few times a second."""

    def __init__(self, job: Job):
        self.job = job
        self._at = 0.0
        self._cancel = False

    def progress(self, done: int, total: int) -> None:
        if time.monotonic() - self._at < PROGRESS_EVERY_S and done < total:
            return
        self._at = time.monotonic()
        percent = min(100.0, 100.0 * done / total) if total else 100.0
        Job.objects.filter(pk=self.job.pk).update(progress=percent, bytes_done=done)
        self._cancel = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        job_publish(self.job, status=JobStatus.RUNNING, progress=percent, bytes_done=done)

    def cancelled(self) -> bool:
        return self._cancel or Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()


def job_finish(job: Job, status: str, **fields) -> None:
    now = timezone.now()
    updates = {"status": status, "finished_at": now, **fields}
    if status == JobStatus.DONE:
        updates |= {"progress": 100.0, "expires_at": now + EXPORT_TTL}
    Job.objects.filter(pk=job.pk).update(**updates)
    for key, value in updates.items():
        setattr(job, key, value)
    job_publish(job, status=status, progress=job.progress, bytes_done=job.bytes_done)


def job_publish(job: Job, **payload) -> None:
    events.job_progress_publish(job.organization_id, job_id=str(job.public_id), kind=job.kind, **payload)


def _us(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
