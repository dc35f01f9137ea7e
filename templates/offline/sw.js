/* gridgov's service worker, version {{ version }} (rendered by gridgov/offline.py; docs/offline.md).

   - The app shell (scripts, styles, icons) is fetched at install into a cache named by the
     version; static files are then served from it (cache first) and a new version drops it.
   - Pages: network first (4 s), else the copy kept from the last visit; the pages a user works
     with offline are fetched into the cache when a page asks ("warm"), so they open with no signal
     even before she visited them. Only 200 answers that were not redirected (to the login page)
     are kept. Signing out clears the pages and API answers kept (a shared phone).
   - The base map (grids/base_layer.py) is kept with the API answers, served from the cache at
     once and refreshed behind (it changes with a published revision only); "warm" fetches it too.
   - The outbox (outbox.js) is sent here too on a Background Sync event. */
importScripts("{{ workbox_sw|escapejs }}");
workbox.setConfig({ modulePathPrefix: "{{ workbox|escapejs }}", debug: false });
importScripts("{{ outbox|escapejs }}");

var VERSION = "{{ version }}";
var SHELL = {{ shell|safe }};
var STATIC_PREFIX = "{{ static_prefix|escapejs }}";
var BASE_MAP = "{{ base_map|escapejs }}";
var SHELL_CACHE = "gridgov-shell-" + VERSION, PAGES = "gridgov-pages", API = "gridgov-api";
var routing = workbox.routing, strategies = workbox.strategies, expiration = workbox.expiration;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("gridgov-shell-") === 0 && k !== SHELL_CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// Keep only whole pages of this user: a redirect to the login page or an error is not kept.
var onlyGood = { cacheWillUpdate: function (arg) { var r = arg.response; return r && r.status === 200 && !r.redirected ? r : null; } };
var looseMatch = { ignoreVary: true };

routing.registerRoute(function (arg) { return arg.url.origin === self.location.origin && arg.url.pathname.indexOf(STATIC_PREFIX) === 0; },
  new strategies.CacheFirst({ cacheName: SHELL_CACHE, matchOptions: looseMatch,
    plugins: [onlyGood, new expiration.ExpirationPlugin({ maxEntries: 300 })] }));

routing.registerRoute(function (arg) { return arg.request.mode === "navigate" && arg.url.origin === self.location.origin; },
  new strategies.NetworkFirst({ cacheName: PAGES, networkTimeoutSeconds: 4, matchOptions: looseMatch,
    plugins: [onlyGood, new expiration.ExpirationPlugin({ maxEntries: 60 })] }));

// The areas the pages outline (her cells, the community's grid): kept for the maps offline.
routing.registerRoute(function (arg) { return arg.url.origin === self.location.origin && arg.url.pathname.indexOf("/api/v1/areas/") === 0; },
  new strategies.NetworkFirst({ cacheName: API, networkTimeoutSeconds: 4, matchOptions: looseMatch,
    plugins: [onlyGood, new expiration.ExpirationPlugin({ maxEntries: 60 })] }));

// The base map under every map: the cached copy at once (offline too), refreshed in the background.
routing.registerRoute(function (arg) { return arg.url.origin === self.location.origin && arg.url.pathname === BASE_MAP; },
  new strategies.StaleWhileRevalidate({ cacheName: API, matchOptions: looseMatch,
    plugins: [onlyGood, new expiration.ExpirationPlugin({ maxEntries: 60 })] }));

// A page neither on the network nor kept: the outbox page, which works offline, says what waits.
routing.setCatchHandler(function (arg) {
  if (arg.request.mode !== "navigate") return Response.error();
  return caches.open(PAGES).then(function (cache) {
    return cache.match("/offline/outbox/", looseMatch).then(function (page) {
      return page || cache.match("/", looseMatch);
    });
  }).then(function (page) {
    return page || new Response("<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'><p>离线 · Offline</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
});

function keepBaseMap() {
  return caches.open(API).then(function (cache) {
    return fetch(BASE_MAP, { credentials: "same-origin" }).then(function (r) {
      if (r.status === 200 && !r.redirected) return cache.put(BASE_MAP, r);
    }).catch(function () { /* offline: the copy already kept stays */ });
  });
}

function warm(urls) {
  var pages = caches.open(PAGES).then(function (cache) {
    return Promise.all((urls || []).map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (r.status === 200 && !r.redirected) return cache.put(url, r);
      }).catch(function () { /* offline: the pages already kept stay */ });
    }));
  });
  return Promise.all([pages, keepBaseMap()]);
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "warm") event.waitUntil(warm(data.urls));
  if (data.type === "clear") event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(API)]));
  if (data.type === "drain") event.waitUntil(GridgovOutbox.drain());
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "gridgov-outbox") return;
  event.waitUntil(GridgovOutbox.drain().then(function (result) {
    // Rejecting asks the browser to fire the sync again later.
    if (result.stopped && !result.signin) throw new Error("the outbox could not be sent yet");
  }));
});
