"""A simulated IP camera: real RTSP/RTP on 127.0.0.1, replaying clips encoded once with PyAV.

    from tests.support.rtsp_camera import RtspServer, TEST_H264_AAC, read_frame_counter

    with RtspServer() as server:
        camera = server.add_camera(TEST_H264_AAC)
        container = av.open(camera.url, options={"rtsp_transport": "tcp"})

Tests normally use the fixtures in tests/support/fixtures.py instead of a server of their own.
"""

from .camera import Camera, CameraStats
from .clips import (
    BENCH_1080P_H264,
    BENCH_1080P_H265,
    TEST_H264_AAC,
    TEST_H264_PCMU,
    TEST_H264_SLICES,
    TEST_H265_AAC,
    ClipSpec,
    EncodedClip,
    encode_clip,
    read_frame_counter,
)
from .server import RtspServer
from .session import SentFrame, SessionStats

__all__ = [
    "BENCH_1080P_H264",
    "BENCH_1080P_H265",
    "TEST_H264_AAC",
    "TEST_H264_PCMU",
    "TEST_H264_SLICES",
    "TEST_H265_AAC",
    "Camera",
    "CameraStats",
    "ClipSpec",
    "EncodedClip",
    "RtspServer",
    "SentFrame",
    "SessionStats",
    "encode_clip",
    "read_frame_counter",
]
