"""The simulated camera, seen through the same PyAV/libavformat RTSP client the recorder uses.

If these pass, a recorder test failing against the simulator is the recorder's fault.
"""

import socket
import threading
import time
from urllib.parse import urlsplit

import av
import numpy as np
import pytest

from tests.support.rtsp_camera import (
    TEST_H264_AAC,
    TEST_H264_PCMU,
    TEST_H264_SLICES,
    TEST_H265_AAC,
    encode_clip,
    read_frame_counter,
)
from tests.support.rtsp_camera.clips import nal_type, split_annexb

pytestmark = pytest.mark.slow

SMALL = TEST_H264_AAC.replace(width=320, height=180)


def open_stream(url, transport="tcp", timeout=5.0):
    options = {"rtsp_transport": transport, "timeout": str(int(timeout * 1_000_000))}
    return av.open(url, options=options)


def decoded_frames(container, seconds):
    """Video frames decoded from container for seconds of wall time."""
    frames = []
    deadline = time.monotonic() + seconds
    for packet in container.demux(video=0):
        frames.extend(packet.decode())
        if time.monotonic() > deadline:
            break
    return frames


def seconds_until_stream_ends(container, limit=5.0):
    """How long until reading fails or hits EOF; limit if it is still streaming then."""
    start = time.monotonic()
    try:
        for packet in container.demux():
            if packet.size == 0 or time.monotonic() - start > limit:
                break
    except (av.error.FFmpegError, OSError):
        pass
    return time.monotonic() - start


class RawClient:
    """Bare RTSP over one socket, for the requests libavformat never sends in these tests."""

    def __init__(self, url):
        self.url = url
        self.sock = socket.create_connection((urlsplit(url).hostname, urlsplit(url).port), timeout=3)
        self.buffer = b""
        self.cseq = 0
        self.media_bytes = 0

    def request(self, method, url=None, **headers):
        self.cseq += 1
        lines = [f"{method} {url or self.url} RTSP/1.0", f"CSeq: {self.cseq}"]
        lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while True:
            self._skip_media()
            if b"\r\n\r\n" in self.buffer:
                head, _, rest = self.buffer.partition(b"\r\n\r\n")
                reply = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
                length = int(reply.get("Content-Length", 0))
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    assert reply["CSeq"] == str(self.cseq)
                    return int(head.split()[1]), reply, rest[:length]
            self.buffer += self.sock.recv(65536)

    def read_media(self, seconds):
        """Interleaved bytes received in seconds."""
        before = self.media_bytes
        deadline = time.monotonic() + seconds
        self.sock.settimeout(0.05)
        while time.monotonic() < deadline:
            try:
                self.buffer += self.sock.recv(65536)
            except TimeoutError:
                pass
            self._skip_media()
        self.sock.settimeout(3)
        return self.media_bytes - before

    def _skip_media(self):
        while self.buffer[:1] == b"$" and len(self.buffer) >= 4:
            end = 4 + int.from_bytes(self.buffer[2:4])
            if len(self.buffer) < end:
                return
            self.media_bytes += end
            self.buffer = self.buffer[end:]


def test_multi_slice_clip_has_four_slice_nal_units_per_frame():
    clip = encode_clip(TEST_H264_SLICES)
    slices = [[n for n in split_annexb(p.data) if nal_type("h264", n) in (1, 5)] for p in clip.video]
    assert {len(frame) for frame in slices} == {4}


def test_a_frame_without_a_counter_is_rejected():
    gray = av.VideoFrame.from_ndarray(np.full((540, 640), 128, np.uint8), format="yuv420p")
    with pytest.raises(ValueError):
        read_frame_counter(gray)


