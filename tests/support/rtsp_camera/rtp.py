"""RTP packetization, RTCP sender reports and SDP for the simulated camera.

Each clip is packetized once into RtpTrack items: the payloads of every access unit (or audio
frame) plus a ready-made run of RTSP interleaved frames with blank headers. Sending an item to a
TCP client is then one bytearray copy and a 10-byte pack per packet (channel, sequence number,
timestamp, SSRC), which is what keeps fifty cameras cheap to serve.

Formats: H.264 per RFC 6184 (single NAL unit and FU-A, packetization-mode=1), H.265 per RFC 7798
(single NAL unit and FU), AAC per RFC 3640 (mpeg4-generic, AAC-hbr, one AU per packet), PCMU per
RFC 3551 (static payload type 0).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import struct

from .clips import ClipSpec, EncodedClip, encode_clip, split_annexb

MAX_PAYLOAD = 1400  # keeps UDP datagrams under a 1500-byte MTU with IP/UDP/RTP headers
VIDEO_CLOCK = 90_000
PT_H264, PT_H265, PT_AAC, PT_PCMU = 96, 97, 98, 0
NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900 (NTP) to 1970 (Unix)

_HEADER = struct.Struct("!BBHII")
_SEQ_TS_SSRC = struct.Struct("!HII")
_INTERLEAVED = 4  # "$", channel, 16-bit length


@dataclasses.dataclass(frozen=True)
class RtpItem:
    """One access unit or audio frame, packetized."""

    offset: int  # RTP ticks from the start of the clip
    payloads: tuple[bytes, ...]
    markers: tuple[bool, ...]
    tcp_template: bytes  # interleaved frames; channel, seq, timestamp and SSRC left blank
    tcp_offsets: tuple[int, ...]  # where each interleaved frame starts in tcp_template
    octets: int  # payload bytes, as counted by RTCP
    frame_index: int  # index of the frame (or audio packet) in the clip
    keyframe: bool


@dataclasses.dataclass(frozen=True)
class RtpTrack:
    kind: str  # "video" or "audio"
    payload_type: int
    clock: int
    period: int  # RTP ticks of one loop of the clip
    items: tuple[RtpItem, ...]
    sdp_lines: tuple[str, ...]  # the media section without a=control
    offsets: tuple[int, ...]  # item offsets, for seeking

    def same_format(self, other: RtpTrack) -> bool:
        """Whether a client set up for self can keep receiving other without a new SDP."""
        return (self.kind, self.payload_type, self.clock) == (other.kind, other.payload_type, other.clock)


@functools.lru_cache(maxsize=32)
def prepare_tracks(spec: ClipSpec) -> tuple[RtpTrack, ...]:
    """The tracks of spec's clip: video first, then audio if any. Shared by every camera."""
    clip = encode_clip(spec)
    tracks = [_video_track(clip)]
    if spec.audio:
        tracks.append(_audio_track(clip))
    return tuple(tracks)


def _video_track(clip: EncodedClip) -> RtpTrack:
    spec = clip.spec
    ticks_per_frame = VIDEO_CLOCK * clip.video_time_base
    if ticks_per_frame.denominator != 1:
        raise ValueError(f"{spec.fps} fps does not divide the 90 kHz clock")
    step = int(ticks_per_frame)
    packetize = packetize_h264 if spec.codec == "h264" else packetize_h265
    pt = PT_H264 if spec.codec == "h264" else PT_H265
    items = tuple(
        _item(pt, packet.pts * step, packetize(packet.data), index, packet.keyframe)
        for index, packet in enumerate(clip.video)
    )
    sets = {name: base64.b64encode(nal).decode() for name, nal in clip.parameter_sets.items()}
    if spec.codec == "h264":
        profile = clip.parameter_sets["sps"][1:4].hex().upper()
        fmtp = (
            f"packetization-mode=1;profile-level-id={profile};"
            f"sprop-parameter-sets={sets['sps']},{sets['pps']}"
        )
        rtpmap = f"H264/{VIDEO_CLOCK}"
    else:
        fmtp = f"sprop-vps={sets['vps']};sprop-sps={sets['sps']};sprop-pps={sets['pps']}"
        rtpmap = f"H265/{VIDEO_CLOCK}"
    lines = (
        f"m=video 0 RTP/AVP {pt}",
        f"a=rtpmap:{pt} {rtpmap}",
        f"a=fmtp:{pt} {fmtp}",
        f"a=framerate:{spec.fps}",
        f"a=x-dimensions:{spec.width},{spec.height}",
    )
    return RtpTrack("video", pt, VIDEO_CLOCK, len(items) * step, items, lines, tuple(i.offset for i in items))


def _audio_track(clip: EncodedClip) -> RtpTrack:
    spec = clip.spec
    rate = spec.audio_clock
    if spec.audio == "aac":
        pt, packetize = PT_AAC, packetize_aac
        lines = (
            f"m=audio 0 RTP/AVP {pt}",
            f"a=rtpmap:{pt} mpeg4-generic/{rate}/1",
            f"a=fmtp:{pt} streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
            f"indexdeltalength=3;config={clip.audio_config.hex().upper()}",
        )
    else:
        pt, packetize = PT_PCMU, packetize_pcmu
        lines = (f"m=audio 0 RTP/AVP {pt}", f"a=rtpmap:{pt} PCMU/{rate}", "a=ptime:20")
    items = tuple(
        _item(pt, packet.pts, packetize(packet.data), index, True) for index, packet in enumerate(clip.audio)
    )
    period = len(items) * clip.audio_samples_per_packet
    return RtpTrack("audio", pt, rate, period, items, lines, tuple(i.offset for i in items))


