// Site-wide behaviour. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // htmx sends the CSRF token on every unsafe request.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });
  // A refusal answered to htmx (crm/htmx.py: a 4xx naming its target with HX-Retarget, "#messages")
  // is a message for the user: htmx drops every 4xx answer unless told to swap it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A refusal answers one attempt: the next attempt takes it away, whatever its outcome.
  document.body.addEventListener("htmx:beforeRequest", function () {
    document.querySelectorAll("#messages .js-refusal").forEach(function (alert) { alert.remove(); });
  });
  // Selects marked js-autosubmit submit their form when changed (the language switcher).
  document.addEventListener("change", function (event) {
    if (event.target.classList.contains("js-autosubmit")) { event.target.form.submit(); }
  });
  // Buttons marked js-print print the page (print CSS hides navigation).
  document.addEventListener("click", function (event) {
    if (event.target.closest(".js-print")) { window.print(); }
  });
  // The installable app: register the service worker; logging out clears the offline copy.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* not fatal */ });
  }
  document.addEventListener("submit", function (event) {
    if (!event.target.classList.contains("js-logout-form")) { return; }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "logout" });
    }
    if (window.caches) { caches.delete("crm-pages-v2"); }
    document.dispatchEvent(new CustomEvent("crm:logout"));
  });
})();
