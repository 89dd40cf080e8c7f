/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";
  // A select marked data-autosubmit submits its form on change (the organization switcher).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit();
    }
  });
  // Inline handlers are refused by the page's CSP (script-src 'self'), so markup asks through data-*.
  // A form marked data-confirm asks before it submits (delete buttons).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // An image marked data-remove-on-error leaves no broken icon (a snapshot that is not there).
  // Error events do not bubble: listen in the capture phase.
  document.addEventListener(
    "error",
    function (event) {
      var target = event.target;
      if (target.matches && target.matches("img[data-remove-on-error]")) target.remove();
    },
    true
  );
  // Close an open <details> menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
