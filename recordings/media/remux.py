"""Container changes without re-encoding: an fMP4 fragment to MPEG-TS, a keyframe to MP4, a file to another.

Timestamps are copied as they are, so fragments remuxed one by one line up in a player just as
the fMP4 ones do. The TS muxer inserts the Annex B and ADTS headers itself (`h264_mp4toannexb`,
its own ADTS wrapper), so no bitstream filter is set up here.
"""

import io

import av


class RemuxError(Exception):
    pass


def fragment_ts(init: bytes, fragment: bytes) -> bytes:
    """The init section and one fragment of a segment as an MPEG-TS file (PAT/PMT first)."""
    output = io.BytesIO()
    try:
        with av.open(io.BytesIO(init + fragment), format="mp4") as source:
            with av.open(output, "w", format="mpegts") as target:
                _copy(source, target, video=True, audio=True)
    except av.error.FFmpegError as exc:
        raise RemuxError(f"the fragment does not remux: {exc}") from None
    return output.getvalue()


def keyframe_mp4(init: bytes, fragment: bytes) -> bytes:
    """The first picture of `fragment` (a keyframe) alone, as a one-frame MP4."""
    output = io.BytesIO()
    try:
        with av.open(io.BytesIO(init + fragment), format="mp4") as source:
            video = source.streams.video[0]
            packet = next((p for p in source.demux(video) if p.dts is not None and p.size), None)
            if packet is None or not packet.is_keyframe:
                raise RemuxError("the fragment does not start with a keyframe")
            with av.open(output, "w", format="mp4") as target:
                stream = target.add_stream_from_template(video)
                packet.pts = packet.dts = 0
                packet.stream = stream
                target.mux(packet)
    except av.error.FFmpegError as exc:
        raise RemuxError(f"the keyframe does not remux: {exc}") from None
    return output.getvalue()


def remux_file(
    source_path: str, out_path: str, *, format: str, video: bool = True, audio: bool = True
) -> None:
    """Copy the kept tracks of `source_path` into `out_path` in container `format` (mp4, mpegts)."""
    with av.open(source_path) as source, av.open(out_path, "w", format=format) as target:
        _copy(source, target, video=video, audio=audio)


def _copy(source, target, *, video: bool, audio: bool) -> None:
    wanted = {kind for kind, keep in (("video", video), ("audio", audio)) if keep}
    kept = [s for s in source.streams if s.type in wanted]
    if not kept:
        raise RemuxError("none of the asked tracks was recorded")
    streams = {s.index: target.add_stream_from_template(s) for s in kept}
    for packet in source.demux(*kept):
        if packet.dts is None or packet.size == 0:
            continue
        packet.stream = streams[packet.stream.index]
        target.mux(packet)
