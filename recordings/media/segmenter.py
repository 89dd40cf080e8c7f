"""Fragmented-MP4 segments on one run's timeline: rotate on the first keyframe past the target.

A run is one demux session. Its packets keep their timestamps (moved to start at zero), so every
segment's `tfdt` is the run time and consecutive segments meet exactly: the keyframe that opens
segment n+1 is the instant that closes segment n. The muxer cuts a fragment at every keyframe
and at least every second, so a crash loses at most one fragment.
"""

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import av

from .index import FragmentRecord, FragmentWritten, SegmentClosed, SegmentOpened, StreamInfo
from .mp4 import parse_moof, track_timescales
from .segment_file import SegmentFile

MUXER_OPTIONS = {
    # empty_moov: the init section comes first and never changes; default_base_moof: fragments are
    # self-contained (what HLS and MSE want); frag_discont with avoid_negative_ts=disabled keeps the
    # run timestamps in tfdt instead of restarting every file at zero.
    "movflags": "frag_keyframe+empty_moov+default_base_moof+frag_discont",
    "frag_duration": "1000000",
    "avoid_negative_ts": "disabled",
}

Emit = Callable[[object], None]
MAX_EARLY = 64  # audio packets kept for the first segment: ~1 s of AAC


def to_us(ticks: int, time_base: Fraction) -> int:
    """Ticks to whole microseconds, rounding down, identically wherever it is computed."""
    return ticks * time_base.numerator * 1_000_000 // time_base.denominator


@dataclass
class _Open:
    file: SegmentFile
    container: av.container.OutputContainer
    streams: dict[int, av.stream.Stream]  # input stream index -> output stream
    relative_path: str
    started_us: int  # run time of the first video packet
    video_track: int = 1
    video_timescale: int = 0
    first_tfdt: int | None = None
    fragments: list = field(default_factory=list)


class Segmenter:
    """Writes one run's packets into consecutive segments under `root` and emits their records.

    `templates` maps input track index to the function that adds its output stream;
    `anchor_wall_us` is the wall time of run time zero.
    """

    def __init__(
        self,
        *,
        root: str,
        camera_dir: str,
        run_id: str,
        templates: dict,
        video_index: int,
        stream_info: StreamInfo,
        anchor_wall_us: int,
        target_us: int,
        emit: Emit,
    ):
        self.root = root
        self.camera_dir = camera_dir
        self.run_id = run_id
        self.templates = templates
        self.video_index = video_index
        self.stream_info = stream_info
        self.anchor_wall_us = anchor_wall_us
        self.target_us = target_us
        self.emit = emit
        self._open: _Open | None = None
        self._early: list = []  # audio that arrived before the first keyframe was released
        self._last_video_end_us = 0

    # --- packets -------------------------------------------------------------------------------
    def write(
        self, packet: av.Packet, *, index: int, run_us: int, is_video: bool, duration_us: int = 0
    ) -> None:
        """Mux a packet of input stream `index` whose dts is `run_us` microseconds into the run."""
        if is_video and packet.is_keyframe:
            # Half a frame of slack: RTP clocks put "2 s later" a few microseconds either side.
            due = self.target_us - duration_us // 2
            if self._open is None or run_us - self._open.started_us >= due:
                self._rotate(run_us)
        if self._open is None:
            if not is_video and len(self._early) < MAX_EARLY:
                self._early.append((packet, index))  # sound while the first picture is held back
            return  # no picture before the first keyframe can be decoded; the gap covers it
        packet.stream = self._open.streams[index]
        self._open.container.mux(packet)
        if is_video:
            self._last_video_end_us = max(self._last_video_end_us, run_us + duration_us)

    def close(self, end_run_us: int | None = None) -> None:
        """Finish the open segment; it ends at `end_run_us` or after its last video frame."""
        if self._open is not None:
            self._finish(end_run_us if end_run_us is not None else self._last_video_end_us)

    # --- segments ------------------------------------------------------------------------------
    def _rotate(self, run_us: int) -> None:
        if self._open is not None:
            self._finish(run_us)
        wall_us = self.anchor_wall_us + run_us
        relative = self._path_for(wall_us)
        os.makedirs(os.path.dirname(os.path.join(self.root, relative)), exist_ok=True)
        state: dict = {}
        file = SegmentFile(
            os.path.join(self.root, relative), lambda moof, at, size: self._fragment(state, moof, at, size)
        )
        try:
            # 256 KB: a 1080p fragment reaches Python in a few calls, not ~25, for little memory.
            container = av.open(file, "w", format="mp4", options=MUXER_OPTIONS, buffer_size=1 << 18)
            streams = {index: template(container) for index, template in self.templates.items()}
        except Exception:
            file.close()
            raise
        self._open = _Open(file, container, streams, relative, run_us)
        state["segment"] = self._open
        self.emit(SegmentOpened(self.run_id, relative, wall_us, self.stream_info))
        early, self._early = self._early, []
        for packet, index in early:
            packet.stream = streams[index]
            container.mux(packet)

    def _finish(self, end_run_us: int) -> None:
        segment, self._open = self._open, None
        try:
            segment.container.close()  # flushes the last fragment
        finally:
            segment.file.close()  # fsync
        end_run_us = max(end_run_us, segment.started_us)
        self.emit(
            SegmentClosed(
                path=segment.relative_path,
                started_us=self.anchor_wall_us + segment.started_us,
                ended_us=self.anchor_wall_us + end_run_us,
                bytes_total=segment.file.position,
                init_size=segment.file.init_size,
                fragments=tuple(segment.fragments),
            )
        )

    def _fragment(self, state: dict, moof: bytes, offset: int, size: int) -> None:
        segment: _Open = state["segment"]
        if not segment.video_timescale:
            tracks = track_timescales(segment.file.moov)
            segment.video_track, (_, segment.video_timescale) = next(
                (tid, info) for tid, info in sorted(tracks.items()) if info[0] == "vide"
            )
        runs = {run.track_id: run for run in parse_moof(moof)}
        video = runs.get(segment.video_track)
        if video is None or not video.sample_count:
            return  # an audio-only tail fragment: its bytes still count in the segment size
        scale = Fraction(1, segment.video_timescale)
        if segment.first_tfdt is None:
            segment.first_tfdt = video.base_decode_time
        record = FragmentRecord(
            start_us=to_us(video.base_decode_time - segment.first_tfdt, scale),
            duration_us=to_us(video.duration, scale),
            byte_offset=offset,
            size=size,
            is_key=video.starts_with_sync,
        )
        segment.fragments.append(record)
        self.emit(FragmentWritten(segment.relative_path, record, segment.file.init_size, offset + size))

    def _path_for(self, wall_us: int) -> str:
        """camera/YYYY/MM/DD/HHMMSS.micro-run.mp4: by camera and UTC date, unique per run."""
        moment = dt.datetime.fromtimestamp(wall_us / 1_000_000, tz=dt.UTC)
        name = f"{moment:%H%M%S}.{wall_us % 1_000_000:06d}-{self.run_id[:8]}.mp4"
        return os.path.join(self.camera_dir, f"{moment:%Y}", f"{moment:%m}", f"{moment:%d}", name)
