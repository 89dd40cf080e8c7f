"""A camera read with our RTSP client: its tracks, and its frames as timed av.Packets.

Tracks share one timeline so audio stays in sync with video: the RTP-Info of the PLAY reply
(each track's RTP time at the same instant) when the camera gives it for every track, else the
RTCP sender reports (RTP time against the camera's NTP clock), else the arrival of each track's
first packet. The choice is made once per connection and never changes under a running track.

RTP comes interleaved in the RTSP connection (TCP) or as UDP datagrams, one socket per track.
Either way it is read in batches, a few wake-ups a second (client.READ_PACING_S). UDP may lose and
reorder datagrams: each track holds packets that arrive after a gap for a moment, in case the
missing ones come late, then gives them up; the depacketizers drop the frames a loss broke. No
RTP on any track for the timeout is a stall, as a silent TCP socket is.
"""

import logging
import select
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction

import av

from ..params import parameter_sets, probe
from ..source import SourceConfig, SourceError, opening
from ..tracks import Track, parameters_template
from . import sdp
from .client import READ_PACING_S, RtspClient, RtspError, UdpTrack
from .depacketize import START_CODE, Frame, for_codec

VIDEO_CODECS = ("h264", "hevc")
AUDIO_CODECS = ("aac", "opus", "pcm_mulaw", "pcm_alaw")
KEYFRAME_WAIT_S = 15.0  # long-GOP ("smart") codecs send a keyframe every 10 s or so
NTP_TO_UNIX_S = 2_208_988_800
_SR = struct.Struct("!III")
_RTP = struct.Struct("!BBHI")  # first byte, marker and payload type, sequence number, timestamp
# UDP: packets after a sequence gap wait this long (and at most this many) for the missing ones.
# Batches are READ_PACING_S apart, so in practice a gap waits for the next batch.
REORDER_WAIT_S = 0.05
REORDER_PACKETS = 128
MAX_DROPOUT, MAX_MISORDER = 3000, 100  # RFC 3550 A.1: a larger jump is a new sequence
DATAGRAM = 65536
# Between batches the kernel holds what arrives. Keep a batch to this share of the receive buffer
# (counted in the kernel's terms: 2.3 KB a datagram on loopback, up to 4 KB off some NICs), and
# sleep less when it fills further, as it does with a buffer held small by net.core.rmem_max.
BUFFER_SHARE, TRUESIZE = 0.25, 4096
ROOMY = 256  # datagrams: 0.45 s of a 6 Mbit/s camera; below that room, start with shorter sleeps
MIN_PACING_S = 0.01

logger = logging.getLogger(__name__)


@dataclass
class _Input:
    """One set-up track's RTP state."""

    index: int
    media: sdp.Media
    depacketizer: object
    channel: int
    time_base: Fraction
    expected_seq: int | None = None
    last_ts: int | None = None  # RTP timestamp of the last frame, 32 bits
    ext: int = 0  # the same, unwrapped
    rtp_info: int | None = None  # rtptime at PLAY, from RTP-Info
    report: tuple[int, int] | None = None  # (NTP µs, RTP timestamp) of the last sender report
    ref: int | None = None  # unwrapped RTP time that maps to `start`
    start: int = 0  # ticks on the shared timeline at `ref`
    udp: UdpTrack | None = None
    held: dict[int, bytes] = field(default_factory=dict)  # UDP packets after a gap, by sequence
    gap_at: float = 0.0  # when the oldest gap among `held` was noticed
    lost: int = 0  # packets that never came

    def unwrap(self, timestamp: int) -> int:
        if self.last_ts is None:
            self.ext = timestamp
        else:
            delta = (timestamp - self.last_ts) & 0xFFFFFFFF
            self.ext += delta - (1 << 32) if delta >= 1 << 31 else delta
        self.last_ts = timestamp
        return self.ext

    def relative(self, timestamp: int) -> int:
        """An RTP timestamp near the current one, unwrapped like the frames."""
        delta = (timestamp - (self.last_ts or 0)) & 0xFFFFFFFF
        return self.ext + (delta - (1 << 32) if delta >= 1 << 31 else delta)


