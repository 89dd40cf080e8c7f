def streamer_heartbeat(): pass
