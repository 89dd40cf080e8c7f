"""The recording loop against the simulated camera over real RTSP: what an operator would notice."""

import threading
import time
from pathlib import Path

import av
import pytest

from recordings.media.index import GapRecord, SegmentClosed, SegmentOpened
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig
from tests.support.rtsp_camera import TEST_H264_AAC, TEST_H264_PCMU, TEST_H264_SLICES, TEST_H265_AAC, ClipSpec
from tests.support.rtsp_camera import read_frame_counter as counter

pytestmark = pytest.mark.slow


class Recorder:
    """A RecordingLoop in a thread, collecting its records with the time each arrived."""

    def __init__(self, url: str, root: Path, *, transport="tcp", segment_seconds=2.0, timeout_s=3.0):
        self.root = root
        self.records: list = []
        self.arrivals: list[float] = []
        self.stop = threading.Event()
        self.loop = RecordingLoop(
            camera_dir="cam",
            source=SourceConfig(url, transport, timeout_s),
            root=str(root),
            segment_seconds=segment_seconds,
            record_audio=True,
            emit=self._emit,
            stop=self.stop,
        )
        self.thread = threading.Thread(target=self.loop.run, daemon=True)

    def _emit(self, record):
        self.records.append(record)
        self.arrivals.append(time.monotonic())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(15)

    def of(self, kind) -> list:
        return [r for r in self.records if isinstance(r, kind)]

    def wait_for(self, predicate, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return time.monotonic()
            time.sleep(0.05)
        raise AssertionError("timed out")

    def counters(self, segment: SegmentClosed) -> list[int]:
        with av.open(str(self.root / segment.path)) as container:
            return [counter(frame) for frame in container.decode(video=0)]

    def streams(self, segment: SegmentClosed) -> dict[str, str]:
        with av.open(str(self.root / segment.path)) as container:
            return {s.type: s.codec_context.name for s in container.streams}


def assert_contiguous(segments: list[SegmentClosed]) -> None:
    for previous, following in zip(segments, segments[1:], strict=False):
        assert following.started_us == previous.ended_us


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_thirty_rotations_keep_every_frame_sent_once_and_the_timeline_exact(rtsp_camera, tmp_path, transport):
    spec = ClipSpec(gop_seconds=0.2, seconds=2.0, audio="aac")
    camera = rtsp_camera(spec)
    with Recorder(camera.url, tmp_path, transport=transport, segment_seconds=0.2) as recorder:
        recorder.wait_for(lambda: len(recorder.of(SegmentClosed)) >= 31, 30)
    closed = recorder.of(SegmentClosed)
    assert len(recorder.of(GapRecord)) == 0
    assert_contiguous(closed)
    recorded = [c for segment in closed for c in recorder.counters(segment)]
    sent = [f.frame_index for f in camera.sent_frames()]
    first_key = next(i for i, f in enumerate(camera.sent_frames()) if f.keyframe)
    # Every frame from the first keyframe on is in exactly one segment, in order.
    assert recorded == sent[first_key : first_key + len(recorded)]
    assert len(recorded) >= 31 * spec.gop_frames
    for segment in closed[:-1]:  # each segment opens on a keyframe and holds one GOP (0.2 s)
        assert recorder.counters(segment)[0] % spec.gop_frames == 0
        assert segment.ended_us - segment.started_us == pytest.approx(200_000, abs=200)


def test_a_camera_down_for_five_seconds_is_one_gap_and_recording_resumes_within_three(rtsp_camera, tmp_path):
    camera = rtsp_camera(TEST_H264_AAC)
    with Recorder(camera.url, tmp_path) as recorder:
        recorder.wait_for(lambda: recorder.of(SegmentOpened), 10)
        camera.refuse_for(5)
        back = time.monotonic() + 5
        recorder.wait_for(lambda: len(recorder.of(SegmentOpened)) >= 2, 15)
        resumed = recorder.arrivals[recorder.records.index(recorder.of(SegmentOpened)[1])]
        recorder.wait_for(lambda: any(g.ended_us for g in recorder.of(GapRecord)), 5)
    assert resumed - back < 3.0
    gaps = recorder.of(GapRecord)
    assert len({g.started_us for g in gaps}) == 1  # one outage, however many retries it took
    gap = gaps[-1]
    assert gap.reason == "source_ended" and 4_000_000 < gap.ended_us - gap.started_us < 8_000_000
    closed = recorder.of(SegmentClosed)
    assert not any(s.started_us < gap.ended_us and s.ended_us > gap.started_us for s in closed)


def test_a_stalled_camera_is_an_outage_detected_within_the_socket_timeout(rtsp_camera, tmp_path):
    camera = rtsp_camera(TEST_H264_AAC)
    with Recorder(camera.url, tmp_path, timeout_s=2.0) as recorder:
        recorder.wait_for(lambda: recorder.of(SegmentOpened), 10)
        stalled_at = time.monotonic()
        camera.stall(6)
        detected = recorder.wait_for(lambda: recorder.of(GapRecord), 6)
        recorder.wait_for(lambda: len(recorder.of(SegmentOpened)) >= 2, 15)
    # Media already queued ahead of the stall still arrives for a moment (measured: up to 2 s),
    # then silence for the 2 s socket timeout ends the connection.
    assert detected - stalled_at < 2.0 + 2.5
    gap = recorder.of(GapRecord)[0]
    assert gap.reason == "stalled" and gap.started_us == recorder.of(SegmentClosed)[0].ended_us


@pytest.mark.parametrize(
    ("spec", "video", "audio"),
    [(TEST_H265_AAC, "hevc", "aac"), (TEST_H264_PCMU, "h264", "aac"), (TEST_H264_SLICES, "h264", "aac")],
    ids=["h265-aac", "h264-pcmu-as-aac", "h264-multislice"],
)
def test_codecs_are_recorded_with_their_audio_and_every_frame(rtsp_camera, tmp_path, spec, video, audio):
    camera = rtsp_camera(spec)
    with Recorder(camera.url, tmp_path, segment_seconds=1.0) as recorder:
        recorder.wait_for(lambda: len(recorder.of(SegmentClosed)) >= 3, 15)
    closed = recorder.of(SegmentClosed)
    assert recorder.streams(closed[0]) == {"video": video, "audio": audio}
    opened = recorder.of(SegmentOpened)[0]
    assert opened.stream.audio_transcoded == (spec.audio == "pcmu")
    recorded = [c for segment in closed[:3] for c in recorder.counters(segment)]
    sent = camera.sent_frames()
    first_key = next(i for i, f in enumerate(sent) if f.keyframe)
    assert recorded == [f.frame_index for f in sent[first_key : first_key + len(recorded)]]
    with av.open(str(tmp_path / closed[1].path)) as container:
        assert sum(1 for _ in container.decode(audio=0)) > 0  # the audio decodes too


def test_a_resolution_change_mid_stream_starts_a_new_init_and_loses_no_frame(rtsp_camera, tmp_path):
    camera = rtsp_camera(TEST_H264_AAC)
    smaller = ClipSpec(width=320, height=180)
    with Recorder(camera.url, tmp_path, segment_seconds=60) as recorder:
        recorder.wait_for(lambda: recorder.of(SegmentOpened), 10)
        time.sleep(1.5)
        camera.switch_clip(smaller)
        recorder.wait_for(lambda: len(recorder.of(SegmentOpened)) >= 2, 10)
        time.sleep(1.5)
    first, second = recorder.of(SegmentClosed)[:2]
    assert second.started_us == first.ended_us
    opened = recorder.of(SegmentOpened)
    assert (opened[1].stream.width, opened[1].stream.height) == (320, 180) and opened[0].run_id != opened[
        1
    ].run_id
    with av.open(str(tmp_path / second.path)) as container:
        assert {(f.width, f.height) for f in container.decode(video=0)} == {(320, 180)}
    recorded = recorder.counters(first) + recorder.counters(second)
    sent = camera.sent_frames()
    first_key = next(i for i, f in enumerate(sent) if f.keyframe)
    assert recorded == [f.frame_index for f in sent[first_key : first_key + len(recorded)]]


def test_an_unwritable_recording_directory_is_a_camera_error_and_a_retry_not_a_dead_recorder(
    rtsp_camera, tmp_path
):
    from recordings.media.index import StatusRecord

    camera = rtsp_camera(TEST_H264_AAC)
    (tmp_path / "cam").write_text("a file where the camera's directory should be")
    with Recorder(camera.url, tmp_path) as recorder:
        recorder.wait_for(lambda: recorder.of(GapRecord), 10)
        errors = [r for r in recorder.of(StatusRecord) if r.state == "error"]
        assert errors and "cannot write recordings" in errors[0].detail
        assert recorder.of(GapRecord)[0].reason == "disk_error"
        (tmp_path / "cam").unlink()  # the operator fixes the disk
        recorder.wait_for(lambda: recorder.of(SegmentClosed), 15)
    assert recorder.thread.is_alive() is False and recorder.of(SegmentOpened)
