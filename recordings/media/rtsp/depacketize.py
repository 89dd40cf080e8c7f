"""RTP payloads back into frames: H.264 (RFC 6184), H.265 (RFC 7798), AAC (RFC 3640), raw audio.

Each depacketizer takes the RTP packets of one track in order, as a payload span `data[start:stop]`
(no copy until a NAL unit is kept), and appends finished frames to `out`. Video frames are Annex B
access units (what libavformat's RTSP demuxer hands on, and what the MP4 muxer converts); a frame
ends at the marker bit or when the timestamp moves on (cameras that forget the marker).

Loss (`lost`: packets are missing just before this one, a sequence gap) costs only the frames it
broke: a frame that lost a packet is dropped whole rather than emitted with a slice missing, and
so is the frame after a gap unless its first packet visibly opens a picture (a parameter set, SEI
or delimiter, or the first slice of a picture). A broken keyframe also drops the frames after it
until the next keyframe: they have nothing to be decoded from.

This runs for every RTP packet (~550 a second for a 6 Mbit/s camera), so the common path, a
fragmentation unit, is written out in `push` rather than spread over helper calls; everything about
loss runs only when a packet is missing.
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
    TYPE_MASK, FU_BITS = 0x1F, 28  # the first payload byte of a fragment, masked
    OPENERS = frozenset((6, 7, 8, 9))  # SEI, SPS, PPS, delimiter: only before a picture's slices
    SLICES = frozenset((1, 5))  # slices whose header starts with first_mb_in_slice
    KEY_UNITS = frozenset((5, 7, 8))  # IDR slice and parameter sets: what a broken keyframe held

    def __init__(self, track: int):
        self.track = track
        self.dropped = 0  # frames not emitted because of loss
        # On the instance: Python 3.11 reads these faster there than from the class, per packet.
        self._header, self._type_mask, self._fu_bits = self.HEADER, self.TYPE_MASK, self.FU_BITS
        self._timestamp = -1
        self._open = False  # packets of a frame came since the last frame finished
        self._synced = False  # a frame start was seen since the depacketizer began
        self._units: list[bytes] = []
        self._keyframe = False
        self._fragments: list[bytes] | None = None  # the NAL unit being reassembled
        self._broken = False  # the open frame lost a packet: it is dropped, not emitted
        self._key_lost = False  # the open frame is a keyframe whose fragments went missing
        self._need_keyframe = False  # a keyframe was broken: the frames after it cannot decode

    def push(self, data: bytes, start: int, stop: int, timestamp: int, marker: bool, lost: bool, out: list):
        if lost or timestamp != self._timestamp or not self._open:
            self._begin(data, start, stop, timestamp, lost, out)
        header = self._header
        if stop - start > header + 1 and data[start] & self._type_mask == self._fu_bits:
            fu = data[start + header]
            if fu & 0x80:  # start: rebuild the NAL header the fragments replaced
                fragments = self._fragments = [self._fu_header(data, start, fu)]
            else:
                fragments = self._fragments
            if fragments is not None:
                fragments.append(data[start + header + 1 : stop])
                if fu & 0x40:  # end
                    self._unit(b"".join(fragments))
                    self._fragments = None
            elif self._fu_type(fu) in self.KEY_UNITS:
                self._key_lost = True  # the rest of a keyframe slice whose start was lost
        elif stop > start:
            self._other(data, start, stop)
        if marker:
            self._finish(out)

    def _begin(self, data: bytes, start: int, stop: int, timestamp: int, lost: bool, out: list) -> None:
        """A packet that opens a frame, or follows a loss."""
        if timestamp != self._timestamp:
            if self._open or self._units:
                if lost:
                    self._broken = True  # what is missing may be its end
                self._finish(out)
            self._timestamp = timestamp
            if lost or not self._synced:
                self._broken = not self._opens_picture(data, start, stop)
                self._synced = True
        elif lost:
            self._broken = True
            self._fragments = None  # its middle is gone
        self._open = True

    def _finish(self, out: list) -> None:
        if self._broken:
            self.dropped += 1
            if (
                self._key_lost
                or self._keyframe
                or any(self._nal_type(u[0]) in self.KEY_UNITS for u in self._units)
            ):
                self._need_keyframe = True
        elif self._units:
            if self._keyframe:
                self._need_keyframe = False
            if self._need_keyframe:
                self.dropped += 1
            else:
                out.append(
                    Frame(
                        self.track, self._timestamp, START_CODE + START_CODE.join(self._units), self._keyframe
                    )
                )
        self._units, self._keyframe, self._fragments = [], False, None
        self._open = self._broken = self._key_lost = False

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

    def _opens_picture(self, data: bytes, start: int, stop: int) -> bool:
        """Whether this packet, just after a gap, is the first of a frame (nothing before it lost)."""
        header = self.HEADER
        kind = self._nal_type(data[start]) if stop > start else -1
        body = start + header  # the first byte after the NAL header
        if kind == self.FU:
            if stop - start <= header + 1 or not data[start + header] & 0x80:
                return False  # a fragment's middle or end
            kind, body = self._fu_type(data[start + header]), start + header + 1
        elif kind == self.AGGREGATE:
            first = start + header + 2
            if first >= stop:
                return False
            kind, body = self._nal_type(data[first]), first + header
        if kind in self.OPENERS:
            return True
        return kind in self.SLICES and body < stop and data[body] & 0x80 != 0  # first slice

    @staticmethod
    def _nal_type(byte: int) -> int:
        return byte & 0x1F

    @staticmethod
    def _fu_type(fu: int) -> int:
        return fu & 0x1F

    @staticmethod
    def _fu_header(data: bytes, start: int, fu: int) -> bytes:
        return bytes(((data[start] & 0xE0) | (fu & 0x1F),))

    @staticmethod
    def _is_keyframe(header: int) -> bool:
        return header & 0x1F == 5  # IDR slice


class H265Depacketizer(H264Depacketizer):
    FU, AGGREGATE, HEADER = 49, 48, 2  # aggregation packets carry no DONL (cameras announce none)
    TYPE_MASK, FU_BITS = 0x7E, 49 << 1
    OPENERS = frozenset((32, 33, 34, 35, 39))  # VPS, SPS, PPS, delimiter, prefix SEI
    SLICES = frozenset(range(32))  # slice segments start with first_slice_segment_in_pic_flag
    KEY_UNITS = frozenset((16, 17, 18, 19, 20, 21, 32, 33, 34))  # IRAP slices and parameter sets

    @staticmethod
    def _nal_type(byte: int) -> int:
        return (byte >> 1) & 0x3F

    @staticmethod
    def _fu_type(fu: int) -> int:
        return fu & 0x3F

    @staticmethod
    def _fu_header(data: bytes, start: int, fu: int) -> bytes:
        return bytes(((data[start] & 0x81) | ((fu & 0x3F) << 1), data[start + 1]))

    @staticmethod
    def _is_keyframe(header: int) -> bool:
        return 16 <= (header >> 1) & 0x3F <= 21  # BLA, IDR, CRA


class AacDepacketizer:
    """mpeg4-generic AAC-hbr/lbr: AU headers, then the access units (1024 samples each).

    An access unit larger than a packet comes in fragments, each with the whole AU's size in its
    header and the marker on the last; it is emitted only if every fragment arrived.
    """

    def __init__(self, track: int, fmtp: dict[str, str]):
        self.track = track
        self.dropped = 0
        self.size_bits = int(fmtp.get("sizelength", "13") or 13)
        self.index_bits = int(fmtp.get("indexlength", "3") or 3)
        self.samples = 960 if fmtp.get("constantduration") == "960" else 1024
        self._partial: list[bytes] = []
        self._partial_size = 0
        self._partial_ts = -1
        self._given_up = -1  # the timestamp of a fragmented AU dropped for loss

    def push(self, data: bytes, start: int, stop: int, timestamp: int, marker: bool, lost: bool, out: list):
        if lost and self._partial:
            self._partial = []
            self.dropped += 1
            self._given_up = self._partial_ts  # its remaining fragments are skipped
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
        if count == 1 and sizes[0] > stop - at:  # a fragment of an AU spread over several packets
            if timestamp == self._given_up:
                return
            if self._partial and (timestamp != self._partial_ts or sizes[0] != self._partial_size):
                self._partial = []  # the end of the last one never came
                self.dropped += 1
            self._partial.append(data[at:stop])
            self._partial_size, self._partial_ts = sizes[0], timestamp
            if marker:
                whole = b"".join(self._partial)
                self._partial = []
                if len(whole) == self._partial_size:
                    out.append(Frame(self.track, timestamp, whole, True))
                else:  # its first fragments were lost
                    self.dropped += 1
            return
        if self._partial:  # a fragmented AU that never ended
            self._partial = []
            self.dropped += 1
        for i, size in enumerate(sizes):
            out.append(
                Frame(self.track, (timestamp + i * self.samples) & 0xFFFFFFFF, data[at : at + size], True)
            )
            at += size


class RawDepacketizer:
    """One packet, one frame: G.711 and Opus."""

    def __init__(self, track: int):
        self.track = track
        self.dropped = 0

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
