"""HLS playlists (RFC 8216, version 7) over the fragments of recorded segments.

Every fragment is a byte range of its segment file, after the segment's init section
(`EXT-X-MAP` with `BYTERANGE`). Segments of one run share a timeline, so they follow each other
without a discontinuity; a new run (reconnect, new parameters, and so every gap) is an
`EXT-X-DISCONTINUITY` followed by `EXT-X-PROGRAM-DATE-TIME`, so a player's clock shows wall time
across the skipped gap.
"""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from recordings.media.index import FragmentRecord

# A live playlist starts at a keyframe with at least this many fragments after it, so a player
# that starts near the live edge has its first picture within a fragment.
LIVE_MIN_FRAGMENTS = 3


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    """What a playlist needs of a Segment row."""

    id: int
    run_id: str
    started_us: int
    init_size: int
    fragments: list[FragmentRecord]
    sequence: int = 0
    discontinuity: int = 0
    path: str = ""  # relative to NVR_MEDIA_ROOT

    def keyframe_before(self, at_us: int) -> int | None:
        """The number of the last keyframe fragment starting at or before `at_us`, if any."""
        number = None
        for index, fragment in enumerate(self.fragments):
            if self.started_us + fragment.start_us > at_us:
                break
            if fragment.is_key:
                number = index
        return number


@dataclass(frozen=True, slots=True)
class _Item:
    segment: SegmentEntry
    number: int  # index of the fragment in its segment
    fragment: FragmentRecord

    @property
    def start_us(self) -> int:
        return self.segment.started_us + self.fragment.start_us

    @property
    def end_us(self) -> int:
        return self.start_us + self.fragment.duration_us


Uri = Callable[[SegmentEntry], str]


def archive_playlist(segments: list[SegmentEntry], from_us: int, to_us: int, uri: Uri) -> str | None:
    """A VOD playlist from the keyframe at or before `from_us` to `to_us`; None if nothing is there.

    When `from_us` falls in a gap, it starts at the first keyframe after it instead.
    """
    items = list(_items(segments))
    covering = next((i for i, item in enumerate(items) if item.start_us <= from_us < item.end_us), None)
    if covering is not None:
        start = covering
        while not items[start].fragment.is_key and items[start].number > 0:
            start -= 1
    else:
        start = next(
            (i for i, item in enumerate(items) if item.fragment.is_key and item.start_us >= from_us), None
        )
    if start is None:
        return None
    chosen = [item for item in items[start:] if item.start_us < to_us]
    return _render(chosen, uri, vod=True) if chosen else None


def live_playlist(segments: list[SegmentEntry], uri: Uri) -> str | None:
    """The live edge, from the latest keyframe that leaves a few fragments to play."""
    items = list(_items(segments))
    keys = [i for i, item in enumerate(items) if item.fragment.is_key]
    if not keys:
        return None
    ready = [i for i in keys if len(items) - i >= LIVE_MIN_FRAGMENTS]
    start = ready[-1] if ready else keys[0]
    return _render(items[start:], uri, vod=False)


def _items(segments: list[SegmentEntry]):
    for segment in segments:
        for number, fragment in enumerate(segment.fragments):
            yield _Item(segment, number, fragment)