def _item(pt: int, offset: int, payloads: list[bytes], index: int, keyframe: bool) -> RtpItem:
    markers = tuple(i == len(payloads) - 1 for i in range(len(payloads)))
    template = bytearray()
    offsets = []
    for payload, marker in zip(payloads, markers, strict=True):
        offsets.append(len(template))
        template += struct.pack("!cBH", b"$", 0, _HEADER.size + len(payload))
        template += _HEADER.pack(0x80, (marker << 7) | pt, 0, 0, 0)
        template += payload
    return RtpItem(
        offset=offset,
        payloads=tuple(payloads),
        markers=markers,
        tcp_template=bytes(template),
        tcp_offsets=tuple(offsets),
        octets=sum(map(len, payloads)),
        frame_index=index,
        keyframe=keyframe,
    )


def fill_tcp(item: RtpItem, channel: int, seq: int, timestamp: int, ssrc: int) -> bytearray:
    """The item's interleaved frames for one client; the caller advances seq by len(payloads)."""
    buf = bytearray(item.tcp_template)
    for k, offset in enumerate(item.tcp_offsets):
        buf[offset + 1] = channel
        _SEQ_TS_SSRC.pack_into(buf, offset + _INTERLEAVED + 2, (seq + k) & 0xFFFF, timestamp, ssrc)
    return buf


def rtp_packet(item: RtpItem, k: int, seq: int, timestamp: int, ssrc: int) -> bytes:
    """The k-th packet of item as a UDP datagram."""
    start = item.tcp_offsets[k] + _INTERLEAVED
    first_two = item.tcp_template[start : start + 2]  # version, marker and payload type
    return first_two + _SEQ_TS_SSRC.pack(seq & 0xFFFF, timestamp, ssrc) + item.payloads[k]


# --- payload formats --------------------------------------------------------------------------


def packetize_h264(access_unit: bytes) -> list[bytes]:
    """RFC 6184 payloads for one access unit: single NAL unit packets and FU-A fragments."""
    payloads = []
    for nal in split_annexb(access_unit):
        if len(nal) <= MAX_PAYLOAD:
            payloads.append(nal)
            continue
        indicator = (nal[0] & 0xE0) | 28
        kind = nal[0] & 0x1F
        body = nal[1:]
        chunk = MAX_PAYLOAD - 2
        for start in range(0, len(body), chunk):
            flags = (0x80 if start == 0 else 0) | (0x40 if start + chunk >= len(body) else 0)
            payloads.append(bytes((indicator, flags | kind)) + body[start : start + chunk])
    return payloads


def packetize_h265(access_unit: bytes) -> list[bytes]:
    """RFC 7798 payloads for one access unit: single NAL unit packets and FU (type 49) fragments."""
    payloads = []
    for nal in split_annexb(access_unit):
        if len(nal) <= MAX_PAYLOAD:
            payloads.append(nal)
            continue
        kind = (nal[0] >> 1) & 0x3F
        header = bytes(((nal[0] & 0x81) | (49 << 1), nal[1]))
        body = nal[2:]
        chunk = MAX_PAYLOAD - 3
        for start in range(0, len(body), chunk):
            flags = (0x80 if start == 0 else 0) | (0x40 if start + chunk >= len(body) else 0)
            payloads.append(header + bytes((flags | kind,)) + body[start : start + chunk])
    return payloads


def packetize_aac(frame: bytes) -> list[bytes]:
    """RFC 3640 AAC-hbr: a 16-bit AU-headers-length, one AU-header (13-bit size, index 0), the AU."""
    if len(frame) >= 1 << 13:
        raise ValueError("AAC frame too large for sizelength=13")
    return [struct.pack("!HH", 16, len(frame) << 3) + frame]


def packetize_pcmu(frame: bytes) -> list[bytes]:
    """RFC 3551 PCMU: the µ-law bytes as they are, one 20 ms frame per packet."""
    return [frame]


# --- RTCP and SDP -----------------------------------------------------------------------------


def sender_report(ssrc: int, ntp: int, rtp_timestamp: int, packets: int, octets: int) -> bytes:
    """A compound RTCP packet: a Sender Report and an SDES CNAME, as RFC 3550 requires.

    ntp is the 64-bit NTP timestamp (seconds << 32 | fraction) matching rtp_timestamp; it is what
    lets a client place audio and video on one timeline.
    """
    report = struct.pack(
        "!BBHIIIIII",
        0x80,
        200,
        6,
        ssrc,
        ntp >> 32,
        ntp & 0xFFFFFFFF,
        rtp_timestamp & 0xFFFFFFFF,
        packets & 0xFFFFFFFF,
        octets & 0xFFFFFFFF,
    )
    cname = b"nvr-sim@127.0.0.1"
    chunk = struct.pack("!IBB", ssrc, 1, len(cname)) + cname + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    sdes = struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk
    return report + sdes


def session_description(tracks: tuple[RtpTrack, ...], session_id: int, version: int, name: str) -> str:
    """The SDP a DESCRIBE returns: a live session (npt=0-) with one a=control:trackID=N per track."""
    lines = [
        "v=0",
        f"o=- {session_id} {version} IN IP4 127.0.0.1",
        f"s={name}",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=control:*",
        "a=range:npt=0-",
    ]
    for index, track in enumerate(tracks):
        lines.extend(track.sdp_lines)
        lines.append(f"a=control:trackID={index}")
    return "\r\n".join(lines) + "\r\n"
