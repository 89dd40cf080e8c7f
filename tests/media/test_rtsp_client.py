"""Our RTSP client: RTP back into the exact frames the camera encoded, and what cameras demand."""

import threading

import av
import pytest

from recordings.media.index import SegmentClosed
from recordings.media.rtsp.depacketize import H264Depacketizer, H265Depacketizer, for_codec
from recordings.media.rtsp.sdp import parse
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig, SourceError, open_source
from tests.support.rtsp_camera import TEST_H264_AAC, TEST_H265_AAC, encode_clip
from tests.support.rtsp_camera.clips import split_annexb
from tests.support.rtsp_camera.rtp import packetize_h264, packetize_h265


def depacketize(depacketizer, payloads_per_frame, *, lose=None):
    frames, lost_next = [], False
    for number, payloads in enumerate(payloads_per_frame):
        for index, payload in enumerate(payloads):
            if lose is not None and (number, index) == lose:
                lost_next = True
                continue
            marker = index == len(payloads) - 1
            depacketizer.push(payload, 0, len(payload), number * 3600, marker, lost_next, frames)
            lost_next = False
    return frames


@pytest.mark.parametrize(
    ("spec", "packetize", "depacketizer"),
    [(TEST_H264_AAC, packetize_h264, H264Depacketizer), (TEST_H265_AAC, packetize_h265, H265Depacketizer)],
)
def test_fragmented_frames_come_back_exactly_as_the_camera_encoded_them(spec, packetize, depacketizer):
    clip = encode_clip(spec)
    encoded = clip.video[:60]
    frames = depacketize(depacketizer(0), [packetize(packet.data) for packet in encoded])
    assert len(frames) == len(encoded)
    for frame, packet in zip(frames, encoded, strict=True):
        assert split_annexb(frame.data) == split_annexb(packet.data)  # every NAL unit, byte for byte
        assert frame.keyframe == packet.keyframe


def test_aggregated_nal_units_are_split_and_a_lost_fragment_costs_only_its_frame():
    clip = encode_clip(TEST_H264_AAC)
    first, second, third = (packet.data for packet in clip.video[:3])
    units = split_annexb(first)
    slices = next(i for i, unit in enumerate(units) if unit[0] & 0x1F in (1, 5))
    # Cameras aggregate the small parameter sets into one STAP-A and fragment the picture.
    stap_a = bytes([24]) + b"".join(len(u).to_bytes(2, "big") + u for u in units[:slices])
    picture = packetize_h264(b"".join(b"\x00\x00\x00\x01" + u for u in units[slices:]))
    payloads = [[stap_a, *picture], packetize_h264(second), packetize_h264(third)]
    assert len(payloads[1]) > 2, "the second frame must be fragmented for this test"
    frames = depacketize(H264Depacketizer(0), payloads, lose=(1, 1))  # a middle fragment of frame 2
    assert split_annexb(frames[0].data) == units and frames[0].keyframe
    assert [f.timestamp for f in frames] == [0, 2 * 3600]  # frame 2 is dropped, not corrupted
    assert split_annexb(frames[1].data) == split_annexb(third)


def test_aac_access_units_are_cut_by_their_headers():
    # Two AUs of 5 and 3 bytes in one packet: 16-bit header length, then 13-bit size + 3-bit index.
    headers = (5 << 3).to_bytes(2, "big") + (3 << 3).to_bytes(2, "big")
    payload = (32).to_bytes(2, "big") + headers + b"AAAAA" + b"BBB"
    frames = []
    for_codec("aac", {"sizelength": "13", "indexlength": "3"}, 1).push(
        payload, 0, len(payload), 1000, True, False, frames
    )
    assert [(f.track, f.timestamp, f.data) for f in frames] == [(1, 1000, b"AAAAA"), (1, 2024, b"BBB")]


def test_sdp_controls_resolve_against_the_content_base():
    description = parse(
        "v=0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0IAKeKQFAe2AtwEBAaQeJEV,aM48gA==\r\n"
        "a=control:trackID=0\r\nm=audio 0 RTP/AVP 0\r\na=control:rtsp://cam/live/audio\r\n"
    )
    video, audio = description.media
    assert (video.codec, video.clock, audio.codec, audio.clock) == ("h264", 90000, "pcm_mulaw", 8000)
    assert description.control_url("rtsp://cam/live", video) == "rtsp://cam/live/trackID=0"
    assert description.control_url("rtsp://cam/live", audio) == "rtsp://cam/live/audio"
    assert [unit[0] & 0x1F for unit in video.parameter_sets()] == [7, 8]


@pytest.mark.slow
def test_a_camera_that_demands_digest_authentication_is_recorded_with_the_right_password(rtsp_camera):
    camera = rtsp_camera(TEST_H264_AAC, credentials=("admin", "s3cret:/@"))
    host = camera.url.removeprefix("rtsp://")
    with pytest.raises(SourceError, match="wrong user name or password") as refused:
        open_source(SourceConfig(f"rtsp://admin:wrong@{host}", "tcp"))
    assert refused.value.reason == "connect_failed" and "wrong" not in refused.value.detail.split(":")[1]
    source = open_source(SourceConfig(f"rtsp://admin:s3cret%3A%2F%40@{host}", "tcp"))
    try:
        assert [(t.kind, t.codec) for t in source.tracks] == [("video", "h264"), ("audio", "aac")]
        assert (source.tracks[0].width, source.tracks[0].height, source.tracks[0].fps) == (640, 360, 25.0)
        _, first = next(source.packets())
        assert first.is_keyframe  # recording starts at a picture that decodes
    finally:
        source.close()


@pytest.mark.slow
def test_audio_and_video_share_one_timeline_despite_random_rtp_clocks(rtsp_camera, tmp_path):
    """The camera starts each track's RTP clock at a random value; the recording must not."""
    camera = rtsp_camera(TEST_H264_AAC)
    closed, stop = [], threading.Event()

    def emit(record):
        if isinstance(record, SegmentClosed):
            closed.append(record)
            stop.set()

    loop = RecordingLoop(
        camera_dir="cam",
        source=SourceConfig(camera.url, "tcp", 3.0),
        root=str(tmp_path),
        segment_seconds=1.0,
        record_audio=True,
        emit=emit,
        stop=stop,
    )
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    thread.join(30)
    with av.open(str(tmp_path / closed[0].path)) as container:
        starts = {}
        for packet in container.demux():
            if packet.dts is not None:
                starts.setdefault(packet.stream.type, float(packet.dts * packet.time_base))
    # The camera sends both tracks of its clip in step. The recording opens at a keyframe, and
    # the first sound beside it lies within one AAC frame (21 ms) of that picture.
    assert 0 <= starts["audio"] - starts["video"] < 0.022
