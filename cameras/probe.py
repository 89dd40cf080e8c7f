"""Test a camera URL with the recorder's own input code: what it sends, or exactly why it fails.

The dashboard's "Test connection" button runs this inside the request (a deliberate user action),
so it is bounded: the input gets most of `timeout_s` for its socket reads, and a hard deadline
gives up on it at `timeout_s` whatever it is doing (our RTSP client waits up to 15 s for a first
keyframe, and retries DESCRIBE after a silent OPTIONS). An input abandoned at the deadline is
closed by its own thread when it returns, so no socket is left open.
"""

import logging
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from nvr_project.redact import mask_url_credentials
from recordings.media.source import SourceConfig, SourceError, open_source

# Schemes the recorder reads from a camera; anything else (file:, pipes, bare paths) would let a
# probe read the server's own disk.
NETWORK_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "srt"})
# The share of the deadline the input's own socket timeout gets, so its error (more precise than
# ours) usually arrives before the deadline does.
SOCKET_SHARE = 0.8
_URL = re.compile(r"\w[\w+.-]*://\S*")

logger = logging.getLogger(__name__)

CODEC_LABELS = {
    "h264": "H264",
    "hevc": "H265",
    "aac": "AAC",
    "opus": "Opus",
    "pcm_mulaw": "G.711 µ-law",
    "pcm_alaw": "G.711 A-law",
}

# Error kinds by fragments of the input's error text (URLs removed), first match wins: kind, title,
# hint, fragments.
_ERRORS = (
    (
        "refused",
        "Connection refused",
        "Nothing listens on that port. Check the host and the port (RTSP is usually 554).",
        ("connection refused",),
    ),
    (
        "auth",
        "Wrong user name or password",
        "The camera refused these credentials.",
        ("user name or password", "answered 401", "401 unauthorized"),
    ),
    (
        "not_found",
        "No stream at this path",
        "The camera answered, but has no stream at this URL's path.",
        ("answered 404", "404 not found"),
    ),
    (
        "no_video",
        "No H.264 or H.265 video",
        "The camera offers no video track the recorder can record.",
        ("no h.264 or h.265 video", "no video track"),
    ),
    (
        "no_picture",
        "No picture",
        "The camera connected but sent no picture that decodes.",
        ("no keyframe", "does not decode"),
    ),
    (
        "not_rtsp",
        "Not an RTSP server",
        "Something answered on that port, but it does not speak RTSP.",
        ("not an rtsp server", "invalid data found"),
    ),
    (
        "host",
        "Host not found",
        "The host name does not resolve. Check its spelling, or use the IP address.",
        ("name or service not known", "name resolution", "no address associated"),
    ),
    (
        "unreachable",
        "Host unreachable",
        "There is no route from this server to the camera's network.",
        ("no route to host", "network is unreachable", "host is unreachable"),
    ),
    (
        "timeout",
        "No answer",
        "The camera did not answer in time. Is the address right, and the camera on?",
        ("timed out", "no answer", "no rtp for"),
    ),
    (
        "closed",
        "Connection closed",
        "The camera hung up. It may allow only a few clients at a time.",
        ("closed the connection", "connection reset"),
    ),
)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a probe found: the tracks' parameters, or an error kind, title, hint and the exact detail."""

    ok: bool
    elapsed_s: float
    video_codec: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    audio_codec: str = ""
    sample_rate: int = 0
    channels: int = 0
    error_kind: str = ""
    error: str = ""
    hint: str = ""
    detail: str = ""

    @property
    def elapsed_label(self) -> str:
        return f"{self.elapsed_s * 1000:.0f} ms" if self.elapsed_s < 1 else f"{self.elapsed_s:.1f} s"

    @property
    def video_label(self) -> str:
        return CODEC_LABELS.get(self.video_codec, self.video_codec.upper())

    @property
    def audio_summary(self) -> str:
        """Codec, rate and channels, such as "AAC 48 kHz stereo"."""
        parts = [CODEC_LABELS.get(self.audio_codec, self.audio_codec.upper())]
        if self.sample_rate:
            parts.append(f"{self.sample_rate / 1000:g} kHz")
        parts += {1: ["mono"], 2: ["stereo"]}.get(self.channels, [])
        return " ".join(parts)


class ProbeRefused(ValueError):
    """The URL is not one the recorder could read from a camera; nothing was opened."""


