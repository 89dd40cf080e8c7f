"""Check and sync the index against the disk, both ways (LightNVR's "files check" and "sync").

A row whose file is gone is footage nobody can play: sync deletes the row. A file no row points
at (a crash before the writer's first batch, a restored backup) is footage nobody can find: sync
indexes it as recovery does, from its moof boxes. Files younger than a minute are left alone,
since the recorder may not have written their row yet.
"""

import datetime as dt
import os
import re
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from cameras.models import Camera
from recordings.layout import camera_folder, path_in_folder
from recordings.models import Segment
from recordings.recorder.recovery import segment_recover
from recordings.retention import segments_purge

SETTLE_SECONDS = 60
_NAME = re.compile(r"^(\d{6})\.(\d{6})-([0-9a-f]{8})\.mp4$")
_RUNS = uuid.UUID("6f1d2c1e-9a57-4b8e-8f4e-7d4c2b1a0e93")  # namespace of runs rebuilt from file names


@dataclass
class SyncReport:
    missing_files: list[int] = field(default_factory=list)  # segment ids
    orphan_files: list[str] = field(default_factory=list)  # paths relative to the media root
    rows_deleted: int = 0
    files_indexed: int = 0


def recordings_check(*, camera_ids: list[int] | None = None) -> SyncReport:
    """What disagrees, changing nothing. A camera's orphans are looked for in its own folder only."""
    report = SyncReport()
    root = settings.NVR_MEDIA_ROOT
    cameras = Camera.objects.all() if camera_ids is None else Camera.objects.filter(pk__in=camera_ids)
    folders = {camera_folder(camera): camera.pk for camera in cameras.only("id", "storage_key")}
    segments = Segment.objects.filter(camera_id__in=folders.values(), purging=False)
    known = set()
    for segment_id, path in segments.values_list("id", "path").iterator():
        known.add(path)
        if not os.path.exists(os.path.join(root, path)):
            report.missing_files.append(segment_id)
    now = time.time()
    for folder in folders:
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for name in files:
                full = os.path.join(directory, name)
                relative = os.path.relpath(full, root)
                if (
                    relative in known
                    or not _NAME.match(name)
                    or os.path.islink(full)  # a link may point into another camera's folder
                    or now - os.path.getmtime(full) < SETTLE_SECONDS
                ):
                    continue
                report.orphan_files.append(relative)
    return report


def recordings_sync(*, camera_ids: list[int] | None = None) -> SyncReport:
    """Make the index and the disk agree: drop rows without files, index files without rows."""
    report = recordings_check(camera_ids=camera_ids)
    report.rows_deleted = segments_purge(report.missing_files)
    cameras = {camera_folder(c): c for c in Camera.objects.all().only("id", "storage_key", "streamer_id")}
    for relative in report.orphan_files:
        camera = cameras.get(relative.split(os.sep, 1)[0])  # the file belongs to the folder's camera
        started = _started_at(relative)
        if camera is None or started is None or not path_in_folder(camera.storage_key, relative):
            continue
        segment, created = Segment.objects.get_or_create(
            camera=camera,
            started_at=started,
            defaults={
                "path": relative,
                "run_id": uuid.uuid5(
                    _RUNS, f"{camera.pk}-{_NAME.match(os.path.basename(relative)).group(3)}"
                ),
                "ended_at": started,
            },
        )
        if created:
            segment_recover(segment)  # indexes its fragments, or removes a file with none
            report.files_indexed += 1
    return report


def _started_at(relative: str) -> dt.datetime | None:
    parts = relative.split(os.sep)
    match = _NAME.match(parts[-1])
    if len(parts) < 5 or match is None:
        return None
    try:
        day = dt.date(int(parts[-4]), int(parts[-3]), int(parts[-2]))
        clock = dt.datetime.strptime(match.group(1), "%H%M%S").time()
    except ValueError:
        return None
    return dt.datetime.combine(day, clock, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(match.group(2)))


def sync_request(*, user, organization, camera_ids: list[int]):
    """Queue a check-and-sync of these cameras as a job with progress (one step per camera)."""
    from django.db import transaction

    from recordings.choices import JobKind
    from recordings.models import Job
    from recordings.tasks import sync_run_task

    job = Job.objects.create(
        kind=JobKind.SYNC,
        organization=organization,
        created_by=user,
        items_total=len(camera_ids),
        params={"cameras": camera_ids},
    )
    transaction.on_commit(lambda: sync_run_task.delay(job.pk))
    return job


def sync_run(job_id: int):
    from recordings.choices import JobStatus
    from recordings.models import Job
    from recordings.playback.exports import job_finish, job_publish

    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.PENDING:
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    cameras = job.params.get("cameras", [])
    deleted = indexed = 0
    for done, camera_id in enumerate(cameras, start=1):
        if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            job_finish(job, JobStatus.CANCELLED, items_done=done - 1)
            return job
        report = recordings_sync(camera_ids=[camera_id])
        deleted, indexed = deleted + report.rows_deleted, indexed + report.files_indexed
        percent = 100.0 * done / len(cameras)
        Job.objects.filter(pk=job.pk).update(items_done=done, progress=percent)
        job_publish(job, status=JobStatus.RUNNING, progress=percent, items_done=done)
    job_finish(
        job,
        JobStatus.DONE,
        items_done=len(cameras),
        result={"rows_deleted": deleted, "files_indexed": indexed},
    )
    return job
