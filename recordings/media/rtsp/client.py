"""A small RTSP 1.0 client (RFC 2326) for one camera: RTP interleaved in the RTSP socket, or over UDP.

Why our own: libavformat reads an interleaved stream with about 1 800 small socket reads per
second per 1080p camera, and that input path alone cost as much CPU as ffmpeg's whole recorder
(bench/recorder.py). Here a read takes whatever the kernel has (up to 256 KB), and the frames are
cut out of that buffer in Python, a few hundred per second. Over UDP (RTP/AVP, one even/odd port
pair per track) the datagrams are drained in batches too (rtsp/source.py); this module binds the
ports, sets them up, and keeps the RTSP connection beside them alive.

It speaks what cameras need: Basic and Digest authentication, Content-Base resolution, session
timeouts with keepalives, and responses or server requests that arrive between RTP frames.
"""

import hashlib
import logging
import os
import socket
import struct
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from .udp import PUNCH_RTP, UDP_RECEIVE_BUFFER, UdpTrack, bind_pair, peer_address

USER_AGENT = "nvr-recorder"
READ_SIZE = 1 << 18
# Waiting this long after a short read lets the kernel gather ~150 KB of a 6 Mbit/s camera: five
# wake-ups a second instead of one per burst. Wake-ups, not bytes, were most of the recorder's CPU
# (bench/recorder.py: 0.51 -> 0.29 CPU s per camera-minute at 10 cameras). It delays nothing anyone
# sees: fragments are cut every second. TCP autotuning (no fixed SO_RCVBUF) holds the backlog.
READ_PACING_S = 0.2
_MAX_HEADER = 64 * 1024
CNAME = b"nvr-recorder"

logger = logging.getLogger(__name__)
_small_buffer_noted = False


