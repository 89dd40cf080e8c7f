"""Clips the simulated camera replays: encoded once with PyAV, kept in memory, cached on disk.

A real camera encodes live; the simulator encodes a few GOPs once and loops them, so serving
fifty cameras costs no encoding at all. Every video frame carries its index in the clip twice:
as a 16-bit pattern of large black/white blocks across the top (two rows, the second the
complement of the first, so a test can tell a counter from garbage) that survives any bitrate,
and as 7-segment digits a person can read when looking at a recording.

Encodings are pickled under ``<tmp>/nvr-clips/`` keyed by a hash of the spec, so a test session
(and every xdist worker, and the next session) encodes each clip at most once.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import os
import pickle
import re
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import av
import numpy as np

# Bump when the encoding or the picture changes so stale pickles are not reused.
CACHE_VERSION = 3
CACHE_DIR = Path(tempfile.gettempdir()) / "nvr-clips"

COUNTER_BITS = 16
_AAC_FRAME = 1024
_PCMU_PACKET = 160  # 20 ms at 8 kHz, the RFC 3551 default packet time


@dataclasses.dataclass(frozen=True)
class ClipSpec:
    """What a camera streams. Frozen, so it can key caches and be compared after switch_clip."""

    codec: str = "h264"  # "h264" or "h265"
    width: int = 640
    height: int = 360
    fps: int = 25
    gop_seconds: float = 1.0
    bitrate: int = 1_000_000
    audio: str | None = "aac"  # "aac", "pcmu" or None
    audio_rate: int = 48_000  # AAC only; PCMU is always 8 kHz
    slices: int = 1
    seconds: float = 2.0
    preset: str = "ultrafast"

    def __post_init__(self):
        if self.codec not in ("h264", "h265"):
            raise ValueError(f"unsupported video codec {self.codec!r}")
        if self.audio not in (None, "aac", "pcmu"):
            raise ValueError(f"unsupported audio codec {self.audio!r}")
        if self.width % 16 or self.height % 2:
            raise ValueError("width must be a multiple of 16 and height even")

    @property
    def frame_count(self) -> int:
        return round(self.seconds * self.fps)

    @property
    def gop_frames(self) -> int:
        return max(1, round(self.gop_seconds * self.fps))

    @property
    def audio_clock(self) -> int:
        return 8000 if self.audio == "pcmu" else self.audio_rate

    def replace(self, **changes) -> ClipSpec:
        return dataclasses.replace(self, **changes)


# 640x360 with a 1 s GOP and a 2 s loop: tests see a keyframe and a loop boundary quickly.
TEST_H264_AAC = ClipSpec()
TEST_H265_AAC = ClipSpec(codec="h265")
TEST_H264_PCMU = ClipSpec(audio="pcmu")
TEST_H264_SLICES = ClipSpec(slices=4)
# What a typical 1080p camera sends: 6 Mbit/s, 2 s GOP, 4 s loop.
BENCH_1080P_H264 = ClipSpec(
    width=1920, height=1080, gop_seconds=2.0, bitrate=6_000_000, seconds=4.0, preset="veryfast"
)
BENCH_1080P_H265 = BENCH_1080P_H264.replace(codec="h265", preset="ultrafast")


class EncodedPacket(NamedTuple):
    data: bytes  # Annex B access unit for video, one raw frame for audio
    pts: int  # in the track's time base
    dts: int
    keyframe: bool


@dataclasses.dataclass
class EncodedClip:
    spec: ClipSpec
    video: list[EncodedPacket]
    video_time_base: Fraction
    parameter_sets: dict[str, bytes]  # "sps", "pps" and for H.265 "vps", without start codes
    audio: list[EncodedPacket]
    audio_time_base: Fraction  # 1 / sample rate
    audio_config: bytes  # AAC AudioSpecificConfig; empty for PCMU
    audio_samples_per_packet: int

    @property
    def video_duration(self) -> Fraction:
        return len(self.video) * self.video_time_base

    @property
    def audio_duration(self) -> Fraction:
        return len(self.audio) * self.audio_samples_per_packet * self.audio_time_base


# --- the frame counter -------------------------------------------------------------------------


def counter_geometry(width: int, height: int) -> tuple[int, int]:
    """Block width and row height of the counter pattern, both multiples of 16 (macroblocks)."""
    block_w = (width // COUNTER_BITS) // 16 * 16 or width // COUNTER_BITS
    row_h = max(16, (height // 22) // 16 * 16)
    return block_w, row_h


def read_frame_counter(frame: av.VideoFrame) -> int:
    """The clip frame index burned into a decoded frame. Raises ValueError if there is none.

    The second row must be the complement of the first; a frame decoded from a broken stream
    (or a frame from somewhere else) fails that check instead of yielding a wrong number.
    """
    luma = _luma(frame)
    block_w, row_h = counter_geometry(frame.width, frame.height)
    bits = []
    for row in range(2):
        top = row * row_h + row_h // 4
        band = luma[top : top + row_h // 2]
        values = []
        for bit in range(COUNTER_BITS):
            left = bit * block_w + block_w // 4
            values.append(float(band[:, left : left + block_w // 2].mean()))
        bits.append(values)
    value = 0
    for high, low in zip(*bits, strict=True):
        if abs(high - low) < 64:
            raise ValueError("no frame counter in this frame")
        value = value << 1 | (high > low)
    return value


def _luma(frame: av.VideoFrame) -> np.ndarray:
    if frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12"):
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        return rows[: frame.height, : frame.width]
    return frame.to_ndarray(format="gray")


def render_frame(spec: ClipSpec, index: int) -> av.VideoFrame:
    """One yuv420p picture: moving gradient and texture, the counter pattern and the digits."""
    w, h = spec.width, spec.height
    y = np.empty((h, w), np.uint8)
    y[:] = _background(w, h, index)
    block_w, row_h = counter_geometry(w, h)
    for bit in range(COUNTER_BITS):
        on = (index >> (COUNTER_BITS - 1 - bit)) & 1
        cols = slice(bit * block_w, (bit + 1) * block_w)
        y[0:row_h, cols] = 235 if on else 16
        y[row_h : 2 * row_h, cols] = 16 if on else 235
    digit_h = max(24, h // 4)
    _draw_number(y, index, top=(h - digit_h) // 2 + row_h, height=digit_h)
    chroma = np.full((h // 2, w), 128, np.uint8)
    chroma[: h // 4, :] = (96 + (np.arange(w) * 64 // w)).astype(np.uint8)  # a bluish U ramp
    return av.VideoFrame.from_ndarray(np.concatenate([y, chroma]), format="yuv420p")


@functools.lru_cache(maxsize=4)
def _texture(w: int, h: int) -> np.ndarray:
    """Fixed noise, twice as wide as the picture, so it can scroll and cost real bits."""
    rng = np.random.default_rng(1234)
    return rng.integers(-24, 24, size=(h, 2 * w), dtype=np.int16)


def _background(w: int, h: int, index: int) -> np.ndarray:
    ramp = (np.arange(w, dtype=np.int16)[None, :] + np.arange(h, dtype=np.int16)[:, None] + 4 * index) % 256
    shift = (index * 8) % w
    texture = _texture(w, h)[:, shift : shift + w]
    return np.clip(64 + ramp // 2 + texture, 16, 235).astype(np.uint8)


# Segments a..g: top, top-right, bottom-right, bottom, bottom-left, top-left, middle.
_SEGMENTS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abdeg",
    "3": "abcdg",
    "4": "bcfg",
    "5": "acdfg",
    "6": "acdefg",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
}


def _draw_number(y: np.ndarray, number: int, *, top: int, height: int) -> None:
    text = f"{number:04d}"
    width = height // 2
    gap = max(4, width // 3)
    left = (y.shape[1] - len(text) * (width + gap)) // 2
    for char in text:
        _draw_digit(y, char, top=top, left=left, height=height, width=width)
        left += width + gap


def _draw_digit(y: np.ndarray, char: str, *, top: int, left: int, height: int, width: int) -> None:
    t = max(3, height // 8)
    mid = top + (height - t) // 2
    bottom = top + height - t
    right = left + width - t
    boxes = {
        "a": (top, top + t, left, left + width),
        "b": (top, mid + t, right, right + t),
        "c": (mid, bottom + t, right, right + t),
        "d": (bottom, bottom + t, left, left + width),
        "e": (mid, bottom + t, left, left + t),
        "f": (top, mid + t, left, left + t),
        "g": (mid, mid + t, left, left + width),
    }
    for segment in _SEGMENTS[char]:
        r0, r1, c0, c1 = boxes[segment]
        y[r0:r1, c0:c1] = 235


# --- encoding ---------------------------------------------------------------------------------


def encode_clip(spec: ClipSpec) -> EncodedClip:
    """The encoded clip for spec: from this process, else from the disk cache, else encoded now."""
    return _encode_cached(spec)


@functools.lru_cache(maxsize=32)
def _encode_cached(spec: ClipSpec) -> EncodedClip:
    key = hashlib.sha256(repr((CACHE_VERSION, av.__version__, spec)).encode()).hexdigest()[:24]
    path = CACHE_DIR / f"{key}.pkl"
    try:
        with path.open("rb") as f:
            clip = pickle.load(f)
        if isinstance(clip, EncodedClip) and clip.spec == spec:
            return clip
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    clip = _encode(spec)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    # Write then rename: parallel test workers never read a half-written pickle.
    fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(clip, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return clip


def _encode(spec: ClipSpec) -> EncodedClip:
    video = _encode_video(spec)
    parameter_sets = _parameter_sets(spec.codec, video[0].data)
    audio, config, per_packet = _encode_audio(spec)
    return EncodedClip(
        spec=spec,
        video=video,
        video_time_base=Fraction(1, spec.fps),
        parameter_sets=parameter_sets,
        audio=audio,
        audio_time_base=Fraction(1, spec.audio_clock),
        audio_config=config,
        audio_samples_per_packet=per_packet,
    )


def _encode_video(spec: ClipSpec) -> list[EncodedPacket]:
    gop = spec.gop_frames
    common = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0"
    if spec.codec == "h264":
        ctx = av.CodecContext.create("libx264", "w")
        # zerolatency turns on sliced threads, which would split every frame into one slice per
        # core; the slice count must come from the spec alone.
        params = f"{common}:slices={spec.slices}:sliced-threads=0"
        ctx.options = {"preset": spec.preset, "tune": "zerolatency", "x264-params": params}
    else:
        ctx = av.CodecContext.create("libx265", "w")
        # open-gop=0: keyframes are IDR, so a client can start decoding at any of them.
        params = f"{common}:repeat-headers=1:open-gop=0:log-level=error"
        ctx.options = {"preset": spec.preset, "tune": "zerolatency", "x265-params": params}
    ctx.width, ctx.height, ctx.pix_fmt = spec.width, spec.height, "yuv420p"
    ctx.time_base = Fraction(1, spec.fps)
    ctx.framerate = Fraction(spec.fps)
    ctx.gop_size = gop
    ctx.max_b_frames = 0
    ctx.bit_rate = spec.bitrate
    packets = []
    for index in range(spec.frame_count):
        frame = render_frame(spec, index)
        frame.pts = index
        frame.time_base = ctx.time_base
        packets.extend(ctx.encode(frame))
    packets.extend(ctx.encode(None))
    encoded = [EncodedPacket(bytes(p), p.pts, p.dts, bool(p.is_keyframe)) for p in packets]
    encoded.sort(key=lambda p: p.dts)
    if len(encoded) != spec.frame_count or not encoded[0].keyframe:
        raise RuntimeError(f"{spec.codec} encoder returned {len(encoded)} packets for {spec.frame_count}")
    return encoded


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte stream, start codes removed."""
    starts = [m.end() for m in re.finditer(b"\x00\x00\x01", data)]
    nals = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        nal = data[start:end]
        # A four-byte start code leaves one zero behind; trailing zeros are never NAL payload.
        nals.append(nal.rstrip(b"\x00") if i + 1 < len(starts) else nal)
    return [n for n in nals if n]


