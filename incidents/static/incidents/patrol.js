/* The patrol page: a track recorded with watchPosition, points queued in localStorage with ids made
   here and sent in batches (a batch sent twice is stored once), check-ins, and the end. */
(function () {
  "use strict";
  var root = document.getElementById("patrol");
  if (!root) return;
  var O = window.gridgovOffline;
  var H = gridgov.http, M = gridgov.maps;
  var t = JSON.parse(document.getElementById("patrol-i18n").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var MIN_INTERVAL_MS = 5000, FLUSH_MS = 10000, BATCH = 500;
  var patrolId = root.dataset.patrol || "";
  var started = root.dataset.started ? new Date(root.dataset.started) : null;
  var lastAt = 0, watchId = null, recorded = 0, timer = null;

  function key(kind) { return "gridgov-patrol-" + patrolId + "-" + kind; }
  function load(kind) { try { return JSON.parse(localStorage.getItem(key(kind)) || "[]"); } catch (e) { return []; } }
  function save(kind, items) { localStorage.setItem(key(kind), JSON.stringify(items)); }
  function url(name) { return root.dataset[name].replace("/0/", "/" + patrolId + "/"); }

  var map = null, line = null;
  if (window.L) {
    map = M.create("trackmap", { zoom: 15 });
    line = L.polyline([], { color: "#b3261e", weight: 4 }).addTo(map);
    M.areas(map, root.dataset.areas, "grid", root.dataset.communities, {
      style: { weight: 1, fillOpacity: 0.08 }, fit: function () { return !line.getLatLngs().length; }
    });
  }

  function render() {
    $("pending").textContent = String(load("points").length);
    $("count").textContent = String(recorded);
    if (started) {
      var s = Math.max(0, Math.round((Date.now() - started.getTime()) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      $("elapsed").textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(sec).padStart(2, "0");
    }
  }

  function record(pos) {
    var now = Date.now();
    $("gps").textContent = O.fmt(t.gps_ok, { m: Math.round(pos.coords.accuracy || 0) });
    if (now - lastAt < MIN_INTERVAL_MS) return;
    lastAt = now;
    var point = { id: O.uuid(), at: new Date(pos.timestamp || now).toISOString(), lat: pos.coords.latitude,
                  lng: pos.coords.longitude, accuracy: pos.coords.accuracy || null };
    var points = load("points");
    points.push(point);
    save("points", points);
    recorded += 1;
    if (line) { line.addLatLng([point.lat, point.lng]); M.focus(map, [point.lat, point.lng]); }
    render();
  }

  function watch() {
    if (!navigator.geolocation) { $("gps").textContent = t.no_gps; return; }
    watchId = navigator.geolocation.watchPosition(record, function () { $("gps").textContent = t.no_gps; },
                                                  { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
  }

  var flushing = null;
  var again = false;  // asked to send while a send was out (the connection came back): send once more after it
  function flush() {
    if (!patrolId) return Promise.resolve(true);
    if (flushing) { again = true; return flushing; }
    var points = load("points").slice(0, BATCH);
    var checkins = load("checkins");
    var chain = Promise.resolve(true);
    checkins.forEach(function (c) {
      chain = chain.then(function (ok) {
        if (!ok) return false;
        return H.send(url("checkinUrl"), { json: c }).then(function (res) {
          if (res.ok || (res.status >= 400 && res.status < 500)) {
            save("checkins", load("checkins").filter(function (x) { return x.client_id !== c.client_id; }));
            return true;
          }
          return false;
        });
      });
    });
    if (points.length) {
      chain = chain.then(function (ok) {
        if (!ok) return false;
        return H.send(url("pointsUrl"), { json: { points: points } }).then(function (res) {
          if (!res.ok) {
            $("message").textContent = res.offline ? t.offline : (res.body.detail || res.status);
            // A point the server refuses (named "points.N.field": a position outside the served
            // districts, a wrong clock) would block the queue for ever: it leaves the queue, the rest is sent.
            var named = res.status === 400 && res.body.errors && Object.keys(res.body.errors).join(" ").match(/^points\.(\d+)\./);
            if (named && points[Number(named[1])]) {
              var bad = points[Number(named[1])].id;
              save("points", load("points").filter(function (p) { return p.id !== bad; }));
              return load("points").length ? flushAgain() : true;
            }
            return false;
          }
          var sent = {};
          points.forEach(function (p) { sent[p.id] = true; });
          save("points", load("points").filter(function (p) { return !sent[p.id]; }));
          $("distance").textContent = Math.round(res.body.distance_m) + " m";
          $("message").textContent = "";
          return load("points").length ? flushAgain() : true;
        });
      });
    }
    flushing = chain.then(settle, function () { return settle(false); });
    return flushing;
  }
  function settle(ok) {
    flushing = null;
    render();
    if (again) { again = false; return flush(); }
    return ok;
  }
  function flushAgain() { flushing = null; return flush(); }

  function begin() {
    $("idle").hidden = true;
    $("running").hidden = false;
    if (!started) started = new Date();
    watch();
    timer = setInterval(function () { render(); flush(); }, FLUSH_MS);
    setInterval(render, 1000);
    flush();
    render();
  }

  $("start") && $("start").addEventListener("click", function () {
    H.send(root.dataset.startUrl, { json: { client_id: O.uuid() } }).then(function (res) {
      if (!res.ok) { $("message").textContent = O.fmt(t.start_failed, { reason: res.offline ? t.offline : (res.body.detail || res.status) }); return; }
      patrolId = String(res.body.id);
      started = new Date(res.body.started_at);
      root.dataset.patrol = patrolId;
      begin();
    });
  });

  $("checkin") && $("checkin").addEventListener("click", function () {
    M.locate(function (pos) {
      var items = load("checkins");
      items.push({ client_id: O.uuid(), lat: pos.coords.latitude, lng: pos.coords.longitude, at: new Date().toISOString(), note: "" });
      save("checkins", items);
      $("message").textContent = O.fmt(t.checked_in, { time: new Date().toLocaleTimeString() });
      if (map) L.circleMarker([pos.coords.latitude, pos.coords.longitude], { radius: 7, color: "#0b57d0" }).addTo(map);
      flush();
    }, function () { $("gps").textContent = t.no_gps; }, { maximumAge: 0 });
  });

  $("end") && $("end").addEventListener("click", function () {
    if (!window.confirm(t.confirm_end)) return;
    $("message").textContent = t.ending;
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    var attempt = function () {
      flush().then(function (ok) {
        if (!ok || load("points").length || load("checkins").length) { $("message").textContent = t.end_offline; return setTimeout(attempt, FLUSH_MS); }
        return H.send(url("endUrl"), { json: {} }).then(function (res) {
          if (!res.ok) { $("message").textContent = t.end_offline; return setTimeout(attempt, FLUSH_MS); }
          window.location.href = url("summaryUrl");
        });
      });
    };
    attempt();
  });

  window.addEventListener("online", flush);
  if (patrolId) begin();
})();
