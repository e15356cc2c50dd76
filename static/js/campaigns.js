// Publicity desk: keyboard-only inquiry form, import progress. No inline scripts (CSP).
(function () {
  "use strict";
  // In the "what they asked" box, Enter submits the form and Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && !event.shiftKey && target.classList && target.classList.contains("js-enter-submits")) {
      event.preventDefault();
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { target.form.submit(); }
    }
  });
})();
