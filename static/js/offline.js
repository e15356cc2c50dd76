// Offline capture for salespeople: visits logged without signal wait in IndexedDB on this phone
// and are sent when the connection returns. Each entry keeps the client_id the form generated, so
// a retried sync never stores a visit twice. Conflicts and refusals stay listed until the user acts.
// Stores: "queue" (visits to send, photos as Blobs), "customers" (the last copy of the
// salesperson's own customers), "new_customers" (customers registered at the door without signal,
// under an id made here; their visits name it as customer_client_id, and the sync sends them first)
// and "meta" (whose data this is, when it was copied).
// Logging out deletes the database. No framework, no CDN; CSP-safe (no inline code, no innerHTML).
(function () {
  "use strict";
  var bar = document.querySelector(".js-sync-bar");
  if (!bar || !window.indexedDB) { return; }
  var DB_NAME = "crm-offline";
  var BATCH = 20;
  var COPY_MAX_AGE_MS = 10 * 60 * 1000;
  var NEW_PREFIX = "new:"; // the value of a customer radio that names a customer registered on this phone
  var text = bar.dataset;
  var pendingCount = 0;
  var syncing = false;

  // --- IndexedDB -------------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        [["queue", "client_id"], ["customers", "id"], ["meta", "key"], ["new_customers", "client_id"]].forEach(function (store) {
          if (!db.objectStoreNames.contains(store[0])) { db.createObjectStore(store[0], { keyPath: store[1] }); }
        });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function run(storeName, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result = work(tx.objectStore(storeName));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function getAll(storeName) { return run(storeName, "readonly", function (store) { return store.getAll(); }); }
  function put(storeName, value) { return run(storeName, "readwrite", function (store) { store.put(value); }); }
  function remove(storeName, key) { return run(storeName, "readwrite", function (store) { store.delete(key); }); }
  function getOne(storeName, key) { return run(storeName, "readonly", function (store) { return store.get(key); }); }
  function wipe() {
    return new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  // --- helpers ---------------------------------------------------------------------------------
  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40; bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }
  function say(message, tone) {
    var box = bar.querySelector(".js-sync-message");
    box.textContent = message || "";
    box.className = "js-sync-message small mt-1" + (tone ? " text-" + tone : "");
  }

  // --- the status bar: how many wait, what needs attention ---------------------------------------
  function render() {
    return Promise.all([getAll("queue"), getAll("new_customers")]).then(function (stores) {
      var items = stores[0];
      var newCustomers = stores[1];
      items.sort(function (a, b) { return a.created_at < b.created_at ? -1 : 1; });
      var pending = items.filter(function (item) { return item.status === "pending"; });
      var problems = items.filter(function (item) { return item.status !== "pending"; });
      var customerProblems = newCustomers.filter(function (entry) { return entry.status !== "pending"; });
      // A customer registered here without a visit yet still waits to be sent: it is listed too.
      var withVisits = {};
      items.forEach(function (item) { if (item.fields.customer_client_id) { withVisits[item.fields.customer_client_id] = true; } });
      var lonelyCustomers = newCustomers.filter(function (entry) { return entry.status === "pending" && !withVisits[entry.client_id]; });
      pendingCount = items.length + newCustomers.length;
      bar.querySelector(".js-sync-count").textContent = text.textWaiting.replace("%s", pending.length + lonelyCustomers.length);
      var network = bar.querySelector(".js-sync-network");
      network.textContent = navigator.onLine ? text.textOnline : text.textOffline;
      network.className = "badge js-sync-network " + (navigator.onLine ? "text-bg-success" : "text-bg-warning");
      bar.querySelector(".js-sync-now").hidden = !(navigator.onLine && (pending.length || lonelyCustomers.length));

      var pendingList = bar.querySelector(".js-sync-pending");
      pendingList.replaceChildren();
      lonelyCustomers.forEach(function (entry) {
        var row = el("li", "list-group-item small js-pending-customer", entry.fields.unit_name + " · " + text.textNewOnPhone);
        row.dataset.clientId = entry.client_id;
        pendingList.appendChild(row);
      });
      pending.forEach(function (item) { pendingList.appendChild(pendingRow(item)); });
      bar.querySelector(".js-sync-pending-box").hidden = !(pending.length || lonelyCustomers.length);

      var problemList = bar.querySelector(".js-sync-problems");
      problemList.replaceChildren();
      customerProblems.forEach(function (entry) { problemList.appendChild(customerProblemRow(entry, items)); });
      problems.forEach(function (item) { problemList.appendChild(problemRow(item)); });
      bar.querySelector(".js-sync-problems-box").hidden = !(problems.length || customerProblems.length);
    });
  }
  function when(item) { return new Date(item.fields.visited_at).toTimeString().slice(0, 5); }
  function pendingRow(item) {
    var row = el("li", "list-group-item small js-pending-item");
    row.dataset.clientId = item.client_id;
    row.appendChild(el("div", "fw-semibold", item.customer_name + " · " + when(item)));
    var group = el("div", "intent-buttons mt-1");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", text.textRate);
    ["A", "B", "C", "D"].forEach(function (code) {
      var button = el("button", "btn btn-sm " + (item.fields.intent === code ? "btn-primary" : "btn-outline-primary"), code);
      button.type = "button";
      button.addEventListener("click", function () {
        item.fields.intent = code;
        put("queue", item).then(render);
      });
      group.appendChild(button);
    });
    row.appendChild(group);
    return row;
  }
  function problemRow(item) {
    var row = el("li", "list-group-item small js-problem-item");
    row.dataset.clientId = item.client_id;
    row.dataset.reason = item.reason || item.status;
    row.appendChild(el("div", "fw-semibold", item.customer_name + " · " + when(item)));
    (item.messages || []).forEach(function (message) { row.appendChild(el("div", "text-danger", message)); });
    var actions = el("div", "d-flex gap-2 mt-1");
    if (item.reason === "customer_changed") {
      var again = el("button", "btn btn-sm btn-outline-primary", text.textSendAnyway);
      again.type = "button";
      again.addEventListener("click", function () {
        item.fields.accept_changes = true;
        item.status = "pending";
        item.messages = [];
        put("queue", item).then(render).then(sync);
      });
      actions.appendChild(again);
    } else if (item.status === "invalid" || item.reason === "customer_not_registered") {
      // Whatever the server refused (a rule the phone does not know): shown above, kept, tried again on request.
      var retry = el("button", "btn btn-sm btn-outline-primary js-retry", text.textRetry);
      retry.type = "button";
      retry.addEventListener("click", function () {
        item.status = "pending";
        item.messages = [];
        put("queue", item).then(render).then(sync);
      });
      actions.appendChild(retry);
    }
    var discard = el("button", "btn btn-sm btn-outline-danger", text.textDiscard);
    discard.type = "button";
    discard.addEventListener("click", function () {
      if (window.confirm(text.textConfirmDiscard)) { remove("queue", item.client_id).then(render); }
    });
    actions.appendChild(discard);
    row.appendChild(actions);
    return row;
  }

  // A customer registered on the phone that the server did not store: already registered (offered
  // instead), held by a colleague, or refused. Its visits wait on the phone until the user decides.
  function customerProblemRow(entry, items) {
    var row = el("li", "list-group-item small js-new-customer-problem");
    row.dataset.clientId = entry.client_id;
    row.dataset.status = entry.status;
    row.appendChild(el("div", "fw-semibold", entry.fields.unit_name));
    (entry.messages || []).forEach(function (message) { row.appendChild(el("div", "text-danger", message)); });
    var waiting = items.filter(function (item) { return item.fields.customer_client_id === entry.client_id; });
    if (waiting.length) { row.appendChild(el("div", "text-body-secondary", text.textVisitsWaiting.replace("%s", waiting.length))); }
    var actions = el("div", "d-flex flex-wrap gap-2 mt-1");
    if (entry.status === "duplicate" && entry.existing) {
      var use = el("button", "btn btn-sm btn-primary js-use-existing", text.textUseExisting);
      use.type = "button";
      use.addEventListener("click", function () { useExisting(entry, waiting); });
      actions.appendChild(use);
    } else if (entry.status === "invalid") {
      var retry = el("button", "btn btn-sm btn-outline-primary js-retry", text.textRetry);
      retry.type = "button";
      retry.addEventListener("click", function () {
        entry.status = "pending";
        entry.messages = [];
        put("new_customers", entry).then(render).then(sync);
      });
      actions.appendChild(retry);
    }
    var discard = el("button", "btn btn-sm btn-outline-danger js-discard-customer", text.textDiscard);
    discard.type = "button";
    discard.addEventListener("click", function () {
      if (!window.confirm(text.textConfirmDiscardCustomer)) { return; }
      Promise.all(waiting.map(function (item) { return remove("queue", item.client_id); }))
        .then(function () { return remove("new_customers", entry.client_id); })
        .then(render);
    });
    actions.appendChild(discard);
    row.appendChild(actions);
    return row;
  }
  // "Use this customer": the visits registered with it go to the customer already on the server.
  function useExisting(entry, waiting) {
    return Promise.all(waiting.map(function (item) {
      delete item.fields.customer_client_id;
      item.fields.customer = entry.existing.id;
      item.fields.customer_version = entry.existing.version;
      item.customer_name = entry.existing.name;
      item.status = "pending";
      item.messages = [];
      return put("queue", item);
    })).then(function () { return remove("new_customers", entry.client_id); }).then(render).then(sync);
  }

  // --- sending ---------------------------------------------------------------------------------
  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    var sent = 0;
    var registered = 0;
    return Promise.all([getAll("queue"), getAll("new_customers")]).then(function (stores) {
      var newCustomers = stores[1];
      var customerBatch = newCustomers.filter(function (entry) { return entry.status === "pending"; }).slice(0, BATCH);
      var onHold = {};
      var onPhone = {};
      newCustomers.forEach(function (entry) {
        onPhone[entry.client_id] = true;
        if (entry.status !== "pending") { onHold[entry.client_id] = true; }
      });
      // A visit whose new customer waits for the user's decision is not sent (the server would refuse it).
      var batch = stores[0].filter(function (item) {
        return item.status === "pending" && !onHold[item.fields.customer_client_id];
      }).slice(0, BATCH);
      if (!batch.length && !customerBatch.length) { return null; }
      var body = new FormData();
      // One request, customers first: the server stores them before the visits that name them.
      body.append("customers", JSON.stringify(customerBatch.map(function (entry) {
        return Object.assign({ client_id: entry.client_id }, entry.fields);
      })));
      body.append("items", JSON.stringify(batch.map(function (item) {
        return Object.assign({ client_id: item.client_id }, item.fields);
      })));
      batch.forEach(function (item) {
        (item.photos || []).forEach(function (photo, index) {
          body.append("photos-" + item.client_id, photo, photo.name || ("photo-" + index + ".jpg"));
        });
        // Taken with the camera (visit_camera.js): the server labels the others "from gallery".
        (item.camera_photos || []).forEach(function (photo, index) {
          body.append("camera_photos-" + item.client_id, photo, photo.name || ("camera-" + index + ".jpg"));
        });
      });
      return fetch(text.syncUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("sync refused: " + response.status); }
        return response.json();
      }).then(function (answer) {
        var customersById = {};
        customerBatch.forEach(function (entry) { customersById[entry.client_id] = entry; });
        var customerWork = (answer.customers || []).map(function (result) {
          var entry = customersById[result.client_id];
          if (!entry) { return null; }
          // Stored (or routed to a colleague: stored all the same, its visits say why they cannot follow).
          if (result.status === "registered" || result.status === "routed_elsewhere") {
            registered += 1;
            return remove("new_customers", entry.client_id);
          }
          entry.status = result.status;
          entry.existing = result.existing || null;
          entry.messages = result.messages || [];
          return put("new_customers", entry);
        });
        var byId = {};
        batch.forEach(function (item) { byId[item.client_id] = item; });
        return Promise.all(customerWork.concat(answer.results.map(function (result) {
          var item = byId[result.client_id];
          if (!item) { return null; }
          if (result.status === "created" || result.status === "duplicate") {
            sent += 1;
            return remove("queue", item.client_id);
          }
          if (result.reason === "customer_not_registered" && onPhone[item.fields.customer_client_id]) {
            // Its customer is on the phone still (held for a decision, or not sent yet): it waits with it.
            return null;
          }
          item.status = result.status;
          item.reason = result.reason || result.status;
          item.messages = result.messages || [];
          return put("queue", item);
        })));
      });
    }).then(function () {
      // The customers just registered belong in the phone's copy, to be found offline next time.
      if (registered) { refreshCustomerCopy(true); }
      if (sent) {
        say(text.textSent.replace("%s", sent), "success");
        if (window.location.pathname === text.todayUrl) { window.location.reload(); }
      }
    }).catch(function () { /* still no connection, or logged out: the entries stay queued */ })
      .then(function () { syncing = false; return render(); });
  }

  // --- the copy of the salesperson's customers -------------------------------------------------
  function refreshCustomerCopy(force) {
    if (!navigator.onLine) { return Promise.resolve(); }
    return getOne("meta", "customers").then(function (meta) {
      if (!force && meta && Date.now() - meta.at < COPY_MAX_AGE_MS) { return null; }
      return fetch(text.customersUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
        .then(function (body) {
          return run("customers", "readwrite", function (store) {
            store.clear();
            body.customers.forEach(function (customer) { store.put(customer); });
          }).then(function () { return put("meta", { key: "customers", at: Date.now(), count: body.customers.length }); });
        });
    }).catch(function () { /* keep the last copy */ });
  }
  function customerById(id) { return getOne("customers", Number(id)); }

  // The copy belongs to one user: another login on this phone starts from nothing.
  function checkOwner() {
    return getOne("meta", "owner").then(function (meta) {
      if (meta && meta.user === text.user) { return null; }
      return (meta ? wipe() : Promise.resolve()).then(function () { return put("meta", { key: "owner", user: text.user }); });
    });
  }

  // --- the visit form without signal -----------------------------------------------------------
  var form = document.querySelector(".js-visit-form");
  function renderLocalResults(query) {
    var target = document.getElementById("customer-results");
    if (!target) { return; }
    var needle = query.trim().toLowerCase();
    getAll("customers").then(function (customers) {
      var found = customers.filter(function (c) {
        return needle && ((c.name || "").toLowerCase().indexOf(needle) !== -1 || (c.district || "").indexOf(needle) !== -1);
      }).slice(0, 8);
      var grid = el("div", "d-grid gap-2");
      found.forEach(function (c, index) {
        var input = el("input", "btn-check");
        input.type = "radio"; input.name = "customer"; input.value = c.id; input.id = "offline-customer-" + c.id;
        if (found.length === 1 && index === 0) { input.checked = true; }
        var label = el("label", "btn btn-outline-primary text-start tap", c.name + (c.district ? " · " + c.district : ""));
        label.htmlFor = input.id;
        grid.appendChild(input); grid.appendChild(label);
      });
      if (needle && !found.length) { grid.appendChild(el("p", "small text-body-secondary mb-0", text.textNoMatch)); }
      target.replaceChildren(grid);
    });
  }
  if (form) {
    var search = document.getElementById("customer-search");
    if (search) {
      search.addEventListener("input", function () { if (!navigator.onLine) { renderLocalResults(search.value); } });
    }
    form.addEventListener("submit", function (event) {
      var chosen = form.querySelector('input[name="customer"]:checked');
      // A customer registered on this phone exists only here: its visit is queued even with signal.
      if (navigator.onLine && !(chosen && chosen.value.indexOf(NEW_PREFIX) === 0)) { return; }
      event.preventDefault();
      var data = new FormData(form);
      var button = form.querySelector(".js-submit-once");
      // visits.js disables the button on submit; here the page stays, so it comes back.
      function enable() { window.setTimeout(function () { if (button) { button.disabled = false; } }, 50); }
      enable();
      var customerId = data.get("customer");
      if (!customerId) { say(text.textChoose, "danger"); return; }
      var photos = data.getAll("photos").filter(function (file) { return file && file.size > 0; });
      var cameraPhotos = data.getAll("camera_photos").filter(function (file) { return file && file.size > 0; });
      var newCustomerId = customerId.indexOf(NEW_PREFIX) === 0 ? customerId.slice(NEW_PREFIX.length) : null;
      var found = newCustomerId ? getOne("new_customers", newCustomerId).then(function (entry) {
        return entry ? { name: entry.fields.unit_name, version: null } : null;
      }) : customerById(customerId);
      found.then(function (customer) {
        var label = form.querySelector('label[for="' + (form.querySelector('input[name="customer"]:checked') || {}).id + '"]');
        var item = {
          client_id: data.get("client_id") || uuid4(),
          created_at: new Date().toISOString(),
          status: "pending",
          customer_name: customer ? customer.name : (label ? label.textContent.trim() : "#" + customerId),
          photos: photos,
          camera_photos: cameraPhotos,
          fields: {
            customer: newCustomerId ? null : Number(customerId),
            customer_client_id: newCustomerId,
            customer_version: customer ? customer.version : null,
            kind: data.get("kind") || "first",
            visited_at: new Date().toISOString(),
            materials: data.getAll("materials"),
            talking_points: data.getAll("talking_points"),
            notes: data.get("notes") || "",
            far_reason: data.get("far_reason") || "",
            next_step: data.get("next_step") || "",
            next_step_on: data.get("next_step_on") || null,
            latitude: data.get("latitude") || null,
            longitude: data.get("longitude") || null,
            accuracy_m: data.get("accuracy_m") ? Number(data.get("accuracy_m")) : null,
            intent: ""
          }
        };
        return put("queue", item);
      }).then(function () {
        var keep = { latitude: form.elements.latitude.value, longitude: form.elements.longitude.value, accuracy_m: form.elements.accuracy_m.value };
        form.reset();
        form.elements.client_id.value = uuid4();
        Object.keys(keep).forEach(function (name) { form.elements[name].value = keep[name]; });
        var results = document.getElementById("customer-results");
        if (results) { results.replaceChildren(); }
        say(text.textSaved, "success");
        enable();
        window.scrollTo(0, 0);
        return render().then(sync);
      });
    }, true);
  }

  // --- a new customer registered at the door without signal --------------------------------------
  // The quick registration cannot reach the server: the customer is kept on the phone under an id
  // made here and comes back selected, as online; the server registers it (or offers the customer
  // already registered) when the visit is synced.
  function registerOffline() {
    var box = document.getElementById("quick-customer");
    var target = document.getElementById("customer-results");
    if (!box || !target) { return; }
    var fields = {};
    box.querySelectorAll("input[name]").forEach(function (input) { fields[input.name] = input.value.trim(); });
    if (!fields.unit_name) { say(text.textNeedName, "danger"); return; }
    var entry = { client_id: uuid4(), created_at: new Date().toISOString(), status: "pending", fields: fields };
    put("new_customers", entry).then(function () {
      var input = el("input", "btn-check");
      input.type = "radio"; input.name = "customer"; input.value = NEW_PREFIX + entry.client_id;
      input.id = "new-customer-" + entry.client_id; input.checked = true; input.required = true;
      var label = el("label", "btn btn-outline-primary text-start tap", fields.unit_name + (fields.district ? " · " + fields.district : ""));
      label.htmlFor = input.id;
      label.appendChild(el("span", "badge text-bg-warning ms-1", text.textNewOnPhone));
      var grid = el("div", "d-grid gap-2");
      grid.appendChild(input); grid.appendChild(label);
      target.replaceChildren(el("div", "alert alert-success py-2 small", text.textRegisteredOnPhone), grid);
      box.querySelectorAll("input[name]").forEach(function (field) { field.value = ""; });
      box.open = false;
      return render();
    });
  }

  // htmx cannot reach the server without signal: the search above answers from the phone's copy.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (navigator.onLine || !event.detail.elt) { return; }
    if (event.detail.elt.id === "customer-search") { event.preventDefault(); }
    if (event.detail.elt.classList.contains("js-register-customer")) { event.preventDefault(); registerOffline(); }
  });
  // "Online" but the request never arrived (a dead zone the phone has not noticed): kept here too,
  // never lost without a word. Should it have arrived after all, the sync offers the stored customer.
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt && event.detail.elt.classList.contains("js-register-customer")) { registerOffline(); }
  });

  // --- logout clears the offline copy ----------------------------------------------------------
  document.addEventListener("submit", function (event) {
    if (!event.target.classList.contains("js-logout-form")) { return; }
    if (pendingCount && !window.confirm(text.textConfirmLogout)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("crm:logout", function () { wipe(); });

  // --- start -----------------------------------------------------------------------------------
  function warmPages() {
    if (!navigator.serviceWorker) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) { registration.active.postMessage({ type: "warm", urls: text.warmUrls.split(" ") }); }
    });
  }
  window.addEventListener("online", function () { render().then(sync).then(function () { return refreshCustomerCopy(false); }); });
  window.addEventListener("offline", function () { say(text.textOffline, "warning"); render(); });
  bar.querySelector(".js-sync-now").addEventListener("click", sync);
  checkOwner().then(render).then(function () {
    if (!navigator.onLine) { say(text.textOffline, "warning"); return null; }
    warmPages();
    return sync().then(function () { return refreshCustomerCopy(false); });
  });
})();
