/* The live grid: a live player per tile, status from the realtime socket, drag and drop to edit.
 *
 * A tile whose camera is not running is greyed out with the recorder's reason and plays nothing;
 * when the camera comes back (a camera.status event) its player starts again, without a reload.
 */
(function () {
  "use strict";
  var LABELS = {running: "Running", waiting: "Waiting for source", error: "Error", starting: "Starting",
    disabled: "Disabled", unknown: "Unknown"};

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function Tile(element) {
    this.element = element;
    this.camera = element.dataset.camera;
    this.video = element.querySelector("video");
    this.bitrate = element.querySelector(".tile-bitrate");
    this.reason = element.querySelector(".tile-reason");
    this.player = null;
  }

  Tile.prototype.start = function () {
    if (this.player || !NvrPlayer.supported()) return;
    var self = this;
    this.player = new NvrPlayer(this.video, {
      camera: this.camera,
      onError: function (text) {
        // No live edge yet (the camera just came back): ask again shortly.
        self.stop();
        if (self.element.dataset.status === "running") setTimeout(function () { self.start(); }, 2000);
      },
    });
    this.player.live();
    this.player.hls.on(Hls.Events.FRAG_LOADED, function (_, data) {
      var frag = data.frag;
      if (frag.duration > 0 && data.payload) {
        self.bitrate.textContent = Math.round(data.payload.byteLength * 8 / frag.duration / 1000) + " kbit/s";
      }
    });
  };

  Tile.prototype.stop = function () {
    if (this.player) this.player.destroy();
    this.player = null;
  };

  Tile.prototype.setStatus = function (status, reason) {
    this.element.dataset.status = status;
    var offline = status !== "running";
    this.element.classList.toggle("offline", offline);
    if (this.reason) this.reason.textContent = reason || LABELS[status] || status;
    if (offline) this.stop();
    else this.start();
  };

  function start() {
    var grid = document.getElementById("grid");
    if (!grid || !window.NvrPlayer) return;
    var tiles = [];
    grid.querySelectorAll(".tile[data-camera]").forEach(function (element) {
      var tile = new Tile(element);
      tiles.push(tile);
      if (element.dataset.status === "running") tile.start();
      element.querySelector(".tile-full").addEventListener("click", function () {
        if (document.fullscreenElement) document.exitFullscreen();
        else if (element.requestFullscreen) element.requestFullscreen();
      });
      element.addEventListener("dblclick", function () {
        element.querySelector(".tile-name").click();
      });
    });
    window.__tiles = tiles;

    document.addEventListener("nvr:camera.status", function (event) {
      tiles.forEach(function (tile) {
        if (tile.camera === event.detail.camera) tile.setStatus(event.detail.status, event.detail.reason);
      });
    });

    // Editing: drop a camera from the list (or another tile) onto a tile.
    var mosaic = grid.dataset.mosaic;
    if (!mosaic) return;
    document.querySelectorAll("[draggable=true][data-camera], .tile[data-camera]").forEach(function (source) {
      source.setAttribute("draggable", "true");
      source.addEventListener("dragstart", function (event) {
        event.dataTransfer.setData("text/plain", source.dataset.camera);
      });
    });
    grid.querySelectorAll(".tile").forEach(function (tile) {
      tile.addEventListener("dragover", function (event) { event.preventDefault(); tile.classList.add("drop"); });
      tile.addEventListener("dragleave", function () { tile.classList.remove("drop"); });
      tile.addEventListener("drop", function (event) {
        event.preventDefault();
        tile.classList.remove("drop");
        var body = new URLSearchParams({action: "slot", mosaic: mosaic, position: tile.dataset.position,
          camera: event.dataTransfer.getData("text/plain")});
        fetch(grid.dataset.saveUrl, {method: "POST", body: body, credentials: "same-origin",
          headers: {"X-CSRFToken": csrf()}})
          .then(function (response) {
            if (response.ok) location.reload(); // the grid as saved, players and all
            else return response.json().then(function (error) { alert(error.error || "Not saved"); });
          });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
