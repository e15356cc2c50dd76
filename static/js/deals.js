// Deal pages. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // The flyer's print button.
  document.addEventListener("click", function (event) {
    if (event.target.classList.contains("js-print")) { window.print(); }
  });
})();
