"""G.711 to AAC: the MP4 muxer refuses PCMU/PCMA, so those (and only those) are transcoded.

One encoder lives for a whole run, so AAC's priming delay appears once, not in every segment.
A few kbit/s of 8 kHz mono audio costs a negligible share of a core.
"""

from fractions import Fraction

import av

TRANSCODED = {"pcm_mulaw", "pcm_alaw"}
REMUXED = {"aac", "opus"}


class AacTranscoder:
    def __init__(self, codec: str, sample_rate: int):
        self.decoder = av.CodecContext.create(codec, "r")
        self.decoder.sample_rate = sample_rate or 8000
        self.decoder.layout = "mono"
        self.sample_rate = self.decoder.sample_rate
        self.encoder = av.CodecContext.create("aac", "w")
        self.encoder.sample_rate = self.sample_rate
        self.encoder.layout = "mono"
        self.encoder.format = "fltp"
        self.encoder.bit_rate = 24_000
        self.encoder.time_base = Fraction(1, self.sample_rate)
        self.resampler = av.AudioResampler(format="fltp", layout="mono", rate=self.sample_rate)
        self.time_base = Fraction(1, self.sample_rate)

    def add_output_stream(self, container: av.container.OutputContainer) -> av.stream.Stream:
        """An AAC stream whose parameters match this encoder's packets."""
        stream = container.add_stream("aac", rate=self.sample_rate, layout="mono")
        stream.bit_rate = self.encoder.bit_rate
        return stream

    def feed(self, packet: av.Packet) -> list[av.Packet]:
        out = []
        for frame in self.decoder.decode(packet):
            for resampled in self.resampler.resample(frame):
                resampled.pts = frame.pts
                resampled.time_base = self.time_base
                out.extend(self._stamp(self.encoder.encode(resampled)))
        return out

    def _stamp(self, packets) -> list[av.Packet]:
        for packet in packets:
            packet.time_base = self.time_base
        return list(packets)