def _render(items: list[_Item], uri: Uri, *, vod: bool) -> str:
    first = items[0]
    target = max(1, math.ceil(max(item.fragment.duration_us for item in items) / 1_000_000))
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}"]
    if vod:
        lines += ["#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MEDIA-SEQUENCE:0"]
    else:
        lines += [
            f"#EXT-X-MEDIA-SEQUENCE:{first.segment.sequence + first.number}",
            f"#EXT-X-DISCONTINUITY-SEQUENCE:{first.segment.discontinuity}",
        ]
    previous: _Item | None = None
    for item in items:
        segment = item.segment
        if previous is None or previous.segment.id != segment.id:
            # Within a run the timeline is continuous by construction; only a new run breaks it.
            broken = previous is not None and previous.segment.run_id != segment.run_id
            if broken:
                lines.append("#EXT-X-DISCONTINUITY")
            lines.append(f'#EXT-X-MAP:URI="{uri(segment)}",BYTERANGE="{segment.init_size}@0"')
            if previous is None or broken:
                lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(item.start_us)}")
        fragment = item.fragment
        lines.append(f"#EXTINF:{fragment.duration_us / 1_000_000:.6f},")
        lines.append(f"#EXT-X-BYTERANGE:{fragment.size}@{fragment.byte_offset}")
        lines.append(uri(segment))
        previous = item
    if vod:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _iso(us: int) -> str:
    moment = dt.datetime.fromtimestamp(us / 1_000_000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- windows in other shapes (Flussonic URL forms): open-ended, sliding, or one TS file a fragment ---
FragmentUri = Callable[[SegmentEntry, int], str]  # (segment, fragment number) -> URI of that fragment alone


def window_playlist(
    segments: list[SegmentEntry],
    from_us: int,
    to_us: int,
    uri: Uri,
    *,
    kind: str = "vod",
    fragment_uri: FragmentUri | None = None,
) -> str | None:
    """`archive_playlist`'s window, as `kind` "vod" (closed), "event" (grows from a fixed start,
    played from its start) or "live" (sliding); with `fragment_uri`, one TS file per fragment."""
    items = list(_items(segments))
    start = _window_start(items, from_us)
    if start is None:
        return None
    chosen = [item for item in items[start:] if item.start_us < to_us]
    return _render_as(chosen, uri, kind, fragment_uri) if chosen else None


def live_window_playlist(segments: list[SegmentEntry], uri: Uri, *, fragment_uri: FragmentUri | None = None):
    """`live_playlist`, optionally with one TS file per fragment."""
    items = list(_items(segments))
    keys = [i for i, item in enumerate(items) if item.fragment.is_key]
    if not keys:
        return None
    ready = [i for i in keys if len(items) - i >= LIVE_MIN_FRAGMENTS]
    return _render_as(items[ready[-1] if ready else keys[0] :], uri, "live", fragment_uri)


def _window_start(items: list[_Item], from_us: int) -> int | None:
    covering = next((i for i, item in enumerate(items) if item.start_us <= from_us < item.end_us), None)
    if covering is None:  # in a gap: the first keyframe after it
        return next(
            (i for i, item in enumerate(items) if item.fragment.is_key and item.start_us >= from_us), None
        )
    while not items[covering].fragment.is_key and items[covering].number > 0:
        covering -= 1
    return covering


def _render_as(items: list[_Item], uri: Uri, kind: str, fragment_uri: FragmentUri | None) -> str:
    text = (
        _render(items, uri, vod=kind == "vod")
        if fragment_uri is None
        else _render_ts(items, fragment_uri, kind)
    )
    if kind == "event" and fragment_uri is None:
        # An EVENT playlist keeps its start; players begin there, not at the live edge.
        text = text.replace(
            "#EXT-X-MEDIA-SEQUENCE:",
            "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-START:TIME-OFFSET=0\n#EXT-X-MEDIA-SEQUENCE:",
            1,
        )
    return text


def _render_ts(items: list[_Item], uri: FragmentUri, kind: str) -> str:
    first = items[0]
    target = max(1, math.ceil(max(item.fragment.duration_us for item in items) / 1_000_000))
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}"]
    if kind == "vod":
        lines += ["#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MEDIA-SEQUENCE:0"]
    else:
        if kind == "event":
            lines += ["#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-START:TIME-OFFSET=0"]
        lines += [
            f"#EXT-X-MEDIA-SEQUENCE:{first.segment.sequence + first.number}",
            f"#EXT-X-DISCONTINUITY-SEQUENCE:{first.segment.discontinuity}",
        ]
    previous: _Item | None = None
    for item in items:
        broken = previous is not None and previous.segment.run_id != item.segment.run_id
        if broken:
            lines.append("#EXT-X-DISCONTINUITY")
        if previous is None or broken:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_iso(item.start_us)}")
        lines.append(f"#EXTINF:{item.fragment.duration_us / 1_000_000:.6f},")
        lines.append(uri(item.segment, item.number))
        previous = item
    if kind == "vod":
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
