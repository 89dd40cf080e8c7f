"""Make a camera's timestamps fit for MP4: present, increasing, continuous, one packet per frame.

Cameras send packets without timestamps, jump their clocks, step backwards after a glitch, and
split a frame into several slices that share one DTS. The MP4 muxer refuses all of these. This
module repairs them without dropping a frame or inventing a gap: a jump is bridged at the pace
the wall clock says passed, and same-DTS video packets are merged into one access unit.
"""

from dataclasses import dataclass, field
from fractions import Fraction

import av

# A jump larger than this (beyond what the wall clock says elapsed) is a clock jump, not time.
JUMP_TOLERANCE_US = 2_000_000


@dataclass
class _Track:
    time_base: Fraction
    offset: int = 0  # added to the camera's dts to get run time, in ticks
    last_dts: int | None = None  # run time of the last packet, ticks
    last_delta: int = 0
    last_wall_us: int = 0
    repairs: dict = field(default_factory=lambda: {"missing": 0, "backwards": 0, "jumps": 0, "merged": 0})


class TimestampRepair:
    """Per-run repairs. `feed()` returns the packets ready to mux, in order, with run timestamps."""

    def __init__(self, *, video_index: int):
        self.video_index = video_index
        self._tracks: dict[int, _Track] = {}
        self._pending_video: av.Packet | None = None
        self._origin_us: int | None = None  # camera time of run zero, shared by all tracks

    @property
    def repairs(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for track in self._tracks.values():
            for key, value in track.repairs.items():
                total[key] = total.get(key, 0) + value
        return total

    def feed(self, packet: av.Packet, wall_us: int) -> list[av.Packet]:
        index = packet.stream.index
        track = self._tracks.get(index)
        if track is None:
            track = self._tracks[index] = _Track(packet.time_base)
        self._fix(track, packet, wall_us)
        if index != self.video_index:
            return [packet]
        pending, self._pending_video = self._pending_video, packet
        if pending is not None and pending.dts == packet.dts:
            self._pending_video = _merge(pending, packet)
            track.repairs["merged"] += 1
            return []
        return [pending] if pending is not None else []

    def flush(self) -> list[av.Packet]:
        pending, self._pending_video = self._pending_video, None
        return [pending] if pending is not None else []

    def _fix(self, track: _Track, packet: av.Packet, wall_us: int) -> None:
        tb = track.time_base
        if packet.dts is None and packet.pts is None:
            track.repairs["missing"] += 1
            guess = (track.last_dts or 0) + (track.last_delta or 1) - track.offset
            packet.dts = packet.pts = guess
        elif packet.dts is None:
            packet.dts = packet.pts
        elif packet.pts is None:
            packet.pts = packet.dts
        if self._origin_us is None:
            # Run zero is the first packet of any track; the others are placed relative to it.
            self._origin_us = packet.dts * tb.numerator * 1_000_000 // tb.denominator
        if track.last_dts is None:
            origin_ticks = self._origin_us * tb.denominator // (tb.numerator * 1_000_000)
            track.offset = -origin_ticks
        dts = packet.dts + track.offset
        if track.last_dts is not None:
            step = dts - track.last_dts
            elapsed_ticks = (wall_us - track.last_wall_us) * tb.denominator // (tb.numerator * 1_000_000)
            tolerance = JUMP_TOLERANCE_US * tb.denominator // (tb.numerator * 1_000_000)
            same_frame = step == 0 and packet.stream.type == "video"
            if step < 0 or (step == 0 and not same_frame) or step > elapsed_ticks + tolerance:
                # Bridge the jump at wall-clock pace (at least one frame), never backwards.
                track.repairs["backwards" if step <= 0 else "jumps"] += 1
                bridged = track.last_dts + max(track.last_delta or 1, min(elapsed_ticks, tolerance))
                track.offset += bridged - dts
                dts = bridged
        packet.pts = packet.pts + track.offset
        packet.dts = dts
        if track.last_dts is not None and dts > track.last_dts:
            track.last_delta = dts - track.last_dts
        track.last_dts = dts
        track.last_wall_us = wall_us


def _merge(first: av.Packet, second: av.Packet) -> av.Packet:
    """One packet holding both payloads: the slices of one frame, in order."""
    merged = av.Packet(bytes(first) + bytes(second))
    merged.pts, merged.dts, merged.time_base = first.pts, first.dts, first.time_base
    merged.is_keyframe = first.is_keyframe or second.is_keyframe
    merged.stream = first.stream
    return merged