@pytest.mark.parametrize("transport", ["tcp", "udp"])
@pytest.mark.parametrize(
    ("spec", "video_codec", "audio_codec"),
    [
        (TEST_H264_AAC, "h264", "aac"),
        (TEST_H265_AAC, "hevc", "aac"),
        (TEST_H264_PCMU, "h264", "pcm_mulaw"),
        (TEST_H264_SLICES, "h264", "aac"),
    ],
    ids=["h264-aac", "h265-aac", "h264-pcmu", "h264-4-slices"],
)
def test_client_demuxes_and_decodes_each_clip_variant(rtsp_camera, transport, spec, video_codec, audio_codec):
    camera = rtsp_camera(spec)
    with open_stream(camera.url, transport) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == (video_codec, 640, 360)
        assert (audio.codec_context.name, audio.sample_rate) == (audio_codec, spec.audio_clock)
        frames = decoded_frames(container, 0.5)
    counters = [read_frame_counter(frame) for frame in frames]
    assert len(counters) >= 5
    assert all(b == (a + 1) % spec.frame_count for a, b in zip(counters, counters[1:], strict=False))


@pytest.fixture(scope="module")
def looped_capture(rtsp_server):
    """2.6 s of one client's packets and frames from a camera looping a 2 s clip."""
    camera = rtsp_server.add_camera(TEST_H264_AAC, path="looping")
    packets = {"video": [], "audio": []}
    counters = []
    with open_stream(camera.url) as container:
        deadline = time.monotonic() + 2.6
        for packet in container.demux():
            if packet.pts is not None:
                packets[packet.stream.type].append(packet.pts)
            if packet.stream.type == "video":
                counters.extend(read_frame_counter(frame) for frame in packet.decode())
            if time.monotonic() > deadline:
                break
    sent = camera.sent_frames()
    rtsp_server.remove_camera(camera)
    return packets, counters, sent


def test_decoded_frame_counters_run_on_across_the_clip_loop(looped_capture):
    _, counters, _ = looped_capture
    frame_count = TEST_H264_AAC.frame_count
    assert len(counters) > frame_count
    assert all(b == (a + 1) % frame_count for a, b in zip(counters, counters[1:], strict=False))