class RtspSource:
    def __init__(self, config: SourceConfig, client: RtspClient, inputs: list[_Input]):
        self.config = config
        self.client = client
        self.inputs = inputs
        self.by_channel = {item.channel: item for item in inputs}
        self.tracks: list[Track] = []
        self._mode: str | None = None
        self._origin: int | None = None  # µs on the chosen clock of timeline zero
        self._preroll: list[tuple[_Input, Frame, int]] = []
        self._pending: deque[Frame] = deque()
        self._pace = False  # until the first picture is in: starting fast beats reading cheaply
        self._rest = client.take_buffered()  # RTP that came with the PLAY reply
        self.udp = inputs[0].udp is not None
        if self.udp:
            self._rest = b""
            self._udp_buffer = bytearray(DATAGRAM)
            self._poll = select.poll()
            for fd in [client.control_socket()] + [s for i in inputs for s in (i.udp.rtp, i.udp.rtcp)]:
                self._poll.register(fd, select.POLLIN)
            self._rtp_at = time.monotonic()  # the last batch with RTP in it
            self._ever = False  # any RTP at all on this connection
            self._batched = False  # the last batch had RTP: sleep before the next
            # The kernel's receive buffer holds what arrives while we sleep: a small one, short sleeps.
            self._room = min(i.udp.receive_buffer for i in inputs) * BUFFER_SHARE // TRUESIZE  # datagrams
            self._pace_s = max(MIN_PACING_S, READ_PACING_S * min(1.0, self._room / ROOMY))

    @classmethod
    def open(cls, config: SourceConfig) -> "RtspSource":
        try:
            client = RtspClient(config.url, config.timeout_s)
        except RtspError as exc:
            raise SourceError("connect_failed", exc.detail) from None
        try:
            with opening:
                source = cls._negotiate(config, client)
            source._wait_for_keyframe()
            return source
        except RtspError as exc:
            client.close(teardown=False)
            raise SourceError("connect_failed", exc.detail) from None
        except BaseException:
            client.close(teardown=False)
            raise

    @classmethod
    def _negotiate(cls, config: SourceConfig, client: RtspClient) -> "RtspSource":
        client.connect()
        try:
            client.options()
        except RtspError as exc:
            if "user name or password" in exc.detail:
                raise
        text, base = client.describe()
        description = sdp.parse(text)
        video = next((m for m in description.media if m.kind == "video" and m.codec in VIDEO_CODECS), None)
        if video is None:
            found = ", ".join(m.codec or m.kind for m in description.media) or "no tracks"
            raise RtspError("connect_failed", f"{config.safe_url}: no H.264 or H.265 video ({found})")
        audio = next((m for m in description.media if m.kind == "audio" and m.codec in AUDIO_CODECS), None)
        inputs = []
        for index, media in enumerate(m for m in (video, audio) if m is not None):
            url = description.control_url(base, media)
            depacketizer = for_codec(media.codec, media.fmtp, index)
            item = _Input(index, media, depacketizer, index * 2, Fraction(1, media.clock))
            if config.transport == "udp":
                item.udp = client.setup_udp(url)
            else:
                item.channel = client.setup_interleaved(url, index * 2)
            inputs.append(item)
        reply = client.play()
        source = cls(config, client, inputs)
        source._read_rtp_info(reply.header("rtp-info"), description, base)
        return source

    def _read_rtp_info(self, header: str, description: sdp.SessionDescription, base: str) -> None:
        for entry in header.split(","):
            params = dict(part.strip().partition("=")[::2] for part in entry.split(";"))
            url, rtptime = params.get("url", ""), params.get("rtptime", "")
            if not url or not rtptime.isdigit():
                continue
            for item in self.inputs:
                control = description.control_url(base, item.media)
                if url == control or control.endswith("/" + url.rsplit("/", 1)[-1]):
                    item.rtp_info = int(rtptime) & 0xFFFFFFFF

    # --- the first keyframe ----------------------------------------------------------------------
    def _wait_for_keyframe(self) -> None:
        """Read until the first keyframe and the frame after it: size and rate come from them."""
        video = self.inputs[0]
        deadline = time.monotonic() + max(KEYFRAME_WAIT_S, self.config.timeout_s)
        keyframe: Frame | None = None
        while True:
            if time.monotonic() > deadline:
                raise RtspError(
                    "connect_failed", f"{self.config.safe_url}: no keyframe in {KEYFRAME_WAIT_S:g} s"
                )
            item, frame = self._next_frame()
            if keyframe is None and not (item is video and frame.keyframe):
                continue  # nothing before the first keyframe can be decoded
            self._preroll.append((item, frame, time.monotonic_ns() // 1000))
            if keyframe is None:
                keyframe = frame
            elif item is video:
                break
        frames_after = [f for i, f, _ in self._preroll if i is video]
        step = (frames_after[1].timestamp - frames_after[0].timestamp) & 0xFFFFFFFF
        fps = video.media.framerate or (video.media.clock / step if 0 < step < video.media.clock else 0.0)
        with opening:  # decoding a keyframe briefly takes a few MB: a few cameras at a time
            self.tracks = [self._video_track(video, keyframe, fps)]
        if len(self.inputs) > 1:
            self.tracks.append(self._audio_track(self.inputs[1]))

    def _video_track(self, item: _Input, keyframe: Frame, fps: float) -> Track:
        codec = item.media.codec
        announced = b"".join(START_CODE + unit for unit in item.media.parameter_sets())
        extradata = parameter_sets(codec, keyframe.data) or announced
        params = probe(codec, av.Packet(keyframe.data)) or probe(codec, av.Packet(announced + keyframe.data))
        if params is None:
            raise RtspError("connect_failed", f"{self.config.safe_url}: the first keyframe does not decode")
        return Track(
            index=item.index,
            kind="video",
            codec=codec,
            time_base=item.time_base,
            template=parameters_template(
                codec, extradata=extradata, width=params.width, height=params.height
            ),
            width=params.width,
            height=params.height,
            fps=fps,
        )

    def _audio_track(self, item: _Input) -> Track:
        media = item.media
        return Track(
            index=item.index,
            kind="audio",
            codec=media.codec,
            time_base=item.time_base,
            template=parameters_template(
                media.codec,
                extradata=media.audio_config() if media.codec == "aac" else b"",
                sample_rate=media.clock,
                channels=media.channels,
            ),
            sample_rate=media.clock,
            channels=media.channels,
        )

    # --- packets ---------------------------------------------------------------------------------
    def packets(self):
        self._pace = True
        try:
            for item, frame, arrival_us in self._preroll:
                yield item.index, self._packet(item, frame, arrival_us)
            self._preroll = []
            while True:
                item, frame = self._next_frame()
                yield item.index, self._packet(item, frame, time.monotonic_ns() // 1000)
        except RtspError as exc:
            raise SourceError(exc.reason, exc.detail) from None

    def close(self) -> None:
        lost = sum(item.lost for item in self.inputs)
        dropped = sum(getattr(item.depacketizer, "dropped", 0) for item in self.inputs)
        if lost or dropped:
            logger.info("%s: %d RTP packets lost, %d frames dropped", self.config.safe_url, lost, dropped)
        self.client.close()

    def _next_frame(self) -> tuple[_Input, Frame]:
        pending = self._pending
        while not pending:
            if self.udp:
                self._receive_udp()
                continue
            data = self.client.read(pace=self._pace)
            if self._rest:
                data = self._rest + data
            used = self._drain(data)
            self._rest = data[used:] if used < len(data) else b""
        frame = pending.popleft()
        return self.inputs[frame.track], frame

    # --- UDP -------------------------------------------------------------------------------------
    def _receive_udp(self) -> None:
        """One batch: after a pacing sleep, every datagram the kernel holds; with none, a wait."""
        if self._pace and self._batched:
            time.sleep(self._pace_s)
        self.client.poll_control()
        count = self._drain_udp()
        now = time.monotonic()
        self._batched = count > 0
        if count:
            self._rtp_at, self._ever = now, True
        for item in self.inputs:
            if item.held and now - item.gap_at >= REORDER_WAIT_S:
                self._give_up(item)
        if count or self._pending:
            return
        silent = now - self._rtp_at
        if silent >= self.config.timeout_s:
            hint = "" if self._ever else " (is UDP blocked on the way? RTSP over TCP avoids that)"
            raise RtspError(
                "stalled", f"{self.config.safe_url}: no RTP for {self.config.timeout_s:g} s{hint}"
            )
        wait = self.config.timeout_s - silent
        if any(item.held for item in self.inputs):
            wait = min(wait, REORDER_WAIT_S)
        self._poll.poll(wait * 1000 + 1)

    def _drain_udp(self) -> int:
        """Depacketize every datagram waiting on the tracks' sockets; returns how many came.

        Each datagram lands in the same buffer and is depacketized at once (what a frame keeps is
        copied out of it); only a datagram held for reordering is copied whole. The common one
        (next in sequence, a plain 12-byte header) takes the short way; any other, _datagram().
        """
        pending, total, data, rtp_header = self._pending, 0, self._udp_buffer, _RTP.unpack_from
        for item in self.inputs:
            recv, push, held, count = item.udp.rtp.recv_into, item.depacketizer.push, item.held, 0
            expected = item.expected_seq
            try:
                while True:
                    stop = recv(data)
                    count += 1
                    first, second, seq, timestamp = rtp_header(data)
                    if first == 0x80 and seq == expected and stop > 12 and not 200 <= second <= 204:
                        expected = (seq + 1) & 0xFFFF
                        push(data, 12, stop, timestamp, second & 0x80, False, pending)
                        if held:
                            item.expected_seq = expected
                            self._release(item, False)
                            expected = item.expected_seq
                    else:
                        item.expected_seq = expected
                        self._datagram(item, data, stop, True)
                        expected = item.expected_seq
            except BlockingIOError:
                pass
            except OSError as exc:
                raise RtspError("source_ended", f"{self.config.safe_url}: {exc.strerror or exc}") from None
            finally:
                item.expected_seq = expected
            total += count
            if count > self._room:  # the buffer filled past its share while we slept: sleep less
                self._pace_s = max(MIN_PACING_S, self._pace_s / 2)
            elif count < self._room // 4 and self._pace_s < READ_PACING_S:
                self._pace_s = min(READ_PACING_S, self._pace_s * 1.25)
            try:
                while True:
                    self._sender_report(item, item.udp.rtcp.recv(DATAGRAM))
            except OSError:
                pass
        return total

    def _datagram(self, item: _Input, data, stop: int, fresh: bool, lost: bool = False) -> None:
        """Any RTP datagram `data[:stop]`: checked, put in sequence, depacketized.

        `fresh` when it just arrived (in the shared buffer: copied if held), not when released
        from the reorder buffer (then `lost` says whether packets are missing just before it).
        """
        if stop < 12:
            return
        first, second, seq, timestamp = _RTP.unpack_from(data)
        if first & 0xC0 != 0x80:
            return  # not RTP version 2
        if 200 <= second <= 204:  # RTCP on the RTP port (rtcp-mux)
            self._sender_report(item, data[:stop])
            return
        if fresh:
            if seq != item.expected_seq:
                lost = self._out_of_order(item, seq, data[:stop])
                if lost is None:
                    return
            item.expected_seq = (seq + 1) & 0xFFFF
        head = 12 + 4 * (first & 0x0F)  # after the CSRCs
        if first & 0x10 and head + 4 <= stop:  # a header extension
            head += 4 + 4 * ((data[head + 2] << 8) | data[head + 3])
        if first & 0x20:  # padding
            stop -= data[stop - 1]
        item.depacketizer.push(data, head, stop, timestamp, second & 0x80, lost, self._pending)
        if fresh and item.held:
            self._release(item, False)

    def _out_of_order(self, item: _Input, seq: int, data: bytes) -> bool | None:
        """A packet that is not the next expected: True to take it now after a loss, None if not now."""
        if item.expected_seq is None:
            return False  # the first packet
        ahead = (seq - item.expected_seq) & 0xFFFF
        if ahead < MAX_DROPOUT:  # packets are missing before it: they may still come
            if not item.held:
                item.gap_at = time.monotonic()
            item.held[seq] = data
            if len(item.held) > REORDER_PACKETS:
                self._give_up(item)
            return None
        if ahead >= 0x10000 - MAX_MISORDER:
            return None  # a duplicate, or too late: its gap was given up
        item.lost += len(item.held)  # a new sequence (the camera restarted it): start over
        item.held.clear()
        return True

    def _give_up(self, item: _Input) -> None:
        """The packets missing before those held are lost: go on with what came after them."""
        held = item.held
        while held:
            expected = item.expected_seq
            seq = min(held, key=lambda s: (s - expected) & 0xFFFF)
            item.lost += (seq - expected) & 0xFFFF
            item.expected_seq = seq
            self._release(item, True)

    def _release(self, item: _Input, lost: bool) -> None:
        """Depacketize the held packets that now follow on."""
        held = item.held
        while item.expected_seq in held:
            data = held.pop(item.expected_seq)
            item.expected_seq = (item.expected_seq + 1) & 0xFFFF
            self._datagram(item, data, len(data), False, lost)
            lost = False
        if held:
            item.gap_at = time.monotonic()

    def _drain(self, data: bytes) -> int:
        """Depacketize every whole interleaved frame in `data`; returns how much was used."""
        by_channel, at, end = self.by_channel, 0, len(data)
        while end - at >= 4:
            if data[at] != 0x24:  # not "$": an RTSP message (a keepalive reply) or garbage
                skipped = self.client.skip_message(data, at)
                if skipped is None:
                    break
                at = skipped
                continue
            start = at + 4
            stop = start + ((data[at + 2] << 8) | data[at + 3])
            if stop > end:
                break
            item = by_channel.get(data[at + 1])
            at = stop
            if item is None:
                report = by_channel.get(data[start - 3] - 1)
                if report is not None:
                    self._sender_report(report, data[start:stop])
                continue
            first = data[start]
            if stop - start < 12 or first >> 6 != 2:
                continue
            seq = (data[start + 2] << 8) | data[start + 3]
            lost = seq != item.expected_seq and item.expected_seq is not None
            item.expected_seq = (seq + 1) & 0xFFFF
            timestamp = int.from_bytes(data[start + 4 : start + 8], "big")
            head = start + 12 + 4 * (first & 0x0F)
            if first & 0x10 and head + 4 <= stop:  # header extension
                head += 4 + 4 * ((data[head + 2] << 8) | data[head + 3])
            if first & 0x20:  # padding
                stop -= data[stop - 1]
            item.depacketizer.push(data, head, stop, timestamp, data[start + 1] & 0x80, lost, self._pending)
        return at

    def _sender_report(self, item: _Input, data: bytes) -> None:
        if len(data) >= 20 and data[1] == 200:  # SR
            seconds, fraction, rtp_ts = _SR.unpack_from(data, 8)
            ntp_us = (seconds - NTP_TO_UNIX_S) * 1_000_000 + (fraction * 1_000_000 >> 32)
            item.report = (ntp_us, rtp_ts)

    def _packet(self, item: _Input, frame: Frame, arrival_us: int) -> av.Packet:
        ext = item.unwrap(frame.timestamp)
        if item.ref is None:
            self._place(item, ext, arrival_us)
        packet = av.Packet(frame.data)
        packet.pts = packet.dts = ext - item.ref + item.start
        packet.time_base = item.time_base
        packet.is_keyframe = frame.keyframe
        return packet

    def _place(self, item: _Input, ext: int, arrival_us: int) -> None:
        """Put a track's first frame on the shared timeline."""
        if self._mode is None:
            if all(i.rtp_info is not None for i in self.inputs):
                self._mode = "rtp_info"
            elif all(i.report is not None for i in self.inputs):
                self._mode = "report"
            else:
                self._mode = "arrival"
        clock = item.media.clock
        if self._mode == "rtp_info":  # every track's rtptime is the same instant: timeline zero
            item.ref, item.start = item.relative(item.rtp_info), 0
            return
        if self._mode == "report" and item.report is not None:
            at_us, rtp_ts = item.report
            item.ref = item.relative(rtp_ts)
        else:
            at_us, item.ref = arrival_us, ext
        if self._origin is None:
            self._origin = at_us
        item.start = (at_us - self._origin) * clock // 1_000_000
