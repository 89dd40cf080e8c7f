"""A JPEG of one keyframe: the init section and the fragment that starts with it, decoded alone.

Only the keyframe is decoded (no GOP walk), so a snapshot costs one picture's decode whatever
the instant, and the same picture serves every instant until the next keyframe.
"""

import io
from fractions import Fraction

import av

JPEG_QUALITY = 5  # mjpeg qscale: 2 (best) .. 31; 5 is a sharp preview at a fraction of the size


class SnapshotError(Exception):
    pass


def keyframe_jpeg(init: bytes, fragment: bytes, *, width: int | None = None) -> bytes:
    """The first picture of `fragment` (which must start with a keyframe) as JPEG, `width` wide."""
    try:
        with av.open(io.BytesIO(init + fragment), format="mp4") as container:
            stream = container.streams.video[0]
            stream.codec_context.skip_frame = "NONKEY"  # never decode more than the keyframe
            frame = next(container.decode(stream), None)
    except (av.error.FFmpegError, StopIteration) as exc:
        raise SnapshotError(f"the keyframe does not decode: {exc}") from None
    if frame is None:
        raise SnapshotError("no picture in this fragment")
    if width and width != frame.width:
        height = max(2, round(frame.height * width / frame.width / 2) * 2)
        frame = frame.reformat(width=width, height=height)
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = frame.width, frame.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.qmin = encoder.qmax = JPEG_QUALITY
    picture = frame.reformat(format="yuvj420p")
    picture.pts, picture.time_base = 0, encoder.time_base  # one picture: its timestamp is moot
    packets = encoder.encode(picture) + encoder.encode(None)
    return b"".join(bytes(packet) for packet in packets)
