"""Open a camera's input with options that fail fast and start fast."""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import av

from .tracks import Track, track_from_stream

# Probing a camera briefly holds several MB of buffers. A worker starting many cameras at once
# opens them a few at a time, so its memory does not spike (#4); an open takes about a second.
MAX_PARALLEL_OPENS = 4
opening = threading.BoundedSemaphore(MAX_PARALLEL_OPENS)

# Small probe: cameras announce their codecs in SDP, so a long analysis only delays the first frame.
PROBE_OPTIONS = {"probesize": "262144", "analyzeduration": "1000000"}


class SourceError(Exception):
    """The camera could not be opened or stopped answering; `reason` is a GapReason value."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SourceConfig:
    url: str  # with credentials; never logged
    transport: str = "tcp"  # "tcp" (interleaved) or "udp"
    timeout_s: float = 5.0  # connect and read; a camera silent this long is an outage

    @property
    def safe_url(self) -> str:
        """The URL without credentials, for logs and errors."""
        scheme, sep, rest = self.url.partition("://")
        host = rest.rsplit("@", 1)[-1]
        return f"{scheme}{sep}{host}"


class Source(Protocol):
    """An open input: its tracks and their packets. `packets()` raises SourceError when it ends."""

    tracks: list[Track]

    def packets(self) -> Iterator[tuple[int, av.Packet]]: ...

    def close(self) -> None: ...


def open_source(config: SourceConfig) -> Source:
    """Our own RTSP client for RTSP over TCP or UDP (cheaper than libavformat's, bench/recorder.py);
    libavformat for everything else (RTSPS, RTMP, HTTP, files), and for RTSP with
    NVR_RTSP_CLIENT=libav."""
    if config.url.startswith("rtsp://") and config.transport in ("tcp", "udp") and not _force_libav():
        from .rtsp.source import RtspSource

        return RtspSource.open(config)
    return LibavSource(config)


def _force_libav() -> bool:
    return os.environ.get("NVR_RTSP_CLIENT", "") == "libav"


class LibavSource:
    def __init__(self, config: SourceConfig):
        self.config = config
        self.container = _open_container(config)
        self.tracks = [
            track_from_stream(stream)
            for stream in self.container.streams
            if stream.type in ("video", "audio")
        ]

    def packets(self) -> Iterator[tuple[int, av.Packet]]:
        streams = [self.container.streams[track.index] for track in self.tracks]
        try:
            for packet in self.container.demux(*streams):
                if packet.size:
                    yield packet.stream.index, packet
        except av.error.FFmpegError as exc:
            stalled = (
                isinstance(exc, av.error.ExitError | av.error.TimeoutError) or "timed out" in str(exc).lower()
            )
            raise SourceError(
                "stalled" if stalled else "source_ended", f"{self.config.safe_url}: {exc}"
            ) from None
        raise SourceError("source_ended", "the camera closed the stream")

    def close(self) -> None:
        self.container.close()


def _open_container(config: SourceConfig) -> av.container.InputContainer:
    options = dict(PROBE_OPTIONS)
    if config.url.startswith(("rtsp://", "rtsps://")):
        options["rtsp_transport"] = config.transport
        options["timeout"] = str(int(config.timeout_s * 1_000_000))  # socket I/O, microseconds
        if config.transport == "udp":
            options["buffer_size"] = str(4 * 1024 * 1024)  # a 6 Mbit/s keyframe arrives as one burst
    # Over TCP the socket timeout above ends a stalled read; PyAV's own read timeout would also
    # do it, but its interrupt callback runs on every I/O call and costs ~10 % of the input path
    # (bench/recorder.py). Over UDP there is no socket to time out, so PyAV's is kept.
    read_timeout = config.timeout_s if config.transport == "udp" or "://" not in config.url else None
    try:
        with opening:
            return av.open(config.url, options=options, timeout=(config.timeout_s, read_timeout))
    except av.error.FFmpegError as exc:
        raise SourceError("connect_failed", f"{config.safe_url}: {_describe(exc)}") from None
    except OSError as exc:
        raise SourceError("connect_failed", f"{config.safe_url}: {exc}") from None


def _describe(exc: Exception) -> str:
    text = str(exc)
    return text.replace("'<none>'", "").strip() or type(exc).__name__
