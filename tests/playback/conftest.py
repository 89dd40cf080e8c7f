"""Footage recorded into the index from the simulated camera, for playback tests."""

import re
import threading
import time
from dataclasses import dataclass

import av
import pytest
from django.conf import settings

from recordings.layout import camera_folder
from recordings.media.session import RecordingLoop
from recordings.media.source import SourceConfig
from recordings.models import Segment
from recordings.recorder.writer import IndexWriter
from tests.support.rtsp_camera import ClipSpec
from tests.support.rtsp_camera import read_frame_counter as counter

# 8 s loop, so a burned-in counter tells a position to within the loop, not a 2 s one.
PLAYBACK_CLIP = ClipSpec(seconds=8.0)


class Recording:
    """The recorder writing `camera` (a Camera row) from `source` (a simulated camera) into the index."""

    def __init__(self, camera, source, *, segment_seconds: float = 2.0):
        self.camera, self.source = camera, source
        self.writer = IndexWriter(camera=camera, streamer_id=None)
        self.stop = threading.Event()
        self.loop = RecordingLoop(
            camera_dir=camera_folder(camera),
            source=SourceConfig(source.url, "tcp", 3.0),
            root=str(settings.NVR_MEDIA_ROOT),
            segment_seconds=segment_seconds,
            record_audio=True,
            emit=self.writer.emit,
            stop=self.stop,
        )
        self.thread = threading.Thread(target=self.loop.run, daemon=True)

    def start(self) -> "Recording":
        self.writer.start()
        self.thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(15)
        self.writer.close()

    def wait_for_fragments(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            total = sum(Segment.objects.filter(camera=self.camera).values_list("fragment_count", flat=True))
            if total >= count:
                return
            time.sleep(0.2)
        raise AssertionError(f"fewer than {count} fragments indexed in {timeout} s")


@dataclass
class Playlist:
    text: str
    maps: list[tuple[str, int, int]]  # uri, offset, size
    fragments: list[tuple[str, int, int, float]]  # uri, offset, size, duration

    @classmethod
    def parse(cls, text: str) -> "Playlist":
        maps, fragments, duration, byterange = [], [], 0.0, None
        for line in text.splitlines():
            if line.startswith("#EXT-X-MAP:"):
                uri = re.search(r'URI="([^"]+)"', line).group(1)
                size, offset = re.search(r'BYTERANGE="(\d+)@(\d+)"', line).groups()
                maps.append((uri, int(offset), int(size)))
            elif line.startswith("#EXTINF:"):
                duration = float(line.split(":")[1].rstrip(","))
            elif line.startswith("#EXT-X-BYTERANGE:"):
                size, offset = line.split(":")[1].split("@")
                byterange = (int(offset), int(size))
            elif line and not line.startswith("#"):
                fragments.append((line, byterange[0], byterange[1], duration))
        return cls(text, maps, fragments)


def fetch_range(client, uri: str, offset: int, size: int) -> bytes:
    response = client.get(uri, HTTP_RANGE=f"bytes={offset}-{offset + size - 1}")
    assert response.status_code == 206, response.status_code
    return b"".join(response.streaming_content)


def decode_counters(data: bytes) -> list[int]:
    import io

    with av.open(io.BytesIO(data), format="mp4") as container:
        return [counter(frame) for frame in container.decode(video=0)]


@pytest.fixture
def recording(rtsp_camera):
    """recording(camera_row, spec=PLAYBACK_CLIP) -> Recording, started; finished after the test."""
    started = []

    def start(camera, spec: ClipSpec = PLAYBACK_CLIP, **kwargs):
        rec = Recording(camera, rtsp_camera(spec), **kwargs).start()
        started.append(rec)
        return rec

    yield start
    for rec in started:
        rec.finish()