class RtspError(Exception):
    """The camera refused or broke the session; `reason` is a GapReason value."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str, default: str = "") -> str:
        name = name.lower()
        return next((value for key, value in self.headers if key == name), default)

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]


class RtspClient:
    def __init__(self, url: str, timeout_s: float):
        parts = urlsplit(url)
        if parts.scheme != "rtsp" or not parts.hostname:
            raise RtspError("connect_failed", "not an rtsp:// URL")
        self.host, self.port = parts.hostname, parts.port or 554
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        netloc = f"[{self.host}]" if ":" in self.host else self.host
        if parts.port:
            netloc += f":{parts.port}"
        self.url = parts._replace(netloc=netloc).geturl()  # without credentials
        self.timeout_s = timeout_s
        self.session = ""
        self.session_timeout_s = 60.0
        self.public: set[str] = set()
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._cseq = 0
        self._auth: dict[str, str] | None = None  # the challenge we answer
        self._nc = 0
        self._keepalive_at = 0.0
        self.udp: list[UdpTrack] = []  # tracks set up over UDP, in SETUP order
        self._reply_buffer = bytearray(4096)  # over UDP, replies to keepalives are read and dropped
        self._ssrc = int.from_bytes(os.urandom(4), "big")  # ours, in receiver reports

    # --- connection ------------------------------------------------------------------------------
    def connect(self) -> None:
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        except OSError as exc:
            raise RtspError("connect_failed", f"{self.url}: {exc.strerror or exc}") from None
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self, *, teardown: bool = True) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if teardown and self.session:
            try:
                sock.settimeout(1.0)
                sock.sendall(self._encode("TEARDOWN", self.url, {}))
            except OSError:
                pass
        sock.close()
        for track in self.udp:
            track.rtp.close()
            track.rtcp.close()

    # --- requests --------------------------------------------------------------------------------
    def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Response:
        """Send a request and wait for its response, answering one authentication challenge."""
        response = self._exchange(method, url, headers or {})
        if response.status == 401 and self.username and self._auth is None:
            self._auth = _challenge(response.all("www-authenticate"))
            if self._auth is not None:
                response = self._exchange(method, url, headers or {})
        if response.status == 401:
            raise RtspError("connect_failed", f"{self.url}: {method} refused: wrong user name or password")
        if response.status >= 300:
            raise RtspError(
                "connect_failed", f"{self.url}: {method} answered {response.status} {response.reason}"
            )
        return response

    def options(self) -> None:
        response = self.request("OPTIONS", self.url)
        self.public = {m.strip().upper() for m in response.header("public").split(",") if m.strip()}

    def describe(self) -> tuple[str, str]:
        """The SDP and the base URL its controls are relative to."""
        response = self.request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        base = response.header("content-base") or response.header("content-location") or self.url
        return response.body.decode("utf-8", "replace"), base

    def setup_interleaved(self, url: str, channel: int) -> int:
        """SETUP one track over the RTSP socket; returns the RTP channel the camera chose."""
        transport = f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1}"
        response = self.request("SETUP", url, {"Transport": transport})
        self._take_session(response)
        for param in response.header("transport").split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "interleaved":
                return int(value.split("-")[0])
        return channel

    def setup_udp(self, url: str) -> "UdpTrack":
        """SETUP one track over UDP: a port pair of ours on the RTSP socket's interface."""
        try:
            rtp, rtcp = bind_pair(self._sock)
        except OSError as exc:
            raise RtspError("connect_failed", f"no UDP port for RTP: {exc.strerror or exc}") from None
        track = UdpTrack(rtp, rtcp, receive_buffer=rtp.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
        self.udp.append(track)  # closed with the client, whatever happens next
        global _small_buffer_noted
        if track.receive_buffer < UDP_RECEIVE_BUFFER and not _small_buffer_noted:
            _small_buffer_noted = True  # once per process, not at every reconnect
            logger.warning(
                "%s: the kernel grants %d KB of UDP receive buffer, not %d: raise net.core.rmem_max "
                "or keyframes may lose packets",
                self.url,
                track.receive_buffer // 2048,
                UDP_RECEIVE_BUFFER // 1024,
            )
        port = rtp.getsockname()[1]
        response = self.request("SETUP", url, {"Transport": f"RTP/AVP;unicast;client_port={port}-{port + 1}"})
        self._take_session(response)
        params = {}
        for param in response.header("transport").split(";"):
            key, _, value = param.strip().partition("=")
            params[key.lower()] = value.strip()
        if "interleaved" in params or "multicast" in params:
            raise RtspError("connect_failed", f"{self.url}: the camera would not send RTP over unicast UDP")
        peer = self._sock.getpeername()
        host = params.get("source") or peer[0]
        ports = [int(p) for p in params.get("server_port", "").split("-") if p.strip().isdigit()]
        if ports:
            track.server_rtp = peer_address(peer, host, ports[0])
            track.server_rtcp = peer_address(peer, host, ports[1] if len(ports) > 1 else ports[0] + 1)
            # As ffmpeg does: a packet out of each port opens the way back through a NAT or firewall.
            try:
                rtp.sendto(PUNCH_RTP, track.server_rtp)
                rtcp.sendto(self._receiver_report(), track.server_rtcp)
            except OSError:
                pass
        return track

    def _take_session(self, response: Response) -> None:
        session = response.header("session")
        if session:
            value, _, params = session.partition(";")
            self.session = value.strip()
            for param in params.split(";"):
                key, _, timeout = param.strip().partition("=")
                if key.lower() == "timeout" and timeout.strip().isdigit():
                    self.session_timeout_s = max(5.0, float(timeout))

    def play(self) -> Response:
        response = self.request("PLAY", self.url, {"Range": "npt=0.000-"})
        self._keepalive_at = time.monotonic() + self.session_timeout_s / 2
        if self.udp:  # the RTSP socket now only carries keepalives and their replies
            self._sock.setblocking(False)
        return response

    # --- streaming -------------------------------------------------------------------------------
    def read(self, *, pace: bool = True) -> bytes:
        """The next bytes of the stream (RTP interleaved, maybe RTSP replies among them).

        Raises RtspError when the camera closes the connection or sends nothing for the timeout.
        Without `pace` it returns at once (while waiting for the first picture, say).
        """
        if time.monotonic() >= self._keepalive_at:
            self._keepalive()
        try:
            data = self._sock.recv(READ_SIZE)
        except TimeoutError:
            raise RtspError("stalled", f"{self.url}: no data for {self.timeout_s:g} s") from None
        except OSError as exc:
            raise RtspError("source_ended", f"{self.url}: {exc.strerror or exc}") from None
        if not data:
            raise RtspError("source_ended", f"{self.url}: the camera closed the connection")
        if pace and len(data) < READ_SIZE // 2:  # caught up: let the next batch gather
            time.sleep(READ_PACING_S)
        return data

    def poll_control(self) -> None:
        """Over UDP: a keepalive when due, and the RTSP socket's news (replies are skipped).

        Raises RtspError when the camera closed the RTSP connection: its session is over.
        """
        if time.monotonic() >= self._keepalive_at:
            self._keepalive()
        try:  # into a small buffer: recv(n) would allocate n bytes first, even to find nothing
            while self._sock.recv_into(self._reply_buffer):
                pass
        except BlockingIOError:
            return
        except OSError as exc:
            raise RtspError("source_ended", f"{self.url}: {exc.strerror or exc}") from None
        raise RtspError("source_ended", f"{self.url}: the camera closed the connection")

    def control_socket(self) -> socket.socket:
        return self._sock

    def take_buffered(self) -> bytes:
        """Stream bytes that arrived with the PLAY reply."""
        data, self._buffer = bytes(self._buffer), bytearray()
        return data

    def _keepalive(self) -> None:
        """GET_PARAMETER (or OPTIONS) so the camera keeps the session; the reply is skipped.

        Over UDP also a receiver report per track: some cameras take it as a sign of life, and
        it keeps a NAT's way back open.
        """
        method = "GET_PARAMETER" if "GET_PARAMETER" in self.public or not self.public else "OPTIONS"
        try:
            self._sock.sendall(self._encode(method, self.url, {}))
        except OSError:
            pass  # the next read reports the broken connection
        for track in self.udp:
            if track.server_rtcp is not None:
                try:
                    track.rtcp.sendto(self._receiver_report(), track.server_rtcp)
                except OSError:
                    pass
        self._keepalive_at = time.monotonic() + self.session_timeout_s / 2

    def _receiver_report(self) -> bytes:
        """An empty RTCP receiver report and our CNAME: a compound packet as RFC 3550 wants."""
        chunk = struct.pack("!IBB", self._ssrc, 1, len(CNAME)) + CNAME + b"\x00"
        chunk += b"\x00" * (-len(chunk) % 4)
        sdes = struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk
        return struct.pack("!BBHI", 0x80, 201, 1, self._ssrc) + sdes

    def skip_message(self, buffer: bytes, at: int) -> int | None:
        """Step over an RTSP message among the frames (a keepalive reply); None if incomplete."""
        if buffer[at] not in b"RSGOPTAD":  # not the start of a response or request: resynchronise
            found = buffer.find(b"$", at + 1)
            return found if found >= 0 else len(buffer)
        head_end = buffer.find(b"\r\n\r\n", at)
        if head_end < 0:
            if len(buffer) - at > _MAX_HEADER:
                raise RtspError("source_ended", f"{self.url}: garbage in the stream")
            return None
        length = 0
        for line in bytes(buffer[at:head_end]).split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == b"content-length" and value.strip().isdigit():
                length = int(value)
        end = head_end + 4 + length
        return end if end <= len(buffer) else None

    # --- internals -------------------------------------------------------------------------------
    def _exchange(self, method: str, url: str, headers: dict[str, str]) -> Response:
        try:
            self._sock.sendall(self._encode(method, url, headers))
            return self._read_response(self._cseq)
        except TimeoutError:
            raise RtspError("stalled", f"{self.url}: no answer to {method} in {self.timeout_s:g} s") from None
        except OSError as exc:
            raise RtspError("connect_failed", f"{self.url}: {method}: {exc.strerror or exc}") from None

    def _encode(self, method: str, url: str, headers: dict[str, str]) -> bytes:
        self._cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self._cseq}", f"User-Agent: {USER_AGENT}"]
        if self.session:
            lines.append(f"Session: {self.session}")
        if self._auth is not None:
            lines.append(f"Authorization: {self._authorization(method, url)}")
        lines.extend(f"{key}: {value}" for key, value in headers.items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def _read_response(self, cseq: int) -> Response:
        buffer = self._buffer
        while True:
            if buffer[:1] == b"$":  # RTP that arrived before the reply: too early, drop it
                if len(buffer) >= 4:
                    size = (buffer[2] << 8) | buffer[3]
                    if len(buffer) >= 4 + size:
                        del buffer[: 4 + size]
                        continue
            else:
                head_end = buffer.find(b"\r\n\r\n")
                if head_end >= 0:
                    response = _parse_head(bytes(buffer[:head_end]))
                    length = int(response.header("content-length", "0") or 0)
                    if len(buffer) >= head_end + 4 + length:
                        response.body = bytes(buffer[head_end + 4 : head_end + 4 + length])
                        del buffer[: head_end + 4 + length]
                        if response.header("cseq", str(cseq)).strip() == str(cseq):
                            return response
                        continue  # a late reply to an earlier request
                elif len(buffer) > _MAX_HEADER:
                    raise RtspError("connect_failed", f"{self.url}: not an RTSP server")
            data = self._sock.recv(READ_SIZE)
            if not data:
                raise RtspError("connect_failed", f"{self.url}: the camera closed the connection")
            buffer += data

    def _authorization(self, method: str, url: str) -> str:
        auth = self._auth
        if auth["scheme"] == "basic":
            import base64

            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return f"Basic {token}"
        algorithm = auth.get("algorithm", "MD5")
        digest = hashlib.sha256 if algorithm.upper().startswith("SHA-256") else hashlib.md5

        def h(text: str) -> str:
            return digest(text.encode()).hexdigest()

        ha1 = h(f"{self.username}:{auth.get('realm', '')}:{self.password}")
        ha2 = h(f"{method}:{url}")
        fields = {
            "username": self.username,
            "realm": auth.get("realm", ""),
            "nonce": auth.get("nonce", ""),
            "uri": url,
        }
        if "auth" in [q.strip() for q in auth.get("qop", "").split(",")]:
            self._nc += 1
            nc, cnonce = f"{self._nc:08x}", os.urandom(8).hex()
            fields["response"] = h(f"{ha1}:{fields['nonce']}:{nc}:{cnonce}:auth:{ha2}")
            text = ", ".join(f'{k}="{v}"' for k, v in fields.items())
            text += f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:
            fields["response"] = h(f"{ha1}:{fields['nonce']}:{ha2}")
            text = ", ".join(f'{k}="{v}"' for k, v in fields.items())
        if "opaque" in auth:
            text += f', opaque="{auth["opaque"]}"'
        if "algorithm" in auth:
            text += f", algorithm={algorithm}"
        return f"Digest {text}"


def _parse_head(head: bytes) -> Response:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("RTSP/") or not parts[1].isdigit():
        raise RtspError("connect_failed", "not an RTSP server")
    response = Response(int(parts[1]), parts[2] if len(parts) > 2 else "")
    for line in lines[1:]:
        key, _, value = line.partition(":")
        response.headers.append((key.strip().lower(), value.strip()))
    return response


def _challenge(values: list[str]) -> dict[str, str] | None:
    """The strongest challenge we can answer: Digest before Basic."""
    parsed = []
    for value in values:
        scheme, _, rest = value.strip().partition(" ")
        params = {"scheme": scheme.lower()}
        for item in _split_params(rest):
            key, _, val = item.partition("=")
            params[key.strip().lower()] = val.strip().strip('"')
        parsed.append(params)
    for scheme in ("digest", "basic"):
        for params in parsed:
            if params["scheme"] == scheme:
                return params
    return None


def _split_params(text: str) -> list[str]:
    """Split `a="x, y", b=z` on the commas outside quotes."""
    items, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if current:
        items.append("".join(current).strip())
    return [item for item in items if item]
