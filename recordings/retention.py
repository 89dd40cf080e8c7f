"""Retention: keep each camera within its age and space limits and the disk above its free floor.

Run by beat every minute (`recordings.tasks.retention_enforce`). Protected segments, segments
with a `retention_until` in the future and segments under a protected episode are never
deleted; a camera whose protected footage alone exceeds its quota is reported, not truncated.
Deleting marks the row (`purging`), unlinks the file, then deletes the row, so a crash at any
point leaves neither a file without a row nor a row without a file once the next run finishes.
"""

import datetime as dt
import logging
import os
import shutil
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, Max, Min, OuterRef, Q, Sum
from django.utils import timezone

from cameras.models import Camera
from recordings.choices import RetentionScope
from recordings.layout import path_in_folder
from recordings.models import Episode, RetentionPolicy, Run, Segment

logger = logging.getLogger(__name__)
BATCH = 200


@dataclass
class RetentionReport:
    deleted_segments: int = 0
    deleted_bytes: int = 0
    over_quota: list[dict] = field(default_factory=list)  # cameras whose protected footage exceeds the limit
    below_floor: bool = False  # still short of free space with nothing left to delete


@dataclass(frozen=True)
class Limits:
    max_age: int | None  # seconds
    max_bytes: int | None


def camera_limits(camera: Camera, policies: dict) -> Limits:
    """The first that sets each limit: the camera, its organization, its node, the default."""
    chain = [
        policies.get(("org", camera.organization_id)),
        policies.get(("node", camera.streamer_id)),
        policies.get(("default", None)),
    ]
    max_age, max_bytes = camera.dvr_depth, camera.dvr_space_limit
    for policy in filter(None, chain):
        max_age = max_age if max_age is not None else policy.max_age
        max_bytes = max_bytes if max_bytes is not None else policy.max_bytes
    return Limits(max_age, max_bytes)


def _policies() -> dict:
    found = {}
    for policy in RetentionPolicy.objects.filter(enabled=True):
        if policy.scope == RetentionScope.ORGANIZATION:
            found[("org", policy.organization_id)] = policy
        elif policy.scope == RetentionScope.NODE:
            found[("node", policy.streamer_id)] = policy
        else:
            found[("default", None)] = policy
    return found


def deletable_segments():
    """Closed segments that nothing protects, oldest first."""
    now = timezone.now()
    protected_episode = Episode.objects.filter(
        camera_id=OuterRef("camera_id"), protected=True, opened_at__lt=OuterRef("ended_at")
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__gt=OuterRef("started_at")))
    return (
        Segment.objects.filter(complete=True, protected=False, purging=False)
        .exclude(retention_until__gt=now)
        .exclude(Exists(protected_episode))
        .order_by("started_at")
    )


def retention_run(*, now: dt.datetime | None = None) -> RetentionReport:
    now = now or timezone.now()
    report = RetentionReport()
    _finish_interrupted(report)
    policies = _policies()
    for camera in Camera.objects.all().only(
        "id", "name", "organization_id", "streamer_id", "dvr_depth", "dvr_space_limit"
    ):
        limits = camera_limits(camera, policies)
        if limits.max_age:
            old = deletable_segments().filter(
                camera_id=camera.id, ended_at__lt=now - dt.timedelta(seconds=limits.max_age)
            )
            segments_purge(list(old.values_list("id", flat=True)), report)
        if limits.max_bytes:
            _enforce_space(camera, limits.max_bytes, report)
    _enforce_floor(report)
    return report


def retention_daily(*, now: dt.datetime | None = None) -> list[RetentionPolicy]:
    """At each policy's daily cleanup time (server time zone), reconcile its cameras' index and disk.

    Limits are enforced every minute, so the daily slot (Lenz's cleanup schedule) is where the
    slower check-and-sync runs, once a day per policy.
    """
    from recordings.sync import recordings_sync  # sync deletes through this module

    now = now or timezone.now()
    local = timezone.localtime(now)
    ran = []
    for policy in RetentionPolicy.objects.filter(enabled=True):
        due = local.replace(
            hour=policy.cleanup_time.hour, minute=policy.cleanup_time.minute, second=0, microsecond=0
        )
        if now < due or (policy.last_run_at is not None and policy.last_run_at >= due):
            continue
        recordings_sync(camera_ids=policy_cameras(policy))
        RetentionPolicy.objects.filter(pk=policy.pk).update(last_run_at=now)
        ran.append(policy)
    return ran


