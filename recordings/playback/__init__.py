"""Playback from the index: media tokens, HLS playlists, byte ranges. Never ffprobe, never a listing."""
