/* The camera page: one player, the camera's timeline under it, and the controls between. */
(function () {
  "use strict";

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function start() {
    var root = document.getElementById("watch");
    if (!root || !window.NvrPlayer) return;
    var camera = root.dataset.camera;
    var fps = parseFloat(root.dataset.fps) || 25;
    var mayArchive = root.dataset.mayArchive === "true";
    var modeLabel = document.getElementById("player-mode");
    var clock = document.getElementById("player-clock");
    var message = document.getElementById("player-message");
    var toggle = document.getElementById("play-toggle");
    var speed = document.getElementById("speed");
    var video = document.getElementById("video");
    var timeline = null;
    var format = new Intl.DateTimeFormat("en-GB", {
      timeZone: root.dataset.timeZone, hourCycle: "h23", year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });

    function say(text) {
      message.textContent = text || "";
      message.hidden = !text;
    }

    var player = new NvrPlayer(video, {
      camera: camera,
      onMode: function (mode) {
        say("");
        modeLabel.textContent = mode === "live" ? "LIVE" : "ARCHIVE";
        modeLabel.className = "player-badge" + (mode === "live" ? "" : " archive");
        if (speed) speed.value = "1";
        if (timeline) timeline.follow = mode === "live";
        root.dataset.mode = mode;
      },
      onError: function (text) { say(text); },
    });
    window.__player = player;

    if (mayArchive) {
      timeline = new NvrTimeline(document.getElementById("timeline"), {
        rows: [{camera: camera, title: root.dataset.title}],
        timeZone: root.dataset.timeZone,
        onSeek: function (_, instant) { player.playAt(instant); timeline.setCursor(instant); },
        onSelect: function (_, from, to) { showSelection(from, to); },
      });
      window.__timeline = timeline;
    }

    video.addEventListener("timeupdate", function () {
      var at = player.instant();
      if (at == null) return;
      clock.textContent = format.format(new Date(at * 1000));
      if (timeline) timeline.setCursor(at);
    });
    video.addEventListener("play", function () { toggle.textContent = "❚❚ Pause"; });
    video.addEventListener("pause", function () { toggle.textContent = "▶ Play"; });
    video.addEventListener("playing", function () { say(""); });

    // Jump to the nearest event, or edge of recorded footage, before or after the picture on screen.
    function jump(direction) {
      var at = player.instant();
      if (at == null || !timeline) return;
      var edges = [];
      timeline.ranges(camera).forEach(function (range) { edges.push(range.from, range.to); });
      timeline.episodes(camera).forEach(function (episode) { edges.push(episode.from); });
      var target = null;
      edges.forEach(function (edge) {
        if (direction < 0 && edge < at - 1 && (target == null || edge > target)) target = edge;
        if (direction > 0 && edge > at + 1 && (target == null || edge < target)) target = edge;
      });
      if (target == null) return say(direction < 0 ? "Nothing earlier in view" : "Nothing later in view");
      // At the end of a range, play its last seconds rather than nothing.
      var isEnd = timeline.ranges(camera).some(function (range) { return range.to === target; });
      player.playAt(isEnd ? target - 5 : target);
    }

    var selection = null;
    function showSelection(from, to) {
      var box = document.getElementById("selection");
      if (!box) return;
      selection = {from: from, to: to};
      document.getElementById("selection-text").textContent =
        format.format(new Date(from * 1000)) + " → " + format.format(new Date(to * 1000)) +
        " (" + Math.round(to - from) + " s)";
      box.hidden = false;
    }

    function exportSelection() {
      if (!selection) return;
      var status = document.getElementById("export-status");
      var url = root.dataset.exportUrl + "?from=" + selection.from.toFixed(3) + "&to=" + selection.to.toFixed(3);
      fetch(url, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf()}})
        .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
        .then(function (pair) {
          status.hidden = false;
          if (!pair[0].ok) { status.textContent = "Export refused: " + pair[1].error; return; }
          status.innerHTML = "";
          var text = document.createElement("span");
          text.textContent = "Export queued. ";
          var link = document.createElement("a");
          link.href = root.dataset.exportsPage;
          link.textContent = "Follow its progress on the Exports page";
          status.appendChild(text);
          status.appendChild(link);
          root.dataset.exportJob = pair[1].job;
        });
    }

    document.querySelector(".player-controls").addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button) return;
      switch (button.dataset.action) {
        case "toggle": player.toggle(); break;
        case "live": player.live(); break;
        case "frame-back": player.step(-1, fps); break;
        case "frame-forward": player.step(1, fps); break;
        case "prev-gap": jump(-1); break;
        case "next-gap": jump(1); break;
        case "export": exportSelection(); break;
      }
    });
    if (speed) speed.addEventListener("change", function () {
      if (player.mode === "live" && parseFloat(speed.value) > 1) {
        // Faster than real time needs footage ahead of the picture: the archive has it.
        var at = player.instant();
        if (at != null) player.playAt(at - 60);
      }
      player.setRate(parseFloat(speed.value));
    });
    document.addEventListener("nvr:camera.status", function (event) {
      if (event.detail.camera !== camera) return;
      if (event.detail.status === "running" && player.mode === "live" && video.readyState < 2) player.live();
      if (event.detail.status !== "running" && player.mode === "live") say("Camera offline: " + (event.detail.reason || event.detail.status));
    });

    if (!NvrPlayer.supported()) return say("This browser cannot play HLS video.");
    var startAt = parseFloat(root.dataset.startAt);
    if (startAt && mayArchive) {
      if (timeline) timeline.setWindow(startAt - 1800, startAt + 1800);
      player.playAt(startAt);
    } else {
      player.live();
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
