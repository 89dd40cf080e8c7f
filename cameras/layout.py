"""Where cameras are recorded: the current placement and a dry-run plan (Watcher's layouter).

The recorder itself places cameras through leases (recordings.recorder.lease); this module answers
"what would change if a node were configured differently" without touching a lease. The plan keeps
a camera where it is while its node can hold it (no needless moves), honours pins to nodes that take
cameras, and sends the rest to the available node with the most room.
"""

from dataclasses import dataclass

from django.utils import timezone

from cameras.models import Camera, Streamer


@dataclass(frozen=True)
class NodeCapacity:
    hostname: str
    takes_cameras: bool  # enabled, online and not capped at zero
    channel_limit: int | None  # None: unlimited
    labels: tuple = ()  # (key, value) pairs the node carries


@dataclass(frozen=True)
class Spot:
    camera_id: int
    current: str | None  # the node recording it now
    pinned: str | None  # the node an administrator tied it to
    labels: tuple = ()  # (key, value) pairs a node must carry to record it


def node_capacities(now=None) -> dict[str, NodeCapacity]:
    now = now or timezone.now()
    nodes = {}
    for node in Streamer.objects.all():
        online = node.is_online(now)
        takes = node.enabled and node.channel_limit != 0 and online
        labels = tuple(sorted((node.labels or {}).items()))
        nodes[node.hostname] = NodeCapacity(node.hostname, takes, node.channel_limit, labels)
    return nodes


def camera_spots(now=None) -> list[Spot]:
    """Every camera the recorder would record (enabled, with an input), with the node holding its
    lease and its pin."""
    now = now or timezone.now()
    cameras = Camera.objects.filter(enabled=True, record=True, inputs__isnull=False).distinct()
    rows = cameras.values_list("pk", "lease_owner", "lease_expires_at", "streamer__hostname", "labels")
    spots = []
    for pk, owner, expires, pinned, labels in rows.order_by("pk"):
        held = owner and expires is not None and expires > now and not owner.startswith("queued:")
        wanted = tuple(sorted((labels or {}).items()))
        spots.append(Spot(pk, owner.split(":", 1)[0] if held else None, pinned, wanted))
    return spots


def plan(nodes: dict[str, NodeCapacity], spots: list[Spot]) -> dict[int, str | None]:
    """camera id → the node that would record it (None: no node can)."""
    load: dict[str, int] = {name: 0 for name in nodes}
    placed: dict[int, str | None] = {}

    def room(name: str | None, spot: Spot) -> bool:
        node = nodes.get(name) if name else None
        if node is None or not node.takes_cameras or not set(spot.labels) <= set(node.labels):
            return False
        return node.channel_limit is None or load[name] < node.channel_limit

    rest = []
    for spot in spots:  # first pass: the pinned node if it takes cameras, else stay put
        pin_usable = spot.pinned in nodes and nodes[spot.pinned].takes_cameras
        preferred = spot.pinned if pin_usable else spot.current
        if preferred and room(preferred, spot):
            placed[spot.camera_id] = preferred
            load[preferred] += 1
        else:
            rest.append(spot)
    for spot in rest:  # second pass: the emptiest node with room (by name on a tie)
        free = [name for name in sorted(nodes) if room(name, spot)]
        choice = min(free, key=lambda name: load[name]) if free else None
        placed[spot.camera_id] = choice
        if choice:
            load[choice] += 1
    return placed


def counts(assignment: dict[int, str | None]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for node in assignment.values():
        if node:
            totals[node] = totals.get(node, 0) + 1
    return totals


def preview_node_change(hostname: str, *, channel_limit=..., enabled=..., labels=...) -> list[dict]:
    """How many cameras each node would record under the present settings and if `hostname` were
    changed so; both plans start from where cameras are recorded now, so cameras no node holds yet
    are placed in both and only the change's own effect shows. Only nodes whose count changes are
    listed: `{hostname, before, after}`.
    """
    now = timezone.now()
    nodes = node_capacities(now)
    spots = camera_spots(now)
    before = counts(plan(nodes, spots))
    current = nodes.get(hostname, NodeCapacity(hostname, False, None))
    limit = current.channel_limit if channel_limit is ... else channel_limit
    streamer = Streamer.objects.filter(hostname=hostname).first()
    is_enabled = (streamer.enabled if streamer else True) if enabled is ... else enabled
    online = streamer is not None and streamer.is_online(now)
    labels = current.labels if labels is ... else tuple(sorted(labels.items()))
    nodes[hostname] = NodeCapacity(hostname, bool(is_enabled and limit != 0 and online), limit, labels)
    after = counts(plan(nodes, spots))
    changed = sorted(name for name in set(before) | set(after) if before.get(name, 0) != after.get(name, 0))
    return [
        {"hostname": name, "before": before.get(name, 0), "after": after.get(name, 0)} for name in changed
    ]


def preview_camera_change(camera: Camera, *, enabled: bool) -> dict | None:
    """Where `camera` would be recorded if it were switched on or off; None when nothing changes.

    Returns `{ingest: hostname | None, change_reason}` (Watcher StreamLayout terms).
    """
    now = timezone.now()
    nodes = node_capacities(now)
    spots = [s for s in camera_spots(now) if s.camera_id != camera.id]
    own = next((s for s in camera_spots(now) if s.camera_id == camera.id), None)
    before = plan(nodes, spots + [own]).get(camera.id) if own else None
    if enabled:
        pinned = camera.streamer.hostname if camera.streamer_id else None
        wanted = tuple(sorted((camera.labels or {}).items()))
        after = plan(nodes, spots + [own or Spot(camera.id, None, pinned, wanted)]).get(camera.id)
    else:
        after = None
    if before == after:
        return None
    reason = "stream_disabled" if not enabled else ("not_distributed" if after is None else "relayout_by_api")
    return {"ingest": after, "change_reason": reason}
