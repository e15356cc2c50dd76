// The caller's screen: keyboard only. N takes the next number; 1–6 say what came of the call (2 and 4 open
// their form, focused; Enter saves it); Esc goes back to the outcomes. No inline scripts (CSP).
(function () {
  "use strict";
  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  }
  function closePanels() {
    document.querySelectorAll(".js-outcome-panel").forEach(function (panel) { panel.hidden = true; });
  }
  function openPanel(id) {
    closePanels();
    var panel = document.getElementById(id);
    if (!panel) { return; }
    panel.hidden = false;
    var first = panel.querySelector("input:not([type=hidden]), textarea, select");
    if (first) { first.focus(); first.select && first.select(); }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-panel]");
    if (button) { event.preventDefault(); openPanel(button.getAttribute("data-panel")); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closePanels();
      var first = document.querySelector("[data-key='1']");
      if (first) { first.focus(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key.toLowerCase();
    var button = document.querySelector("[data-key='" + key + "']");
    if (!button || button.disabled) { return; }
    event.preventDefault();
    button.click();
  });
  // A form opened again after a refusal (its errors shown) gets the focus back.
  var open = document.querySelector(".js-outcome-panel:not([hidden])");
  if (open) {
    var field = open.querySelector(".is-invalid") || open.querySelector("input:not([type=hidden])");
    if (field) { field.focus(); }
  }
})();
