// Today's route: order the proposed stops from the phone's position (a reload with lat/lng).
// No map tiles: every stop opens the phone's navigation app through a link.
(function () {
  "use strict";
  var form = document.querySelector(".js-route-form");
  if (!form) { return; }
  var button = form.querySelector(".js-route-locate");
  var status = document.getElementById("route-geo-status");
  function say(text) { if (status) { status.textContent = text; } }
  if (!button) { return; }
  if (!("geolocation" in navigator)) { button.hidden = true; return; }
  button.addEventListener("click", function () {
    say(form.dataset.geoWaiting);
    navigator.geolocation.getCurrentPosition(function (position) {
      var url = new URL(window.location.href);
      url.searchParams.set("lat", position.coords.latitude.toFixed(6));
      url.searchParams.set("lng", position.coords.longitude.toFixed(6));
      window.location.assign(url.toString());
    }, function () {
      say(form.dataset.geoFailed);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 120000 });
  });
})();
