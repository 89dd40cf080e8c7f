/* The timeline: one row per camera on one time axis, drawn on a canvas.
 *
 *   var timeline = new NvrTimeline(element, {
 *     rows: [{camera: "name", title: "Lobby"}], timeZone: "Europe/Berlin",
 *     onSeek: function (camera, instant) {}, onSelect: function (camera, from, to) {},
 *   });
 *
 * Recorded ranges, gaps (with their reason) and episodes come from /media/<camera>/timeline.json
 * for the visible window and a margin either side. The mouse wheel zooms about the pointer from
 * 30 days down to 10 seconds, dragging pans, a click seeks, shift-drag selects a range (for an
 * export), and hovering shows the time and a snapshot of that instant. Times are shown in the
 * organization's time zone, whatever the browser's is.
 */
(function () {
  "use strict";
  var MIN_SPAN = 10;
  var MAX_SPAN = 30 * 86400;
  var MAX_FETCH = 31 * 86400; // the endpoint's limit
  var AXIS = 22;
  var ROW = 30;
  var STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
    43200, 86400, 172800, 604800];
  var COLORS = {
    axis: "#8a94a6", grid: "rgba(138,148,166,0.18)", rowBg: "#1b2230", recorded: "#2fa866",
    gap: "rgba(226,78,66,0.55)", episode: "#f0a020", selection: "rgba(80,140,255,0.30)",
    cursor: "#ffd84a", now: "rgba(255,255,255,0.5)", label: "#d7dce5", hover: "rgba(255,255,255,0.7)",
  };

  function NvrTimeline(element, options) {
    this.element = element;
    this.rows = options.rows;
    this.timeZone = options.timeZone || "UTC";
    this.onSeek = options.onSeek || function () {};
    this.onSelect = options.onSelect || function () {};
    this.gutter = this.rows.length > 1 ? 140 : 0;
    var now = Date.now() / 1000;
    var span = options.span || 3600;
    this.to = options.to || now + span * 0.05;
    this.from = this.to - span;
    this.cursor = null;
    this.selection = null;
    this.follow = false;
    this.data = {};
    this.hover = null;
    this._formatters();
    this._build();
    this.refresh();
    var self = this;
    window.addEventListener("resize", function () { self._resize(); });
    this._tick = setInterval(function () { self._followNow(); }, 1000);
  }

  NvrTimeline.prototype._build = function () {
    var el = this.element;
    el.classList.add("timeline");
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "slider");
    this.canvas.setAttribute("aria-label", "Timeline: click to play that instant");
    this.canvas.tabIndex = 0;
    el.appendChild(this.canvas);
    this.tip = document.createElement("div");
    this.tip.className = "timeline-tip";
    this.tip.hidden = true;
    this.tipText = document.createElement("div");
    this.tipImage = document.createElement("img");
    this.tipImage.alt = "";
    this.tipImage.width = 160;
    this.tipImage.onerror = function () { this.hidden = true; };
    this.tipImage.onload = function () { this.hidden = false; };
    this.tip.appendChild(this.tipImage);
    this.tip.appendChild(this.tipText);
    el.appendChild(this.tip);
    this._resize();
    this._bind();
  };

  NvrTimeline.prototype._resize = function () {
    var ratio = window.devicePixelRatio || 1;
    this.width = Math.max(200, this.element.clientWidth);
    this.height = AXIS + ROW * this.rows.length + 4;
    this.canvas.width = this.width * ratio;
    this.canvas.height = this.height * ratio;
    this.canvas.style.width = this.width + "px";
    this.canvas.style.height = this.height + "px";
    this.ctx = this.canvas.getContext("2d");
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.draw();
  };

  NvrTimeline.prototype._formatters = function () {
    var zone = this.timeZone;
    function make(parts) {
      return new Intl.DateTimeFormat("en-GB", Object.assign({timeZone: zone, hourCycle: "h23"}, parts));
    }
    this.fmt = {
      seconds: make({hour: "2-digit", minute: "2-digit", second: "2-digit"}),
      minutes: make({hour: "2-digit", minute: "2-digit"}),
      day: make({day: "numeric", month: "short"}),
      full: make({year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
        second: "2-digit", timeZoneName: "short"}),
      offset: make({timeZoneName: "longOffset"}),
    };
  };

  // Seconds east of UTC of the organization's zone at `instant`.
  NvrTimeline.prototype._offset = function (instant) {
    var name = this.fmt.offset.formatToParts(new Date(instant * 1000))
      .find(function (part) { return part.type === "timeZoneName"; }).value;
    var match = /GMT([+-])(\d\d):(\d\d)/.exec(name);
    if (!match) return 0;
    var seconds = parseInt(match[2], 10) * 3600 + parseInt(match[3], 10) * 60;
    return match[1] === "-" ? -seconds : seconds;
  };

  NvrTimeline.prototype.formatInstant = function (instant) {
    return this.fmt.full.format(new Date(instant * 1000));
  };

  NvrTimeline.prototype.xFor = function (instant) {
    return this.gutter + (instant - this.from) / (this.to - this.from) * (this.width - this.gutter);
  };

  NvrTimeline.prototype.instantAt = function (x) {
    return this.from + (x - this.gutter) / (this.width - this.gutter) * (this.to - this.from);
  };

  NvrTimeline.prototype.rowAt = function (y) {
    var index = Math.floor((y - AXIS) / ROW);
    return index >= 0 && index < this.rows.length ? this.rows[index] : null;
  };

  NvrTimeline.prototype.setWindow = function (from, to) {
    var span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, to - from));
    var middle = (from + to) / 2;
    this.from = middle - span / 2;
    this.to = middle + span / 2;
    this.draw();
    this._schedule();
  };

  NvrTimeline.prototype.setCursor = function (instant) {
    this.cursor = instant;
    // Keep the cursor in view when playback carries it out of the window.
    if (instant != null && !this.dragging && (instant < this.from || instant > this.to)) {
      var span = this.to - this.from;
      this.setWindow(instant - span * 0.5, instant + span * 0.5);
    } else {
      this.draw();
    }
  };

  NvrTimeline.prototype._followNow = function () {
    if (!this.follow || this.dragging) return this.draw();
    var now = Date.now() / 1000;
    var span = this.to - this.from;
    if (now > this.to - span * 0.03) this.setWindow(now - span * 0.9, now + span * 0.1);
    else this.draw();
  };

  NvrTimeline.prototype._schedule = function () {
    var self = this;
    clearTimeout(this._pending);
    this._pending = setTimeout(function () { self.refresh(); }, 150);
  };

  // Fetch the window and half a window either side, so small pans draw at once.
  NvrTimeline.prototype.refresh = function () {
    var self = this;
    var span = this.to - this.from;
    var from = this.from - span / 2;
    var to = Math.min(this.to + span / 2, from + MAX_FETCH);
    this.rows.forEach(function (row) {
      var url = NvrPlayer.mediaUrl(row.camera, "timeline.json?from=" + from.toFixed(3) + "&to=" + to.toFixed(3));
      fetch(url, {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body) return;
          self.data[row.camera] = body;
          self.draw();
          self.element.dispatchEvent(new CustomEvent("timeline:loaded", {detail: {camera: row.camera}}));
        })
        .catch(function () {});
    });
  };

  // Recorded ranges of a camera as loaded (for jumping to the previous or next gap).
  NvrTimeline.prototype.ranges = function (camera) {
    var body = this.data[camera];
    return body ? body.ranges : [];
  };

  // Episodes (events) of a camera as loaded.
  NvrTimeline.prototype.episodes = function (camera) {
    var body = this.data[camera];
    return body && body.episodes ? body.episodes : [];
  };

  NvrTimeline.prototype._step = function () {
    var secondsPerPixel = (this.to - this.from) / (this.width - this.gutter);
    for (var i = 0; i < STEPS.length; i++) {
      if (STEPS[i] / secondsPerPixel >= 90) return STEPS[i];
    }
    return STEPS[STEPS.length - 1];
  };

  NvrTimeline.prototype._label = function (instant, step) {
    var date = new Date(instant * 1000);
    if (step >= 86400) return this.fmt.day.format(date);
    var offset = this._offset(instant);
    if (step >= 3600 && ((instant + offset) % 86400 + 86400) % 86400 === 0) return this.fmt.day.format(date);
    return step >= 60 ? this.fmt.minutes.format(date) : this.fmt.seconds.format(date);
  };

  NvrTimeline.prototype.draw = function () {
    var ctx = this.ctx;
    if (!ctx) return;
    var self = this;
    var left = this.gutter;
    var width = this.width;
    ctx.clearRect(0, 0, width, this.height);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";

    // Ticks aligned to the zone's local clock.
    var step = this._step();
    var offset = this._offset(this.from);
    var first = Math.ceil((this.from + offset) / step) * step - offset;
    for (var t = first; t <= this.to; t += step) {
      var x = Math.round(this.xFor(t)) + 0.5;
      ctx.strokeStyle = COLORS.grid;
      ctx.beginPath();
      ctx.moveTo(x, AXIS - 4);
      ctx.lineTo(x, this.height);
      ctx.stroke();
      ctx.fillStyle = COLORS.axis;
      ctx.fillText(this._label(t, step), x + 3, AXIS / 2);
    }

    this.rows.forEach(function (row, index) {
      var top = AXIS + index * ROW + 3;
      var height = ROW - 6;
      ctx.fillStyle = COLORS.rowBg;
      ctx.fillRect(left, top, width - left, height);
      if (left) {
        ctx.fillStyle = COLORS.label;
        ctx.fillText(row.title.length > 20 ? row.title.slice(0, 19) + "…" : row.title, 6, top + height / 2);
      }
      var body = self.data[row.camera];
      if (!body) return;
      self._bars(body.gaps, top, height, COLORS.gap, true);
      self._bars(body.ranges, top, height, COLORS.recorded, false);
      (body.episodes || []).forEach(function (episode) {
        var x0 = Math.max(left, self.xFor(episode.from));
        var x1 = Math.min(width, self.xFor(episode.to == null ? Date.now() / 1000 : episode.to));
        ctx.fillStyle = COLORS.episode;
        ctx.fillRect(x0, top, Math.max(3, x1 - x0), 5);
      });
    });

    if (this.selection) {
      var s0 = this.xFor(Math.min(this.selection.from, this.selection.to));
      var s1 = this.xFor(Math.max(this.selection.from, this.selection.to));
      ctx.fillStyle = COLORS.selection;
      ctx.fillRect(s0, AXIS, s1 - s0, this.height - AXIS);
    }
    var now = Date.now() / 1000;
    if (now >= this.from && now <= this.to) this._line(this.xFor(now), COLORS.now, [3, 3]);
    if (this.cursor != null && this.cursor >= this.from && this.cursor <= this.to) {
      this._line(this.xFor(this.cursor), COLORS.cursor, []);
    }
    if (this.hover != null) this._line(this.hover.x, COLORS.hover, [1, 2]);
  };

  NvrTimeline.prototype._bars = function (items, top, height, color, open) {
    var ctx = this.ctx;
    var now = Date.now() / 1000;
    ctx.fillStyle = color;
    (items || []).forEach(function (item) {
      var end = item.to == null && open ? now : item.to;
      var x0 = Math.max(this.gutter, this.xFor(item.from));
      var x1 = Math.min(this.width, this.xFor(end));
      if (x1 > x0) ctx.fillRect(x0, top + 6, Math.max(1, x1 - x0), height - 6);
    }, this);
  };

  NvrTimeline.prototype._line = function (x, color, dash) {
    var ctx = this.ctx;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.setLineDash(dash);
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, AXIS - 6);
    ctx.lineTo(x, this.height);
    ctx.stroke();
    ctx.restore();
  };

  NvrTimeline.prototype._where = function (event) {
    var rect = this.canvas.getBoundingClientRect();
    return {x: event.clientX - rect.left, y: event.clientY - rect.top};
  };

  // What lies under the pointer on a row: a gap's reason, or whether it was recorded.
  NvrTimeline.prototype._describe = function (row, instant) {
    var body = this.data[row.camera];
    if (!body) return {recorded: false, text: ""};
    var inRange = body.ranges.some(function (r) { return r.from <= instant && instant < r.to; });
    if (inRange) return {recorded: true, text: ""};
    var gap = body.gaps.find(function (g) { return g.from <= instant && (g.to == null || instant < g.to); });
    return {recorded: false, text: gap ? "Gap: " + gap.reason + (gap.detail ? " (" + gap.detail + ")" : "") : "No footage"};
  };

  NvrTimeline.prototype._bind = function () {
    var self = this;
    var canvas = this.canvas;
    canvas.addEventListener("wheel", function (event) {
      event.preventDefault();
      var point = self._where(event);
      var pivot = self.instantAt(Math.max(self.gutter, point.x));
      var factor = Math.pow(1.0015, event.deltaY);
      var span = Math.min(MAX_SPAN, Math.max(MIN_SPAN, (self.to - self.from) * factor));
      var share = (pivot - self.from) / (self.to - self.from);
      self.from = pivot - span * share;
      self.to = self.from + span;
      self.draw();
      self._schedule();
    }, {passive: false});

    canvas.addEventListener("mousedown", function (event) {
      var point = self._where(event);
      if (point.x < self.gutter) return;
      self.dragging = {x: point.x, from: self.from, to: self.to, moved: false, select: event.shiftKey,
        row: self.rowAt(point.y), start: self.instantAt(point.x)};
      if (event.shiftKey) self.selection = {from: self.dragging.start, to: self.dragging.start};
    });
    window.addEventListener("mousemove", function (event) {
      var drag = self.dragging;
      var point = self._where(event);
      if (drag) {
        var dx = point.x - drag.x;
        if (Math.abs(dx) > 3) drag.moved = true;
        if (drag.select) {
          self.selection.to = self.instantAt(point.x);
        } else if (drag.moved) {
          var shift = dx / (self.width - self.gutter) * (drag.to - drag.from);
          self.from = drag.from - shift;
          self.to = drag.to - shift;
          self._schedule();
        }
        self.draw();
        return;
      }
      var inside = point.x >= self.gutter && point.x <= self.width && point.y >= 0 && point.y <= self.height;
      if (!inside) {
        if (self.hover) { self.hover = null; self.tip.hidden = true; self.draw(); }
        return;
      }
      self._hover(point);
    });
    window.addEventListener("mouseup", function (event) {
      var drag = self.dragging;
      if (!drag) return;
      self.dragging = null;
      var point = self._where(event);
      var row = drag.row || self.rows[0];
      if (drag.select && drag.moved) {
        var a = Math.min(self.selection.from, self.selection.to);
        var b = Math.max(self.selection.from, self.selection.to);
        self.selection = {from: a, to: b};
        self.onSelect(row.camera, a, b);
      } else if (!drag.moved) {
        self.selection = null;
        self.onSeek(row.camera, self.instantAt(point.x));
      }
      self.draw();
    });
    canvas.addEventListener("mouseleave", function () {
      if (!self.dragging) { self.hover = null; self.tip.hidden = true; self.draw(); }
    });
    canvas.addEventListener("keydown", function (event) {
      var span = self.to - self.from;
      if (event.key === "ArrowLeft") self.setWindow(self.from - span * 0.1, self.to - span * 0.1);
      else if (event.key === "ArrowRight") self.setWindow(self.from + span * 0.1, self.to + span * 0.1);
      else if (event.key === "+" || event.key === "=") self.setWindow(self.from + span * 0.25, self.to - span * 0.25);
      else if (event.key === "-") self.setWindow(self.from - span * 0.5, self.to + span * 0.5);
      else return;
      event.preventDefault();
    });
  };

  NvrTimeline.prototype._hover = function (point) {
    var self = this;
    var instant = this.instantAt(point.x);
    var row = this.rowAt(point.y) || this.rows[0];
    this.hover = {x: point.x, instant: instant};
    var what = this._describe(row, instant);
    this.tipText.textContent = this.formatInstant(instant) + (what.text ? " · " + what.text : "");
    this.tip.hidden = false;
    var left = Math.min(Math.max(0, point.x - 80), this.width - 170);
    this.tip.style.left = left + "px";
    clearTimeout(this._preview);
    if (what.recorded) {
      // A preview per pointer rest, not per pixel: snapshots decode a keyframe each.
      this._preview = setTimeout(function () {
        self.tipImage.src = NvrPlayer.mediaUrl(row.camera, "snapshot.jpg?at=" + instant.toFixed(0) + "&width=160");
      }, 250);
    } else {
      this.tipImage.hidden = true;
    }
    this.draw();
  };

  window.NvrTimeline = NvrTimeline;
})();
