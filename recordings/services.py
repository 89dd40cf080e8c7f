"""Write-side operations on recordings."""

from django.db import transaction

from organizations.choices import AuditKind
from organizations.services import audit_event_record
from recordings.models import Segment


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
