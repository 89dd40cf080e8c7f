"""Turn the pipeline's records into Segment, Gap and Camera rows, in batches, off the demux thread.

`emit()` only enqueues, so a slow database never stalls a camera's demux loop. A writer thread
applies what arrived every second in one transaction; it keeps each open segment's fragment list
in memory, so appending to the index never reads it back.
"""

import datetime as dt
import logging
import queue
import threading
import time
import uuid

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from cameras.choices import CameraStatus
from cameras.models import Camera
from cameras.services.event_subscriptions import camera_event_notify
from nvr_project import events
from nvr_project.redact import mask_url_credentials
from organizations.choices import AuditKind
from organizations.services import audit_event_record
from recordings.media.index import (
    FragmentRecord,
    FragmentWritten,
    GapRecord,
    SegmentClosed,
    SegmentOpened,
    StatusRecord,
    pack_fragments,
)
from recordings.models import Gap, Segment
from recordings.services import run_extend

from .lease import RENEW_EVERY_SECONDS, lease_renew

logger = logging.getLogger(__name__)
FLUSH_SECONDS = 1.0
_STOP = object()


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def wall(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def wall_us(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


class IndexWriter(threading.Thread):
    """Applies records in batches; with `lease_owner` it also renews the camera's lease.

    Renewing here, rather than in a thread of its own, keeps one database connection per camera.
    `lost` is set when the lease cannot be renewed (taken over, camera disabled, database gone).
    """

    def __init__(self, *, camera: Camera, streamer_id: int | None, lease_owner: str = ""):
        super().__init__(name=f"index-writer-{camera.name}", daemon=True)
        self.camera_id = camera.pk
        self.organization_id = camera.organization_id
        self.camera_name = camera.name
        self.streamer_id = streamer_id
        self.queue: queue.Queue = queue.Queue()
        self._segments: dict[str, tuple[int, dt.datetime]] = {}  # path -> (Segment id, started_at)
        self._fragments: dict[str, list[FragmentRecord]] = {}
        self._runs: dict[str, uuid.UUID] = {}  # path -> run of the open segment
        self._init_sizes: dict[str, int] = {}  # path -> size of the open segment's init section
        self._last_status: tuple | None = None
        self.failed = threading.Event()
        self.lease_owner = lease_owner
        self.lost = threading.Event()
        self._renewed_at = time.monotonic()

    def emit(self, record) -> None:
        self.queue.put(record)

    def close(self, timeout: float = 30) -> None:
        """Apply everything queued, then stop."""
        self.queue.put(_STOP)
        self.join(timeout)

    def run(self) -> None:
        try:
            stopping = False
            while not stopping:
                batch, stopping = self._collect()
                if batch:
                    self._apply_with_retry(batch)
                if self.lease_owner and not stopping:
                    self._renew()
        finally:
            connection.close()

    def _collect(self) -> tuple[list, bool]:
        batch = []
        try:
            item = self.queue.get(timeout=FLUSH_SECONDS)
        except queue.Empty:
            return batch, False
        deadline = timezone.now() + dt.timedelta(seconds=FLUSH_SECONDS)
        while True:
            if item is _STOP:
                return batch, True
            batch.append(item)
            remaining = (deadline - timezone.now()).total_seconds()
            try:
                item = (
                    self.queue.get(timeout=max(0.0, remaining)) if remaining > 0 else self.queue.get_nowait()
                )
            except queue.Empty:
                return batch, False

    def _renew(self) -> None:
        if time.monotonic() - self._renewed_at < RENEW_EVERY_SECONDS:
            return
        try:
            renewed = lease_renew(camera_id=self.camera_id, owner=self.lease_owner)
        except Exception:  # no database: stop recording rather than risk two recorders
            logger.exception("lease renewal failed for %s", self.camera_name)
            close_old_connections()
            renewed = False
        self._renewed_at = time.monotonic()
        if not renewed:
            self.lost.set()

    def _apply_with_retry(self, batch: list) -> None:
        for attempt in range(5):
            # What this batch changes in memory is undone with its transaction, so a retry starts
            # from the same state the failed attempt did.
            saved = (
                dict(self._segments),
                {k: list(v) for k, v in self._fragments.items()},
                self._last_status,
                dict(self._runs),
            )
            try:
                with transaction.atomic():
                    self._apply(batch)
                return
            except Exception:
                # The records stay in memory and are applied again; a database restart must not lose them.
                logger.exception("index write for %s failed (attempt %d)", self.camera_name, attempt + 1)
                self._segments, self._fragments, self._last_status, self._runs = saved
                close_old_connections()
                _pause(min(5, 0.5 * 2**attempt))
        self.failed.set()

    def _apply(self, batch: list) -> None:
        touched: set[str] = set()
        for record in batch:
            if isinstance(record, SegmentOpened):
                self._open(record)
            elif isinstance(record, FragmentWritten):
                self._fragments.setdefault(record.path, []).append(record.fragment)
                self._init_sizes[record.path] = record.init_size
                touched.add(record.path)
            elif isinstance(record, SegmentClosed):
                self._close(record)
                touched.discard(record.path)
            elif isinstance(record, GapRecord):
                self._gap(record)
            elif isinstance(record, StatusRecord):
                self._status(record)
        for path in touched:
            self._grow(path)

    def _open(self, record: SegmentOpened) -> None:
        info = record.stream
        run_id = uuid.UUID(record.run_id)
        previous = (
            Segment.objects.filter(camera_id=self.camera_id, started_at__lt=wall(record.started_us))
            .order_by("-started_at")
            .values("sequence", "fragment_count", "discontinuity", "run_id", "ended_at")
            .first()
        )
        sequence = discontinuity = 0
        if previous is not None:  # live playlists number fragments on from the last segment
            sequence = previous["sequence"] + previous["fragment_count"]
            same_run = previous["run_id"] == run_id and previous["ended_at"] == wall(record.started_us)
            discontinuity = previous["discontinuity"] + (0 if same_run else 1)
        segment = Segment.objects.create(
            sequence=sequence,
            discontinuity=discontinuity,
            camera_id=self.camera_id,
            streamer_id=self.streamer_id,
            path=record.path,
            run_id=run_id,
            started_at=wall(record.started_us),
            ended_at=wall(record.started_us),
            video_codec=info.video_codec,
            audio_codec=info.audio_codec,
            width=info.width,
            height=info.height,
            fps=info.fps,
        )
        self._segments[record.path] = (segment.pk, segment.started_at)
        self._runs[record.path] = run_id
        self._fragments[record.path] = []
        run_extend(
            camera_id=self.camera_id,
            run_id=run_id,
            started_at=segment.started_at,
            ended_at=segment.started_at,
        )

    def _grow(self, path: str) -> None:
        fragments = self._fragments[path]
        last = fragments[-1]
        segment_id, started = self._segments[path]
        ended = started + dt.timedelta(microseconds=last.end_us)
        Segment.objects.filter(pk=segment_id).update(
            fragment_index=pack_fragments(fragments),
            fragment_count=len(fragments),
            init_size=self._init_sizes.get(path, 0),  # live playlists and snapshots need it now
            bytes=last.byte_offset + last.size,
            ended_at=ended,
        )
        run_extend(camera_id=self.camera_id, run_id=self._runs[path], started_at=started, ended_at=ended)

    def _close(self, record: SegmentClosed) -> None:
        segment_id, started = self._segments.pop(record.path)
        run_id = self._runs.pop(record.path)
        self._init_sizes.pop(record.path, None)
        self._fragments.pop(record.path, None)
        run_extend(
            camera_id=self.camera_id, run_id=run_id, started_at=started, ended_at=wall(record.ended_us)
        )
        Segment.objects.filter(pk=segment_id).update(
            complete=True,
            ended_at=wall(record.ended_us),
            bytes=record.bytes_total,
            init_size=record.init_size,
            fragment_index=pack_fragments(list(record.fragments)),
            fragment_count=len(record.fragments),
        )

    def _gap(self, record: GapRecord) -> None:
        Gap.objects.update_or_create(
            camera_id=self.camera_id,
            started_at=wall(record.started_us),
            defaults={
                "ended_at": wall(record.ended_us) if record.ended_us is not None else None,
                "reason": record.reason,
                "detail": mask_url_credentials(record.detail)[:500],
            },
        )

    def _status(self, record: StatusRecord) -> None:
        state = {"running": CameraStatus.RUNNING, "waiting": CameraStatus.WAITING}.get(
            record.state, CameraStatus.ERROR
        )
        fields = {"status": state, "status_reason": mask_url_credentials(record.detail)[:500]}
        if record.stream is not None:
            info = record.stream
            fields.update(
                video_codec=info.video_codec,
                audio_codec=info.audio_codec,
                width=info.width,
                height=info.height,
                fps=info.fps,
                audio_transcoded=info.audio_transcoded,
            )
        if record.state == "running":
            fields["bitrate"] = record.bitrate_kbps
            fields["last_frame_at"] = wall(record.at_us) if record.at_us else timezone.now()
        key = (state, fields["status_reason"])
        if key != self._last_status:
            fields["status_changed_at"] = timezone.now()
        Camera.objects.filter(pk=self.camera_id).update(**fields)
        if key != self._last_status:
            if self._last_status is None or self._last_status[0] != state:
                # The audit log (Admin API events) keeps status changes, not every new reason text.
                audit_event_record(
                    kind=AuditKind.CAMERA_STATUS,
                    organization_id=self.organization_id,
                    object_type="stream",
                    object_id=self.camera_name,
                    message=f"{self.camera_name} is {state}"
                    + (f": {fields['status_reason']}" if fields["status_reason"] else ""),
                )
            stopped = self._last_status is not None and self._last_status[0] == CameraStatus.RUNNING
            if stopped and state != CameraStatus.RUNNING:
                camera = Camera.objects.get(pk=self.camera_id)
                reason = fields["status_reason"]
                camera_event_notify(
                    camera=camera,
                    kind="stream_dead",
                    title=f"{camera.title or camera.name} stopped",
                    body=reason or f"the camera is {state}",
                )
            self._last_status = key
            events.camera_status_publish(
                self.organization_id,
                camera=self.camera_name,
                status=state,
                reason=fields["status_reason"],
                video_codec=fields.get("video_codec", ""),
                width=fields.get("width", 0),
                height=fields.get("height", 0),
                audio_transcoded=fields.get("audio_transcoded", False),
                bitrate=fields.get("bitrate"),
            )