def policy_cameras(policy: RetentionPolicy) -> list[int]:
    """Ids of the cameras a policy's scope covers (the default policy covers every camera)."""
    cameras = Camera.objects.all()
    if policy.scope == RetentionScope.ORGANIZATION:
        cameras = cameras.filter(organization_id=policy.organization_id)
    elif policy.scope == RetentionScope.NODE:
        cameras = cameras.filter(streamer_id=policy.streamer_id)
    return list(cameras.values_list("id", flat=True))


def free_floor_bytes(path) -> int:
    total = shutil.disk_usage(path).total
    return max(settings.NVR_MIN_FREE_BYTES, total * settings.NVR_MIN_FREE_PERCENT // 100)


def segments_purge(segment_ids: list[int], report: RetentionReport | None = None) -> int:
    """Delete segments: mark them, unlink their files (only inside their camera's folder), delete their
    rows, trim their runs."""
    deleted = 0
    for at in range(0, len(segment_ids), BATCH):
        batch = segment_ids[at : at + BATCH]
        Segment.objects.filter(pk__in=batch).update(purging=True)
        rows = list(
            Segment.objects.filter(pk__in=batch, purging=True).values_list(
                "id", "path", "bytes", "run_id", "camera__storage_key"
            )
        )
        for _, path, _, _, storage_key in rows:
            if path_in_folder(storage_key, path):
                _unlink(path)
            else:  # not this camera's file: its row goes, the file stays with the folder's camera
                logger.warning("segment %s is outside its camera's folder; not removing the file", path)
        Segment.objects.filter(pk__in=[row[0] for row in rows]).delete()
        _trim_runs({row[3] for row in rows})
        deleted += len(rows)
        if report is not None:
            report.deleted_segments += len(rows)
            report.deleted_bytes += sum(row[2] for row in rows)
    return deleted


def _finish_interrupted(report: RetentionReport) -> None:
    """Segments a crashed run had marked: finish deleting them."""
    marked = list(Segment.objects.filter(purging=True).values_list("id", flat=True))
    if marked:
        segments_purge(marked, report)


def _enforce_space(camera: Camera, max_bytes: int, report: RetentionReport) -> None:
    total = (
        Segment.objects.filter(camera_id=camera.id, purging=False).aggregate(total=Sum("bytes"))["total"] or 0
    )
    if total <= max_bytes:
        return
    excess, chosen = total - max_bytes, []
    for segment_id, size in (
        deletable_segments().filter(camera_id=camera.id).values_list("id", "bytes").iterator()
    ):
        if excess <= 0:
            break
        chosen.append(segment_id)
        excess -= size
    segments_purge(chosen, report)
    if excess > 0:  # what is left is protected: say so rather than cut into it
        report.over_quota.append({"camera": camera.name, "limit": max_bytes, "bytes": max_bytes + excess})
        logger.warning(
            "camera %s keeps %d bytes of protected footage over its %d limit", camera.name, excess, max_bytes
        )


def _enforce_floor(report: RetentionReport) -> None:
    root = settings.NVR_MEDIA_ROOT
    if not os.path.isdir(root):
        return
    floor = free_floor_bytes(root)
    while (short := floor - shutil.disk_usage(root).free) > 0:
        chosen, freed = [], 0
        for segment_id, size in deletable_segments().values_list("id", "bytes")[:BATCH]:
            chosen.append(segment_id)
            freed += size
            if freed >= short:
                break
        if not chosen:
            report.below_floor = True
            logger.error("media disk is below its free-space floor and nothing more may be deleted")
            return
        segments_purge(chosen, report)


def _trim_runs(run_ids: set) -> None:
    """A run spans what remains of its segments; a run with none left goes."""
    remaining = {
        run_id: (first, last)
        for run_id, first, last in Segment.objects.filter(run_id__in=run_ids)
        .values("run_id")
        .annotate(first=Min("started_at"), last=Max("ended_at"))
        .values_list("run_id", "first", "last")
    }
    for run_id in run_ids:
        if run_id in remaining:
            first, last = remaining[run_id]
            Run.objects.filter(run_id=run_id).update(started_at=first, ended_at=last)
        else:
            Run.objects.filter(run_id=run_id).delete()


def _unlink(relative: str) -> None:
    try:
        os.remove(os.path.join(settings.NVR_MEDIA_ROOT, relative))
    except FileNotFoundError:
        pass
