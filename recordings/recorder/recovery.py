"""After a crash: index the complete fragments of segments left open, and close them.

The file is the truth. Each `moof` followed by its whole `mdat` is a fragment that plays; a
torn tail (a fragment the crash cut short) is cut off, so the file stays valid fMP4 and its
byte ranges match the index. Nothing else in the file is rewritten.
"""

import datetime as dt
import logging
import os
from fractions import Fraction

from django.conf import settings

from recordings.layout import path_in_folder
from recordings.media.index import FragmentRecord, pack_fragments
from recordings.media.mp4 import iter_boxes, parse_moof, track_timescales
from recordings.media.segmenter import to_us
from recordings.models import Segment
from recordings.services import run_extend

logger = logging.getLogger(__name__)


def scan_fragments(data: bytes) -> tuple[int, list[FragmentRecord], int]:
    """(init size, complete fragments, bytes they end at) of an fMP4 file's content."""
    init_size, moov, moof, fragments, end = 0, b"", None, [], 0
    video_track, scale, first_tfdt = None, None, None
    for box in iter_boxes(data):
        if box.type == "moov":
            moov = data[box.offset : box.offset + box.size]
            init_size = end = box.offset + box.size
            tracks = track_timescales(moov)
            video_track, (_, timescale) = next((t, i) for t, i in sorted(tracks.items()) if i[0] == "vide")
            scale = Fraction(1, timescale)
        elif box.type == "moof":
            moof = box
        elif box.type == "mdat" and moof is not None and scale is not None:
            runs = {r.track_id: r for r in parse_moof(data[moof.offset : moof.offset + moof.size])}
            video = runs.get(video_track)
            end = box.offset + box.size
            if video is not None and video.sample_count:
                if first_tfdt is None:
                    first_tfdt = video.base_decode_time
                fragments.append(
                    FragmentRecord(
                        start_us=to_us(video.base_decode_time - first_tfdt, scale),
                        duration_us=to_us(video.duration, scale),
                        byte_offset=moof.offset,
                        size=end - moof.offset,
                        is_key=video.starts_with_sync,
                    )
                )
            moof = None
    return init_size, fragments, end


def segment_recover(segment: Segment) -> Segment:
    """Index what survived of an open segment and mark it complete (or delete it if nothing did).

    A row whose path is outside its camera's folder names a file that is not the camera's: the row
    goes and the file is left alone (never truncated, never removed on this camera's behalf).
    """
    if not path_in_folder(segment.camera.storage_key, segment.path):
        logger.warning("segment %s is outside its camera's folder; dropping the row only", segment.path)
        segment.delete()
        return segment
    path = os.path.join(settings.NVR_MEDIA_ROOT, segment.path)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        data = b""
    init_size, fragments, end = scan_fragments(data) if data else (0, [], 0)
    if not fragments:
        logger.warning("segment %s had no complete fragment; removing it", segment.path)
        if data:
            os.remove(path)
        segment.delete()
        return segment
    if end < len(data):
        with open(path, "r+b") as file:
            file.truncate(end)
            os.fsync(file.fileno())
    last = fragments[-1]
    segment.fragment_index = pack_fragments(fragments)
    segment.fragment_count = len(fragments)
    segment.init_size = init_size
    segment.bytes = end
    segment.ended_at = segment.started_at + dt.timedelta(microseconds=last.end_us)
    segment.complete = True
    segment.save(
        update_fields=[
            "fragment_index",
            "fragment_count",
            "init_size",
            "bytes",
            "ended_at",
            "complete",
            "updated_at",
        ]
    )
    run_extend(
        camera_id=segment.camera_id,
        run_id=segment.run_id,
        started_at=segment.started_at,
        ended_at=segment.ended_at,
    )
    return segment


def recover_open_segments(*, camera_id: int) -> list[Segment]:
    """Recover every segment of the camera still marked open; call only while holding its lease."""
    open_segments = Segment.objects.filter(camera_id=camera_id, complete=False).select_related("camera")
    return [segment_recover(s) for s in open_segments]
