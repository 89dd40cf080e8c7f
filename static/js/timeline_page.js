/* The timeline page: every chosen camera on one axis; a click plays that camera at that instant. */
(function () {
  "use strict";

  function start() {
    var root = document.getElementById("timeline-page");
    if (!root || !window.NvrTimeline) return;
    var box = document.getElementById("timeline");
    var rows = JSON.parse(document.getElementById("timeline-rows").textContent);
    var panel = document.getElementById("timeline-player");
    var video = document.getElementById("video");
    var message = document.getElementById("player-message");
    var clock = document.getElementById("playing-clock");
    var player = null;
    var format = new Intl.DateTimeFormat("en-GB", {
      timeZone: root.dataset.timeZone, hourCycle: "h23", year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    var timeline = new NvrTimeline(box, {
      rows: rows,
      timeZone: root.dataset.timeZone,
      span: 6 * 3600,
      onSeek: function (camera, instant) {
        var row = rows.find(function (r) { return r.camera === camera; });
        panel.hidden = false;
        document.getElementById("playing-title").textContent = row ? row.title : camera;
        document.getElementById("playing-link").href =
          "/cameras/" + camera.split("/").map(encodeURIComponent).join("/") + "/?at=" + instant.toFixed(3);
        if (player) player.destroy();
        message.hidden = true;
        player = new NvrPlayer(video, {
          camera: camera,
          onError: function (text) { message.textContent = text; message.hidden = false; },
        });
        window.__player = player;
        player.playAt(instant);
        timeline.setCursor(instant);
      },
    });
    window.__timeline = timeline;
    video.addEventListener("timeupdate", function () {
      var at = player && player.instant();
      if (at == null) return;
      clock.textContent = format.format(new Date(at * 1000));
      timeline.setCursor(at);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
