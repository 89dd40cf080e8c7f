"""One connection's worth of recording: repair timestamps, follow parameter changes, segment.

A connection may hold several runs: a mid-stream change of video parameters starts a new run
(new init section) at that keyframe, on the same timeline, so no packet is lost and the new
segment starts exactly where the last one ended.
"""

import uuid

import av

from .audio import AacTranscoder
from .index import StatusRecord, StreamInfo
from .params import ParameterWatch, probe
from .segmenter import Emit, Segmenter, to_us
from .timestamps import TimestampRepair
from .tracks import Track


class Connection:
    def __init__(
        self,
        *,
        video: Track,
        audio: Track | None,
        transcoder: AacTranscoder | None,
        root: str,
        camera_dir: str,
        target_us: int,
        emit: Emit,
        wall_us,
    ):
        self.video, self.audio, self.transcoder = video, audio, transcoder
        self.root, self.camera_dir, self.target_us, self.emit = root, camera_dir, target_us, emit
        self.wall_us = wall_us
        self.info = StreamInfo(
            video_codec=video.codec,
            width=video.width,
            height=video.height,
            fps=video.fps,
            audio_codec="aac" if transcoder else (audio.codec if audio else ""),
            source_audio_codec=audio.codec if audio else "",
        )
        self.frame_us = int(1_000_000 / self.info.fps) if self.info.fps else 40_000
        self.repair = TimestampRepair([track for track in (video, audio) if track is not None])
        self.params = ParameterWatch(video.codec)
        self.segmenter: Segmenter | None = None
        self.anchor_wall_us: int | None = None
        self._video_template = video.template

    def feed(self, index: int, packet: av.Packet) -> None:
        now_us = self.wall_us()
        for ready in self.repair.feed(index, packet, now_us):
            if self.anchor_wall_us is None:
                self.anchor_wall_us = now_us - to_us(ready.dts, ready.time_base)
            self._write(index, ready)

    def close(self) -> None:
        if self.segmenter is not None:
            for ready in self.repair.flush():
                self._write(self.video.index, ready)
            self.segmenter.close()

    # --- internals -----------------------------------------------------------------------------
    def _write(self, index: int, packet: av.Packet) -> None:
        if index == self.video.index:
            run_us = to_us(packet.dts, packet.time_base)
            if packet.is_keyframe:
                self._follow_parameters(packet, run_us)
            self._segmenter().write(
                packet, index=index, run_us=run_us, is_video=True, duration_us=self.frame_us
            )
        elif self.transcoder is not None:
            for encoded in self.transcoder.feed(packet):
                if encoded.dts is not None and encoded.dts >= 0:  # AAC priming samples precede zero
                    run_us = to_us(encoded.dts, encoded.time_base)
                    self._segmenter().write(encoded, index=index, run_us=run_us, is_video=False)
        else:
            run_us = to_us(packet.dts, packet.time_base)
            self._segmenter().write(packet, index=index, run_us=run_us, is_video=False)

    def _segmenter(self) -> Segmenter:
        if self.segmenter is None:
            templates = {self.video.index: self._video_template}
            if self.audio is not None:
                templates[self.audio.index] = (
                    self.transcoder.add_output_stream if self.transcoder else self.audio.template
                )
            self.segmenter = Segmenter(
                root=self.root,
                camera_dir=self.camera_dir,
                run_id=uuid.uuid4().hex,
                templates=templates,
                video_index=self.video.index,
                stream_info=self.info,
                anchor_wall_us=self.anchor_wall_us,
                target_us=self.target_us,
                emit=self.emit,
            )
        return self.segmenter

    def _follow_parameters(self, packet: av.Packet, run_us: int) -> None:
        """On new parameter sets, end the run here and start one whose init describes them.

        Also when probing ended before the picture size was known (a large keyframe beyond the
        probe size): the init section needs it, and the first keyframe has it.
        """
        if self.params.changed(packet) is None and self.info.width and self.info.height:
            return
        params = probe(self.info.video_codec, packet)
        if params is None:
            return
        if self.segmenter is not None:
            self.segmenter.close(end_run_us=run_us)
            self.segmenter = None
        base = self.video.template

        def template(container):
            stream = base(container)
            stream.codec_context.width, stream.codec_context.height = params.width, params.height
            stream.codec_context.extradata = params.extradata
            return stream

        self._video_template = template
        self.info = StreamInfo(
            self.info.video_codec,
            params.width,
            params.height,
            self.info.fps,
            self.info.audio_codec,
            self.info.source_audio_codec,
        )
        self.emit(StatusRecord("running", "", self.info, at_us=self.wall_us()))
