/* The dispatchers' console: a queue that refreshes itself, a map, and the keyboard.
 *
 * The queue is polled from queue.json every few seconds (no websockets: a poll is cheap and
 * survives proxies and reconnections), and the intake (受理) is asked every second whether a report
 * arrived (intake.json, a narrow count), so a new report shows within a second. The selection is
 * kept by case across refreshes. Register + dispatch is two keys: "d" on a case waiting in the
 * intake registers it and opens the dispatch form with its default departments ticked (less any
 * that returned it), and Enter dispatches.
 * Acts are POSTed to the same endpoint the case page uses, asking for JSON; a 409 (somebody
 * else acted first) is shown as a message and the queue is reloaded at once.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("console-config").textContent);
  var T = JSON.parse(document.getElementById("console-strings").textContent);
  var defaults = JSON.parse(document.getElementById("console-defaults").textContent);
  var queueEl = document.getElementById("queue");
  var statusEl = document.getElementById("queue-status");
  var messageEl = document.getElementById("console-message");
  var previewEl = document.getElementById("preview");
  var filters = document.getElementById("filters");
  var dialog = document.getElementById("dispatch-dialog");
  var helpDialog = document.getElementById("help-dialog");
  var H = gridgov.http, M = gridgov.maps;
  var state = { stage: "", items: [], selected: null, stamp: null, timer: null, busy: false };

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function age(minutes) {
    if (minutes < 60) return fmt(T.minutes, { n: minutes });
    if (minutes < 48 * 60) return fmt(T.hours, { n: Math.floor(minutes / 60) });
    return fmt(T.days, { n: Math.floor(minutes / 1440) });
  }
  function shortTime(iso) {
    if (!iso) return "";
    return iso.slice(5, 16).replace("T", " ");
  }

  // --- the map ---------------------------------------------------------------------------------
  // Two layers the dispatcher switches in the layer control: the queue's cases as markers, gathered
  // in clusters coloured by the worst light inside (leaflet.markercluster), and a heat map of every
  // case the filters keep in the whole jurisdiction (leaflet.heat), counted per grid cell by the
  // server (heat API), so it stays small at city scale.
  var map = M.create("console-map", {
    zoomControl: true, maxZoom: 19, zoom: 12, attributionWithTilesOnly: true,
    tileUrl: config.tileUrl, tileAttribution: config.tileAttribution
  });
  var streets = M.boundaries(map, config.streetsUrl, { style: { color: "#5b6776", weight: 1, fill: false } });
  // The cases' own pane sits above the overlay pane, where leaflet.heat puts its canvas.
  map.createPane("cases").style.zIndex = 450;
  var lightRank = { red: 0, yellow: 1, green: 2 };
  var markers = L.markerClusterGroup({
    maxClusterRadius: 45,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    iconCreateFunction: function (cluster) {
      var worst = "none", rank = 9, selected = false;
      cluster.getAllChildMarkers().forEach(function (marker) {
        var r = lightRank.hasOwnProperty(marker.light) ? lightRank[marker.light] : 3;
        if (r < rank) { rank = r; worst = marker.light || "none"; }
        if (marker.caseId === state.selected) selected = true;
      });
      var count = cluster.getChildCount();
      var size = count < 10 ? 34 : count < 100 ? 40 : 46;
      return L.divIcon({
        html: '<div title="' + esc(fmt(T.clusterTitle, { n: count })) + '"><span>' + count + "</span></div>",
        className: "marker-cluster marker-cluster-" + worst + (selected ? " has-selected" : ""),
        iconSize: L.point(size, size),
      });
    },
  }).addTo(map);
  // maxZoom 0: leaflet.heat then takes each point's weight as it is at every zoom (the server already
  // sized its cells to the zoom). The layer control greys out a layer whose maxZoom is below the map's
  // zoom, so it is given the heat layer inside a plain group.
  var heat = L.heatLayer([], { radius: 25, blur: 18, minOpacity: 0.3, maxZoom: 0 });
  var heatGroup = L.layerGroup([heat]);
  var overlays = {};
  overlays[T.layerCases] = markers;
  overlays[T.layerHeat] = heatGroup;
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  var markerById = {};
  var fitted = false;
  streets.loaded.then(function (data) {
    if (!data || !data.features || !data.features.length) return;
    if (!fitted) { map.fitBounds(streets.getBounds(), { padding: [10, 10] }); fitted = true; }
  });
  var colours = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32" };

  function markerStyle(item) {
    var selected = item.id === state.selected;
    return {
      radius: selected ? 10 : 6, weight: selected ? 3 : 1, color: selected ? "#0b57d0" : "#1d2733",
      fillColor: colours[item.light] || "#777", fillOpacity: 0.85,
    };
  }

  // The queue is redrawn every few seconds: markers are kept by case number and only the changes
  // reach the cluster group, so an open cluster or a spiderfied stack stays as the dispatcher left it.
  function drawMarkers() {
    var seen = {}, added = [], removed = [], recolour = false;
    var bounds = [];
    state.items.forEach(function (item) {
      var latlng = L.latLng(item.location.lat, item.location.lng);
      var marker = markerById[item.id];
      // (a fanned-out marker is drawn away from its place: compare the place it was made for)
      if (marker && !marker.caseLatLng.equals(latlng)) { removed.push(marker); marker = null; }
      if (!marker) {
        marker = L.circleMarker(latlng, L.extend({ pane: "cases" }, markerStyle(item)));
        marker.caseId = item.id;
        marker.caseLatLng = latlng;
        marker.bindTooltip("");
        marker.on("click", function () { select(item.id, true); });
        markerById[item.id] = marker;
        added.push(marker);
      }
      var selected = item.id === state.selected;
      if (marker.light !== item.light || marker.selected !== selected) recolour = true;
      marker.light = item.light;
      marker.selected = selected;
      marker.setStyle(markerStyle(item));
      marker.setTooltipContent(esc(item.label) + " " + esc(item.category));
      if (selected && marker._map) marker.bringToFront();
      seen[item.id] = true;
      bounds.push(latlng);
    });
    Object.keys(markerById).forEach(function (id) {
      if (!seen[id]) { removed.push(markerById[id]); delete markerById[id]; }
    });
    if (removed.length) markers.removeLayers(removed);
    if (added.length) markers.addLayers(added);
    if (recolour) markers.refreshClusters();
    if (!fitted && bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); fitted = true; }
  }

  // Show the selected case's marker without losing the dispatcher's view: pan to it when it stands
  // alone; inside a small cluster, fan the cluster out where it is (j/k through the queue should not
  // zoom the map in and out); inside a big one, zoom in until it shows (spiderfying at the last zoom).
  var SPIDERFY_AT_MOST = 12;
  function reveal(item, retried) {
    var marker = markerById[item.id];
    if (!marker || !map.hasLayer(markers)) { map.panTo([item.location.lat, item.location.lng]); return; }
    if (map.hasLayer(marker)) {  // drawn on its own (or already fanned out)
      if (!map.getBounds().pad(-0.1).contains(marker.getLatLng())) map.panTo(marker.getLatLng());
      return;
    }
    var parent = markers.getVisibleParent(marker);  // the cluster drawn for it, if any
    if (parent && parent !== marker && parent.getChildCount() <= SPIDERFY_AT_MOST) {
      if (!map.getBounds().pad(-0.2).contains(parent.getLatLng())) map.panTo(parent.getLatLng(), { animate: false });
      parent.spiderfy();
      // A cluster does not open while the clusters are still being redrawn after a zoom: try again
      // once they are, if the case is still the selected one.
      if (!map.hasLayer(marker) && !retried) {
        markers.once("animationend", function () { if (state.selected === item.id) reveal(item, true); });
      }
      return;
    }
    markers.zoomToShowLayer(marker);
  }

  // --- the heat map ------------------------------------------------------------------------------
  var heatState = { busy: false, again: false, query: null, at: 0, zoom: null, bounds: null };
  var heatEl = L.DomUtil.create("span", "heat-total");

  function heatQuery() {
    var query = params();
    query.set("zoom", String(map.getZoom()));
    var b = map.getBounds().pad(0.5);
    var corners = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    query.set("bbox", corners.map(function (v) { return v.toFixed(5); }).join(","));
    return query;
  }

  // Refetched when the filters change, when the view leaves what was fetched or changes zoom, and
  // every heatSeconds with the queue's poll; never while the layer is off. A change while an answer
  // is awaited is looked at again when it has come.
  function loadHeat(force) {
    if (!map.hasLayer(heat)) return;
    if (heatState.busy) { heatState.again = true; return; }
    var filtersNow = params().toString();
    var stale = Date.now() - heatState.at > (config.heatSeconds || 30) * 1000;
    var moved = heatState.zoom !== map.getZoom() || !heatState.bounds || !heatState.bounds.contains(map.getBounds());
    if (!force && !stale && !moved && filtersNow === heatState.query) return;
    var query = heatQuery();
    heatState.busy = true;
    H.getJSON(config.heatUrl + "?" + query.toString())
      .then(function (data) {
        heatState.query = filtersNow;
        heatState.at = Date.now();
        heatState.zoom = Number(query.get("zoom"));
        var box = query.get("bbox").split(",").map(Number);
        heatState.bounds = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
        // The scale's top is a high quantile of the cells, so one very busy spot does not wash out the rest.
        var weights = data.points.map(function (p) { return p[2]; }).sort(function (a, b) { return a - b; });
        var top = weights.length ? weights[Math.floor(0.95 * (weights.length - 1))] : 1;
        heat.setOptions({ max: Math.max(1, top) });
        heat.setLatLngs(data.points);
        heatEl.textContent = fmt(T.heatTotal, { n: data.total });
      })
      .catch(function () {})
      .then(function () {
        heatState.busy = false;
        if (heatState.again) { heatState.again = false; loadHeat(false); }
      });
  }
  map.on("overlayadd", function (event) { if (event.layer === heatGroup) { statusEl.appendChild(heatEl); loadHeat(true); } });
  map.on("overlayremove", function (event) {
    if (event.layer === heatGroup && heatEl.parentNode) heatEl.parentNode.removeChild(heatEl);
  });
  var moveTimer = null;
  map.on("moveend", function () { clearTimeout(moveTimer); moveTimer = setTimeout(function () { loadHeat(false); }, 250); });

  // --- the queue -------------------------------------------------------------------------------
  function params() {
    var query = new URLSearchParams();
    if (state.stage) query.set("stage", state.stage);
    ["category", "street", "light", "source", "age", "q"].forEach(function (name) {
      var value = filters.elements[name].value;
      if (value) query.set(name, value);
    });
    return query;
  }

  function load() {
    // A filter changed while a request is out is loaded right after it, not at the next poll.
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    H.getJSON(config.queueUrl + "?" + params().toString())
      .then(function (data) {
        state.items = data.results;
        renderCounts(data.counts);
        render();
        statusEl.textContent = fmt(T.updated, { time: (data.now || "").slice(11, 19) });
        if (map.hasLayer(heat)) statusEl.appendChild(heatEl);
        statusEl.classList.remove("error");
        loadHeat(false);
      })
      .catch(function () { statusEl.textContent = T.offline; statusEl.classList.add("error"); })
      .then(function () {
        state.busy = false;
        if (state.again) { state.again = false; load(); }
      });
  }

  function renderCounts(counts) {
    var total = 0;
    Object.keys(counts).forEach(function (stage) {
      if (stage === "red") return;
      total += counts[stage];
      var el = document.querySelector('[data-count="' + stage + '"]');
      if (el) el.textContent = counts[stage];
    });
    var all = document.querySelector('[data-count="all"]');
    if (all) all.textContent = total;
  }

  function render() {
    if (!state.items.some(function (item) { return item.id === state.selected; })) {
      state.selected = state.items.length ? state.items[0].id : null;
    }
    if (!state.items.length) {
      queueEl.innerHTML = '<li class="empty muted">' + esc(T.empty) + "</li>";
    } else {
      queueEl.innerHTML = state.items.map(function (item) {
        var departments = item.departments.map(function (d) {
          return '<span class="dept' + (d.late ? " late" : "") + '">' + esc(d.name) + " · " + esc(d.status_label) + "</span>";
        }).join(" ");
        return '<li class="case-row' + (item.id === state.selected ? " selected" : "") + '" data-id="' + item.id + '" aria-selected="' +
          (item.id === state.selected) + '">' +
          '<span class="light ' + esc(item.light || "") + '"></span>' +
          '<a class="case-no" href="' + config.caseUrl.replace("/0/", "/" + item.id + "/") + '">' + esc(item.label) + "</a> " +
          '<strong>' + esc(item.category) + "</strong>" +
          (item.urgent ? ' <span class="tag urgent">' + esc(T.urgent) + "</span>" : "") +
          (item.returns ? ' <span class="tag">' + esc(T.returned) + " ×" + item.returns + "</span>" : "") +
          (item.extension_pending ? ' <span class="tag">' + esc(T.extension) + "</span>" : "") +
          '<span class="status">' + esc(item.status_label) + "</span>" +
          '<div class="meta muted">' + esc(item.area) + " · " + esc(item.source_label) + " · " + age(item.age_minutes) +
          (item.light === "red" ? ' · <span class="error">' + esc(T.overdue) + "</span>" : "") +
          " · " + shortTime(item.deadline) + "</div>" +
          (departments ? '<div class="meta">' + departments + "</div>" : "") +
          "</li>";
      }).join("");
    }
    drawMarkers();
    renderPreview();
  }

  function current() {
    for (var i = 0; i < state.items.length; i++) if (state.items[i].id === state.selected) return state.items[i];
    return null;
  }

  function renderPreview() {
    var item = current();
    if (!item) { previewEl.innerHTML = ""; return; }
    previewEl.innerHTML = "<h2>" + esc(item.label) + " " + esc(item.category) + "</h2>" +
      '<p><span class="light ' + esc(item.light || "") + '"></span> ' + esc(item.status_label) + "</p>" +
      "<dl><dt>" + esc(item.major) + "</dt><dd>" + esc(item.area) + "</dd>" +
      (item.address ? "<dt>" + esc(T.address) + "</dt><dd>" + esc(item.address) + "</dd>" : "") +
      "<dt>" + esc(T.deadline) + "</dt><dd>" + shortTime(item.deadline) + "</dd></dl>" +
      '<p class="desc">' + esc(item.description) + "</p>" +
      '<p><a class="button primary" href="' + config.caseUrl.replace("/0/", "/" + item.id + "/") + '">' + esc(item.label) + " ↵</a></p>";
  }

  function select(id, scroll) {
    state.selected = id;
    Array.prototype.forEach.call(queueEl.querySelectorAll(".case-row"), function (row) {
      var on = Number(row.dataset.id) === id;
      row.classList.toggle("selected", on);
      row.setAttribute("aria-selected", on);
      if (on && scroll) row.scrollIntoView({ block: "nearest" });
    });
    drawMarkers();
    renderPreview();
    var item = current();
    if (item && scroll) reveal(item);
  }

  function move(step) {
    if (!state.items.length) return;
    var index = state.items.findIndex(function (item) { return item.id === state.selected; });
    index = Math.max(0, Math.min(state.items.length - 1, index + step));
    select(state.items[index].id, true);
  }

  // --- acts --------------------------------------------------------------------------------------
  function act(item, action, fields) {
    var body = new FormData();
    body.append("version", item.version);
    Object.keys(fields || {}).forEach(function (key) {
      var value = fields[key];
      (Array.isArray(value) ? value : [value]).forEach(function (v) { body.append(key, v); });
    });
    return H.json(config.actUrl.replace("/0/", "/" + item.id + "/").replace("ACTION", action), {
      method: "POST", body: body,
    }).then(function (result) { result.body.status_code = result.status; return result.body; });
  }

  // The result of an act stays until the next act; the refresh time has its own line.
  function flash(text, bad) {
    messageEl.textContent = text;
    messageEl.classList.toggle("error", !!bad);
  }

  function register(item) {
    act(item, "register").then(function (data) { flash(data.detail, !data.ok); load(); });
  }

  // "d": a case still waiting in the intake is registered first; the form opens on the version the
  // registration answered, unless the routing rule dispatched the case at once.
  function registerAndDispatch(item) {
    if (item.status !== "reported") { openDispatch(item); return; }
    flash(fmt(T.registering, { label: item.label }), false);
    state.registering = true;
    state.enterQueued = false;
    act(item, "register").then(function (data) {
      state.registering = false;
      if (!data.ok) { flash(data.detail, true); load(); return; }
      item.version = data.version;
      item.status = data.status;
      flash(data.detail, false);
      if (data.status === "registered") {
        openDispatch(item);
        // Enter typed while the registration was on its way dispatches as ticked.
        if (state.enterQueued && dialog.open) document.getElementById("dispatch-form").requestSubmit();
      }
      state.enterQueued = false;
      load();
    });
  }

  function openDispatch(item) {
    if (item.status !== "registered") { flash(item.status_label, true); return; }
    document.getElementById("dispatch-title").textContent = fmt(T.dispatchTitle, { label: item.label });
    document.getElementById("dispatch-case").textContent = item.category + " · " + item.area;
    document.getElementById("dispatch-version").value = item.version;
    document.getElementById("dispatch-error").textContent = "";
    document.getElementById("dispatch-note").value = "";
    // A department that returned the case is not ticked again, and is marked.
    var returned = item.returned_departments || [];
    var wanted = (defaults[item.category_code] || []).filter(function (id) { return returned.indexOf(id) < 0; });
    Array.prototype.forEach.call(dialog.querySelectorAll("[name=departments]"), function (box) {
      box.checked = wanted.indexOf(Number(box.value)) >= 0;
      var label = box.closest("label"), isReturned = returned.indexOf(Number(box.value)) >= 0;
      label.classList.toggle("returned", isReturned);
      var tag = label.querySelector(".returned-tag");
      if (isReturned && !tag) {
        tag = document.createElement("span");
        tag.className = "tag returned-tag";
        tag.textContent = T.returnedIt;
        label.appendChild(tag);
      } else if (!isReturned && tag) {
        tag.parentNode.removeChild(tag);
      }
    });
    var none = document.getElementById("dispatch-none");
    none.hidden = wanted.length > 0;
    none.textContent = T.none;
    document.getElementById("dispatch-deadline").value = "";
    dialog.dataset.id = item.id;
    // The dialog keeps its own case: a refresh may take the case out of the list shown (e.g. out of
    // the intake once registered) while the form is open.
    dialog.item = { id: item.id, version: item.version };
    dialog.showModal();
    var first = dialog.querySelector("[name=departments]:checked") || dialog.querySelector("[name=departments]");
    if (first) first.focus();
  }

  document.getElementById("dispatch-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var item = dialog.item;
    if (!item || String(item.id) !== dialog.dataset.id) { dialog.close(); return; }
    var chosen = Array.prototype.map.call(dialog.querySelectorAll("[name=departments]:checked"), function (box) { return box.value; });
    var fields = { departments: chosen, note: document.getElementById("dispatch-note").value };
    var deadline = document.getElementById("dispatch-deadline").value;
    if (deadline) fields.deadline = deadline;
    item.version = Number(document.getElementById("dispatch-version").value);
    act(item, "dispatch", fields).then(function (data) {
      if (data.ok) { dialog.close(); flash(data.detail, false); load(); queueEl.focus(); }
      else { document.getElementById("dispatch-error").textContent = data.detail; if (data.status_code === 409) load(); }
    });
  });
  document.getElementById("dispatch-cancel").addEventListener("click", function () { dialog.close(); queueEl.focus(); });
  dialog.addEventListener("keydown", function (event) {
    if (/^[1-9]$/.test(event.key) && event.target.type !== "text" && event.target.type !== "datetime-local") {
      var box = dialog.querySelectorAll("[name=departments]")[Number(event.key) - 1];
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    }
    if (event.key === "Enter" && event.target.type === "checkbox") {
      event.preventDefault();
      document.getElementById("dispatch-form").requestSubmit();
    }
  });

  // --- keyboard ---------------------------------------------------------------------------------
  var stageKeys = { Digit1: "", Digit2: "register", Digit3: "dispatch", Digit4: "departments", Digit5: "verify", Digit6: "close" };
  document.addEventListener("keydown", function (event) {
    if (dialog.open || helpDialog.open) return;
    if (state.registering && event.key === "Enter") { state.enterQueued = true; event.preventDefault(); return; }
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
    if (typing) {
      if (event.key === "Escape") { event.target.blur(); queueEl.focus(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var item = current();
    if (event.shiftKey && stageKeys.hasOwnProperty(event.code)) { setStage(stageKeys[event.code]); event.preventDefault(); return; }
    switch (event.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "Enter": case "o": if (item) window.location.href = config.caseUrl.replace("/0/", "/" + item.id + "/"); break;
      case "r": if (item) register(item); break;
      case "d": if (item) registerAndDispatch(item); break;
      case "/": document.getElementById("f-q").focus(); break;
      case "?": helpDialog.showModal(); break;
      default: return;
    }
    event.preventDefault();
  });

  queueEl.addEventListener("click", function (event) {
    var row = event.target.closest(".case-row");
    if (row && !event.target.closest("a")) select(Number(row.dataset.id), false);
  });

  function setStage(stage) {
    state.stage = stage;
    Array.prototype.forEach.call(document.querySelectorAll(".stage"), function (button) {
      button.setAttribute("aria-selected", button.dataset.stage === stage);
    });
    load();
  }
  Array.prototype.forEach.call(document.querySelectorAll(".stage"), function (button) {
    button.addEventListener("click", function () { setStage(button.dataset.stage); });
  });
  filters.addEventListener("change", load);
  var typingTimer = null;
  document.getElementById("f-q").addEventListener("input", function () {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(load, 300);
  });

  // The intake's pulse: reload the queue as soon as a report arrives or changes there.
  var pulse = { stamp: null, busy: false };
  function checkIntake() {
    if (pulse.busy || document.hidden) return;
    pulse.busy = true;
    H.getJSON(config.intakeUrl)
      .then(function (data) {
        if (pulse.stamp !== null && data.stamp !== pulse.stamp) load();
        pulse.stamp = data.stamp;
      })
      .catch(function () {})
      .then(function () { pulse.busy = false; });
  }

  statusEl.textContent = T.loading;
  load();
  checkIntake();
  state.timer = setInterval(function () { if (!document.hidden) load(); }, (config.pollSeconds || 5) * 1000);
  setInterval(checkIntake, (config.intakeSeconds || 1) * 1000);
  queueEl.focus();
})();
