"""One client's RTSP session on a camera: where its tracks go and what it was sent.

A session keeps its own RTP sequence numbers and RTCP counts, and the list of video frames it
was sent (SentFrame), which is what a recorder test compares its recording with. Over TCP the
packets of one broadcaster wake-up are joined into a single write.
"""

from __future__ import annotations

import dataclasses
import random
import socket
import struct
from typing import TYPE_CHECKING, NamedTuple

from .clips import ClipSpec
from .rtp import RtpItem, fill_tcp, rtp_packet, sender_report

if TYPE_CHECKING:
    from .camera import Camera
    from .server import RtspConnection

MAX_BUFFERED = 4 << 20  # a TCP client this far behind loses frames, as with a real camera


class SentFrame(NamedTuple):
    """A video access unit as sent to one session; the recorder should have stored each one."""

    rtp_timestamp: int
    frame_index: int  # the counter burned into the picture (read_frame_counter)
    loop: int  # how many times the clip had looped before this frame
    keyframe: bool
    spec: ClipSpec  # the clip it came from: changes after switch_clip


@dataclasses.dataclass(frozen=True)
class SessionStats:
    id: str
    transport: str  # "tcp" or "udp"
    playing: bool
    packets: int
    octets: int
    frames: int
    dropped_frames: int  # not sent whole: the client's TCP buffer was full, a UDP send failed or
    # the UDP impairment lost a packet of it


@dataclasses.dataclass
class UdpImpairment:
    """A lossy network between the camera and its UDP clients (Camera.impair_udp)."""

    loss: float  # share of RTP datagrams that never arrive
    reorder: float  # share of datagrams swapped with the one after them (within one frame)
    rng: random.Random

    def apply(self, datagrams: list[bytes]) -> tuple[list[bytes], bool]:
        """The datagrams that go out, in the order they go; and whether any was lost."""
        kept = [d for d in datagrams if self.rng.random() >= self.loss]
        for i in range(len(kept) - 1):
            if self.rng.random() < self.reorder:
                kept[i], kept[i + 1] = kept[i + 1], kept[i]
        return kept, len(kept) < len(datagrams)


@dataclasses.dataclass
class Sink:
    """Where one track of a session goes: interleaved channels, or a UDP socket pair."""

    rtp_channel: int = 0
    rtcp_channel: int = 1
    rtp_socket: socket.socket | None = None
    rtcp_socket: socket.socket | None = None
    rtp_address: tuple[str, int] | None = None
    rtcp_address: tuple[str, int] | None = None

    def close(self) -> None:
        for sock in (self.rtp_socket, self.rtcp_socket):
            if sock is not None:
                sock.close()


class Session:
    """Created by the first SETUP of a connection; media flows between PLAY and PAUSE/TEARDOWN."""

    def __init__(self, camera: Camera, connection: RtspConnection, session_id: str):
        self.camera, self.connection, self.id = camera, connection, session_id
        self.sinks: dict[int, Sink] = {}
        self.setup_urls: dict[int, str] = {}
        self.seq: dict[int, int] = {}
        self.play_timestamps: dict[int, int] = {}  # RTP-Info rtptime: nothing older is sent
        self.packets: dict[int, int] = {}
        self.octets: dict[int, int] = {}
        self.playing = False
        self.need_keyframe = True
        self.frames = self.dropped_frames = 0
        self.sent_frames: list[SentFrame] = []
        self._out: list[bytes] = []  # interleaved data of this wake-up, written by flush()

    @property
    def transport(self) -> str:
        return "udp" if any(s.rtp_socket for s in self.sinks.values()) else "tcp"

    def add_sink(self, index: int, sink: Sink, url: str) -> None:
        if index in self.sinks:
            self.sinks[index].close()
        self.sinks[index], self.setup_urls[index] = sink, url
        self.seq[index] = random.getrandbits(16)
        self.packets[index] = self.octets[index] = 0

    def send(self, index: int, item: RtpItem, timestamp: int, ssrc: int, sent: SentFrame | None) -> None:
        """Queue (TCP) or send (UDP) one item; sent is the SentFrame of a video item, else None.

        Video starts at a keyframe, so the first frame a client gets is decodable; a frame that
        could not leave the server whole is counted as dropped, not as sent.
        """
        sink = self.sinks.get(index)
        if sink is None or (timestamp - self.play_timestamps[index]) & 0xFFFFFFFF >= 1 << 31:
            return
        if sent is not None and self.need_keyframe:
            if not item.keyframe:
                return
            self.need_keyframe = False
        seq = self.seq[index]
        if sink.rtp_socket is None:
            transport = self.connection.transport
            if transport.is_closing():
                return
            if transport.get_write_buffer_size() > MAX_BUFFERED:
                if sent is not None:
                    self.dropped_frames += 1
                    self.need_keyframe = True
                return
            self._out.append(fill_tcp(item, sink.rtp_channel, seq, timestamp, ssrc))
        else:
            datagrams = [rtp_packet(item, k, seq + k, timestamp, ssrc) for k in range(len(item.payloads))]
            lost = False
            if self.camera.udp_impairment is not None:
                datagrams, lost = self.camera.udp_impairment.apply(datagrams)
            for datagram in datagrams:
                try:
                    sink.rtp_socket.sendto(datagram, sink.rtp_address)
                except OSError:
                    lost = True  # a full socket buffer loses the datagram, as on a network
            if lost and sent is not None:
                self.dropped_frames += 1
                sent = None
        self.seq[index] = (seq + len(item.payloads)) & 0xFFFF
        self.packets[index] += len(item.payloads)
        self.octets[index] += item.octets
        if sent is not None:
            self.frames += 1
            self.sent_frames.append(sent)

    def flush(self) -> None:
        if self._out:
            if not self.connection.transport.is_closing():
                self.connection.transport.write(b"".join(self._out))
            self._out.clear()

    def send_report(self, index: int, ssrc: int, ntp: int, rtp_timestamp: int) -> None:
        sink = self.sinks.get(index)
        if sink is None:
            return
        report = sender_report(ssrc, ntp, rtp_timestamp, self.packets[index], self.octets[index])
        if sink.rtcp_socket is None:
            if not self.connection.transport.is_closing():
                header = struct.pack("!cBH", b"$", sink.rtcp_channel, len(report))
                self._out.append(header + report)
        else:
            try:
                sink.rtcp_socket.sendto(report, sink.rtcp_address)
            except OSError:
                pass

    def stats(self) -> SessionStats:
        return SessionStats(
            id=self.id,
            transport=self.transport,
            playing=self.playing,
            packets=sum(self.packets.values()),
            octets=sum(self.octets.values()),
            frames=self.frames,
            dropped_frames=self.dropped_frames,
        )

    def close(self) -> None:
        self.playing = False
        for sink in self.sinks.values():
            sink.close()