def nal_type(codec: str, nal: bytes) -> int:
    return (nal[0] >> 1) & 0x3F if codec == "h265" else nal[0] & 0x1F


def _parameter_sets(codec: str, keyframe: bytes) -> dict[str, bytes]:
    names = {32: "vps", 33: "sps", 34: "pps"} if codec == "h265" else {7: "sps", 8: "pps"}
    found = {}
    for nal in split_annexb(keyframe):
        name = names.get(nal_type(codec, nal))
        if name and name not in found:
            found[name] = nal
    if set(found) != set(names.values()):
        raise RuntimeError(f"first {codec} keyframe lacks parameter sets: {sorted(found)}")
    return found


def _encode_audio(spec: ClipSpec) -> tuple[list[EncodedPacket], bytes, int]:
    if spec.audio is None:
        return [], b"", 0
    rate = spec.audio_clock
    if spec.audio == "aac":
        ctx = av.CodecContext.create("aac", "w")
        ctx.sample_rate, ctx.layout, ctx.format = rate, "mono", "fltp"
        ctx.bit_rate = 64_000
        per_packet, sample_format, scale, dtype = _AAC_FRAME, "fltp", 0.3, np.float32
    else:
        ctx = av.CodecContext.create("pcm_mulaw", "w")
        ctx.sample_rate, ctx.layout, ctx.format = rate, "mono", "s16"
        per_packet, sample_format, scale, dtype = _PCMU_PACKET, "s16", 0.3 * 32767, np.int16
    ctx.time_base = Fraction(1, rate)
    ctx.open()
    count = math.ceil(spec.seconds * rate / per_packet)
    # 1 kHz tone; the phase runs on across packets so the loop is a clean tone too.
    t = np.arange(count * per_packet) / rate
    tone = (np.sin(2 * np.pi * 1000 * t) * scale).astype(dtype)
    raw = []
    for i in range(count):
        frame = av.AudioFrame.from_ndarray(
            tone[None, i * per_packet : (i + 1) * per_packet], format=sample_format, layout="mono"
        )
        frame.sample_rate = rate
        frame.pts = i * per_packet
        raw.extend(bytes(p) for p in ctx.encode(frame))
    raw.extend(bytes(p) for p in ctx.encode(None))
    # The AAC encoder adds priming packets; timestamps are reassigned densely so the looped
    # track stays continuous, as it would from a camera that never stops encoding.
    packets = [EncodedPacket(data, i * per_packet, i * per_packet, True) for i, data in enumerate(raw)]
    config = bytes(ctx.extradata or b"") if spec.audio == "aac" else b""
    if spec.audio == "aac" and not config:
        config = _audio_specific_config(rate)
    return packets, config, per_packet


def _audio_specific_config(rate: int) -> bytes:
    rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]
    value = (2 << 11) | (rates.index(rate) << 7) | (1 << 3)  # AAC LC, mono
    return value.to_bytes(2, "big")