def test_packet_timestamps_increase_steadily_across_the_clip_loop(looped_capture):
    packets, _, _ = looped_capture
    video_steps = {b - a for a, b in zip(packets["video"], packets["video"][1:], strict=False)}
    audio_steps = {b - a for a, b in zip(packets["audio"], packets["audio"][1:], strict=False)}
    assert video_steps == {90_000 // TEST_H264_AAC.fps}
    assert audio_steps == {1024}


def test_every_decoded_frame_is_in_the_camera_sent_frames(looped_capture):
    _, counters, sent = looped_capture
    indices = [frame.frame_index for frame in sent]
    assert indices[: len(counters)] == counters
    assert sent[0].keyframe
    assert len({frame.loop for frame in sent}) >= 2


def test_a_second_client_joins_the_running_stream_at_a_keyframe(rtsp_camera):
    camera = rtsp_camera()
    with open_stream(camera.url) as first, open_stream(camera.url) as second:
        assert camera.stats().playing == 2
        first_counters = [read_frame_counter(frame) for frame in decoded_frames(first, 0.2)]
        second_counters = [read_frame_counter(frame) for frame in decoded_frames(second, 0.2)]
    assert first_counters[0] == 0
    assert second_counters[0] % TEST_H264_AAC.gop_frames == 0
    assert [s.frames > 0 for s in camera.sessions()] == [True, True]


def test_keepalive_pause_and_teardown_are_answered(rtsp_camera):
    camera = rtsp_camera()
    client = RawClient(camera.url)
    assert client.request("OPTIONS")[0] == 200
    assert client.request("SETUP", f"{camera.url}/trackID=0", Transport="RTP/AVP;multicast")[0] == 461
    status, reply, _ = client.request(
        "SETUP", f"{camera.url}/trackID=0", Transport="RTP/AVP/TCP;unicast;interleaved=0-1"
    )
    session = reply["Session"].split(";")[0]
    assert (status, reply["Session"]) == (200, f"{session};timeout=60")
    status, reply, _ = client.request("PLAY", Session=session, Range="npt=0.000-")
    assert reply["RTP-Info"].startswith(f"url={camera.url}/trackID=0;seq=")
    assert client.read_media(0.3) > 0
    assert client.request("GET_PARAMETER", Session=session)[0] == 200
    assert client.request("PAUSE", Session=session)[0] == 200
    client.read_media(0.1)
    assert client.read_media(0.3) == 0
    assert client.request("TEARDOWN", Session=session)[0] == 200
    assert client.request("PLAY", Session=session)[0] == 454
    client.sock.close()


def test_unknown_path_is_not_found(rtsp_server):
    with pytest.raises(av.error.HTTPNotFoundError):
        open_stream(rtsp_server.url("no-such-camera"))


def test_drop_ends_the_client_stream_at_once(rtsp_camera):
    camera = rtsp_camera()
    with open_stream(camera.url) as container:
        decoded_frames(container, 0.2)
        camera.drop()
        assert seconds_until_stream_ends(container) < 2


def test_stall_times_out_a_client_with_a_one_second_socket_timeout(rtsp_camera):
    camera = rtsp_camera()
    with open_stream(camera.url, timeout=1.0) as container:
        decoded_frames(container, 0.2)
        camera.stall(3)
        elapsed = seconds_until_stream_ends(container)
    assert 0.8 < elapsed < 2.5


def test_refuse_for_fails_opens_during_the_window_and_not_after(rtsp_camera):
    camera = rtsp_camera()
    camera.refuse_for(2)
    start = time.monotonic()
    with pytest.raises(av.error.FFmpegError):
        open_stream(camera.url)
    time.sleep(max(0.0, 2.1 - (time.monotonic() - start)))
    with open_stream(camera.url) as container:
        assert decoded_frames(container, 0.2)


def test_restart_drops_clients_and_boots_with_new_ssrcs(rtsp_camera):
    camera = rtsp_camera()
    before = camera.ssrcs()
    with open_stream(camera.url) as container:
        decoded_frames(container, 0.2)
        camera.restart()
        assert seconds_until_stream_ends(container) < 2
    assert set(camera.ssrcs()).isdisjoint(before)
    with open_stream(camera.url) as container:
        assert [read_frame_counter(frame) for frame in decoded_frames(container, 0.2)]


def test_switch_clip_changes_picture_size_without_reconnecting(rtsp_camera):
    camera = rtsp_camera()
    with open_stream(camera.url) as container:
        assert {(f.width, f.height) for f in decoded_frames(container, 0.2)} == {(640, 360)}
        camera.switch_clip(SMALL)
        sizes = []
        deadline = time.monotonic() + 3
        for packet in container.demux(video=0):
            for frame in packet.decode():
                sizes.append((frame.width, frame.height))
                if frame.width == 320:
                    read_frame_counter(frame)
            if sizes and sizes[-1] == (320, 180) or time.monotonic() > deadline:
                break
    assert sizes[-1] == (320, 180)
    assert len(camera.sessions()) == 1
    assert camera.spec == SMALL
    with open_stream(camera.url) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (320, 180)


def test_twenty_cameras_with_a_client_each_cost_under_a_fifth_of_a_core(rtsp_server, rtsp_camera):
    cameras = [rtsp_camera() for _ in range(20)]
    stop = threading.Event()
    received = [0] * len(cameras)

    def watch(index, url):
        with open_stream(url) as container:
            for _ in container.demux():
                received[index] += 1
                if stop.is_set():
                    break

    threads = [threading.Thread(target=watch, args=(i, c.url), daemon=True) for i, c in enumerate(cameras)]
    for thread in threads:
        thread.start()
    for camera in cameras:
        camera.wait_playing()
    cpu_before, wall_before = rtsp_server.cpu_time(), time.monotonic()
    time.sleep(5)
    share = (rtsp_server.cpu_time() - cpu_before) / (time.monotonic() - wall_before)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    print(f"20 cameras, 20 TCP clients: server thread at {share:.1%} of one core")
    assert all(received)
    assert share < 0.20
