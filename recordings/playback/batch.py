"""Batch delete and batch protect of recordings over a range, as jobs with progress and cancel."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from recordings.choices import JobKind, JobStatus
from recordings.models import Job, Segment
from recordings.retention import deletable_segments, segments_purge

from .exports import job_finish, job_publish

BATCH = 200


class BatchError(ValueError):
    pass


def recordings_batch_request(
    *, user, organization, kind: str, camera_ids: list[int], start, end, protect=True
) -> Job:
    """Queue deleting (unprotected only) or (un)protecting the segments of cameras in `[start, end)`."""
    if kind not in (JobKind.BATCH_DELETE, JobKind.BATCH_PROTECT):
        raise BatchError(f"unknown batch kind {kind!r}")
    if end <= start:
        raise BatchError("`to` must be after `from`")
    total = _segments(kind, camera_ids, start, end, protect).count()
    job = Job.objects.create(
        kind=kind,
        organization=organization,
        created_by=user,
        range_start=start,
        range_end=end,
        items_total=total,
        params={"cameras": camera_ids, "protect": protect},
    )
    from recordings.tasks import batch_run_task

    transaction.on_commit(lambda: batch_run_task.delay(job.pk))
    return job


def recordings_batch_run(job_id: int) -> Job:
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.PENDING:
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    cameras, protect = job.params.get("cameras", []), job.params.get("protect", True)
    done = 0
    while True:
        if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            job_finish(job, JobStatus.CANCELLED, items_done=done, message=f"cancelled after {done} segments")
            return job
        ids = list(
            _segments(job.kind, cameras, job.range_start, job.range_end, protect).values_list(
                "id", flat=True
            )[:BATCH]
        )
        if not ids:
            break
        if job.kind == JobKind.BATCH_DELETE:
            segments_purge(ids)
        else:
            Segment.objects.filter(pk__in=ids).update(protected=protect)
        done += len(ids)
        percent = min(100.0, 100.0 * done / job.items_total) if job.items_total else 100.0
        Job.objects.filter(pk=job.pk).update(items_done=done, progress=percent)
        job_publish(job, status=JobStatus.RUNNING, progress=percent, items_done=done)
    job_finish(job, JobStatus.DONE, items_done=done, result={"segments": done})
    return job


def _segments(kind: str, camera_ids: list[int], start: dt.datetime, end: dt.datetime, protect: bool):
    """What is left to do: each pass takes the next batch of it."""
    if kind == JobKind.BATCH_DELETE:
        base = deletable_segments()
    else:
        base = Segment.objects.filter(purging=False).exclude(protected=protect)
    return base.filter(camera_id__in=camera_ids, started_at__lt=end, ended_at__gt=start).order_by(
        "started_at"
    )
