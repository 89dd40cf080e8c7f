"""Our own RTSP/RTP input over TCP: large socket reads instead of libavformat's small ones (#4)."""
