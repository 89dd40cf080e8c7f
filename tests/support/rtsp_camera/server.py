"""The RTSP server of the simulated cameras: asyncio on its own thread, on 127.0.0.1.

It speaks what libavformat's RTSP client (and so the recorder) uses: OPTIONS, DESCRIBE, SETUP
over TCP (interleaved) or UDP (client_port/server_port), PLAY with RTP-Info, PAUSE,
GET_PARAMETER/SET_PARAMETER as keepalives and TEARDOWN. Media pacing lives in camera.py; this
module parses requests and routes them to the camera named by the URL path.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import itertools
import re
import secrets
import socket
import threading
import time
from email.utils import formatdate
from urllib.parse import urlsplit

from .camera import Camera
from .clips import TEST_H264_AAC, ClipSpec
from .session import Session, Sink

SESSION_TIMEOUT = 60
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER, TEARDOWN"
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    401: "Unauthorized",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    461: "Unsupported Transport",
    501: "Not Implemented",
    503: "Service Unavailable",
}
_TRACK = re.compile(r"/trackID=(\d+)/?$")
REALM = "simulated camera"


def _authorized(request: Request, credentials: tuple[str, str], nonce: str) -> bool:
    """Digest (RFC 2617, MD5, no qop) as most cameras check it."""
    scheme, _, rest = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "digest":
        return False
    fields = dict(
        (key.strip().lower(), value.strip().strip('"'))
        for key, _, value in (item.partition("=") for item in rest.split(","))
    )
    user, password = credentials

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1, ha2 = md5(f"{user}:{REALM}:{password}"), md5(f"{request.method}:{fields.get('uri')}")
    expected = md5(f"{ha1}:{nonce}:{ha2}")
    return (
        fields.get("username") == user and fields.get("nonce") == nonce and fields.get("response") == expected
    )


class RtspServer:
    """Serves any number of Camera paths; start() it, add_camera() per camera, stop() at the end."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self._cameras: dict[str, Camera] = {}
        self._names = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: asyncio.Server | None = None
        self.connections: set[RtspConnection] = set()

    def start(self) -> RtspServer:
        ready = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="rtsp-camera", daemon=True)
        self._thread.start()
        ready.result(timeout=10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        self.call(self._shutdown)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = None

    def __enter__(self) -> RtspServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_camera(
        self,
        spec: ClipSpec = TEST_H264_AAC,
        path: str | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> Camera:
        """A new camera at rtsp://HOST:PORT/<path> (path defaults to cam1, cam2, ...).

        With `credentials` (user, password) it demands Digest authentication, as cameras do.
        """
        path = (path or f"cam{next(self._names)}").strip("/")
        camera = Camera(self, path, spec)  # encodes here, never on the server's loop
        camera.credentials = credentials
        self.call(self._add, camera)
        return camera

    def remove_camera(self, camera: Camera | str) -> None:
        path = camera if isinstance(camera, str) else camera.path
        self.call(self._remove, path)

    def url(self, path: str) -> str:
        return f"rtsp://{self.host}:{self.port}/{path}"

    def cpu_time(self) -> float:
        """CPU seconds the server's thread has used: what serving the cameras costs."""
        return self.call(time.thread_time)

    def call(self, fn, *args):
        """Run fn on the server's loop and return its result; direct when already on it."""
        if threading.current_thread() is self._thread:
            return fn(*args)
        done = concurrent.futures.Future()

        def run():
            try:
                done.set_result(fn(*args))
            except BaseException as exc:  # handed to the calling thread
                done.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return done.result(timeout=10)

    def _serve(self, ready: concurrent.futures.Future) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._listener = loop.run_until_complete(
                loop.create_server(lambda: RtspConnection(self), self.host, self.port)
            )
            self.port = self._listener.sockets[0].getsockname()[1]
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _add(self, camera: Camera) -> None:
        if camera.path in self._cameras:
            raise ValueError(f"a camera already serves /{camera.path}")
        self._cameras[camera.path] = camera
        camera.attach_loop()

    def _remove(self, path: str) -> None:
        camera = self._cameras.pop(path, None)
        if camera:
            camera.detach_loop()

    def _shutdown(self) -> None:
        for path in list(self._cameras):
            self._remove(path)
        for connection in list(self.connections):
            connection.abort()
        self._listener.close()

    def find(self, url: str) -> Camera | None:
        path = _TRACK.sub("", urlsplit(url).path).strip("/")
        return self._cameras.get(path)


class Request:
    __slots__ = ("method", "url", "headers", "body")

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes):
        self.method, self.url, self.headers, self.body = method, url, headers, body


class RtspConnection(asyncio.Protocol):
    """One client's RTSP connection; over TCP it also carries the interleaved media."""

    def __init__(self, server: RtspServer):
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.sessions: dict[str, Session] = {}
        self.cameras: set[Camera] = set()
        self.nonce = secrets.token_hex(16)

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        for session in self.sessions.values():
            session.camera.end_session(session)
        for camera in self.cameras:
            camera.forget(self)
        self.sessions.clear()

    def abort(self) -> None:
        self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.buffer and not self.transport.is_closing():
            if self.buffer[0] == 0x24:  # "$": an interleaved RTCP receiver report; ignored
                if len(self.buffer) < 4 or len(self.buffer) < 4 + int.from_bytes(self.buffer[2:4]):
                    return
                del self.buffer[: 4 + int.from_bytes(self.buffer[2:4])]
                continue
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    self.abort()
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            parts = lines[0].split()
            if len(parts) != 3 or not parts[2].startswith("RTSP/"):
                self._reply(Request("", "", headers, b""), 400)
                self.transport.close()
                return
            self._handle(Request(parts[0].upper(), parts[1], headers, body))

    def _reply(self, request: Request, status: int, headers: dict | None = None, body: bytes = b"") -> None:
        lines = [
            f"RTSP/1.0 {status} {_REASONS.get(status, 'Error')}",
            f"CSeq: {request.headers.get('cseq', '0')}",
            "Server: nvr-simulated-camera",
            f"Date: {formatdate(usegmt=True)}",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def _handle(self, request: Request) -> None:
        session = None
        if "session" in request.headers:
            session = self.sessions.get(request.headers["session"].split(";")[0].strip())
            if session is None:
                self._reply(request, 454)
                return
        camera = session.camera if session else self.server.find(request.url)
        if camera is None:
            if request.method == "OPTIONS":
                self._reply(request, 200, {"Public": PUBLIC})
            else:
                self._reply(request, 404)
            return
        admission = camera.admission(asyncio.get_running_loop().time())
        if admission == "stalled":
            return  # a hung camera: the socket stays open and nothing comes back
        if admission == "refused":
            self._reply(request, 503)
            self.transport.close()
            return
        if camera.credentials and not _authorized(request, camera.credentials, self.nonce):
            challenge = f'Digest realm="{REALM}", nonce="{self.nonce}", algorithm=MD5'
            self._reply(request, 401, {"WWW-Authenticate": challenge})
            return
        self.cameras.add(camera)
        camera.attach(self)
        handler = getattr(self, "_on_" + request.method.lower().replace("_", ""), None)
        if handler is None:
            self._reply(request, 501)
            return
        handler(request, camera, session)

    def _session_header(self, session: Session) -> dict[str, str]:
        return {"Session": f"{session.id};timeout={SESSION_TIMEOUT}"}

    def _on_options(self, request, camera, session):
        self._reply(request, 200, {"Public": PUBLIC})

    def _on_describe(self, request, camera, session):
        headers = {"Content-Base": request.url.rstrip("/") + "/", "Content-Type": "application/sdp"}
        self._reply(request, 200, headers, camera.describe().encode())

    def _on_setup(self, request, camera, session):
        match = _TRACK.search(urlsplit(request.url).path)
        index = int(match.group(1)) if match else 0
        if index >= camera.track_count or (not match and camera.track_count > 1):
            self._reply(request, 404)
            return
        sink, reply_transport = self._sink(request.headers.get("transport", ""))
        if sink is None:
            self._reply(request, 461)
            return
        if session is None:
            session = camera.open_session(self, secrets.token_hex(8))
            self.sessions[session.id] = session
        session.add_sink(index, sink, request.url)
        self._reply(request, 200, {"Transport": reply_transport, **self._session_header(session)})

    def _sink(self, header: str) -> tuple[Sink | None, str]:
        for option in header.split(","):
            params = option.strip().split(";")
            spec = params[0].upper()
            values = dict(p.partition("=")[::2] for p in params[1:])
            if "multicast" in params:
                continue
            if spec == "RTP/AVP/TCP":
                channels = values.get("interleaved", "0-1")
                first = int(channels.split("-")[0])
                second = int(channels.split("-")[1]) if "-" in channels else first + 1
                reply = f"RTP/AVP/TCP;unicast;interleaved={first}-{second}"
                return Sink(rtp_channel=first, rtcp_channel=second), reply
            if spec in ("RTP/AVP", "RTP/AVP/UDP") and "client_port" in values:
                ports = values["client_port"].split("-")
                rtp_port = int(ports[0])
                rtcp_port = int(ports[1]) if len(ports) > 1 else rtp_port + 1
                client = self.transport.get_extra_info("peername")[0]
                rtp_socket, rtcp_socket = _udp_pair(self.server.host)
                server_port = rtp_socket.getsockname()[1]
                sink = Sink(
                    rtp_socket=rtp_socket,
                    rtcp_socket=rtcp_socket,
                    rtp_address=(client, rtp_port),
                    rtcp_address=(client, rtcp_port),
                )
                reply = (
                    f"RTP/AVP/UDP;unicast;client_port={rtp_port}-{rtcp_port};"
                    f"server_port={server_port}-{server_port + 1}"
                )
                return sink, reply
        return None, ""

    def _on_play(self, request, camera, session):
        if session is None:
            self._reply(request, 454)
            return
        if not session.sinks:
            self._reply(request, 455)
            return
        now = asyncio.get_running_loop().time()
        tracks = camera.play_info(session, now)
        info = ",".join(f"url={url};seq={seq};rtptime={rtptime}" for url, seq, rtptime in tracks)
        headers = {**self._session_header(session), "Range": "npt=0.000-", "RTP-Info": info}
        self._reply(request, 200, headers)
        camera.start(session, now)

    def _on_pause(self, request, camera, session):
        if session is None:
            self._reply(request, 454)
            return
        session.playing = False
        self._reply(request, 200, self._session_header(session))

    def _on_getparameter(self, request, camera, session):
        self._reply(request, 200, self._session_header(session) if session else {})

    _on_setparameter = _on_getparameter

    def _on_teardown(self, request, camera, session):
        if session is not None:
            camera.end_session(session)
            self.sessions.pop(session.id, None)
        self._reply(request, 200)


def _udp_pair(host: str) -> tuple[socket.socket, socket.socket]:
    """Two UDP sockets on an even port and the next one, as RTP/RTCP server_port expects."""
    for _ in range(100):
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind((host, 0))
        port = rtp.getsockname()[1]
        if port % 2 == 0 and port < 65535:
            rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                rtcp.bind((host, port + 1))
            except OSError:
                rtcp.close()
            else:
                rtp.setblocking(False)
                rtcp.setblocking(False)
                return rtp, rtcp
        rtp.close()
    raise OSError("no free even/odd UDP port pair")
