// The maps (templates/map/): the customer map with its cards and movable pins, and a salesperson's day.
// Positions arrive in the datum of the tiles (the server converts, crm/coordinates.py) and a moved pin is
// sent back in it. No inline script (the CSP): the page's settings and words come in JSON data blocks.
(function () {
  "use strict";
  var L = window.L;
  var configNode = document.getElementById("map-config");
  if (!L || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var text = JSON.parse(document.getElementById("map-text").textContent);

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }

  // A map with the configured tiles, or none: the markers then stand on the page's plain background.
  function createMap(container) {
    var tiles = config.tiles;
    // The clusters need the highest zoom, which a map without tiles does not know from a layer.
    var map = L.map(container, { zoomControl: true, attributionControl: false, maxZoom: tiles.maxZoom, minZoom: 3 })
      .setView(config.center, config.zoom);
    if (tiles.layers.length) {
      L.control.attribution({ prefix: false }).addTo(map);
      var failed = false;
      tiles.layers.forEach(function (template, index) {
        var layer = L.tileLayer(template, {
          subdomains: tiles.subdomains || "abc",
          maxZoom: tiles.maxZoom,
          attribution: index === 0 ? tiles.attribution : "",
        });
        layer.on("tileerror", function () {
          if (failed) { return; }
          failed = true;
          container.classList.add("map-canvas-plain");
          var note = document.getElementById("map-tiles-note");
          if (note) { note.hidden = false; }
        });
        layer.addTo(map);
      });
    }
    return map;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  // Plan a visit to the card's customer on the day picked above the map: the plans' own door (plans:add),
  // answered with its snippet, whose message (planned, a warning, or why not) the card shows.
  function planVisit(customer, message, button) {
    var picker = document.getElementById("plan-day");
    var body = new URLSearchParams({ customer: customer.id, day: picker ? picker.value : "", compact: "1" });
    button.disabled = true;
    fetch(config.planUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      return response.text().then(function (html) {
        var answer = new DOMParser().parseFromString(html, "text/html");
        var lines = Array.prototype.map.call(answer.querySelectorAll(".add-to-plan-message"), function (line) {
          return line.textContent.trim();
        });
        message.textContent = lines.join(" ");
        message.className = "small mb-0 mt-2 map-card-message " + (response.ok ? "text-success-emphasis" : "text-danger-emphasis");
      });
    }).catch(function () {
      message.textContent = text.planFailed;
      message.className = "small mb-0 mt-2 map-card-message text-danger-emphasis";
    }).then(function () { button.disabled = false; });
  }


  // --- the customer map ------------------------------------------------------------------------------

  function customerMap(container) {
    var map = createMap(container);
    var card = document.getElementById("map-card");
    var status = document.getElementById("map-status");
    var unlocated = document.getElementById("map-unlocated");
    var clusters = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: function (cluster) {
        return L.divIcon({
          html: "<span>" + cluster.getChildCount() + "</span>",
          className: "map-cluster",
          iconSize: L.point(44, 44),
        });
      },
    });
    map.addLayer(clusters);
    var markers = {};
    var editing = null;
    var firstLoad = true;
    var truncated = false;
    var loadTimer = null;

    function pinIcon(intent) {
      return L.divIcon({
        className: "map-pin intent-" + (intent || "none"),
        html: '<span class="map-pin-head"></span>',
        iconSize: L.point(44, 44),
        iconAnchor: L.point(22, 44),
      });
    }

    function closeCard() {
      card.hidden = true;
      card.textContent = "";
    }

    function showCard(marker) {
      var customer = marker.feature.properties;
      card.textContent = "";
      var body = element("div", "card-body p-3");
      var head = element("div", "d-flex align-items-start gap-2 mb-1");
      head.appendChild(element("h2", "h6 mb-0 me-auto text-break map-card-name", customer.name));
      var close = element("button", "btn btn-sm btn-outline-secondary map-card-close", "×");
      close.type = "button";
      close.setAttribute("aria-label", text.close);
      close.addEventListener("click", function () { stopEditing(true); closeCard(); });
      head.appendChild(close);
      body.appendChild(head);
      var intent = element("p", "mb-1 small");
      intent.appendChild(document.createTextNode(text.intent + ": "));
      var badge = element("span", "badge intent-" + (customer.intent || "none"),
        customer.intent ? customer.intent + " " + (config.intentLabels[customer.intent] || "") : text.notRated);
      intent.appendChild(badge);
      body.appendChild(intent);
      body.appendChild(element("p", "mb-1 small map-card-visit",
        text.lastVisit + ": " + (customer.last_visit_at ? customer.last_visit_at.slice(0, 10) : text.notVisited)));
      var place = [customer.district, customer.address].filter(Boolean).join(" ");
      if (place) { body.appendChild(element("p", "mb-2 small text-break", text.address + ": " + place)); }
      var actions = element("div", "d-flex flex-wrap gap-2 map-card-actions");
      var open = element("a", "btn btn-outline-primary", text.open);
      open.href = customer.url;
      actions.appendChild(open);
      if (config.visitUrl) {
        var log = element("a", "btn btn-primary map-log-visit", text.logVisit);
        log.href = config.visitUrl + "?customer=" + encodeURIComponent(customer.id);
        actions.appendChild(log);
      }
      if (config.planUrl) {
        var plan = element("button", "btn btn-outline-primary map-plan-visit", text.plan);
        plan.type = "button";
        plan.addEventListener("click", function () { planVisit(customer, message, plan); });
        actions.appendChild(plan);
      }
      if (customer.pin_movable) {
        var move = element("button", "btn btn-outline-secondary map-move-pin", text.movePin);
        move.type = "button";
        move.addEventListener("click", function () { startEditing(marker); });
        actions.appendChild(move);
      }
      body.appendChild(actions);
      var message = element("p", "small mb-0 mt-2 map-card-message");
      message.setAttribute("role", "status");
      body.appendChild(message);
      card.appendChild(body);
      card.hidden = false;
    }

    function cardMessage(words, isError) {
      var message = card.querySelector(".map-card-message");
      if (!message) { return; }
      message.textContent = words;
      message.classList.toggle("text-danger", Boolean(isError));
    }

    // Moving a pin: the marker leaves its cluster, becomes draggable, and goes back on save or cancel.
    function startEditing(marker) {
      stopEditing(true);
      editing = { marker: marker, from: marker.getLatLng() };
      clusters.removeLayer(marker);
      marker.addTo(map);
      marker.dragging.enable();
      marker.getElement().classList.add("map-pin-editing");
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16));
      var actions = card.querySelector(".map-card-actions");
      actions.textContent = "";
      var save = element("button", "btn btn-primary map-save-pin", text.savePin);
      save.type = "button";
      save.addEventListener("click", function () { savePin(save); });
      var cancel = element("button", "btn btn-outline-secondary map-cancel-pin", text.cancel);
      cancel.type = "button";
      cancel.addEventListener("click", function () { stopEditing(true); showCard(marker); });
      actions.appendChild(save);
      actions.appendChild(cancel);
      cardMessage(text.dragHint, false);
    }

    function stopEditing(restore) {
      if (!editing) { return; }
      var marker = editing.marker;
      if (restore) { marker.setLatLng(editing.from); }
      marker.dragging.disable();
      var icon = marker.getElement();
      if (icon) { icon.classList.remove("map-pin-editing"); }
      map.removeLayer(marker);
      clusters.addLayer(marker);
      editing = null;
    }

    function savePin(button) {
      var marker = editing.marker;
      var position = marker.getLatLng();
      var body = new URLSearchParams();
      body.set("latitude", position.lat.toFixed(6));
      body.set("longitude", position.lng.toFixed(6));
      button.disabled = true;
      cardMessage(text.saving, false);
      fetch(config.pinUrl.replace("/0/", "/" + marker.feature.properties.id + "/"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: body,
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (answer) {
            return { ok: response.ok, answer: answer };
          });
        })
        .then(function (result) {
          if (!result.ok) {
            button.disabled = false;
            cardMessage(result.answer.detail || text.saveFailed, true);
            return;
          }
          var coordinates = result.answer.geometry.coordinates;
          marker.setLatLng([coordinates[1], coordinates[0]]);
          stopEditing(false);
          showCard(marker);
          cardMessage(result.answer.message, false);
        })
        .catch(function () {
          button.disabled = false;
          cardMessage(text.saveFailed, true);
        });
    }

    function addFeatures(collection) {
      var fresh = [];
      collection.features.forEach(function (feature) {
        if (markers[feature.id]) { return; }
        var coordinates = feature.geometry.coordinates;
        var marker = L.marker([coordinates[1], coordinates[0]], {
          icon: pinIcon(feature.properties.intent),
          title: feature.properties.name,
          alt: feature.properties.name,
          riseOnHover: true,
        });
        marker.feature = feature;
        marker.on("click", function () {
          if (editing && editing.marker !== marker) { stopEditing(true); }
          showCard(marker);
        });
        markers[feature.id] = marker;
        fresh.push(marker);
      });
      clusters.addLayers(fresh);
      container.dataset.markers = String(Object.keys(markers).length);
    }

    function load(withBox) {
      var url = config.featuresUrl;
      if (withBox) {
        var box = map.getBounds();
        var bbox = [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].map(function (value) {
          return value.toFixed(6);
        }).join(",");
        url += (url.indexOf("?") === -1 ? "?" : "&") + "bbox=" + bbox;
      }
      container.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (collection) {
          addFeatures(collection);
          var messages = collection.messages;
          status.textContent = [messages.shown, messages.truncated].filter(Boolean).join(" ");
          if (messages.without_position) {
            unlocated.textContent = messages.without_position;
            unlocated.href = collection.without_position_url;
            unlocated.hidden = false;
          } else {
            unlocated.hidden = true;
          }
          if (firstLoad) {
            firstLoad = false;
            truncated = collection.truncated;
            if (collection.features.length) {
              map.fitBounds(clusters.getBounds(), { maxZoom: 16, padding: [24, 24], animate: false });
            }
          }
          container.dataset.loaded = "true";
        })
        .catch(function () { status.textContent = text.loadFailed; })
        .finally(function () { container.removeAttribute("aria-busy"); });
    }

    // Everything fits in one answer unless it said "truncated": then the part on screen is asked for
    // each time the map stops moving.
    map.on("moveend", function () {
      if (firstLoad || !truncated || editing) { return; }
      window.clearTimeout(loadTimer);
      loadTimer = window.setTimeout(function () { load(true); }, 300);
    });
    map.on("click", function () { if (!editing) { closeCard(); } });
    load(false);
  }

  // --- the day's track -----------------------------------------------------------------------------------

  function trackMap(container) {
    var map = createMap(container);
    var track = config.track;
    var points = [];
    track.features.forEach(function (feature) {
      if (!feature.geometry) { return; }
      var coordinates = feature.geometry.coordinates;
      var latlng = [coordinates[1], coordinates[0]];
      var properties = feature.properties;
      var flagged = properties.flags.length > 0;
      var marker = L.marker(latlng, {
        icon: L.divIcon({
          className: "map-stop" + (flagged ? " map-stop-flagged" : ""),
          html: "<span>" + properties.number + "</span>",
          iconSize: L.point(44, 44),
        }),
        title: text.stop.replace("%(number)s", properties.number) + " " + properties.customer_name,
        zIndexOffset: properties.number,
      });
      marker.on("click", function () {
        var row = document.querySelector('.track-stop[data-number="' + properties.number + '"]');
        if (row) {
          row.scrollIntoView({ behavior: "smooth", block: "nearest" });
          row.classList.add("track-stop-current");
          window.setTimeout(function () { row.classList.remove("track-stop-current"); }, 1500);
        }
      });
      marker.addTo(map);
      points.push(latlng);
    });
    if (points.length > 1) {
      L.polyline(points, { className: "map-track-line", weight: 3 }).addTo(map);
    }
    if (points.length) { map.fitBounds(L.latLngBounds(points), { maxZoom: 16, padding: [32, 32], animate: false }); }
    container.dataset.stops = String(points.length);
    container.dataset.loaded = "true";
  }

  var customerContainer = document.getElementById("customer-map");
  if (customerContainer) { customerMap(customerContainer); }
  var trackContainer = document.getElementById("track-map");
  if (trackContainer && config.track) { trackMap(trackContainer); }
})();
