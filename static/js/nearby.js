// Customers near me: ask the browser for the position, then load the page with it (latitude, longitude,
// accuracy and the radius chosen). Without a position the page says why, and offers to pick a district.
(function () {
  "use strict";
  var form = document.querySelector(".js-nearby-form");
  if (!form) { return; }
  var button = form.querySelector(".js-nearby-locate");
  var status = document.getElementById("nearby-status");
  function say(text) { if (status) { status.textContent = text; } }
  function field(name) { return form.querySelector("input[name=" + name + "]"); }

  function locate() {
    if (!("geolocation" in navigator)) { say(form.dataset.geoUnsupported); return; }
    say(form.dataset.geoWaiting);
    navigator.geolocation.getCurrentPosition(function (position) {
      field("latitude").value = position.coords.latitude.toFixed(6);
      field("longitude").value = position.coords.longitude.toFixed(6);
      field("accuracy").value = Math.round(position.coords.accuracy || 0);
      form.submit();
    }, function (error) {
      var messages = { 1: form.dataset.geoDenied, 2: form.dataset.geoUnavailable, 3: form.dataset.geoTimeout };
      say(messages[error.code] || form.dataset.geoUnavailable);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  if (button) { button.addEventListener("click", locate); }
  // A new distance around the same position: load it at once; without a position, the next locate uses it.
  form.querySelectorAll(".js-nearby-radius").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (field("latitude").value) { form.submit(); }
    });
  });
  if (form.dataset.autoLocate === "true") {
    if ("geolocation" in navigator) { locate(); } else { say(form.dataset.geoUnsupported); }
  }
})();
