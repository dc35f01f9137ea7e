/* The patrol page. The start, every track point (watchPosition, at most one per 10 s), each check-in
   and the end go into the outbox (static/gridgov/outbox.js) with ids made here, and are sent from
   there in order — also from other pages, and after a reload or a restart of the phone.

   The running patrol lives on the phone too (the outbox's meta "patrol:<user>": its client id,
   its server id once the start has been sent, when it started) with every point recorded here,
   so the whole track is drawn again after a reload: the server's points (rendered into the page)
   joined with this phone's, the ones not sent yet shown as waiting. Her cells are outlined from
   the page itself (no request), and the map is built only once its panel is shown. */
(function () {
  "use strict";
  var root = document.getElementById("patrol");
  if (!root) return;
  var O = window.GridgovOutbox;
  var M = gridgov.maps;
  var t = JSON.parse(document.getElementById("patrol-i18n").textContent);
  var serverTrack = JSON.parse(document.getElementById("patrol-track").textContent);
  var cells = JSON.parse(document.getElementById("patrol-cells").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var user = document.body.dataset.outboxUser || "";
  // A point every 10 s; the points wait on the phone and go as one batch every
  // GRIDGOV_PATROL_SEND_SECONDS (data-send-seconds, default 30). The start, check-ins and the end go at once.
  var MIN_INTERVAL_MS = 10000, SEND_MS = (Number(root.dataset.sendSeconds) || 30) * 1000;
  var KEY = "patrol:" + user;
  var current = null;      // {cid, id, started}
  var track = {};          // point id → [lat, lng, id, at ms]
  var waiting = {};        // point ids still in the outbox
  var lastAt = 0, watchId = null, timers = [];
  var map = null, line = null, waitingLayer = null, lastMarker = null;

  function fmt(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, k) { return values && k in values ? values[k] : ""; });
  }
  function url(name) { return root.dataset[name]; }

  // --- the map, built when its panel is visible ---------------------------------------------------
  function ensureMap() {
    if (map || !window.L) return;
    map = M.create("trackmap", { zoom: 15 });
    M.areas(map, root.dataset.areas, "grid", root.dataset.communities, { style: { weight: 1, fillOpacity: 0.04, color: "#7a9a85" }, labels: true });
    var mine = L.geoJSON(cells, {
      style: { color: M.colours.grid, weight: 3, fillOpacity: 0.08 },
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name + " " + f.properties.code, { sticky: true }); }
    }).addTo(map);
    line = L.polyline([], { color: "#b3261e", weight: 4 }).addTo(map);
    waitingLayer = L.layerGroup().addTo(map);
    var points = ordered();
    if (points.length) map.fitBounds(L.latLngBounds(points.map(function (p) { return [p[0], p[1]]; })).pad(0.2), { maxZoom: 17 });
    else if (mine.getLayers().length) map.fitBounds(mine.getBounds(), { padding: [10, 10] });
    // The panel was just shown: let Leaflet measure it (a map built hidden draws at 0 × 0).
    requestAnimationFrame(function () { map.invalidateSize(); });
  }

  function ordered() {
    return Object.keys(track).map(function (k) { return track[k]; }).sort(function (a, b) { return a[3] - b[3]; });
  }

  var drawPending = false;
  function draw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(function () {
      drawPending = false;
      var points = ordered();
      if (line) {
        line.setLatLngs(points.map(function (p) { return [p[0], p[1]]; }));
        waitingLayer.clearLayers();
        points.forEach(function (p) {
          if (waiting[p[2]]) L.circleMarker([p[0], p[1]], { radius: 4, color: "#6b7280", weight: 2, fillColor: "#fff", fillOpacity: 1, className: "point-waiting" }).addTo(waitingLayer);
        });
        if (points.length) {
          var last = points[points.length - 1];
          if (!lastMarker) lastMarker = L.circleMarker([last[0], last[1]], { radius: 7, color: "#fff", weight: 2, fillColor: "#0b57d0", fillOpacity: 1 }).addTo(map);
          else lastMarker.setLatLng([last[0], last[1]]);
        }
      }
      $("count").textContent = String(points.length);
      var n = Object.keys(waiting).length;
      $("pending").textContent = String(n);
      $("waiting-legend").hidden = n === 0;
    });
  }

  function tick() {
    if (!current) return;
    var s = Math.max(0, Math.round((Date.now() - new Date(current.started).getTime()) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    $("elapsed").textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(sec).padStart(2, "0");
  }

  // --- what the phone knows ------------------------------------------------------------------------
  function saveTrack() { return O.setMeta("track:" + current.cid, ordered()); }

  function loadState() {
    return O.meta(KEY).then(function (local) {
      if (local && local.cid) return local;
      if (!root.dataset.patrol) return null;
      // Started on the server (another page, an older version): keyed by its server id.
      var cid = "srv-" + root.dataset.patrol;
      var state = { cid: cid, id: Number(root.dataset.patrol), started: root.dataset.started };
      return O.meta("ids").then(function (ids) {
        ids = ids || {};
        ids[cid] = state.id;
        return O.setMeta("ids", ids);
      }).then(function () { return O.setMeta(KEY, state); }).then(function () { return state; });
    });
  }

  function loadTrack() {
    track = {};
    serverTrack.forEach(function (p) { track[p[2]] = p; });
    return Promise.all([O.meta("track:" + current.cid), O.all()]).then(function (values) {
      (values[0] || []).forEach(function (p) { track[p[2]] = p; });
      waiting = {};
      values[1].forEach(function (m) {
        if (m.kind === "points" && m.patrol === current.cid) {
          waiting[m.id] = true;
          var j = m.json;
          if (!track[m.id]) track[m.id] = [j.lat, j.lng, m.id, Date.parse(j.at)];
        }
      });
    });
  }

  // --- recording -----------------------------------------------------------------------------------
  function item(kind, json, id) {
    var path = { "points": "pointsUrl", "checkin": "checkinUrl", "patrol-end": "endUrl" }[kind];
    return { id: id || O.uuid(), kind: kind, patrol: current.cid, url: url(path), json: json };
  }

  var lastFix = null;  // {pos, got}: the watch's latest fix, and when it came
  function record(pos) {
    var now = Date.now();
    lastFix = { pos: pos, got: now };
    $("gps").textContent = fmt(t.gps_ok, { m: Math.round(pos.coords.accuracy || 0) });
    $("gps").className = "loc";
    if (now - lastAt < MIN_INTERVAL_MS || !current) return;
    lastAt = now;
    var id = O.uuid();
    var point = { id: id, at: new Date(pos.timestamp || now).toISOString(), lat: pos.coords.latitude,
                  lng: pos.coords.longitude, accuracy: pos.coords.accuracy || null };
    track[id] = [point.lat, point.lng, id, Date.parse(point.at)];
    waiting[id] = true;
    O.add(item("points", point, id)).then(saveTrack);
    if (map) M.focus(map, [point.lat, point.lng]);
    draw();
  }

  function gpsFailed(error) {
    $("gps").className = "loc error";
    $("gps").textContent = M.locateError(error, t);
  }

  function watch() {
    if (!navigator.geolocation) { gpsFailed(null); return; }
    watchId = navigator.geolocation.watchPosition(record, gpsFailed, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  }

  function showRunning() {
    $("idle").hidden = true;
    $("running").hidden = false;
    ensureMap();
    draw();
  }

  function begin() {
    showRunning();
    watch();
    tick();
    timers.push(setInterval(tick, 1000));
    timers.push(setInterval(function () { gridgov.outbox.drain(); }, SEND_MS));
  }

  function stop() {
    if (watchId !== null && navigator.geolocation) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    timers.forEach(clearInterval);
    timers = [];
  }

  O.on(function (message) {
    var m = message.item;
    if (!current || !m || m.patrol !== current.cid) return;
    if (message.type === "sent" && m.kind === "points") {
      delete waiting[m.id];
      if (message.body && message.body.distance_m !== undefined) $("distance").textContent = Math.round(message.body.distance_m) + " m";
      draw();
    }
    if (message.type === "sent" && m.kind === "checkin" && message.body && message.body.outside_own_cells) {
      // Kept, but the worker should know her community sees it as outside her cells.
      $("message").className = "warning";
      $("message").textContent = t.checked_in_outside;
    }
    if (message.type === "sent" && m.kind === "patrol-start" && message.body && message.body.id) {
      current.id = message.body.id;
      O.setMeta(KEY, current);
    }
    if (message.type === "refused") {
      $("message").className = "error";
      $("message").textContent = fmt(t.refused, { reason: m.error });
    }
  });

  $("start") && $("start").addEventListener("click", function () {
    var cid = O.uuid();
    current = { cid: cid, id: null, started: new Date().toISOString() };
    track = {};
    waiting = {};
    // The start is in the outbox before the first point, so it goes first.
    O.setMeta(KEY, current).then(function () {
      return gridgov.outbox.add({ id: cid, kind: "patrol-start", url: url("startUrl"), json: { client_id: cid },
                                  label: new Date().toLocaleTimeString() });
    }).then(begin);
  });

  // A check-in takes the watch's fix when it is a few seconds old (the watch only gives fresh ones),
  // else asks for a fresh one.
  function freshFix(onFound, onFail) {
    if (lastFix && Date.now() - lastFix.got < 15000) return onFound(lastFix.pos);
    M.locate(onFound, onFail);
  }

  $("checkin") && $("checkin").addEventListener("click", function () {
    freshFix(function (pos) {
      var id = O.uuid();
      var at = new Date();
      // "Checked in" only once the check-in is stored on the phone: leaving the page (or a reload)
      // in between would otherwise lose it while the page said it was kept.
      gridgov.outbox.add(item("checkin", { client_id: id, lat: pos.coords.latitude, lng: pos.coords.longitude,
                                           at: at.toISOString(), note: "" }, id)).then(function () {
        $("message").className = "muted";
        $("message").textContent = fmt(t.checked_in, { time: at.toLocaleTimeString() });
        if (map) L.circleMarker([pos.coords.latitude, pos.coords.longitude], { radius: 7, color: "#0b57d0" }).addTo(map);
      });
    }, gpsFailed);
  });

  $("end") && $("end").addEventListener("click", function () {
    if (!window.confirm(t.confirm_end)) return;
    stop();
    var ending = current;
    var end = item("patrol-end", {});
    $("message").className = "muted";
    $("message").textContent = t.ending;
    var done = false;
    O.on(function (message) {
      if (done || message.type !== "sent" || !message.item || message.item.id !== end.id) return;
      done = true;
      var id = ending.id || (message.body && message.body.id);
      if (id) window.location.href = url("summaryUrl").replace("/0/", "/" + id + "/");
    });
    O.setMeta(KEY, null).then(function () { return gridgov.outbox.add(end); }).then(function () {
      current = null;
      setTimeout(function () {
        if (done) return;
        // Not sent yet (no signal): the patrol ends on the server when the outbox gets through.
        $("running").hidden = true;
        $("idle").hidden = false;
        $("message").textContent = t.end_offline;
      }, 3000);
    });
  });

  loadState().then(function (state) {
    current = state;
    if (!current) return;
    return loadTrack().then(begin);
  });
})();
