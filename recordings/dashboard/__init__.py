"""Operator pages over recordings: timeline, daily playback, exports, episodes and storage.

One module per page; each view parses input, calls a selector or service and renders. The media
itself (playlists, snapshots, timeline JSON) is served by `recordings.views` under /media/.
"""
