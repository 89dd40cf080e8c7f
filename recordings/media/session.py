"""Record one camera: connect, remux into segments, and on any failure record a gap and retry.

`RecordingLoop.run()` is the retry loop and `run_once()` one connection (Moonfire's Streamer).
It takes plain values and emits plain records (index.py) through `emit`, so it runs the same in
a Celery worker, a management command or a benchmark, and never touches a database.
"""

import logging
import threading
from dataclasses import dataclass

from .audio import REMUXED, TRANSCODED, AacTranscoder
from .clock import Clock, SystemClock
from .connection import Connection
from .index import GapRecord, SegmentClosed, SegmentOpened, StatusRecord
from .segmenter import Emit
from .source import Source, SourceConfig, SourceError, open_source

logger = logging.getLogger(__name__)

BACKOFF_CAP_S = 5.0
STATUS_EVERY_S = 5.0


_BACKOFF_S = (0.0, 0.5, 1.0, 2.0, 3.0)


def backoff_delay(attempt: int) -> float:
    """0 for the first retry, then 0.5, 1, 2, 3 and 5 s at most, forever (#4: no long cooldowns).

    The steps stay small early so a camera back from a reboot is recording within ~3 s.
    """
    return _BACKOFF_S[attempt] if attempt < len(_BACKOFF_S) else BACKOFF_CAP_S


@dataclass
class _Outcome:
    recorded: bool
    reason: str
    detail: str
    ended_us: int | None  # wall time the footage stopped, if any was recorded


class RecordingLoop:
    def __init__(
        self,
        *,
        camera_dir: str,
        source: SourceConfig,
        root: str,
        segment_seconds: float,
        record_audio: bool,
        emit: Emit,
        stop: threading.Event,
        clock: Clock | None = None,
    ):
        self.camera_dir = camera_dir
        self.source = source
        self.root = root
        self.target_us = int(segment_seconds * 1_000_000)
        self.record_audio = record_audio
        self.emit = emit
        self.stop = stop
        self.clock = clock or SystemClock()
        self._gap: GapRecord | None = None
        self._last_end_us: int | None = None
        self._recorded = False  # this connection opened a segment

    def run(self, *, open_gap: GapRecord | None = None) -> None:
        """Record until `stop` is set. `open_gap` is an outage that began before this loop."""
        self._gap = open_gap
        attempt = 0
        while not self.stop.is_set():
            try:
                outcome = self.run_once()
            except Exception as exc:  # a bug or a codec we mishandle must not end recording for good
                logger.exception("recording %s failed", self.source.safe_url)
                outcome = _Outcome(
                    self._recorded, "recorder_error", f"recorder error: {exc}", self._last_end_us
                )
                self._outage(outcome)
            attempt = 0 if outcome.recorded else attempt + 1
            self.stop.wait(backoff_delay(attempt))

    def run_once(self) -> _Outcome:
        """One connection: record until the source fails, ends or `stop` is set.

        The outage is recorded the moment it is noticed, before the connection is torn down:
        closing a stalled camera's session waits for a TEARDOWN reply that never comes.
        """
        self._recorded = False
        try:
            source = open_source(self.source)
        except SourceError as exc:
            outcome = _Outcome(False, exc.reason, exc.detail, None)
            self._outage(outcome)
            return outcome
        try:
            outcome = self._record(source)
        except BaseException:
            source.close()
            raise
        self._outage(outcome)
        if outcome.reason == "stalled":
            threading.Thread(target=source.close, name="close-stalled", daemon=True).start()
        else:
            source.close()
        return outcome

    # --- one connection ------------------------------------------------------------------------
    def _record(self, source: Source) -> _Outcome:
        video = next((t for t in source.tracks if t.kind == "video"), None)
        if video is None:
            return _Outcome(False, "connect_failed", f"{self.source.safe_url}: no video track", None)
        audio, transcoder = self._audio_track(source)
        connection = Connection(
            video=video,
            audio=audio,
            transcoder=transcoder,
            root=self.root,
            camera_dir=self.camera_dir,
            target_us=self.target_us,
            emit=self._emit,
            wall_us=self.clock.wall_us,
        )
        wanted = {video.index} | ({audio.index} if audio else set())
        reason, detail = "source_ended", "the camera closed the stream"
        bytes_in, status_at = 0, self.clock.monotonic()
        self.emit(StatusRecord("running", "", connection.info, at_us=self.clock.wall_us()))
        try:
            for index, packet in source.packets():
                if self.stop.is_set():
                    reason, detail = "worker_stopped", "the recorder stopped"
                    break
                if index not in wanted:
                    continue
                bytes_in += packet.size
                connection.feed(index, packet)
                elapsed = self.clock.monotonic() - status_at
                if elapsed >= STATUS_EVERY_S:
                    kbps = int(bytes_in * 8 / elapsed / 1000)
                    self.emit(StatusRecord("running", "", connection.info, kbps, self.clock.wall_us()))
                    bytes_in, status_at = 0, self.clock.monotonic()
        except SourceError as exc:
            reason, detail = exc.reason, exc.detail
        except OSError as exc:  # the disk, not the camera: ENOSPC, EACCES, …
            reason, detail = "disk_error", f"cannot write recordings: {exc}"
            self.emit(StatusRecord("error", detail, connection.info, at_us=self.clock.wall_us()))
        finally:
            try:
                connection.close()
            except OSError as exc:
                reason, detail = "disk_error", f"cannot write recordings: {exc}"
                self.emit(StatusRecord("error", detail, connection.info, at_us=self.clock.wall_us()))
        return _Outcome(self._recorded, reason, detail, self._last_end_us)

    def _audio_track(self, source: Source):
        if not self.record_audio:
            return None, None
        audio = next((t for t in source.tracks if t.kind == "audio"), None)
        if audio is None:
            return None, None
        if not audio.sample_rate:
            logger.warning("not recording audio of %s: its parameters are unknown", self.source.safe_url)
            return None, None
        if audio.codec in REMUXED:
            return audio, None
        if audio.codec in TRANSCODED:
            return audio, AacTranscoder(audio.codec, audio.sample_rate)
        logger.info("not recording %s audio of %s: MP4 cannot carry it", audio.codec, self.source.safe_url)
        return None, None

    # --- records -------------------------------------------------------------------------------
    def _emit(self, record) -> None:
        if isinstance(record, SegmentOpened):
            self._recorded = True
        if isinstance(record, SegmentOpened) and self._gap is not None:
            self.emit(GapRecord(self._gap.started_us, record.started_us, self._gap.reason, self._gap.detail))
            self._gap = None
        if isinstance(record, SegmentClosed):
            self._last_end_us = record.ended_us
        self.emit(record)

    def _outage(self, outcome: _Outcome) -> None:
        if self.stop.is_set():
            return  # stopping is not an outage of the camera; the next recorder opens the gap
        self._open_gap(outcome)
        self.emit(StatusRecord("waiting", outcome.detail, at_us=self.clock.wall_us()))

    def _open_gap(self, outcome: _Outcome) -> None:
        if self._gap is None:
            started = outcome.ended_us or self._last_end_us or self.clock.wall_us()
            self._gap = GapRecord(started, None, outcome.reason, outcome.detail)
        else:  # still out: keep the first reason, report the latest error
            self._gap = GapRecord(self._gap.started_us, None, self._gap.reason, outcome.detail)
        self.emit(self._gap)
