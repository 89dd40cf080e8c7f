"""Plain records the pipeline emits, and the packed fragment index stored with each segment.

Times are integers: microseconds since the Unix epoch for wall times, microseconds from the
segment's start for fragments. Integers keep `next.started_us == prev.ended_us` exact.
"""

import struct
from dataclasses import dataclass, field

# start_us (from segment start), duration_us, byte_offset, size, flags: 25 bytes a fragment.
_FRAGMENT = struct.Struct("<qIQIB")
_KEYFRAME = 0x01


@dataclass(frozen=True, slots=True)
class FragmentRecord:
    """One moof+mdat of a segment: where it starts in time and in the file."""

    start_us: int
    duration_us: int
    byte_offset: int
    size: int
    is_key: bool

    @property
    def end_us(self) -> int:
        return self.start_us + self.duration_us


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What the source carries, as the recorder saw it when a run started."""

    video_codec: str
    width: int
    height: int
    fps: float
    audio_codec: str = ""  # as recorded (aac when G.711 is transcoded)
    source_audio_codec: str = ""

    @property
    def audio_transcoded(self) -> bool:
        return bool(self.source_audio_codec) and self.source_audio_codec != self.audio_codec


@dataclass(frozen=True, slots=True)
class SegmentOpened:
    run_id: str
    path: str  # relative to the output root
    started_us: int
    stream: StreamInfo


@dataclass(frozen=True, slots=True)
class FragmentWritten:
    path: str
    fragment: FragmentRecord
    init_size: int
    bytes_total: int


@dataclass(frozen=True, slots=True)
class SegmentClosed:
    path: str
    started_us: int
    ended_us: int
    bytes_total: int
    init_size: int
    fragments: tuple[FragmentRecord, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class GapRecord:
    """Footage missing from `started_us` to `ended_us` (None while the outage lasts) and why."""

    started_us: int
    ended_us: int | None
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """What an operator should see: running, waiting (retrying) or error, with the last error."""

    state: str
    detail: str = ""
    stream: StreamInfo | None = None
    bitrate_kbps: int = 0
    at_us: int = 0


def pack_fragments(fragments: list[FragmentRecord]) -> bytes:
    return b"".join(
        _FRAGMENT.pack(f.start_us, f.duration_us, f.byte_offset, f.size, _KEYFRAME if f.is_key else 0)
        for f in fragments
    )


def unpack_fragments(blob: bytes) -> list[FragmentRecord]:
    if len(blob) % _FRAGMENT.size:
        raise ValueError(f"fragment index of {len(blob)} bytes is not a whole number of records")
    return [
        FragmentRecord(start, duration, offset, size, bool(flags & _KEYFRAME))
        for start, duration, offset, size, flags in _FRAGMENT.iter_unpack(blob)
    ]
