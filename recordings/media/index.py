"""Plain records the pipeline emits, and the packed fragment index stored with each segment."""

import struct
from dataclasses import dataclass

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
