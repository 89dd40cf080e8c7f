"""RTP payloads back into frames: H.264 (RFC 6184), H.265 (RFC 7798), AAC (RFC 3640), raw audio.

Each depacketizer takes the RTP packets of one track in order, as a payload span `data[start:stop]`
(no copy until a NAL unit is kept), and appends finished frames to `out`. Video frames are Annex B
access units (what libavformat's RTSP demuxer hands on, and what the MP4 muxer converts); a frame
ends at the marker bit or when the timestamp moves on (cameras that forget the marker). A lost
packet costs the NAL unit it belonged to, never the frames around it.

This runs for every RTP packet (~550 a second for a 6 Mbit/s camera), so the common path, a
fragmentation unit, is written out in `push` rather than spread over helper calls.
"""

from dataclasses import dataclass

START_CODE = b"\x00\x00\x00\x01"


@dataclass(slots=True)
class Frame:
    track: int  # index of the track it belongs to
    timestamp: int  # RTP timestamp, 32 bits
    data: bytes
    keyframe: bool


class H264Depacketizer:
    FU, AGGREGATE, HEADER = 28, 24, 1  # NAL types of FU-A and STAP-A; payload header bytes

    def __init__(self, track: int):
        self.track = track
        self._timestamp = -1
        self._units: list[bytes] = []
        self._keyframe = False
        self._fragments: list[bytes] | None = None  # the NAL unit being reassembled

    def push(self, data: bytes, start: int, stop: int, timestamp: int, marker: bool, lost: bool, out: list):
        if lost:
            self._fragments = None  # its middle is gone
        if timestamp != self._timestamp:
            if self._units:
                self._finish(out)
            self._timestamp = timestamp
        if stop - start > self.HEADER + 1 and self._nal_type(data[start]) == self.FU:
            fu = data[start + self.HEADER]
            if fu & 0x80:  # start: rebuild the NAL header the fragments replaced
                self._fragments = [self._fu_header(data, start, fu), data[start + self.HEADER + 1 : stop]]
            elif self._fragments is not None:
                self._fragments.append(data[start + self.HEADER + 1 : stop])
            if fu & 0x40 and self._fragments is not None:  # end
                self._unit(b"".join(self._fragments))
                self._fragments = None
        elif stop > start:
            self._other(data, start, stop)
        if marker and self._units:
            self._finish(out)

    def _finish(self, out: list) -> None:
        out.append(
            Frame(self.track, self._timestamp, START_CODE + START_CODE.join(self._units), self._keyframe)
        )
        self._units, self._keyframe, self._fragments = [], False, None

    def _unit(self, unit: bytes) -> None:
        if unit:
            self._units.append(unit)
            if not self._keyframe and self._is_keyframe(unit[0]):
                self._keyframe = True

    def _other(self, data: bytes, start: int, stop: int) -> None:
        kind = self._nal_type(data[start])
        if kind == self.AGGREGATE:
            at = start + self.HEADER
            while at + 2 <= stop:
                size = (data[at] << 8) | data[at + 1]
                self._unit(data[at + 2 : min(at + 2 + size, stop)])
                at += 2 + size
        elif kind < self.AGGREGATE:
            self._unit(data[start:stop])

    @staticmethod
    def _nal_type(byte: int) -> int:
        return byte & 0x1F

    @staticmethod
    def _fu_header(data: bytes, start: int, fu: int) -> bytes:
        return bytes(((data[start] & 0xE0) | (fu & 0x1F),))

    @staticmethod
    def _is_keyframe(header: int) -> bool:
        return header & 0x1F == 5  # IDR slice


class H265Depacketizer(H264Depacketizer):
    FU, AGGREGATE, HEADER = 49, 48, 2  # aggregation packets carry no DONL (cameras announce none)

    @staticmethod
    def _nal_type(byte: int) -> int:
        return (byte >> 1) & 0x3F

    @staticmethod
    def _fu_header(data: bytes, start: int, fu: int) -> bytes:
        return bytes(((data[start] & 0x81) | ((fu & 0x3F) << 1), data[start + 1]))

    @staticmethod
    def _is_keyframe(header: int) -> bool:
        return 16 <= (header >> 1) & 0x3F <= 21  # BLA, IDR, CRA


class AacDepacketizer:
    """mpeg4-generic AAC-hbr/lbr: AU headers, then the access units (1024 samples each)."""

    def __init__(self, track: int, fmtp: dict[str, str]):
        self.track = track
        self.size_bits = int(fmtp.get("sizelength", "13") or 13)
        self.index_bits = int(fmtp.get("indexlength", "3") or 3)
        self.samples = 960 if fmtp.get("constantduration") == "960" else 1024
        self._partial: list[bytes] = []
        self._partial_size = 0

    def push(self, data: bytes, start: int, stop: int, timestamp: int, marker: bool, lost: bool, out: list):
        if lost:
            self._partial = []
        if stop - start < 2:
            return
        header_bits = (data[start] << 8) | data[start + 1]
        header_bytes = (header_bits + 7) // 8
        headers = int.from_bytes(data[start + 2 : start + 2 + header_bytes], "big")
        per_header = self.size_bits + self.index_bits
        count = header_bits // per_header if per_header else 0
        mask = (1 << self.size_bits) - 1
        sizes = [
            (headers >> (header_bytes * 8 - per_header * (i + 1) + self.index_bits)) & mask
            for i in range(count)
        ]
        at = start + 2 + header_bytes
        if count == 1 and sizes[0] > stop - at:  # one AU spread over several packets
            self._partial.append(data[at:stop])
            self._partial_size = sizes[0]
            return
        if self._partial:
            self._partial.append(data[at:stop])
            if marker:
                whole = b"".join(self._partial)
                self._partial = []
                out.append(Frame(self.track, timestamp, whole[: self._partial_size], True))
            return
        for i, size in enumerate(sizes):
            out.append(
                Frame(self.track, (timestamp + i * self.samples) & 0xFFFFFFFF, data[at : at + size], True)
            )
            at += size


class RawDepacketizer:
    """One packet, one frame: G.711 and Opus."""

    def __init__(self, track: int):
        self.track = track

    def push(self, data: bytes, start: int, stop: int, timestamp: int, marker: bool, lost: bool, out: list):
        if stop > start:
            out.append(Frame(self.track, timestamp, data[start:stop], True))


def for_codec(codec: str, fmtp: dict[str, str], track: int):
    if codec == "h264":
        return H264Depacketizer(track)
    if codec == "hevc":
        return H265Depacketizer(track)
    if codec == "aac":
        return AacDepacketizer(track, fmtp)
    if codec in ("pcm_mulaw", "pcm_alaw", "opus"):
        return RawDepacketizer(track)
    return None
