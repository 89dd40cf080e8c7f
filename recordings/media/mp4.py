"""Just enough ISO-BMFF parsing to index fragmented MP4: top-level boxes, track timescales, moof runs.

The recorder parses each `moof` as the muxer writes it, and start-up recovery scans a crashed
segment the same way, so both agree on what a fragment is: a `moof` and the `mdat` after it.
"""

import struct
from collections.abc import Iterator
from dataclasses import dataclass

_HEADER = struct.Struct(">I4s")
# trun/tfhd flag bits (ISO/IEC 14496-12 §8.8)
_TFHD_BASE_DATA_OFFSET = 0x01
_TFHD_SAMPLE_DESCRIPTION = 0x02
_TFHD_DEFAULT_DURATION = 0x08
_TFHD_DEFAULT_SIZE = 0x10
_TFHD_DEFAULT_FLAGS = 0x20
_TRUN_DATA_OFFSET = 0x001
_TRUN_FIRST_FLAGS = 0x004
_TRUN_DURATION = 0x100
_TRUN_SIZE = 0x200
_TRUN_FLAGS = 0x400
_TRUN_CTS = 0x800
_NON_SYNC = 0x00010000  # sample_is_non_sync_sample


@dataclass(frozen=True, slots=True)
class Box:
    type: str
    offset: int
    size: int
    header: int  # 8, or 16 for a 64-bit size


@dataclass(frozen=True, slots=True)
class TrackRun:
    """What one `traf` of a fragment holds for a track, in that track's timescale."""

    track_id: int
    base_decode_time: int
    duration: int
    sample_count: int
    starts_with_sync: bool


def iter_boxes(data: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[Box]:
    """Boxes between `start` and `end`; stops at a box that is not wholly inside (a truncated tail)."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = _HEADER.unpack_from(data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                return
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return
        yield Box(kind.decode("latin-1"), offset, size, header)
        offset += size


def _children(data, box: Box) -> dict[str, list[Box]]:
    found: dict[str, list[Box]] = {}
    for child in iter_boxes(data, box.offset + box.header, box.offset + box.size):
        found.setdefault(child.type, []).append(child)
    return found


def track_timescales(moov: bytes) -> dict[int, tuple[str, int]]:
    """{track_id: (handler, timescale)} from an init section's `moov` (handler: 'vide', 'soun', …)."""
    data = memoryview(moov)
    result = {}
    for top in iter_boxes(data):
        if top.type != "moov":
            continue
        for trak in _children(data, top).get("trak", []):
            parts = _children(data, trak)
            tkhd = parts["tkhd"][0]
            version = data[tkhd.offset + tkhd.header]
            id_at = tkhd.offset + tkhd.header + (20 if version == 1 else 12)
            track_id = struct.unpack_from(">I", data, id_at)[0]
            mdia = _children(data, parts["mdia"][0])
            mdhd, hdlr = mdia["mdhd"][0], mdia["hdlr"][0]
            version = data[mdhd.offset + mdhd.header]
            scale_at = mdhd.offset + mdhd.header + (20 if version == 1 else 12)
            timescale = struct.unpack_from(">I", data, scale_at)[0]
            handler = bytes(data[hdlr.offset + hdlr.header + 8 : hdlr.offset + hdlr.header + 12]).decode(
                "latin-1"
            )
            result[track_id] = (handler, timescale)
    return result


def parse_moof(moof: bytes | memoryview) -> list[TrackRun]:
    """The runs of every track in one `moof` box (the box itself, header included)."""
    data = memoryview(moof)
    box = next(iter_boxes(data))
    runs = []
    for traf in _children(data, box).get("traf", []):
        parts = _children(data, traf)
        track_id, default_duration, default_flags = _parse_tfhd(data, parts["tfhd"][0])
        tfdt = parts["tfdt"][0]
        version = data[tfdt.offset + tfdt.header]
        at = tfdt.offset + tfdt.header + 4
        base = struct.unpack_from(">Q" if version == 1 else ">I", data, at)[0]
        duration = count = 0
        first_sync = None
        for trun in parts.get("trun", []):
            run_duration, run_count, run_first_sync = _parse_trun(data, trun, default_duration, default_flags)
            duration += run_duration
            count += run_count
            if first_sync is None and run_count:
                first_sync = run_first_sync
        runs.append(TrackRun(track_id, base, duration, count, bool(first_sync)))
    return runs


def _parse_tfhd(data, tfhd: Box) -> tuple[int, int | None, int | None]:
    at = tfhd.offset + tfhd.header
    flags = int.from_bytes(data[at + 1 : at + 4], "big")
    track_id = struct.unpack_from(">I", data, at + 4)[0]
    at += 8
    if flags & _TFHD_BASE_DATA_OFFSET:
        at += 8
    if flags & _TFHD_SAMPLE_DESCRIPTION:
        at += 4
    default_duration = default_flags = None
    if flags & _TFHD_DEFAULT_DURATION:
        default_duration = struct.unpack_from(">I", data, at)[0]
        at += 4
    if flags & _TFHD_DEFAULT_SIZE:
        at += 4
    if flags & _TFHD_DEFAULT_FLAGS:
        default_flags = struct.unpack_from(">I", data, at)[0]
    return track_id, default_duration, default_flags


def _parse_trun(data, trun: Box, default_duration, default_flags) -> tuple[int, int, bool]:
    at = trun.offset + trun.header
    flags = int.from_bytes(data[at + 1 : at + 4], "big")
    count = struct.unpack_from(">I", data, at + 4)[0]
    at += 8
    if flags & _TRUN_DATA_OFFSET:
        at += 4
    first_flags = None
    if flags & _TRUN_FIRST_FLAGS:
        first_flags = struct.unpack_from(">I", data, at)[0]
        at += 4
    duration = 0
    for index in range(count):
        if flags & _TRUN_DURATION:
            duration += struct.unpack_from(">I", data, at)[0]
            at += 4
        else:
            duration += default_duration or 0
        if flags & _TRUN_SIZE:
            at += 4
        sample_flags = default_flags
        if flags & _TRUN_FLAGS:
            sample_flags = struct.unpack_from(">I", data, at)[0]
            at += 4
        if index == 0 and first_flags is not None:
            sample_flags = first_flags
        if index == 0:
            first_sync = sample_flags is None or not sample_flags & _NON_SYNC
        if flags & _TRUN_CTS:
            at += 4
    return duration, count, first_sync if count else False
