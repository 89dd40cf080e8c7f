"""pytest fixtures for the simulated IP camera (tests/support/rtsp_camera).

Load them as a plugin, from tests/conftest.py::

    pytest_plugins = ["tests.support.fixtures"]

or for one run with ``pytest -p tests.support.fixtures``. Then a test asks for ``rtsp_camera``
and adds as many cameras as it needs; they are removed when the test ends, while the server
itself (``rtsp_server``, one per session and per xdist worker) keeps running::

    from tests.support.rtsp_camera import TEST_H264_AAC, ClipSpec, read_frame_counter

    @pytest.mark.slow
    def test_recording_survives_a_camera_reboot(rtsp_camera):
        camera = rtsp_camera(TEST_H264_AAC)          # or rtsp_camera(path="lobby")
        start_recorder(camera.url)                   # rtsp://127.0.0.1:PORT/cam7
        camera.wait_playing()
        camera.restart()                             # also: drop(), stall(s), refuse_for(s),
        ...                                          # switch_clip(ClipSpec(width=320, height=180))
        sent = camera.sent_frames()                  # what the latest session was sent
        assert recorded_counters == [f.frame_index for f in sent]

Clips are encoded once per spec and cached under <tmp>/nvr-clips, so the first run of a new
spec takes a moment (about 3 s for 1080p H.264, 7 s for 1080p H.265) and later runs none.
"""

import pytest

from tests.support.rtsp_camera import TEST_H264_AAC, ClipSpec, RtspServer


@pytest.fixture(scope="session")
def rtsp_server():
    """The RTSP server on 127.0.0.1 and a free port, for the whole session."""
    server = RtspServer().start()
    yield server
    server.stop()


@pytest.fixture
def rtsp_camera(rtsp_server):
    """Factory: rtsp_camera(spec=TEST_H264_AAC, path=None, credentials=None) -> Camera, removed after
    the test."""
    cameras = []

    def add(spec: ClipSpec = TEST_H264_AAC, path: str | None = None, credentials=None):
        camera = rtsp_server.add_camera(spec, path, credentials)
        cameras.append(camera)
        return camera

    yield add
    for camera in cameras:
        rtsp_server.remove_camera(camera)
