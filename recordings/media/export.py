"""Remux recorded fragments into one MP4 clip: no re-encoding, gaps closed up, start trimmed by edit list.

The clip opens on the keyframe at or before the asked start; the frames before that start are
kept for decoding and hidden by the MP4 edit list, as `ffmpeg -ss … -c copy` does. Runs follow
each other back to back, so the clip lasts as long as the footage it holds. `faststart` moves
the index to the front so browsers play the download while it loads.
"""

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import av

MUXER_OPTIONS = {"movflags": "+faststart"}


class ExportCancelled(Exception):
    pass


@dataclass
class ClipPart:
    """The fragments of one segment that the clip needs, in order."""

    path: str
    run_id: str
    init_size: int
    ranges: list[tuple[int, int]]  # (byte offset, size) of each fragment
    starts_us: int  # wall time of the first fragment listed
    ends_us: int  # wall time where the last fragment listed ends

    @property
    def bytes(self) -> int:
        return sum(size for _, size in self.ranges)


@dataclass
class ClipResult:
    duration_us: int
    bytes_written: int
    packets: int = 0
    runs: list[str] = field(default_factory=list)


def remux_clip(
    parts: list[ClipPart],
    out_path: str,
    *,
    from_us: int,
    to_us: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ClipResult:
    """Write the clip `[from_us, to_us)` (wall µs) of `parts` to `out_path` (atomically)."""
    total = sum(part.bytes for part in parts)
    temporary = f"{out_path}.part"
    done, packets, runs = 0, 0, []
    output = av.open(temporary, "w", format="mp4", options=MUXER_OPTIONS)
    try:
        streams: dict[int, av.stream.Stream] = {}
        last_dts: dict[int, int] = {}  # per input stream, in its time base: the muxer wants it rising
        clip_us = 0  # clip time where the current run's footage begins
        run_id, run_wall_us, run_media_us, previous_end_us = None, 0, 0, 0
        for part in parts:
            if cancelled():
                raise ExportCancelled
            if part.run_id != run_id:  # a new run: its footage follows the last back to back
                if run_id is not None:
                    clip_us += max(0, previous_end_us - max(run_wall_us, from_us))
                run_id, run_wall_us = part.run_id, part.starts_us
                run_media_us = None
                runs.append(run_id)
            with av.open(io.BytesIO(_read(part)), format="mp4") as source:
                if not streams:
                    kept = [s for s in source.streams if s.type in ("video", "audio")]
                    streams = {s.index: output.add_stream_from_template(s) for s in kept}
                for packet in source.demux(*[source.streams[i] for i in streams]):
                    if packet.dts is None or packet.size == 0:
                        continue
                    tb = packet.time_base
                    media_us = packet.dts * tb.numerator * 1_000_000 // tb.denominator
                    if run_media_us is None:
                        run_media_us = media_us  # run time of the run's first listed frame
                    wall_us = run_wall_us + media_us - run_media_us
                    if wall_us >= to_us:
                        continue
                    # Clip time: the asked start (or the first footage after it) is zero; the
                    # keyframe before it is negative, which the muxer turns into an edit list.
                    target_us = clip_us + wall_us - max(run_wall_us, from_us)
                    shift = _ticks(target_us, tb) - packet.dts
                    index = packet.stream.index
                    if packet.dts + shift <= last_dts.get(index, -(1 << 62)):
                        continue  # sound of the last run that overlaps the next one's first instant
                    packet.dts += shift
                    packet.pts += shift
                    last_dts[index] = packet.dts
                    packet.stream = streams[index]
                    output.mux(packet)
                    packets += 1
            done += part.bytes
            previous_end_us = min(part.ends_us, to_us)
            progress(done, total)
        if run_id is not None:
            clip_us += max(0, previous_end_us - max(run_wall_us, from_us))
        output.close()
    except BaseException:
        output.close()
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    os.replace(temporary, out_path)
    return ClipResult(
        duration_us=clip_us, bytes_written=os.path.getsize(out_path), packets=packets, runs=runs
    )


def _read(part: ClipPart) -> bytes:
    with open(part.path, "rb") as handle:
        chunks = [handle.read(part.init_size)]
        for offset, size in part.ranges:
            handle.seek(offset)
            chunks.append(handle.read(size))
    return b"".join(chunks)


def _ticks(us: int, tb: Fraction) -> int:
    return us * tb.denominator // (tb.numerator * 1_000_000)
