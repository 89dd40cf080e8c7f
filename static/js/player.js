/* A camera player over the media endpoints: live HLS, or the archive from any instant.
 *
 *   var player = new NvrPlayer(videoElement, {camera: "name", onMode: fn, onError: fn});
 *   player.live();            // the live edge
 *   player.playAt(unixSec);   // the archive from that instant (keyframe before it, then seek)
 *   player.instant();         // wall-clock seconds of the picture on screen, or null
 *
 * The archive is asked for in windows of an hour; at the end of one the next is loaded, and
 * once the archive reaches the present the player goes back to live. Wall time comes from the
 * playlists' EXT-X-PROGRAM-DATE-TIME, so it stays true across skipped gaps.
 */
(function () {
  "use strict";
  var ARCHIVE_WINDOW = 3600;
  var LIVE_SLACK = 15; // an archive window ending this close to now continues as live

  function mediaUrl(camera, rest) {
    return "/media/" + camera.split("/").map(encodeURIComponent).join("/") + "/" + rest;
  }

  function NvrPlayer(video, options) {
    this.video = video;
    this.camera = options.camera;
    this.onMode = options.onMode || function () {};
    this.onError = options.onError || function () {};
    this.mode = null;
    this.hls = null;
    this.rate = 1;
    var self = this;
    video.addEventListener("ended", function () {
      if (self.mode === "archive" && self.windowEnd) self._continue();
    });
  }

  NvrPlayer.supported = function () {
    return window.Hls && window.Hls.isSupported();
  };

  NvrPlayer.prototype._reset = function () {
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.firstDate = null;
    this.windowEnd = null;
  };

  NvrPlayer.prototype._attach = function (source, startAt) {
    var self = this;
    var hls = new Hls({
      enableWorker: false,
      autoStartLoad: startAt == null,
      liveSyncDurationCount: 1,
      maxBufferLength: 20,
      backBufferLength: 30,
    });
    this.hls = hls;
    hls.on(Hls.Events.LEVEL_LOADED, function (_, data) {
      var first = data.details.fragments[0];
      if (first && first.programDateTime && self.firstDate == null) {
        self.firstDate = first.programDateTime / 1000;
        if (startAt != null) hls.startLoad(Math.max(0, startAt - self.firstDate));
      }
    });
    hls.on(Hls.Events.ERROR, function (_, data) {
      if (!data.fatal) return;
      var status = data.response && data.response.code;
      self.onError(status === 404 ? "No footage here" : "Playback failed: " + data.details, data);
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    });
    hls.loadSource(source);
    hls.attachMedia(this.video);
    this.video.playbackRate = this.rate;
    var playing = this.video.play();
    if (playing && playing.catch) playing.catch(function () {});
  };

  NvrPlayer.prototype.live = function () {
    this._reset();
    this.mode = "live";
    this.onMode("live");
    this.rate = 1;
    this._attach(mediaUrl(this.camera, "live.m3u8"), null);
  };

  NvrPlayer.prototype.playAt = function (instant) {
    var now = Date.now() / 1000;
    if (instant >= now - 2) return this.live();
    this._reset();
    this.mode = "archive";
    this.onMode("archive", instant);
    var end = Math.min(instant + ARCHIVE_WINDOW, now);
    this.windowEnd = end;
    var query = "from=" + instant.toFixed(3) + "&to=" + end.toFixed(3);
    this._attach(mediaUrl(this.camera, "archive.m3u8?" + query), instant);
  };

  NvrPlayer.prototype._continue = function () {
    var end = this.windowEnd;
    if (Date.now() / 1000 - end < LIVE_SLACK) return this.live();
    this.playAt(end);
  };

  NvrPlayer.prototype.instant = function () {
    if (!this.hls) return null;
    var date = this.hls.playingDate;
    if (date) return date.getTime() / 1000;
    return this.firstDate != null ? this.firstDate + this.video.currentTime : null;
  };

  NvrPlayer.prototype.setRate = function (rate) {
    this.rate = rate;
    this.video.playbackRate = rate;
  };

  NvrPlayer.prototype.toggle = function () {
    if (this.video.paused) {
      var playing = this.video.play();
      if (playing && playing.catch) playing.catch(function () {});
    } else {
      this.video.pause();
    }
  };

  NvrPlayer.prototype.step = function (frames, fps) {
    // Live has no frames to step through: step from the archive at the present picture.
    if (this.mode === "live") {
      var at = this.instant();
      if (at != null) this.playAt(at - 1);
      return;
    }
    this.video.pause();
    this.video.currentTime = Math.max(0, this.video.currentTime + frames / (fps || 25));
  };

  NvrPlayer.prototype.destroy = function () {
    this._reset();
    this.mode = null;
  };

  NvrPlayer.mediaUrl = mediaUrl;
  window.NvrPlayer = NvrPlayer;
})();
