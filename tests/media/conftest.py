"""A small recorded-camera file for pipeline tests that do not need the network."""

import av
import numpy as np
import pytest


def write_clip(path, *, seconds: int = 5, fps: int = 25, gop: int = 25, size=(320, 180)) -> None:
    """H.264 (GOP of `gop` frames, no B-frames) and AAC in Matroska, as a camera's packets would be."""
    width, height = size
    with av.open(str(path), "w", format="matroska") as out:
        video = out.add_stream(
            "libx264",
            rate=fps,
            options={
                "preset": "ultrafast",
                "tune": "zerolatency",
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0",
            },
        )
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream("aac", rate=48000, layout="mono")
        for index in range(seconds * fps):
            image = np.full((height, width, 3), (index * 7) % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            out.mux(video.encode(frame))
        t = 0
        while t < seconds * 48000:
            samples = (
                np.sin(2 * np.pi * 440 * np.arange(t, t + 1024) / 48000).astype(np.float32).reshape(1, -1)
            )
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48000, t
            out.mux(audio.encode(frame))
            t += 1024
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


@pytest.fixture(scope="session")
def clip_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "camera.mkv"
    write_clip(path)
    return path
