// The visit form: the browser's position into hidden fields, and one submit per tap.
// No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  var form = document.querySelector(".js-visit-form");
  if (!form) { return; }
  var status = document.getElementById("geo-status");
  function say(text) { if (status) { status.textContent = text; } }

  // The distance to the selected customer, live, once the position is known and the customer has
  // coordinates; beyond the team's radius the reason field opens (the server asks for it anyway).
  var radius = Number(form.dataset.radius || 0);
  var distanceLine = document.getElementById("customer-distance");
  var reasonBlock = document.getElementById("far-reason");
  function meters(lat1, lng1, lat2, lng2) {
    var rad = Math.PI / 180, earth = 6371008.8;
    var dLat = (lat2 - lat1) * rad, dLng = (lng2 - lng1) * rad;
    var a = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dLng / 2), 2);
    return 2 * earth * Math.asin(Math.sqrt(a));
  }
  function distanceText(m) {
    return m < 1000 ? Math.round(m) + " " + form.dataset.unitM : (m / 1000).toFixed(1) + " " + form.dataset.unitKm;
  }
  function showDistance() {
    if (!distanceLine) { return; }
    var chosen = form.querySelector("input.js-customer:checked");
    var lat = parseFloat(form.elements.latitude.value), lng = parseFloat(form.elements.longitude.value);
    if (!chosen || !chosen.dataset.lat || isNaN(lat) || isNaN(lng)) { distanceLine.textContent = ""; return; }
    var m = meters(lat, lng, parseFloat(chosen.dataset.lat), parseFloat(chosen.dataset.lng));
    var accuracy = Number(form.elements.accuracy_m.value || 0);
    var far = radius > 0 && m - accuracy > radius;
    distanceLine.textContent = (far ? form.dataset.distanceFar : form.dataset.distanceNear).replace("%s", distanceText(m));
    distanceLine.className = far ? "small mt-1 mb-0 text-danger fw-semibold" : "small mt-1 mb-0 text-body-secondary";
    if (far && reasonBlock) { reasonBlock.hidden = false; }
  }
  // Picking a customer: the kind of visit follows its history (first visit only if never visited).
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("js-customer")) { return; }
    var kind = input.dataset.kind && document.getElementById("kind-" + input.dataset.kind);
    if (kind) { kind.checked = true; }
    showDistance();
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    var chosen = form.querySelector("input.js-customer:checked");
    var kind = chosen && chosen.dataset.kind && document.getElementById("kind-" + chosen.dataset.kind);
    if (kind) { kind.checked = true; }
    showDistance();
  });

  // Optional position: the visit is saved without it when the phone refuses or takes too long.
  if ("geolocation" in navigator) {
    say(form.dataset.geoWaiting);
    navigator.geolocation.getCurrentPosition(function (position) {
      var coords = position.coords;
      form.elements.latitude.value = coords.latitude.toFixed(6);
      form.elements.longitude.value = coords.longitude.toFixed(6);
      form.elements.accuracy_m.value = Math.round(coords.accuracy);
      say(form.dataset.geoFound.replace("%s", Math.round(coords.accuracy)));
      showDistance();
    }, function () {
      say(form.dataset.geoFailed);
      showDistance();
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
