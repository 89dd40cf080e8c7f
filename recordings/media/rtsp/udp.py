"""RTP over UDP: a track's socket pair, bound on the RTSP connection's interface (RFC 2326 §12.39)."""

import socket
from dataclasses import dataclass

# A keyframe of a 6 Mbit/s camera arrives over UDP as one burst of a few hundred KB, and the
# reader sleeps between batches: the kernel must hold both. Linux grants up to net.core.rmem_max.
UDP_RECEIVE_BUFFER = 4 << 20


@dataclass(eq=False)
class UdpTrack:
    """One track's RTP and RTCP sockets, and the camera's ports (when it announced them)."""

    rtp: socket.socket
    rtcp: socket.socket
    server_rtp: tuple | None = None
    server_rtcp: tuple | None = None
    receive_buffer: int = 0  # what the kernel granted, in its accounting (twice what was asked)


PUNCH_RTP = bytes((0x80, 0, 0, 0)) + bytes(8)  # an empty RTP packet, payload type 0, as ffmpeg sends


def bind_pair(control: socket.socket) -> tuple[socket.socket, socket.socket]:
    """Non-blocking UDP sockets on an even port and the next one, on the RTSP socket's interface."""
    local = control.getsockname()
    for _ in range(100):
        pair = []
        try:
            rtp = socket.socket(control.family, socket.SOCK_DGRAM)
            pair.append(rtp)
            rtp.bind((local[0], 0, *local[2:]))
            port = rtp.getsockname()[1]
            if port % 2 or port == 65535:
                rtp.close()
                continue
            rtcp = socket.socket(control.family, socket.SOCK_DGRAM)
            pair.append(rtcp)
            try:
                rtcp.bind((local[0], port + 1, *local[2:]))
            except OSError:  # taken: try another pair
                rtp.close()
                rtcp.close()
                continue
            rtp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)  # capped by the kernel
            rtp.setblocking(False)
            rtcp.setblocking(False)
            return rtp, rtcp
        except OSError:
            for sock in pair:
                sock.close()
            raise
    raise OSError("no free even/odd UDP port pair")


def peer_address(peer: tuple, host: str, port: int) -> tuple:
    """`host`:`port` in the form of the RTSP peer's address (IPv6 keeps its flow and scope)."""
    return (host, port, *peer[2:]) if host == peer[0] else (host, port)
