"""Make a camera's timestamps fit for MP4: present, increasing, continuous, one packet per frame.

Cameras send packets without timestamps (libavformat's RTSP client gives the first video packet
none), jump their clocks, step backwards after a glitch, and split a frame into several slices
that share one DTS. The MP4 muxer refuses all of these. This module repairs them without
dropping a frame or inventing a gap: a jump is bridged at the pace the wall clock says passed,
and same-DTS video packets are merged into one access unit.

Run time zero is the first video packet. Video is held back by one packet, so a missing
timestamp can be taken from the next frame and slices of one frame can be merged. Audio before
run time zero precedes the first picture and is dropped.
"""

from dataclasses import dataclass, field
from fractions import Fraction

import av

from .tracks import Track

# A jump larger than this (beyond what the wall clock says elapsed) is a clock jump, not time.
JUMP_TOLERANCE_US = 2_000_000


def _ticks(us: int, tb: Fraction) -> int:
    return us * tb.denominator // (tb.numerator * 1_000_000)


@dataclass
class _Track:
    time_base: Fraction
    frame_ticks: int  # a guess at one frame's duration, for packets that carry no timestamp
    offset: int | None = None  # added to the camera's dts to get run time, in ticks
    last_dts: int | None = None  # run time of the last packet, ticks
    last_delta: int = 0
    last_wall_us: int = 0
    repairs: dict = field(default_factory=lambda: {"missing": 0, "backwards": 0, "jumps": 0, "merged": 0})


class TimestampRepair:
    """Per-run repairs. `feed()` returns the packets ready to mux, in order, with run timestamps."""

    def __init__(self, tracks: list[Track]):
        self.video_index = next(track.index for track in tracks if track.kind == "video")
        self._tracks = {track.index: _Track(track.time_base, track.frame_ticks) for track in tracks}
        self._pending: tuple[av.Packet, int] | None = None  # a video packet and its arrival time
        self._origin_us: int | None = None  # camera time of run zero

    @property
    def repairs(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for track in self._tracks.values():
            for key, value in track.repairs.items():
                total[key] = total.get(key, 0) + value
        return total

    def feed(self, index: int, packet: av.Packet, wall_us: int) -> list[av.Packet]:
        track = self._tracks[index]
        if index != self.video_index:
            if self._origin_us is None:
                return []
            self._fix(track, packet, wall_us)
            return [packet] if packet.dts >= 0 else []
        if self._pending is None:
            if self._origin_us is None and packet.dts is not None:
                # Run zero is known now, not when this frame is released: the sound that
                # arrives while it is held back belongs to the recording.
                tb = track.time_base
                self._origin_us = packet.dts * tb.numerator * 1_000_000 // tb.denominator
            self._pending = (packet, wall_us)
            return []
        pending, pending_wall = self._pending
        if pending.dts is not None and pending.dts == packet.dts:
            self._pending = (_merge(pending, packet), pending_wall)
            track.repairs["merged"] += 1
            return []
        if pending.dts is None and pending.pts is None and packet.dts is not None and track.last_dts is None:
            pending.dts = pending.pts = packet.dts - track.frame_ticks  # the first frame, from the second
            track.repairs["missing"] += 1
        self._pending = (packet, wall_us)
        return self._release(track, pending, pending_wall)

    def flush(self) -> list[av.Packet]:
        if self._pending is None:
            return []
        (packet, wall_us), self._pending = self._pending, None
        return self._release(self._tracks[self.video_index], packet, wall_us)

    def _release(self, track: _Track, packet: av.Packet, wall_us: int) -> list[av.Packet]:
        if packet.dts is None and packet.pts is None and track.last_dts is None:
            return []  # nothing to place it by: it precedes the first timed frame
        self._fix(track, packet, wall_us)
        return [packet]

    def _fix(self, track: _Track, packet: av.Packet, wall_us: int) -> None:
        tb = track.time_base
        if packet.dts is None and packet.pts is None:
            track.repairs["missing"] += 1
            packet.dts = packet.pts = track.last_dts + (track.last_delta or track.frame_ticks) - track.offset
        elif packet.dts is None:
            packet.dts = packet.pts
        elif packet.pts is None:
            packet.pts = packet.dts
        if self._origin_us is None:
            self._origin_us = packet.dts * tb.numerator * 1_000_000 // tb.denominator
        if track.offset is None:
            track.offset = -_ticks(self._origin_us, tb)
        dts = packet.dts + track.offset
        if track.last_dts is not None:
            step = dts - track.last_dts
            elapsed = _ticks(wall_us - track.last_wall_us, tb)
            tolerance = _ticks(JUMP_TOLERANCE_US, tb)
            if step <= 0 or step > elapsed + tolerance:
                # Bridge the jump at wall-clock pace (at least one frame), never backwards.
                track.repairs["backwards" if step <= 0 else "jumps"] += 1
                bridged = track.last_dts + max(track.last_delta or track.frame_ticks, min(elapsed, tolerance))
                track.offset += bridged - dts
                dts = bridged
        packet.pts += track.offset
        packet.dts = dts
        if track.last_dts is not None:
            track.last_delta = dts - track.last_dts
        track.last_dts = dts
        track.last_wall_us = wall_us


def _merge(first: av.Packet, second: av.Packet) -> av.Packet:
    """One packet holding both payloads: the slices of one frame, in order."""
    merged = av.Packet(bytes(first) + bytes(second))
    merged.pts, merged.dts, merged.time_base = first.pts, first.dts, first.time_base
    merged.is_keyframe = first.is_keyframe or second.is_keyframe
    return merged
