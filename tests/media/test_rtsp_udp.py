"""Our RTSP client over UDP: every frame, loss and reordering, stalls and drops (#4).

RTP over UDP arrives as datagrams that a network may lose or reorder. The client holds packets
after a sequence gap for a moment, gives the missing ones up, and the depacketizer drops only the
frames a loss broke (and after a broken keyframe, the rest of its GOP): what is recorded always
decodes, and every frame the camera got across whole is in it.
"""

import socket
import time
from fractions import Fraction

import av
import pytest

from recordings.media.index import GapRecord, SegmentClosed, SegmentOpened
from recordings.media.rtsp import sdp
from recordings.media.rtsp.client import UDP_RECEIVE_BUFFER, UdpTrack
from recordings.media.rtsp.depacketize import AacDepacketizer, H264Depacketizer
from recordings.media.rtsp.source import REORDER_WAIT_S, RtspSource, _Input
from recordings.media.source import SourceConfig, open_source
from tests.media.test_recording_live import Recorder as LiveRecorder
from tests.support.rtsp_camera import (
    TEST_H264_AAC,
    TEST_H264_PCMU,
    TEST_H264_SLICES,
    TEST_H265_AAC,
    ClipSpec,
    encode_clip,
    read_frame_counter,
)
from tests.support.rtsp_camera.clips import split_annexb
from tests.support.rtsp_camera.rtp import packetize_h264

# --- the depacketizer's loss rules -------------------------------------------------------------


def frames_of(clip, count):
    return [packetize_h264(packet.data) for packet in clip.video[:count]]


