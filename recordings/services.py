"""Write-side operations on recordings."""

from django.db import transaction
from django.utils import timezone

from cameras.models import Camera
from cameras.services.event_subscriptions import camera_event_notify
from nvr_project import events
from organizations.choices import AuditKind
from organizations.services import audit_event_record
from recordings.choices import JobStatus
from recordings.layout import camera_folder_remove
from recordings.models import Episode, Job, Run, Segment


@transaction.atomic
def segment_set_protected(*, segments, protected: bool, actor) -> int:
    """Protect (or release) segments from retention and batch delete; returns how many changed."""
    changed = Segment.objects.filter(pk__in=[s.pk for s in segments]).exclude(protected=protected)
    ids = list(changed.values_list("pk", flat=True))
    count = Segment.objects.filter(pk__in=ids).update(protected=protected)
    if count:
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=actor,
            object_type="segment",
            object_id=",".join(map(str, ids[:50])),
            message=f"{'protected' if protected else 'unprotected'} {count} segments",
        )
    return count


def job_request_cancel(*, jobs) -> int:
    """Ask running or pending jobs to stop; the task checks the flag between steps."""
    finished = [JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED]
    return (
        Job.objects.filter(pk__in=[j.pk for j in jobs])
        .exclude(status__in=finished)
        .update(cancel_requested=True)
    )


def run_extend(*, camera_id: int, run_id, started_at, ended_at) -> None:
    """Record that run `run_id` covers `[started_at, ended_at)`, widening what it covered."""
    run, created = Run.objects.get_or_create(
        run_id=run_id, defaults={"camera_id": camera_id, "started_at": started_at, "ended_at": ended_at}
    )
    if not created and (ended_at > run.ended_at or started_at < run.started_at):
        Run.objects.filter(pk=run.pk).update(
            started_at=min(started_at, run.started_at), ended_at=max(ended_at, run.ended_at)
        )


# --- issue 7: deleting a camera's archive; creating episodes with their realtime news -----------


def camera_archive_purge(*, camera_id: int) -> int:
    """Delete every segment of a camera, protected or not (the camera itself is going): files first,
    then rows, as retention does, so a crash leaves no orphan file. Returns how many went.

    Gaps, runs and episodes go with the camera row (CASCADE); segments are PROTECTed so that no
    camera is ever deleted with its files still on disk. After commit its folder goes too, with any
    file no row knew of: the folder is the camera's alone (`recordings.layout`), nobody else's.
    """
    from recordings.retention import segments_purge  # retention imports this module's models only

    camera = Camera.objects.only("id", "storage_key").get(pk=camera_id)
    ids = list(Segment.objects.filter(camera_id=camera_id).values_list("id", flat=True))
    deleted = segments_purge(ids) if ids else 0
    transaction.on_commit(lambda: camera_folder_remove(camera))
    return deleted


@transaction.atomic
def episode_create(*, camera, opened_at, episode_type: str = "generic", **fields) -> Episode:
    """Register an episode on `camera`; `updated_at` is now, so `updated_at_gt` feeds pick it up.

    Publishes episode.created to the camera's organization after commit: dashboards relay it and
    the Watcher long-poll (`GET /episodes?updated_at_gt=…&poll_timeout=…`) wakes on it.
    Raises ValidationError for bad values.
    """
    episode = Episode(
        camera=camera, opened_at=opened_at, episode_type=episode_type, updated_at=timezone.now(), **fields
    )
    episode.full_clean()
    episode.save()
    events.episode_created_publish(
        camera.organization_id,
        camera=camera.name,
        episode_id=episode.pk,
        episode_type=episode.episode_type,
        opened_at=episode.opened_at,
        title=episode.title,
    )
    kind = episode.episode_type if episode.episode_type in ("face", "vehicle") else "generic"
    camera_event_notify(
        camera=camera,
        kind=kind,
        title=f"{camera.title or camera.name}: {episode.get_episode_type_display().lower()}",
        body=episode.title,
        data={"episode_id": episode.pk},
    )
    return episode
