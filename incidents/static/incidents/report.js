/* The report page: photo (made smaller on the phone, static/gridgov/photos.js), position (a fresh GPS fix with its accuracy circle, or a
   movable pin), class in two taps, nearby cases of the class. A report goes into the outbox
   (static/gridgov/outbox.js) with its photos, and is sent from there, from any page, by itself. */
(function () {
  "use strict";
  var form = document.getElementById("report");
  if (!form) return;
  var H = gridgov.http, M = gridgov.maps;
  var O = { fmt: function (text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, k) { return values && k in values ? values[k] : ""; });
  } };
  var t = JSON.parse(document.getElementById("report-i18n").textContent);
  var taxonomy = JSON.parse(document.getElementById("report-taxonomy").textContent);
  var MAX_PHOTOS = 6;
  var state = { photos: [], after: [], lat: null, lng: null, category: null, fix: null };
  var $ = function (id) { return document.getElementById(id); };

  // --- map and position ------------------------------------------------------------------
  var map = null, pin = null, circle = null;
  if (window.L) {
    map = M.create("pinmap", { zoomControl: true, zoom: 13 });
    window.gridgovReportMap = map;
    M.areas(map, form.dataset.areas, "grid", form.dataset.communities, {
      style: { weight: 1, fillOpacity: 0.08 }, fit: function () { return state.lat === null; }, labels: true
    });
    // Her cells, from the page itself: outlined with no signal too.
    var own = document.getElementById("report-cells");
    if (own) L.geoJSON(JSON.parse(own.textContent), { style: { color: M.colours.grid, weight: 3, fillOpacity: 0.05 }, interactive: false }).addTo(map);
    pin = M.pin(map, function (latlng) { state.fix = null; showCircle(); place(latlng.lat, latlng.lng, t.pinned); });
  }

  // The fix's accuracy on the map; a pin set by hand has none.
  function showCircle() {
    if (!map) return;
    if (circle) { map.removeLayer(circle); circle = null; }
    if (state.fix && state.fix.accuracy) {
      circle = L.circle([state.lat, state.lng], { radius: state.fix.accuracy, color: "#0b57d0", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(map);
    }
  }

  function place(lat, lng, message) {
    state.lat = lat; state.lng = lng;
    $("lat").value = lat.toFixed(7); $("lng").value = lng.toFixed(7);
    $("loc").textContent = message + " (" + lat.toFixed(6) + ", " + lng.toFixed(6) + ")";
    if (map) {
      pin.place([lat, lng]);
      M.focus(map, [lat, lng]);
    }
    lookup();
    loadNearby();
  }

  // Always a fresh fix (maximumAge 0): a cached one put a report at her previous spot.
  function locate() {
    $("loc").textContent = t.locating;
    $("loc").className = "loc";
    $("locate").disabled = true;
    M.locate(function (pos) {
      $("locate").disabled = false;
      state.fix = { accuracy: pos.coords.accuracy || null, at: new Date(pos.timestamp || Date.now()).toISOString() };
      place(pos.coords.latitude, pos.coords.longitude, O.fmt(t.located, { m: Math.round(pos.coords.accuracy || 0) }));
      showCircle();
    }, function (error) {
      $("locate").disabled = false;
      $("loc").className = "loc error";
      $("loc").textContent = M.locateError(error, t);
    });
  }
  $("locate").addEventListener("click", locate);

  function lookup() {
    H.request(form.dataset.lookup + "?lat=" + state.lat + "&lng=" + state.lng)
      .then(function (r) {
        if (r.status === 404) { $("cell").textContent = t.outside; return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (found) { if (found && found.grid) $("cell").textContent = O.fmt(t.cell, found.grid); })
      .catch(function () { $("cell").textContent = ""; });
  }

  // --- class in two taps -------------------------------------------------------------------
  function chip(label, onClick, extra) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (extra) b.className = extra;
    b.addEventListener("click", onClick);
    return b;
  }
  function pick(minor) {
    state.category = minor;
    $("picked").textContent = O.fmt(t.picked, { name: minor.name });
    document.querySelectorAll("#frequent button, #minors button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.code === minor.code));
    });
    if (minor.urgency) {
      var radio = form.querySelector("input[name=urgency][value=" + minor.urgency + "]");
      if (radio) radio.checked = true;
    }
    if ($("settle-box")) {
      $("settle-box").hidden = !minor.grid_resolvable;
      if (!minor.grid_resolvable) { $("settled").checked = false; $("settle-photo").hidden = true; }
    }
    loadNearby();
  }
  function showMajors() {
    $("minors").hidden = true;
    $("majors").hidden = false;
  }
  function showMinors(major) {
    var box = $("minors");
    box.innerHTML = "";
    box.appendChild(chip(t.back, showMajors, "back"));
    major.children.forEach(function (minor) {
      var b = chip(minor.name, function () { pick(minor); });
      b.dataset.code = minor.code;
      b.setAttribute("aria-pressed", String(!!state.category && state.category.code === minor.code));
      box.appendChild(b);
    });
    $("majors").hidden = true;
    box.hidden = false;
  }
  taxonomy.frequent.forEach(function (minor) {
    var b = chip("★ " + minor.name, function () { pick(minor); });
    b.dataset.code = minor.code;
    $("frequent").appendChild(b);
  });
  taxonomy.majors.forEach(function (major) { $("majors").appendChild(chip(major.name, function () { showMinors(major); })); });

  // --- nearby cases of the class -------------------------------------------------------------
  function loadNearby() {
    if (!state.category || state.lat === null) return;
    var url = form.dataset.nearby + "?lat=" + state.lat + "&lng=" + state.lng + "&category=" + encodeURIComponent(state.category.code);
    H.getJSON(url).then(function (body) {
      var list = $("nearby");
      list.innerHTML = "";
      $("nearby-box").hidden = false;
      $("nearby-title").textContent = body.results.length ? t.nearby_some : t.nearby_none;
      body.results.forEach(function (c) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = form.dataset.detail.replace("/0/", "/" + c.id + "/");
        a.textContent = "#" + c.id + " " + c.category.name + " · " + c.status_label + " · " + O.fmt(t.distance, { m: Math.round(c.distance_m) });
        li.appendChild(a);
        li.appendChild(chip(O.fmt(t.add_here, { id: c.id }), function () { addTo(c.id); }));
        list.appendChild(li);
      });
    }).catch(function () {});
  }

  function addTo(id) {
    var data = new FormData();
    data.append("note", $("description").value || "");
    state.photos.forEach(function (p, i) { data.append("photos", p.blob, "photo-" + i + ".jpg"); });
    H.send(form.dataset.action.replace("/0/", "/" + id + "/"), { body: data }).then(function (res) {
      if (res.ok) { reset(); $("result").className = "sent"; $("result").textContent = O.fmt(t.added, { id: id }); }
      else showError(res.offline ? t.offline : (res.body.detail || res.status));
    });
  }

  // --- photos, made smaller here (static/gridgov/photos.js) ----------------------------------
  // The photo's own EXIF (time, position) is read from the file first: the canvas keeps none.
  function withExif(file) {
    return gridgov.photos.withExif(file, { onError: function () { showError(t.photo_failed); } });
  }
  $("photo").addEventListener("change", function (e) {
    var files = Array.prototype.slice.call(e.target.files || []);
    if (state.photos.length + files.length > MAX_PHOTOS) { showError(O.fmt(t.too_many, { n: MAX_PHOTOS })); files = files.slice(0, MAX_PHOTOS - state.photos.length); }
    Promise.all(files.map(withExif)).then(function (shrunk) {
      shrunk.forEach(function (p) { state.photos.push({ blob: p.blob, exif: p.exif, url: URL.createObjectURL(p.blob) }); });
      renderThumbs();
      e.target.value = "";
    });
  });
  if ($("settled")) {
    $("settled").addEventListener("change", function () { $("settle-photo").hidden = !$("settled").checked; });
    $("after-photo").addEventListener("change", function (e) {
      var file = (e.target.files || [])[0];
      if (!file) return;
      withExif(file).then(function (p) {
        state.after = [{ blob: p.blob, exif: p.exif, url: URL.createObjectURL(p.blob) }];
        var box = $("after-thumbs");
        box.innerHTML = "";
        var img = document.createElement("img");
        img.src = state.after[0].url; img.alt = "";
        box.appendChild(img);
        e.target.value = "";
      });
    });
  }

  function renderThumbs() {
    var box = $("thumbs");
    box.innerHTML = "";
    state.photos.forEach(function (p, i) {
      var fig = document.createElement("figure");
      var img = document.createElement("img");
      img.src = p.url; img.alt = "";
      fig.appendChild(img);
      fig.appendChild(chip(t.remove, function () { state.photos.splice(i, 1); renderThumbs(); }));
      box.appendChild(fig);
    });
    box.dataset.count = String(state.photos.length);
  }

  // --- into the outbox ------------------------------------------------------------------------
  function showError(message) { $("form-error").textContent = message || ""; }

  var mine = {};  // reports sent from this page: say what became of them
  window.GridgovOutbox.on(function (message) {
    if (!message.item || !mine[message.item.id]) return;
    if (message.type === "sent" && message.body && message.body.id) {
      var link = document.createElement("a");
      link.href = form.dataset.detail.replace("/0/", "/" + message.body.id + "/");
      link.textContent = O.fmt(t.sent, { number: message.body.number || "#" + message.body.id });
      $("result").className = "sent";
      $("result").innerHTML = "";
      $("result").appendChild(link);
    } else if (message.type === "refused") {
      $("result").className = "error";
      $("result").innerHTML = "";
      var outbox = document.createElement("a");
      outbox.href = form.dataset.outboxPage;
      outbox.textContent = O.fmt(t.refused, { reason: message.item.error });
      $("result").appendChild(outbox);
    }
  });

  function reset() {
    state.photos = [];
    state.after = [];
    renderThumbs();
    if ($("settled")) { $("settled").checked = false; $("settle-photo").hidden = true; $("after-thumbs").innerHTML = ""; }
    $("description").value = "";
    showError("");
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    showError("");
    if (!state.category) return showError(t.need_category);
    if (state.lat === null) return showError(t.need_location);
    var urgency = form.querySelector("input[name=urgency]:checked");
    var settled = !!($("settled") && $("settled").checked && state.category.grid_resolvable);
    if (settled && !state.photos.length) return showError(t.need_before);
    if (settled && !state.after.length) return showError(t.need_after);
    var id = window.GridgovOutbox.uuid();
    var files = state.photos.map(function (p, i) { return { name: "photos", blob: p.blob, filename: "photo-" + i + ".jpg" }; });
    if (settled) state.after.forEach(function (p, i) { files.push({ name: "after_photos", blob: p.blob, filename: "after-" + i + ".jpg" }); });
    var item = {
      id: id, kind: "report", label: state.category.name, url: form.dataset.api, files: files,
      form: {
        client_id: id, category: state.category.code, lat: state.lat.toFixed(7), lng: state.lng.toFixed(7),
        description: $("description").value, urgency: urgency ? urgency.value : "", patrol: form.dataset.patrol || "",
        accuracy: state.fix && state.fix.accuracy !== null ? String(Math.round(state.fix.accuracy * 10) / 10) : "",
        located_at: state.fix ? state.fix.at : "", settled: settled ? "true" : "",
        photos_exif: JSON.stringify(state.photos.map(function (p) { return p.exif || {}; })),
        after_photos_exif: settled ? JSON.stringify(state.after.map(function (p) { return p.exif || {}; })) : ""
      }
    };
    mine[id] = true;
    gridgov.outbox.add(item).then(function () {
      reset();
      $("result").className = "waiting";
      $("result").textContent = navigator.onLine ? t.sending : t.offline;
    }, function () { showError(t.not_saved); });
  });

  locate();
})();