def push_all(depacketizer, payloads_per_frame, lost_packets=()):
    """Push frames of payloads (frame n at RTP time n * 3600), skipping the (frame, packet) pairs
    in lost_packets and flagging the packet after each run of them as following a loss."""
    frames, lost = [], False
    for number, payloads in enumerate(payloads_per_frame):
        for index, payload in enumerate(payloads):
            if (number, index) in lost_packets:
                lost = True
                continue
            marker = index == len(payloads) - 1
            depacketizer.push(payload, 0, len(payload), number * 3600, marker, lost, frames)
            lost = False
    return [frame.timestamp // 3600 for frame in frames], frames


@pytest.fixture(scope="module")
def gop_clip():
    """Two GOPs (keyframes at 0 and 25) of the test clip, packetized."""
    clip = encode_clip(TEST_H264_AAC)
    assert [p.keyframe for p in clip.video[:50]].count(True) == 2 and clip.video[25].keyframe
    return clip, frames_of(clip, 50)


def test_a_lost_first_or_last_packet_costs_its_frame_and_never_the_next(gop_clip):
    clip, payloads = gop_clip
    fragmented = next(n for n in range(2, 20) if len(payloads[n]) >= 2)
    last = len(payloads[fragmented]) - 1
    for lost in [(fragmented, 0), (fragmented, last)]:
        received, frames = push_all(H264Depacketizer(0), payloads, {lost})
        assert received == [n for n in range(50) if n != fragmented], lost
        for frame in frames:  # what is emitted is exactly what the camera encoded
            assert split_annexb(frame.data) == split_annexb(clip.video[frame.timestamp // 3600].data)


def test_a_frame_lost_whole_costs_only_itself(gop_clip):
    _, payloads = gop_clip
    lost = {(7, index) for index in range(len(payloads[7]))}
    received, _ = push_all(H264Depacketizer(0), payloads, lost)
    assert received == [n for n in range(50) if n != 7]


def test_a_broken_keyframe_drops_its_gop_until_the_next_keyframe(gop_clip):
    _, payloads = gop_clip
    assert len(payloads[0]) > 3, "the keyframe must span several packets for this test"
    depacketizer = H264Depacketizer(0)
    received, frames = push_all(depacketizer, payloads, {(0, 2)})  # a middle packet of the IDR
    assert received == list(range(25, 50)) and frames[0].keyframe
    assert depacketizer.dropped == 25


def test_a_fragmented_aac_frame_is_whole_or_not_at_all():
    au = bytes(range(200)) * 10  # 2000 bytes, in three fragments with the size of the whole
    header = (16).to_bytes(2, "big") + (len(au) << 3).to_bytes(2, "big")
    pieces = [au[:800], au[800:1600], au[1600:]]
    packets = [(header + piece, i == 2) for i, piece in enumerate(pieces)]
    whole, broken = AacDepacketizer(1, {}), AacDepacketizer(1, {})
    out, out_broken = [], []
    for data, marker in packets:
        whole.push(data, 0, len(data), 5000, marker, False, out)
    for index, (data, marker) in enumerate(packets):
        if index != 1:
            broken.push(data, 0, len(data), 5000, marker, index == 2, out_broken)
    assert [(f.timestamp, bytes(f.data)) for f in out] == [(5000, au)]
    assert out_broken == [] and broken.dropped == 1


# --- the reorder buffer, on real sockets -------------------------------------------------------


class _Control:
    """The RTSP side of the client, for a source fed by hand."""

    def __init__(self):
        self.sock, self.peer = socket.socketpair()

    def take_buffered(self):
        return b""

    def control_socket(self):
        return self.sock

    def poll_control(self):
        pass

    def close(self):
        self.sock.close()
        self.peer.close()


class FedSource:
    """An RtspSource on one H.264 track whose UDP socket the test writes datagrams to."""

    def __init__(self, payloads_per_frame):
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for sock in (self.rtp, self.rtcp):
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
        self.rtp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
        self.sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        media = sdp.Media("video", 96, "h264")
        track = UdpTrack(
            self.rtp, self.rtcp, receive_buffer=self.rtp.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        )
        item = _Input(0, media, H264Depacketizer(0), 0, Fraction(1, 90000), udp=track)
        self.control = _Control()
        self.source = RtspSource(SourceConfig("rtsp://camera/", "udp", 2.0), self.control, [item])
        self.item = item
        self.datagrams = []  # in sequence order
        for number, payloads in enumerate(payloads_per_frame):
            for index, payload in enumerate(payloads):
                marker = 0x80 if index == len(payloads) - 1 else 0
                seq = (65530 + len(self.datagrams)) & 0xFFFF  # across the wrap
                header = bytes((0x80, marker | 96)) + seq.to_bytes(2, "big")
                header += (number * 3600).to_bytes(4, "big") + (1234).to_bytes(4, "big")
                self.datagrams.append(header + payload)

    def send(self, order):
        for index in order:
            self.sender.sendto(self.datagrams[index], self.rtp.getsockname())
        time.sleep(0.02)

    def frames(self) -> list[int]:
        """Frame numbers of what the source has depacketized so far (taken out)."""
        taken = [frame.timestamp // 3600 for frame in self.source._pending]
        self.source._pending.clear()
        return taken

    def close(self):
        for sock in (self.rtp, self.rtcp, self.sender):
            sock.close()
        self.control.close()


@pytest.fixture
def fed(gop_clip):
    _, payloads = gop_clip
    source = FedSource(payloads[:12])
    yield source
    source.close()


def test_reordered_datagrams_are_put_back_in_order(fed):
    order = list(range(len(fed.datagrams)))
    for at in range(1, len(order) - 2, 5):  # swap every fifth pair, across frames too
        order[at], order[at + 1] = order[at + 1], order[at]
    fed.send(order)
    fed.source._receive_udp()
    assert fed.frames() == list(range(12)) and fed.item.lost == 0 and not fed.item.held


def test_a_datagram_that_never_comes_is_given_up_after_a_moment_and_a_late_one_ignored(fed):
    broken = 6
    missing = max(i for i, d in enumerate(fed.datagrams) if d[4:8] == (broken * 3600).to_bytes(4, "big"))
    assert fed.datagrams[missing][1] & 0x80  # the end of frame 6, its marker
    fed.send([i for i in range(len(fed.datagrams)) if i != missing])
    fed.source._receive_udp()
    assert fed.frames() == list(range(broken))  # the rest wait for the missing datagram
    time.sleep(REORDER_WAIT_S)
    fed.source._receive_udp()
    assert fed.frames() == [n for n in range(broken + 1, 12)] and fed.item.lost == 1
    fed.send([missing])  # too late: its frame was given up
    fed.source._receive_udp()
    assert fed.frames() == [] and fed.item.lost == 1


# --- against the simulated camera ---------------------------------------------------------------


def collect(source, seconds):
    """(track index, packet) pairs for `seconds`, then the source is closed."""
    packets, deadline = [], time.monotonic() + seconds
    try:
        for index, packet in source.packets():
            packets.append((index, packet))
            if time.monotonic() > deadline:
                break
    finally:
        source.close()
    return packets


def expected_frames(sent, frame_count):
    """Positions (loop * frame_count + index) of the frames a client should get: every frame sent
    whole, except those after a broken keyframe until the next keyframe."""
    positions = [f.loop * frame_count + f.frame_index for f in sent]
    whole = set(positions)
    keyframes = {f.loop * frame_count + f.frame_index for f in sent if f.keyframe}
    expected, decodable, gop = [], False, gop_of(sent)
    for position in range(positions[0], positions[-1] + 1):
        if position % frame_count % gop == 0:  # a keyframe's place
            decodable = position in keyframes
        if decodable and position in whole:
            expected.append(position)
    return expected


def gop_of(sent):
    keyframes = [f.frame_index for f in sent if f.keyframe]
    return min(b - a for a, b in zip(keyframes, keyframes[1:], strict=False) if b > a)


def positions_of(packets, clip, loop_length):
    """Each received video frame's place in the camera's stream, by its bytes and timestamp."""
    by_content = {tuple(split_annexb(p.data)): index for index, p in enumerate(clip.video)}
    frames = [packet for index, packet in packets if index == 0]
    first = by_content[tuple(split_annexb(bytes(frames[0])))]  # KeyError: not what was encoded
    step = 90_000 // clip.spec.fps
    positions = []
    for packet in frames:
        position = first + (packet.pts - frames[0].pts) // step
        assert by_content[tuple(split_annexb(bytes(packet)))] == position % loop_length
        positions.append(position)
    return positions


@pytest.mark.slow
@pytest.mark.parametrize(
    "spec",
    [TEST_H264_AAC, TEST_H265_AAC, TEST_H264_PCMU, TEST_H264_SLICES],
    ids=lambda s: f"{s.codec}-{s.audio}-{s.slices}",
)
def test_udp_delivers_every_frame_the_camera_sent_byte_for_byte(rtsp_camera, spec):
    camera = rtsp_camera(spec)
    source = open_source(SourceConfig(camera.url, "udp", 3.0))
    assert isinstance(source, RtspSource) and source.udp
    assert camera.sessions()[-1].transport == "udp"
    packets = collect(source, 2.5)
    clip = encode_clip(spec)
    received = positions_of(packets, clip, spec.frame_count)
    sent = camera.sent_frames()
    assert received == [f.loop * spec.frame_count + f.frame_index for f in sent][: len(received)]
    assert len(received) >= 2 * spec.fps
    audio = [packet for index, packet in packets if index == 1]
    assert len(audio) > 0 and source.inputs[0].lost == 0


@pytest.mark.slow
def test_keepalives_go_over_the_rtsp_connection_while_rtp_comes_over_udp(rtsp_camera):
    camera = rtsp_camera(TEST_H264_AAC)
    source = open_source(SourceConfig(camera.url, "udp", 3.0))
    source.client.session_timeout_s = 0.2  # a keepalive every 0.1 s: their replies are skipped
    source.client._keepalive_at = 0.0
    packets = collect(source, 2.0)
    received = positions_of(packets, encode_clip(TEST_H264_AAC), TEST_H264_AAC.frame_count)
    assert received == list(range(len(received))) and len(received) >= 1.5 * TEST_H264_AAC.fps
    assert camera.stats().sessions == 1


@pytest.mark.slow
@pytest.mark.parametrize(("loss", "reorder"), [(0.02, 0.0), (0.0, 0.05), (0.01, 0.03)])
def test_udp_loss_and_reordering_cost_only_the_broken_frames(rtsp_camera, loss, reorder):
    spec = ClipSpec(gop_seconds=0.4)  # keyframes often: a broken one costs 10 frames
    camera = rtsp_camera(spec)
    camera.impair_udp(loss=loss, reorder=reorder, seed=4)
    source = open_source(SourceConfig(camera.url, "udp", 3.0))
    packets = collect(source, 4.0)
    received = positions_of(packets, encode_clip(spec), spec.frame_count)  # every frame exact
    sent = camera.sent_frames()
    expected = expected_frames(sent, spec.frame_count)
    start = expected.index(received[0])
    assert received == expected[start : start + len(received)]
    assert len(received) >= spec.fps  # 2 % loss breaks over half the keyframes (~50 packets each)
    session = camera.sessions()[-1]
    if loss:
        assert session.dropped_frames > 0 and source.inputs[0].lost > 0
    else:
        assert session.dropped_frames == 0 and source.inputs[0].lost == 0


# --- the recorder over UDP -----------------------------------------------------------------------


class Recorder(LiveRecorder):
    """The live recording tests' recorder, over UDP with one-second segments."""

    def __init__(self, url: str, root, *, timeout_s=3.0):
        super().__init__(url, root, transport="udp", segment_seconds=1.0, timeout_s=timeout_s)

    def decoded(self, segment: SegmentClosed) -> tuple[int, list]:
        """Video packets in the segment, and its decoded pictures."""
        with av.open(str(self.root / segment.path)) as container:
            count = sum(1 for p in container.demux(video=0) if p.size)
        with av.open(str(self.root / segment.path)) as container:
            return count, list(container.decode(video=0))


@pytest.mark.slow
def test_a_lossy_udp_camera_is_recorded_without_a_gap_and_every_segment_decodes(rtsp_camera, tmp_path):
    spec = ClipSpec(gop_seconds=0.4)
    camera = rtsp_camera(spec)
    camera.impair_udp(loss=0.01, seed=7)
    with Recorder(camera.url, tmp_path) as recorder:
        recorder.wait_for(lambda: len(recorder.of(SegmentClosed)) >= 4, 20)
    closed = recorder.of(SegmentClosed)
    assert recorder.of(GapRecord) == [] and camera.sessions()[-1].dropped_frames > 0
    for previous, following in zip(closed, closed[1:], strict=False):
        assert following.started_us == previous.ended_us
    for segment in closed:
        count, pictures = recorder.decoded(segment)
        assert len(pictures) == count > 0  # every recorded frame decodes to a picture
        assert read_frame_counter(pictures[0]) % spec.gop_frames == 0  # opens on a keyframe


@pytest.mark.slow
def test_a_stalled_udp_camera_is_a_stalled_gap_detected_within_the_timeout(rtsp_camera, tmp_path):
    camera = rtsp_camera(TEST_H264_AAC)
    with Recorder(camera.url, tmp_path, timeout_s=2.0) as recorder:
        recorder.wait_for(lambda: recorder.of(SegmentOpened), 10)
        stalled_at = time.monotonic()
        camera.stall(5)
        detected = recorder.wait_for(lambda: recorder.of(GapRecord), 6)
        recorder.wait_for(lambda: len(recorder.of(SegmentOpened)) >= 2, 15)
    # What was in flight still arrives, then 2 s without RTP end the connection.
    assert detected - stalled_at < 2.0 + 1.5
    gap = recorder.of(GapRecord)[0]
    assert gap.reason == "stalled" and "no RTP" in gap.detail
    assert gap.started_us == recorder.of(SegmentClosed)[0].ended_us
    assert [s.transport for s in camera.sessions()] == ["udp", "udp"]


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["drop", "restart"])
def test_a_udp_camera_that_drops_its_clients_or_reboots_is_reconnected_at_once(
    rtsp_camera, tmp_path, failure
):
    camera = rtsp_camera(TEST_H264_AAC)
    with Recorder(camera.url, tmp_path) as recorder:
        recorder.wait_for(lambda: recorder.of(SegmentOpened), 10)
        time.sleep(1.0)
        failed_at = time.monotonic()
        getattr(camera, failure)()
        resumed = recorder.wait_for(lambda: len(recorder.of(SegmentOpened)) >= 2, 10)
        recorder.wait_for(lambda: any(g.ended_us for g in recorder.of(GapRecord)), 5)
    assert resumed - failed_at < 3.0
    gaps = recorder.of(GapRecord)
    assert {g.reason for g in gaps} == {"source_ended"} and len({g.started_us for g in gaps}) == 1
    assert camera.stats().sessions == 2
    back = next(s for s in recorder.of(SegmentClosed) if s.started_us >= gaps[-1].ended_us)
    with av.open(str(tmp_path / back.path)) as container:
        counters = [read_frame_counter(frame) for frame in container.decode(video=0)]
    sent = [f.frame_index for f in camera.sent_frames()]  # the new session's, from its keyframe
    assert counters == sent[: len(counters)]
