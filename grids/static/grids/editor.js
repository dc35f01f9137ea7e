/* The redraw editor for one community (GIS administrators).

   Every edit is saved at once to the administrator's draft on the server; the server is the only
   source of truth: after each change the cells are redrawn from its answer, validation runs in
   PostGIS, its problems are drawn on the map and listed, and the impact preview says what would
   change cell. Geometry travels at full precision (toGeoJSON(false)) so that the vertices nobody
   moved come back bit for bit and shared edges stay shared. The panels beside the map (problems,
   impact, revisions) are drawn by editor-panels.js, loaded first. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var t = config.texts;
  var $ = function (id) { return document.getElementById(id); };
  var tiers = gridgov.maps.colours;
  var colours = { cell: tiers.grid, selected: "#1565c0", neighbour: "#888", community: tiers.community, error: "#c62828", warning: "#f9a825" };

  var map = gridgov.maps.create("map", {
    zoomControl: true, zoom: 16, tileUrl: config.tileUrl, tileAttribution: config.tileAttribution, tileMaxZoom: 21
  });
  map.pm.setGlobalOptions({ snappable: true, snapDistance: 20, allowSelfIntersection: true });

  // The community's outline is a snapping target (snapIgnore: false), so a border cell's corners
  // land on the community's edge exactly; it is never edited itself.
  var outline = gridgov.maps.boundaries(map, config.community.boundary, {
    style: { color: colours.community, weight: 3, fill: false }, interactive: false, fit: true, fitOptions: { padding: [10, 10] },
    pmIgnore: true, snapIgnore: false
  });

  /* The outline as the server sends it with the draft: every cell corner lying on it is one of
     its vertices, so a corner snaps to the corner it shares with the next community's cells. */
  function renderOutline(geometry) {
    if (!geometry) return;
    outline.clearLayers();
    outline.addData(geometry);
  }
  var neighbours = L.featureGroup().addTo(map);
  var cells = L.featureGroup().addTo(map);
  // Codes written on the cells (the neighbours' too); never snapped to, never in the way of a click.
  var labels = L.layerGroup().addTo(map);
  var LABEL_ZOOM = 17;
  var problemsLayer = L.featureGroup().addTo(map);

  var state = { draft: null, byId: {}, selected: [], mode: "select", problemCells: {}, busy: 0 };
  window.gridgovEditor = { map: map, state: state, cells: cells };

  var P = gridgov.editorPanels, fmt = P.fmt, text = P.text;

  function busy(delta) {
    state.busy += delta;
    document.body.dataset.busy = String(state.busy);
  }

  function api(method, url, body) {
    busy(1);
    return gridgov.http.json(url, { method: method, json: body }).then(function (result) {
      busy(-1);
      return { status: result.status, ok: result.ok, data: result.body };
    }, function (error) { busy(-1); throw error; });
  }

  function draftUrl(suffix) {
    return config.urls.draft.replace("/0/", "/" + state.draft.id + "/") + (suffix || "");
  }

  function label(props) {
    return props.code || (t.newCell + " #" + props.id);
  }

  function styleFor(id) {
    if (state.selected.indexOf(id) >= 0) return { color: colours.selected, weight: 3, fillOpacity: 0.25 };
    if (state.problemCells[id]) return { color: colours.error, weight: 2, fillOpacity: 0.15 };
    return { color: colours.cell, weight: 1.5, fillOpacity: 0.12 };
  }

  function restyle() {
    Object.keys(state.byId).forEach(function (id) { state.byId[id].setStyle(styleFor(Number(id))); });
    $("do-merge").disabled = !(state.mode === "merge" && state.selected.length >= 2);
  }

  /* Draw the draft's cells as the server has them. */
  function render(body) {
    state.draft = body;
    state.byId = {};
    cells.clearLayers();
    body.cells.features.forEach(function (feature) {
      var layer = L.geoJSON(feature).getLayers()[0];
      layer.cellId = feature.id;
      layer.cellCode = feature.properties.code;
      layer.setStyle(styleFor(feature.id));
      layer.bindTooltip(label(feature.properties) + " · " + Math.round(feature.properties.area_m2).toLocaleString() + " m²", { sticky: true });
      layer.on("click", function (e) {
        // While drawing, the click belongs to Geoman's map handler (a corner or a line point).
        if (state.mode !== "select" && state.mode !== "merge") return;
        L.DomEvent.stopPropagation(e);
        onCellClick(feature.id);
      });
      layer.on("pm:edit", function () { scheduleSave(layer); });
      cells.addLayer(layer);
      state.byId[feature.id] = layer;
    });
    relabel();
    state.selected = state.selected.filter(function (id) { return state.byId[id]; });
    if (state.mode === "select" && state.selected.length === 1) enableEditing(state.selected[0]);
    restyle();
    var status = fmt(t.draftFrom, { base: body.base_revision, cells: body.cells.features.length });
    if (body.stale) status += " " + fmt(t.stale, { current: body.current_revision });
    $("draft-status").textContent = status;
    $("rebase-box").hidden = !body.stale;
    $("tool-undo").disabled = !body.undo_steps;
    $("tool-undo").dataset.steps = String(body.undo_steps || 0);
    $("map").dataset.cells = String(body.cells.features.length);
  }

  function addLabel(layer, code, neighbour) {
    var centre = layer.getBounds().getCenter();
    var html = document.createElement("span");
    html.textContent = code ? code.slice(-3) : "+";
    labels.addLayer(L.marker(centre, {
      interactive: false, keyboard: false, pmIgnore: true, snapIgnore: true,
      icon: L.divIcon({
        className: "cell-label" + (neighbour ? " neighbour" : ""), html: html.outerHTML, iconSize: null
      })
    }).on("add", function (e) { if (code) e.target.getElement().dataset.code = code; }));
  }

  function relabel() {
    labels.clearLayers();
    cells.eachLayer(function (layer) { addLabel(layer, layer.cellCode, false); });
    neighbours.eachLayer(function (layer) { addLabel(layer, layer.cellCode, true); });
    toggleLabels();
  }

  function toggleLabels() {
    map.getContainer().classList.toggle("labels-hidden", map.getZoom() < LABEL_ZOOM);
  }
  map.on("zoomend", toggleLabels);

  /* The neighbouring communities' cells: read-only, drawn dashed, snapping targets (snapIgnore:
     false), so a border cell's corners land on the next community's corners. */
  function renderNeighbours(fc) {
    neighbours.clearLayers();
    L.geoJSON(fc, {
      style: { color: colours.neighbour, weight: 1, dashArray: "4 3", fillOpacity: 0.03 },
      pmIgnore: true, snapIgnore: false, interactive: true,
      onEachFeature: function (feature, layer) {
        layer.cellCode = feature.properties.code;
        layer.bindTooltip(feature.properties.code + " · " + feature.properties.name, { sticky: true });
        neighbours.addLayer(layer);
      }
    });
    relabel();
  }

  function enableEditing(id) {
    cells.eachLayer(function (layer) { if (layer.pm && layer.pm.enabled()) layer.pm.disable(); });
    var layer = state.byId[id];
    if (layer) layer.pm.enable({ snappable: true, snapDistance: 20, allowSelfIntersection: true, draggable: false });
  }

  function onCellClick(id) {
    if (state.mode === "merge") {
      var at = state.selected.indexOf(id);
      if (at >= 0) state.selected.splice(at, 1); else state.selected.push(id);
      restyle();
      return;
    }
    if (state.mode !== "select") return;
    state.selected = [id];
    restyle();
    enableEditing(id);
  }

  var saveTimer = null;
  function scheduleSave(layer) {
    clearTimeout(saveTimer);
    $("draft-status").textContent = t.saving;
    saveTimer = setTimeout(function () {
      var geometry = layer.toGeoJSON(false).geometry;
      change("PUT", draftUrl("cells/" + layer.cellId + "/"), { geometry: geometry });
    }, 250);
  }

  /* Send one change, redraw from the answer, then check the draft again. */
  function change(method, url, body) {
    return api(method, url, body).then(function (result) {
      if (result.ok) {
        render(result.data);
      } else {
        showRefusal(result);
      }
      return refreshChecks();
    });
  }

  function showRefusal(result) {
    var list = $("problems");
    list.innerHTML = "";
    list.appendChild(text("li", fmt(t.failed, { detail: result.data.detail || result.status })));
  }

  function refreshChecks() {
    return Promise.all([api("GET", draftUrl("validation/")), api("GET", draftUrl("impact/"))]).then(function (answers) {
      showProblems(answers[0].data);
      if (answers[1].ok) showImpact(answers[1].data, $("impact"));
    });
  }

  function showProblems(report) {
    P.showProblems({ map: map, layer: problemsLayer, state: state, colours: colours, texts: t }, report);
    restyle();
  }

  function showImpact(impact, target) { P.showImpact(impact, target, t); }

  function loadRevisions() {
    return api("GET", config.urls.revisions).then(function (result) {
      if (result.ok) P.showRevisions($("revisions"), result.data.revisions, t);
      else $("revisions").innerHTML = "";
    });
  }

  function setMode(mode) {
    if (map.pm.globalDrawModeEnabled()) map.pm.disableDraw();
    state.mode = mode;
    $("tool-merge").setAttribute("aria-pressed", String(mode === "merge"));
    var hints = { select: t.selectHint, draw: t.drawHint, split: t.splitHint, merge: t.mergeHint };
    $("hint").textContent = hints[mode];
    if (mode !== "select") cells.eachLayer(function (layer) { if (layer.pm && layer.pm.enabled()) layer.pm.disable(); });
    if (mode === "draw") map.pm.enableDraw("Polygon", { snappable: true, snapDistance: 20 });
    if (mode === "split") map.pm.enableDraw("Line", { snappable: true, snapDistance: 20 });
    restyle();
  }

  map.on("pm:create", function (e) {
    var geometry = e.layer.toGeoJSON(false).geometry;
    map.removeLayer(e.layer);
    var mode = state.mode;
    setMode("select");
    if (e.shape === "Polygon" && mode === "draw") {
      change("POST", draftUrl("cells/"), { geometry: geometry });
    } else if (e.shape === "Line" && mode === "split" && state.selected.length === 1) {
      var cell = state.selected[0];
      state.selected = [];
      change("POST", draftUrl("split/"), { cell: cell, line: geometry });
    }
  });

  $("tool-draw").addEventListener("click", function () { setMode("draw"); });
  $("tool-split").addEventListener("click", function () {
    if (state.selected.length !== 1) { $("hint").textContent = t.selectFirst; return; }
    setMode("split");
  });
  $("tool-merge").addEventListener("click", function () { setMode(state.mode === "merge" ? "select" : "merge"); });
  $("do-merge").addEventListener("click", function () {
    var ids = state.selected.slice();
    state.selected = [];
    setMode("select");
    change("POST", draftUrl("merge/"), { cells: ids });
  });
  $("tool-delete").addEventListener("click", function () {
    if (state.selected.length !== 1) { $("hint").textContent = t.selectFirst; return; }
    var id = state.selected[0];
    state.selected = [];
    change("DELETE", draftUrl("cells/" + id + "/"));
  });
  $("tool-cancel").addEventListener("click", function () { state.selected = []; setMode("select"); });
  $("tool-undo").addEventListener("click", function () {
    if ($("tool-undo").disabled) return;
    $("tool-undo").disabled = true;
    state.selected = [];
    setMode("select");
    change("POST", draftUrl("undo/"));
  });
  document.addEventListener("keydown", function (e) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z" && !typing) {
      e.preventDefault();
      $("tool-undo").click();
    }
  });
  map.on("click", function () {
    if (state.mode === "select" && state.selected.length) {
      state.selected = [];
      cells.eachLayer(function (layer) { if (layer.pm && layer.pm.enabled()) layer.pm.disable(); });
      restyle();
    }
  });

  $("publish-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var reason = $("reason").value.trim();
    if (!reason) { $("reason").focus(); return; }
    $("publish").disabled = true;
    api("POST", draftUrl("publish/"), { reason: reason }).then(function (result) {
      if (result.status === 201) {
        var box = $("published");
        box.hidden = false;
        box.innerHTML = "";
        box.dataset.revision = String(result.data.revision);
        box.appendChild(text("p", fmt(t.published, { number: result.data.revision })));
        var impactBox = document.createElement("div");
        showImpact(result.data.impact, impactBox);
        box.appendChild(impactBox);
        $("reason").value = "";
        $("conflict").hidden = true;
        box.scrollIntoView({ block: "nearest" });
        loadRevisions();
        start();
      } else if (result.status === 409) {
        var conflict = $("conflict");
        conflict.hidden = false;
        conflict.textContent = result.data.detail;
        conflict.scrollIntoView({ block: "nearest" });
        refreshChecks();
      } else {
        showProblems({ errors: result.data.problems || [{ message: result.data.detail, severity: "error" }], warnings: [], publishable: false });
      }
    });
  });

  /* Someone else published meanwhile: take their cells, keep mine (a three-way merge on the server). */
  $("rebase").addEventListener("click", function () {
    if (!state.draft) return;
    $("rebase").disabled = true;
    api("POST", draftUrl("rebase/")).then(function (result) {
      $("rebase").disabled = false;
      if (result.ok) {
        render(result.data);
        $("conflict").hidden = true;
        var note = $("published");
        note.hidden = false;
        note.textContent = fmt(t.rebased, { base: result.data.base_revision, taken: result.data.taken.length, dropped: result.data.dropped.length });
        note.dataset.rebased = String(result.data.base_revision);
        refreshChecks();
      } else {
        showProblems({ errors: result.data.problems || [{ message: result.data.detail, severity: "error" }], warnings: [], publishable: false });
      }
    });
  });

  $("discard").addEventListener("click", function () {
    if (!state.draft) return;
    api("DELETE", draftUrl()).then(function () { $("conflict").hidden = true; start(); });
  });

  /* Start (or resume) the draft, with the neighbouring communities' cells as snapping targets. */
  function start() {
    return api("POST", config.urls.start).then(function (result) {
      if (!result.ok) { showRefusal(result); return null; }
      state.draft = result.data;
      return api("GET", draftUrl()).then(function (detail) {
        render(detail.data);
        renderOutline(detail.data.outline);
        renderNeighbours(detail.data.neighbours);
        document.body.dataset.editorReady = "1";
        return refreshChecks();
      });
    });
  }

  start();
  loadRevisions();
})();
