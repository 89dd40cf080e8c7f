"""The segmenter on a camera-like file: exact rotation, live fragment index, crash recovery."""

import threading

import av
import pytest

from recordings.media.index import FragmentWritten, SegmentClosed, SegmentOpened
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig
from recordings.recorder.recovery import scan_fragments


def record_file(clip_file, root, *, segment_seconds=2.0):
    records = []
    loop = RecordingLoop(
        camera_dir="cam",
        source=SourceConfig(str(clip_file)),
        root=str(root),
        segment_seconds=segment_seconds,
        record_audio=True,
        emit=records.append,
        stop=threading.Event(),
    )
    outcome = loop.run_once()
    return outcome, records


def decoded_frames(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_rotation_keeps_every_frame_and_the_timeline_contiguous(clip_file, tmp_path):
    outcome, records = record_file(clip_file, tmp_path)
    closed = [r for r in records if isinstance(r, SegmentClosed)]
    assert outcome.recorded and len(closed) == 3  # 5 s at 2 s a segment, rotating on 1 s keyframes
    assert [decoded_frames(tmp_path / c.path) for c in closed] == [50, 50, 25]
    for previous, following in zip(closed, closed[1:], strict=False):
        assert following.started_us == previous.ended_us
    assert closed[-1].ended_us - closed[0].started_us == 5_000_000


def test_the_live_index_matches_what_is_on_disk(clip_file, tmp_path):
    _, records = record_file(clip_file, tmp_path)
    for closed in (r for r in records if isinstance(r, SegmentClosed)):
        data = (tmp_path / closed.path).read_bytes()
        init_size, fragments, _end = scan_fragments(data)
        assert init_size == closed.init_size
        assert list(closed.fragments) == fragments
        live = [r.fragment for r in records if isinstance(r, FragmentWritten) and r.path == closed.path]
        assert live == fragments
        assert fragments[0].is_key and fragments[0].start_us == 0
        for fragment in fragments:  # each fragment begins with a moof at its recorded offset
            assert data[fragment.byte_offset + 4 : fragment.byte_offset + 8] == b"moof"


def test_segments_are_laid_out_by_camera_and_utc_date_and_never_overwritten(clip_file, tmp_path):
    _, records = record_file(clip_file, tmp_path)
    opened = [r for r in records if isinstance(r, SegmentOpened)]
    assert all(r.path.startswith("cam/") and r.path.count("/") == 4 for r in opened)
    with pytest.raises(FileExistsError):
        from recordings.media.segment_file import SegmentFile

        SegmentFile(str(tmp_path / opened[0].path), lambda *a: None)


def test_a_torn_tail_is_not_indexed_and_what_remains_plays(clip_file, tmp_path):
    _, records = record_file(clip_file, tmp_path, segment_seconds=10)
    closed = next(r for r in records if isinstance(r, SegmentClosed))
    data = (tmp_path / closed.path).read_bytes()
    cut = closed.fragments[3].byte_offset + closed.fragments[3].size // 2  # a crash inside fragment 4
    init_size, fragments, end = scan_fragments(data[:cut])
    assert fragments == list(closed.fragments[:3])
    assert end == closed.fragments[3].byte_offset
    (tmp_path / "torn.mp4").write_bytes(data[:end])
    assert decoded_frames(tmp_path / "torn.mp4") == 75


def test_a_resolution_change_starts_a_new_run_with_its_own_init_and_loses_no_frame(tmp_path):
    # Two encoders back to back in one MPEG-TS stream: 320x180 for 2 s, then 640x360 for 2 s,
    # the new parameter sets in-band with the first new keyframe, as a camera sends them.
    from fractions import Fraction

    import numpy as np

    source = tmp_path / "switch.ts"
    with av.open(str(source), "w", format="mpegts") as out:
        stream = out.add_stream("h264", rate=25)
        stream.width, stream.height = 320, 180
        index = 0
        for width, height in ((320, 180), (640, 360)):
            encoder = av.CodecContext.create("libx264", "w")
            encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
            encoder.time_base, encoder.framerate = Fraction(1, 25), 25
            encoder.options = {
                "preset": "ultrafast",
                "x264-params": "keyint=25:min-keyint=25:scenecut=0:bframes=0",
            }
            for frame_index in range(50):
                image = np.full((height, width, 3), (index * 5) % 255, np.uint8)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
                frame.pts = frame_index
                for packet in encoder.encode(frame):
                    packet.pts = packet.dts = index
                    packet.time_base, packet.stream = Fraction(1, 25), stream
                    out.mux(packet)
                index += 1
    _, records = record_file(source, tmp_path / "out", segment_seconds=60)
    opened = [r for r in records if isinstance(r, SegmentOpened)]
    closed = [r for r in records if isinstance(r, SegmentClosed)]
    assert [(r.stream.width, r.stream.height) for r in opened] == [(320, 180), (640, 360)]
    assert opened[0].run_id != opened[1].run_id
    assert closed[1].started_us == closed[0].ended_us
    sizes = []
    for segment in closed:
        with av.open(str(tmp_path / "out" / segment.path)) as container:
            sizes.append([(f.width, f.height) for f in container.decode(video=0)])
    with av.open(str(source)) as container:
        sent = sum(1 for packet in container.demux(video=0) if packet.size)
    assert len(sizes[0]) + len(sizes[1]) == sent  # not a frame lost at the switch
    assert set(sizes[0]) == {(320, 180)} and set(sizes[1]) == {(640, 360)}


@pytest.mark.parametrize(("transport", "client"), [("tcp", "ours"), ("udp", "ours"), ("udp", "libav")])
def test_a_worker_opens_at_most_a_few_cameras_at_once(monkeypatch, transport, client):
    import threading
    import time

    from recordings.media import source
    from recordings.media.rtsp.client import RtspClient, RtspError

    active, peak, lock = [0], [0], threading.Lock()

    def slow_open(*args, **kwargs):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        raise RtspError("connect_failed", "unreachable") if client == "ours" else OSError("unreachable")

    if client == "ours":
        monkeypatch.setattr(RtspClient, "connect", slow_open)
    else:
        monkeypatch.setenv("NVR_RTSP_CLIENT", "libav")
        monkeypatch.setattr(source.av, "open", slow_open)

    def attempt(n):
        with pytest.raises(source.SourceError, match="unreachable"):
            source.open_source(source.SourceConfig(f"rtsp://10.0.0.{n}/s", transport))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == source.MAX_PARALLEL_OPENS
