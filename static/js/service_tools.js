// Service tools: print and full screen on the customer-facing pages. No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.classList.contains("js-print")) { window.print(); }
    if (event.target.classList.contains("js-fullscreen") && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () { /* refused: the page is already large */ });
    }
  });
})();
