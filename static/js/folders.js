/* The folder tree: drag a camera or a folder onto a folder to move it, without a reload.
 *
 * HTML5 drag and drop; a drop POSTs to the tree's data-move-url (the CSRF token from the
 * `csrftoken` cookie) and the answer, the tree fragment with a notice, replaces #folder-tree.
 * The "Move…" buttons do the same through a dialog, for keyboards. Collapsed folders stay
 * collapsed across those swaps (sessionStorage). When another user moves a camera
 * (`nvr:camera.changed`), the tree is fetched again unless this user is in the middle of something.
 */
(function () {
  "use strict";
  var STORE = "nvr.folders.collapsed";
  var dragged = null; // {kind: "camera"|"folder", id, name, element}
  var pending = null; // {kind, id} of the "Move…" dialog
  var quietUntil = 0; // our own changes come back as camera.changed too: ignore them a moment

  function tree() { return document.getElementById("folder-tree"); }

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var headers = document.body.getAttribute("hx-headers"); // when the cookie is HttpOnly
    try { return JSON.parse(headers)["X-CSRFToken"] || ""; } catch (error) { return ""; }
  }

  function collapsed() {
    try { return JSON.parse(sessionStorage.getItem(STORE)) || []; } catch (error) { return []; }
  }

  function applyCollapsed() {
    var ids = collapsed();
    document.querySelectorAll("#folder-tree .ft-folder[data-folder-id]").forEach(function (item) {
      var shut = ids.indexOf(item.dataset.folderId) >= 0;
      item.classList.toggle("is-collapsed", shut);
      item.setAttribute("aria-expanded", shut ? "false" : "true");
    });
  }

  function toggle(item) {
    var ids = collapsed().filter(function (id) { return id !== item.dataset.folderId; });
    if (!item.classList.contains("is-collapsed")) ids.push(item.dataset.folderId);
    sessionStorage.setItem(STORE, JSON.stringify(ids));
    applyCollapsed();
  }

  function replaceTree(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.querySelector("#folder-tree");
    var old = tree();
    if (!fresh || !old) return false;
    old.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh); // its rename, delete and create forms
    applyCollapsed();
    return true;
  }

  function notice(text) {
    var root = tree();
    if (!root) return;
    var old = root.querySelector(".ft-notice");
    if (old) old.remove();
    var alert = document.createElement("div");
    alert.className = "alert alert-error ft-notice";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    root.querySelector(".ft-panel").before(alert);
  }

  function reason(html, status) {
    // A refusal renders the 403/404 page; its explanation is the one paragraph of its empty state.
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var text = holder.content.querySelector(".empty-state p");
    if (status === 404) return "That camera or folder is no longer there for you. Reload the page.";
    return (text && text.textContent.trim()) || "The server refused this move (" + status + ").";
  }

  function move(kind, id, to) {
    var root = tree();
    if (!root) return Promise.resolve();
    var body = new FormData();
    body.append(kind, id);
    body.append("to", to);
    root.classList.add("is-busy");
    quietUntil = Date.now() + 2000;
    return fetch(root.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrf(), "HX-Request": "true"},
    }).then(function (response) {
      return response.text().then(function (html) {
        // 200: moved; 422: refused with a message (a cycle): both are the tree with a notice.
        if ((response.ok || response.status === 422) && replaceTree(html)) return;
        notice(reason(html, response.status));
      });
    }).catch(function () {
      notice("The server could not be reached; nothing was moved.");
    }).then(function () {
      var current = tree();
      if (current) current.classList.remove("is-busy");
    });
  }

  function refresh() {
    var root = tree();
    if (!root || dragged || Date.now() < quietUntil) return;
    if (root.querySelector("details[open], dialog[open]") || root.contains(document.activeElement)) return;
    fetch(location.pathname, {credentials: "same-origin", headers: {"HX-Request": "true"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html && !dragged) replaceTree(html); })
      .catch(function () {});
  }

  // --- drag and drop --------------------------------------------------------------------------
  function target(event) {
    var row = event.target.closest && event.target.closest("#folder-tree [data-drop-folder]");
    if (!row || !dragged) return null;
    if ((row.dataset.accept || "").split(" ").indexOf(dragged.kind) < 0) return null;
    if (dragged.kind === "folder") {
      // Not onto itself or into its own subtree; the server refuses that too, with a message.
      var item = row.closest(".ft-folder");
      if (item && dragged.element.closest(".ft-folder").contains(item)) return null;
    }
    return row;
  }

  function clearOver() {
    document.querySelectorAll("#folder-tree .is-over").forEach(function (el) { el.classList.remove("is-over"); });
  }

  document.addEventListener("dragstart", function (event) {
    var source = event.target.closest && event.target.closest("#folder-tree [draggable=true]");
    if (!source) return;
    if (source.dataset.camera) {
      dragged = {kind: "camera", id: source.dataset.camera, element: source};
    } else {
      dragged = {kind: "folder", id: source.dataset.dragFolder, element: source};
    }
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.id);
    source.classList.add("is-dragging");
    tree().classList.add("is-dragging-" + dragged.kind);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.element.classList.remove("is-dragging");
    var root = tree();
    if (root) root.classList.remove("is-dragging-camera", "is-dragging-folder");
    clearOver();
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    var row = target(event);
    if (!row) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!row.classList.contains("is-over")) {
      clearOver();
      row.classList.add("is-over");
    }
  });

  document.addEventListener("dragleave", function (event) {
    var row = event.target.closest && event.target.closest("#folder-tree [data-drop-folder]");
    if (row && !row.contains(event.relatedTarget)) row.classList.remove("is-over");
  });

  document.addEventListener("drop", function (event) {
    var row = target(event);
    if (!row) return;
    event.preventDefault();
    var what = dragged;
    clearOver();
    move(what.kind, what.id, row.dataset.dropFolder);
  });

  // --- clicks: collapse, and the "Move…" dialog -------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#folder-tree button");
    if (!button) return;
    if (button.hasAttribute("data-toggle")) {
      toggle(button.closest(".ft-folder"));
      return;
    }
    var camera = button.dataset.moveCamera, folder = button.dataset.moveFolder;
    if (!camera && !folder) return;
    var dialog = document.getElementById("ft-move-dialog");
    if (!dialog || !dialog.showModal) return;
    pending = camera ? {kind: "camera", id: camera} : {kind: "folder", id: folder};
    dialog.querySelector("[data-move-name]").textContent = "“" + button.dataset.name + "”";
    dialog.querySelector("[data-none]").textContent = camera ? "No folder" : "Top level";
    var select = dialog.querySelector("select");
    Array.prototype.forEach.call(select.options, function (option) {
      option.disabled = Boolean(folder) && option.value !== "" && isInside(option.value, folder);
    });
    dialog.returnValue = "";
    dialog.showModal();
  });

  function isInside(folderId, ancestorId) {
    var item = document.querySelector('#folder-tree .ft-folder[data-folder-id="' + folderId + '"]');
    var ancestor = document.querySelector('#folder-tree .ft-folder[data-folder-id="' + ancestorId + '"]');
    return Boolean(item && ancestor && ancestor.contains(item));
  }

  document.addEventListener("close", function (event) {
    if (event.target.id !== "ft-move-dialog" || !pending) return;
    var what = pending;
    pending = null;
    if (event.target.returnValue === "move") move(what.kind, what.id, event.target.querySelector("select").value);
  }, true);

  document.addEventListener("htmx:afterSettle", applyCollapsed);
  document.addEventListener("nvr:camera.changed", function () { setTimeout(refresh, 300); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", applyCollapsed);
  else applyCollapsed();
})();
