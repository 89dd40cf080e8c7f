"""The Flussonic media-server URL forms Watcher clients build on `stats.streaming_endpoint`
(shared/spec/flussonic-media-urls.md), served by the playback services under /flussonic/."""
