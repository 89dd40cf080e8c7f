"""Recorded media in other containers, from the index: a fragment as MPEG-TS, a keyframe as a
one-frame MP4, a clip as MP4 or TS with chosen tracks. Remuxed on request, never re-encoded."""

import datetime as dt
import os
import shutil
import tempfile
from typing import BinaryIO

from django.conf import settings

from recordings.media.export import remux_clip
from recordings.media.remux import RemuxError, fragment_ts, keyframe_mp4, remux_file

from . import selectors
from .exports import clip_parts
from .hls import SegmentEntry


class NoMedia(Exception):
    """Nothing recorded there, or the recording cannot be read."""


def fragment_as_ts(entry: SegmentEntry, number: int) -> bytes:
    """Fragment `number` of the segment as a self-contained MPEG-TS file."""
    if not 0 <= number < len(entry.fragments):
        raise NoMedia("no such fragment")
    return _remux(entry, number, fragment_ts)


def keyframe_mp4_at(camera_id: int, instant: dt.datetime) -> bytes:
    """The keyframe at or before `instant` (within the segment covering it) as a one-frame MP4."""
    entries = selectors.segment_entries(camera_id, instant, instant + dt.timedelta(microseconds=1))
    if not entries:
        raise NoMedia("nothing was recorded at that instant")
    return _remux(entries[-1], _keyframe(entries[-1], _us(instant)), keyframe_mp4)


def keyframe_mp4_live(camera_id: int, *, newer_than: dt.datetime) -> bytes:
    """The latest keyframe as a one-frame MP4."""
    entries = selectors.live_entries(camera_id, newer_than=newer_than)
    if not entries:
        raise NoMedia("the camera is not recording")
    last = entries[-1]
    return _remux(last, _keyframe(last, last.started_us + last.fragments[-1].end_us), keyframe_mp4)


def clip_open(
    camera_id: int, start: dt.datetime, end: dt.datetime, *, ts: bool = False, video=True, audio=True
) -> tuple[BinaryIO, int]:
    """`[start, end)` remuxed into a temporary MP4 (or MPEG-TS) file: its open handle and size.

    The file is unlinked before it is returned, so it goes away when the handle closes. The MP4
    starts at `start` by edit list; TS has no edit list, so a TS clip shows the frames from the
    keyframe before `start`.
    """
    parts = clip_parts(selectors.segment_entries(camera_id, start, end), _us(start), _us(end))
    if not parts:
        raise NoMedia("nothing was recorded in this range")
    workdir = tempfile.mkdtemp(prefix="clip-")
    try:
        clip = os.path.join(workdir, "clip.mp4")
        remux_clip(parts, clip, from_us=_us(start), to_us=_us(end))
        if ts or not (video and audio):
            chosen = os.path.join(workdir, "chosen.ts" if ts else "chosen.mp4")
            try:
                remux_file(clip, chosen, format="mpegts" if ts else "mp4", video=video, audio=audio)
            except RemuxError as exc:
                raise NoMedia(str(exc)) from None
            clip = chosen
        handle = open(clip, "rb")  # noqa: SIM115 - the caller streams and closes it
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # an open handle keeps its file readable
    return handle, os.fstat(handle.fileno()).st_size


def _keyframe(entry: SegmentEntry, at_us: int) -> int:
    number = entry.keyframe_before(at_us)
    if number is None:
        raise NoMedia("no keyframe before that instant")
    return number


def _remux(entry: SegmentEntry, number: int, remux) -> bytes:
    fragment = entry.fragments[number]
    try:
        with open(os.path.join(settings.NVR_MEDIA_ROOT, entry.path), "rb") as handle:
            init = handle.read(entry.init_size)
            handle.seek(fragment.byte_offset)
            data = handle.read(fragment.size)
        return remux(init, data)
    except (OSError, RemuxError) as exc:
        raise NoMedia(f"the recording cannot be read: {exc}") from None


def _us(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
