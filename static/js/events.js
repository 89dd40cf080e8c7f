/* Realtime news from the organization's websocket (camera status, episodes, job progress).
 *
 * Each message is re-dispatched on `document` as a `nvr:<type>` CustomEvent (`nvr:camera.status`,
 * `nvr:episode.created`, `nvr:job.progress`) whose detail is the payload. Elements marked
 * `data-status-for="<camera>"` are kept current here, so every page that shows a status badge
 * gets live updates without code of its own. The socket reconnects with a capped backoff.
 */
(function () {
  "use strict";
  var LABELS = {
    unknown: "Unknown", starting: "Starting", running: "Running", waiting: "Waiting for source",
    error: "Error", disabled: "Disabled",
  };
  var delay = 500;

  function updateBadges(payload) {
    document.querySelectorAll("[data-status-for]").forEach(function (element) {
      if (element.getAttribute("data-status-for") !== payload.camera) return;
      element.className = element.className.replace(/\bbadge-\w+/, "badge-" + payload.status);
      element.textContent = LABELS[payload.status] || payload.status;
      element.title = payload.reason || "";
    });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + location.host + "/ws/events/");
    } catch (error) {
      return;
    }
    socket.onopen = function () {
      delay = 500;
      document.documentElement.dataset.realtime = "connected";
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      if (event.type === "hello") {
        // The state at connect: replayed as status events, so pages need one handler only.
        event.payload.cameras.forEach(function (payload) {
          updateBadges(payload);
          document.dispatchEvent(new CustomEvent("nvr:camera.status", {detail: payload}));
        });
        return;
      }
      if (event.type === "camera.status") updateBadges(event.payload);
      document.dispatchEvent(new CustomEvent("nvr:" + event.type, {detail: event.payload}));
    };
    socket.onclose = function (event) {
      document.documentElement.dataset.realtime = "disconnected";
      if (event.code === 4401 || event.code === 4404) return; // signed out or no organization
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  if (document.body && document.body.dataset.realtime !== undefined) connect();
  else document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.realtime !== undefined) connect();
  });
})();
