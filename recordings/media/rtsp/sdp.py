"""The parts of a camera's SDP (RFC 8866) a recorder needs: codecs, clocks, parameters, controls."""

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import urljoin

# rtpmap encoding names (upper case) to FFmpeg codec names.
CODECS = {
    "H264": "h264",
    "H265": "hevc",
    "MPEG4-GENERIC": "aac",
    "MP4A-LATM": "aac_latm",
    "PCMU": "pcm_mulaw",
    "PCMA": "pcm_alaw",
    "OPUS": "opus",
}
# Static payload types (RFC 3551) that cameras announce without an rtpmap line.
STATIC = {0: ("pcm_mulaw", 8000, 1), 8: ("pcm_alaw", 8000, 1)}


@dataclass
class Media:
    kind: str  # "video", "audio", or anything else we ignore
    payload_type: int
    codec: str = ""
    clock: int = 90_000
    channels: int = 1
    fmtp: dict[str, str] = field(default_factory=dict)
    control: str = ""
    framerate: float = 0.0

    def parameter_sets(self) -> list[bytes]:
        """NAL units announced in the SDP (sprop-*), in decoder order."""
        if self.codec == "h264":
            names = [self.fmtp.get("sprop-parameter-sets", "")]
        elif self.codec == "hevc":
            names = [self.fmtp.get(key, "") for key in ("sprop-vps", "sprop-sps", "sprop-pps")]
        else:
            return []
        units = []
        for value in names:
            for item in filter(None, value.split(",")):
                try:
                    units.append(base64.b64decode(item))
                except (binascii.Error, ValueError):
                    continue
        return units

    def audio_config(self) -> bytes:
        """The AudioSpecificConfig of an mpeg4-generic track (fmtp config=, hex)."""
        try:
            return bytes.fromhex(self.fmtp.get("config", ""))
        except ValueError:
            return b""


@dataclass
class SessionDescription:
    media: list[Media]
    control: str = ""

    def control_url(self, base: str, media: Media) -> str:
        """The URL to SETUP `media` with, resolved as RFC 2326 C.1.1 says."""
        session_base = base if self.control in ("", "*") else urljoin(base, self.control)
        if media.control in ("", "*"):
            return session_base
        if "://" in media.control:
            return media.control
        if not session_base.endswith("/"):
            session_base += "/"
        return urljoin(session_base, media.control)


def parse(text: str) -> SessionDescription:
    session = SessionDescription(media=[])
    current: Media | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            parts = value.split()
            payload = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else -1
            current = Media(kind=parts[0], payload_type=payload)
            if payload in STATIC:
                current.codec, current.clock, current.channels = STATIC[payload]
            session.media.append(current)
        elif kind == "a":
            name, _, attribute = value.partition(":")
            if current is None:
                if name == "control":
                    session.control = attribute.strip()
                continue
            _media_attribute(current, name, attribute.strip())
    return session


def _media_attribute(media: Media, name: str, value: str) -> None:
    if name == "control":
        media.control = value
    elif name == "framerate":
        try:
            media.framerate = float(value)
        except ValueError:
            pass
    elif name in ("rtpmap", "fmtp"):
        payload, _, rest = value.partition(" ")
        if payload.strip() != str(media.payload_type):
            return
        if name == "rtpmap":
            encoding = rest.strip().split("/")
            media.codec = CODECS.get(encoding[0].upper(), encoding[0].lower())
            if len(encoding) > 1 and encoding[1].isdigit():
                media.clock = int(encoding[1])
            if len(encoding) > 2 and encoding[2].isdigit():
                media.channels = int(encoding[2])
        else:
            for item in rest.split(";"):
                key, _, val = item.strip().partition("=")
                if key:
                    media.fmtp[key.lower()] = val.strip()
