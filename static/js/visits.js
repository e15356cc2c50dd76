// The visit form: the browser's position into hidden fields, and one submit per tap.
// No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  var form = document.querySelector(".js-visit-form");
  if (!form) { return; }
  var status = document.getElementById("geo-status");
  function say(text) { if (status) { status.textContent = text; } }

  // Optional position: the visit is saved without it when the phone refuses or takes too long.
  if ("geolocation" in navigator) {
    say(form.dataset.geoWaiting);
    navigator.geolocation.getCurrentPosition(function (position) {
      var coords = position.coords;
      form.elements.latitude.value = coords.latitude.toFixed(6);
      form.elements.longitude.value = coords.longitude.toFixed(6);
      form.elements.accuracy_m.value = Math.round(coords.accuracy);
      say(form.dataset.geoFound.replace("%s", Math.round(coords.accuracy)));
    }, function () {
      say(form.dataset.geoFailed);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  // A double tap sends the form once; the hidden client_id makes a re-send harmless anyway.
  form.addEventListener("submit", function () {
    var button = form.querySelector(".js-submit-once");
    if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
  });

  // Enter in the search box must not submit the visit.
  var search = document.getElementById("customer-search");
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  }
})();
