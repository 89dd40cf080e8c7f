"""Notice when a camera changes its video parameters mid-stream (a new resolution, a new profile).

The sequence parameter sets ride in-band with every keyframe (Annex B). When they change, the
segment's init section no longer describes the picture, so the recorder starts a new segment
with an init section built from the new parameter sets.
"""

from dataclasses import dataclass

import av

# NAL unit types that make up the decoder configuration.
_H264_PARAMS = {7, 8}  # SPS, PPS
_HEVC_PARAMS = {32, 33, 34}  # VPS, SPS, PPS


def nal_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream (start codes removed)."""
    starts, at = [], 0
    while (found := data.find(b"\x00\x00\x01", at)) >= 0:
        starts.append(found + 3)
        at = found + 3
    units = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 3 if index + 1 < len(starts) else len(data)
        while end > start and data[end - 1] == 0:
            end -= 1
        units.append(data[start:end])
    return units


def parameter_sets(codec: str, data: bytes) -> bytes:
    """The SPS/PPS (and VPS) carried in a packet, as Annex B, or b"" if it carries none."""
    if codec == "h264":
        wanted = [u for u in nal_units(data) if u and (u[0] & 0x1F) in _H264_PARAMS]
    elif codec == "hevc":
        wanted = [u for u in nal_units(data) if u and ((u[0] >> 1) & 0x3F) in _HEVC_PARAMS]
    else:
        return b""
    return b"".join(b"\x00\x00\x00\x01" + unit for unit in wanted)


@dataclass(frozen=True, slots=True)
class VideoParams:
    extradata: bytes  # Annex B parameter sets
    width: int
    height: int


def probe(codec: str, packet: av.Packet) -> VideoParams | None:
    """Decode one keyframe to learn its picture size: done only when the parameters change."""
    extradata = parameter_sets(codec, bytes(packet))
    if not extradata:
        return None
    decoder = av.CodecContext.create(codec, "r")
    try:
        frames = decoder.decode(av.Packet(bytes(packet)))
        frames = frames or decoder.decode(None)
    except av.error.FFmpegError:
        return None
    if not frames:
        return None
    return VideoParams(extradata, frames[0].width, frames[0].height)


class ParameterWatch:
    """Remembers the parameter sets of the current run and reports a change at a keyframe."""

    def __init__(self, codec: str):
        self.codec = codec
        self.current: bytes | None = None

    def changed(self, packet: av.Packet) -> bytes | None:
        """The new parameter sets if this keyframe's differ from the run's, else None."""
        params = parameter_sets(self.codec, bytes(packet))
        if not params:
            return None
        if self.current is None:
            self.current = params
            return None
        if params == self.current:
            return None
        self.current = params
        return params
