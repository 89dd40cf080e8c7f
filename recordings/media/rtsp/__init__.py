"""Our own RTSP/RTP input, interleaved over TCP or over UDP: RTP read in batches, a few wake-ups a
second, instead of libavformat's read (and poll) per packet (#4)."""
