"""Write-side operations on recordings."""

from django.db import transaction

from organizations.choices import AuditKind
from organizations.services import audit_event_record
from recordings.choices import JobStatus
from recordings.models import Job, Run, Segment


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
