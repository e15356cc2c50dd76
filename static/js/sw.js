// Service worker: keeps the app shell for when there is no signal.
// Pages are fetched from the network first; without a connection the last copy of the
// page (or the offline page) is shown. The field pages (my day, log a visit, today's route) are
// fetched once when asked ("warm"), so they open offline even before they were visited.
// Logging out clears every cached page; pages sent with Cache-Control: no-store are never kept. Entries logged offline live in IndexedDB (offline.js).
"use strict";
const SHELL_CACHE = "crm-shell-v3"; // v3: offline.js keeps customers registered without signal
const PAGE_CACHE = "crm-pages-v2";
const SHELL = /*SHELL*/[];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== SHELL_CACHE && k !== PAGE_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "logout") {
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
  if (event.data && event.data.type === "warm" && Array.isArray(event.data.urls)) {
    event.waitUntil(caches.open(PAGE_CACHE).then((cache) => Promise.all(event.data.urls.map((url) =>
      fetch(url, { credentials: "same-origin", redirect: "manual" })
        .then((response) => { if (response.ok && response.type === "basic") { return cache.put(url, response); } })
        .catch(() => undefined)
    ))));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          // no-store: pages that must not outlive the request (the two-step set-up shows its secret key).
          if (response.ok && !response.redirected && !/no-store/.test(response.headers.get("Cache-Control") || "")) {
            const copy = response.clone();
            caches.open(PAGE_CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request, { ignoreVary: true })
          .then((cached) => cached || caches.match(request, { ignoreSearch: true, ignoreVary: true }))
          .then((cached) => cached || caches.match("/offline/")))
    );
    return;
  }
  if (SHELL.includes(new URL(request.url).pathname)) {
    event.respondWith(caches.match(request).then((cached) => cached || fetch(request)));
  }
});