def camera_probe(*, url: str, transport: str = "tcp", timeout_s: float = 5.0) -> ProbeResult:
    """Open `url` (credentials included) as the recorder does, read its tracks, close it.

    Never takes longer than `timeout_s` (plus a few ms). Raises ProbeRefused for a URL that is not
    a camera's network address; every failure to reach or read the camera is a ProbeResult.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in NETWORK_SCHEMES or not parts.hostname:
        raise ProbeRefused("Enter a camera's network URL, such as rtsp://192.0.2.10:554/stream1.")
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        raise ProbeRefused("The port must be a number from 1 to 65535.") from None
    started = time.monotonic()
    attempt = _Attempt(SourceConfig(url, transport, timeout_s * SOCKET_SHARE))
    outcome = attempt.run(deadline_s=timeout_s)
    elapsed = time.monotonic() - started
    if outcome is None:
        safe = SourceConfig(url).safe_url
        return _failure(elapsed, "timed out", f"{safe}: no answer in {timeout_s:g} s", url)
    if isinstance(outcome, SourceError):
        result = _failure(elapsed, outcome.detail, outcome.detail, url)
        if result.error_kind == "closed" and parts.scheme.lower() == "rtsp":
            # Our client gives up quietly on a reply that is not RTSP (a web server on the port) and
            # reports only the hang-up that follows; ask once more, plainly, to say what answered.
            answer = _non_rtsp_answer(parts.hostname, parts.port or 554, min(1.0, timeout_s - elapsed))
            if answer:
                detail = f"{SourceConfig(url).safe_url}: not an RTSP server (it answered “{answer}”)"
                result = _failure(time.monotonic() - started, detail, detail, url)
        return result
    video = next((t for t in outcome if t.kind == "video"), None)
    audio = next((t for t in outcome if t.kind == "audio"), None)
    if video is None:
        found = ", ".join(t.codec for t in outcome) or "no tracks"
        return _failure(elapsed, "no H.264 or H.265 video", f"no video track ({found})", url)
    return ProbeResult(
        ok=True,
        elapsed_s=elapsed,
        video_codec=video.codec,
        width=video.width,
        height=video.height,
        fps=round(video.fps, 2),
        audio_codec=audio.codec if audio else "",
        sample_rate=audio.sample_rate if audio else 0,
        channels=audio.channels if audio else 0,
    )


class _Attempt:
    """One open_source call in its own thread, which the caller may abandon at a deadline."""

    def __init__(self, config: SourceConfig):
        self.config = config
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.abandoned = False
        self.outcome = None  # the tracks, or the SourceError

    def run(self, *, deadline_s: float):
        threading.Thread(target=self._open, name="camera-probe", daemon=True).start()
        finished = self.done.wait(deadline_s)
        with self.lock:
            if not finished and not self.done.is_set():
                self.abandoned = True
                return None
            return self.outcome

    def _open(self) -> None:
        try:
            source = open_source(self.config)
        except SourceError as exc:
            outcome = exc
        except Exception as exc:  # whatever the input raises is the probe's answer, not a 500
            logger.exception("probe of %s failed", self.config.safe_url)
            outcome = SourceError("connect_failed", f"{self.config.safe_url}: {exc}")
        else:
            outcome = list(source.tracks)
            source.close()  # the tracks are plain values; nothing needs the connection
        with self.lock:
            self.outcome = outcome
            self.done.set()


def _failure(elapsed: float, text: str, detail: str, url: str) -> ProbeResult:
    lowered = _URL.sub("", text).lower()  # a port or path in the URL must not look like a 401
    kind, title, hint = "error", "Could not open the camera", ""
    for candidate, candidate_title, candidate_hint, fragments in _ERRORS:
        if any(fragment in lowered for fragment in fragments):
            kind, title, hint = candidate, candidate_title, candidate_hint
            break
    if kind == "auth" and not urlsplit(url).username:
        title, hint = "The camera asks for a password", "Enter the camera's user name and password."
    return ProbeResult(
        ok=False,
        elapsed_s=elapsed,
        error_kind=kind,
        error=title,
        hint=hint,
        detail=_without_secrets(detail, url),
    )


def _non_rtsp_answer(host: str, port: int, timeout_s: float) -> str:
    """The first line a server answers to a bare OPTIONS, if it is not RTSP; "" otherwise."""
    if timeout_s <= 0:
        return ""
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    request = f"OPTIONS rtsp://{netloc}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: nvr-probe\r\n\r\n"
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.sendall(request.encode())
            first = next(iter(sock.recv(256).splitlines()), b"").decode("latin-1").strip()
    except OSError:
        return ""
    return "" if not first or first.startswith("RTSP/") else first[:80]


def _without_secrets(text: str, url: str) -> str:
    """The inputs already strip credentials from their errors; make sure of it, for any input."""
    parts = urlsplit(url)
    for secret in {parts.password, unquote(parts.password or "")} - {None, ""}:
        text = text.replace(secret, "•••")
    return mask_url_credentials(text)
