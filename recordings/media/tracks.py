"""What the recorder knows of an input track, whoever demuxed it: libavformat or our RTSP client."""

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import av

Template = Callable[[av.container.OutputContainer], av.stream.Stream]


@dataclass(frozen=True, slots=True)
class Track:
    index: int
    kind: str  # "video" or "audio"
    codec: str  # FFmpeg's name: h264, hevc, aac, opus, pcm_mulaw, pcm_alaw
    time_base: Fraction
    template: Template  # adds a stream with this track's parameters to an output container
    width: int = 0
    height: int = 0
    fps: float = 0.0
    sample_rate: int = 0
    channels: int = 0

    @property
    def frame_ticks(self) -> int:
        """A guess at one frame's duration in time_base ticks, for packets without timestamps."""
        tb = self.time_base
        if self.kind == "video" and self.fps:
            return max(1, int(tb.denominator / (self.fps * tb.numerator)))
        return max(1, 40_000 * tb.denominator // (tb.numerator * 1_000_000))


def track_from_stream(stream: av.stream.Stream) -> Track:
    """A libavformat input stream as a Track; output streams copy its parameters."""
    ctx = stream.codec_context
    video = stream.type == "video"
    return Track(
        index=stream.index,
        kind=stream.type,
        codec=ctx.name,
        time_base=stream.time_base,
        template=lambda container: container.add_stream_from_template(stream),
        width=ctx.width if video else 0,
        height=ctx.height if video else 0,
        fps=float(stream.average_rate or stream.guessed_rate or 0) if video else 0.0,
        sample_rate=0 if video else ctx.sample_rate,
        channels=0 if video else ctx.channels,
    )


def parameters_template(
    codec: str, *, extradata: bytes, width: int = 0, height: int = 0, sample_rate: int = 0, channels: int = 0
) -> Template:
    """A template for packets that no libavformat stream describes (our own RTSP client's).

    The output stream starts from an unopened prototype of the codec (never opened, so no
    encoder runs) and takes the parameters the camera announced.
    """

    def template(container: av.container.OutputContainer) -> av.stream.Stream:
        stream = container.add_stream_from_template(_prototype(codec))
        ctx = stream.codec_context
        if width:
            ctx.width, ctx.height = width, height
        if sample_rate:
            ctx.sample_rate = sample_rate
            ctx.layout = "stereo" if channels == 2 else "mono"
        if extradata:
            ctx.extradata = extradata
        return stream

    return template


_prototypes: dict[str, av.stream.Stream] = {}
_prototype_lock = threading.Lock()
_holder = av.open(io.BytesIO(), "w", format="mp4")  # never written; it only owns the prototypes


def _prototype(codec: str) -> av.stream.Stream:
    with _prototype_lock:
        if codec not in _prototypes:
            _prototypes[codec] = _holder.add_stream(codec)
        return _prototypes[codec]
