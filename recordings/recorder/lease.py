"""Exactly one recorder per camera: a lease taken and renewed by conditional UPDATE (Healthchecks).

A lease is a row's `lease_owner` and `lease_expires_at`. Taking it succeeds only if it is free,
expired, or was reserved for this claimant by `recorder_assign`; a second claimant's UPDATE
matches no row and it returns at once. A dead worker's lease simply expires.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cameras.models import Camera, Streamer

LEASE_SECONDS = 8
RENEW_EVERY_SECONDS = 2
QUEUED_PREFIX = "queued:"


def lease_reserve(*, camera_id: int, token: str, seconds: float = 30) -> bool:
    """Mark a free camera as handed to the queue, so the next assign pass does not send it twice."""
    now = timezone.now()
    return (
        _free(Camera.objects.filter(pk=camera_id), now).update(
            lease_owner=f"{QUEUED_PREFIX}{token}", lease_expires_at=now + timedelta(seconds=seconds)
        )
        == 1
    )


def node_of(owner: str) -> str:
    """The recording node of a lease owner (`<node>:<pid>:<nonce>`)."""
    return owner.split(":", 1)[0]


def draining_nodes():
    """Nodes that take no cameras: disabled, or capped at zero (Watcher `channel_limit: 0`).

    Their recorders lose their leases at the next renewal and their cameras go to the other nodes.
    """
    return Streamer.objects.filter(Q(enabled=False) | Q(channel_limit=0))


def node_has_room(node: str, now=None) -> bool:
    """Whether `node` may take one more camera: not draining and under its `channel_limit`."""
    streamer = Streamer.objects.filter(hostname=node).first()
    if streamer is None:
        return True  # a node that has not sent its first heartbeat yet
    if not streamer.enabled or streamer.channel_limit == 0:
        return False
    if streamer.channel_limit is None:
        return True
    now = now or timezone.now()
    held = Camera.objects.filter(lease_owner__startswith=f"{node}:", lease_expires_at__gt=now).count()
    return held < streamer.channel_limit


def labels_match(node_labels: dict | None, camera_labels: dict | None) -> bool:
    """Whether a node may record a camera: it carries every label the camera asks for (Watcher's
    required labels). A camera without labels goes anywhere."""
    node_labels = node_labels or {}
    return all(node_labels.get(key) == value for key, value in (camera_labels or {}).items())


def node_labels(node: str) -> dict:
    return Streamer.objects.filter(hostname=node).values_list("labels", flat=True).first() or {}


def lease_claim(*, camera_id: int, owner: str, token: str = "") -> bool:
    now = timezone.now()
    if not node_has_room(node_of(owner), now):
        return False
    wanted = Camera.objects.filter(pk=camera_id).values_list("labels", flat=True).first()
    if wanted and not labels_match(node_labels(node_of(owner)), wanted):
        return False  # another node, carrying the labels, takes it from the shared queue
    cameras = Camera.objects.filter(pk=camera_id, enabled=True)
    mine = Q(lease_owner=f"{QUEUED_PREFIX}{token}") if token else Q(pk__in=[])
    claimed = cameras.filter(mine | Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)).update(
        lease_owner=owner, lease_expires_at=now + timedelta(seconds=LEASE_SECONDS)
    )
    return claimed == 1


def lease_renew(*, camera_id: int, owner: str) -> bool:
    """Extend our lease; False if it was lost (expired and taken), the camera was disabled, or our
    node is draining (so its cameras move to another node within a lease's lifetime)."""
    now = timezone.now()
    draining = draining_nodes().filter(hostname=node_of(owner))
    return (
        Camera.objects.filter(pk=camera_id, lease_owner=owner, enabled=True, record=True)
        .exclude(Exists(draining))
        .update(lease_expires_at=now + timedelta(seconds=LEASE_SECONDS))
        == 1
    )


def lease_release(*, camera_id: int, owner: str) -> None:
    Camera.objects.filter(pk=camera_id, lease_owner=owner).update(lease_owner="", lease_expires_at=None)


def _free(cameras, now):
    return cameras.filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))


def cameras_without_lease():
    """Enabled cameras to record that nobody holds, with `_pin_draining`: whether the node they are
    pinned to takes no cameras now (then any other node records them until it is back)."""
    now = timezone.now()
    cameras = _free(Camera.objects.filter(enabled=True, record=True, inputs__isnull=False), now).distinct()
    return cameras.annotate(_pin_draining=Exists(draining_nodes().filter(pk=OuterRef("streamer_id"))))


def ingest_queue(streamer_hostname: str | None) -> str:
    """The queue a camera's recording task goes to: its pinned node's own, or the shared one."""
    return f"ingest.{streamer_hostname}" if streamer_hostname else "ingest"
