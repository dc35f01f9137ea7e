/* The hierarchy map: district → street office → community → grid cell.
   Street offices and communities are drawn from vector tiles (the browser never downloads every
   outline of a city as GeoJSON); only one community's cells, or a grid worker's own cells, come as
   GeoJSON, because they are few and clickable. Labels (name + code) come from a small list of
   points of the tier being shown. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) return;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var t = config.texts;
  var areasUrl = el.dataset.areasUrl;
  var labelsUrl = el.dataset.labelsUrl;
  var vectorUrl = el.dataset.vectorUrl;
  var revision = el.dataset.revision;
  var asOf = el.dataset.asOf;
  var editorUrl = el.dataset.editorUrl;
  var startCodes = (el.dataset.startCodes || "").split(",").filter(Boolean);
  var startLevel = el.dataset.startLevel;
  var colours = gridgov.maps.colours;
  // Below these zooms a tier's labels would pile up on each other.
  var labelZoom = { district: 0, street: 0, community: 0, grid: 17 };

  var map = gridgov.maps.create(el, { preferCanvas: true, zoomControl: true, zoom: 12, base: false });  // its own tiles name every area
  window.gridgovMap = map;
  var crumbs = document.getElementById("crumbs");
  var details = document.getElementById("details");
  var editLink = document.getElementById("edit-link");
  var trail = [];
  var overlays = [];
  var labels = L.layerGroup().addTo(map);
  var labelTier = null;

  function withAsOf(url) {
    if (!asOf) return url;
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "as_of=" + encodeURIComponent(asOf);
  }

  function get(url) {
    return gridgov.http.getJSON(withAsOf(url));
  }

  function clear() {
    overlays.forEach(function (layer) { map.removeLayer(layer); });
    overlays = [];
    labels.clearLayers();
    editLink.innerHTML = "";
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  function addLabel(item) {
    var html = document.createElement("div");
    html.appendChild(text("span", item.name, "name"));
    html.appendChild(text("span", item.code, "code"));
    var marker = L.marker([item.point[1], item.point[0]], {
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: "area-label area-label-" + item.level, html: html.outerHTML, iconSize: null })
    });
    labels.addLayer(marker);
  }

  function toggleLabels() {
    var visible = labelTier !== null && map.getZoom() >= labelZoom[labelTier];
    el.classList.toggle("labels-hidden", !visible);
  }
  map.on("zoomend", toggleLabels);

  function fit(bbox) {
    map.fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], { padding: [10, 10], animate: false });
  }

  function tiles(level, keep, style, onClick) {
    var url = vectorUrl.replace("{level}", level) + "?r=" + encodeURIComponent(revision) + (asOf ? "&as_of=" + encodeURIComponent(asOf) : "");
    var layer = VectorTileLayer(url, {
      minZoom: config.tileMinZoom[level],
      maxDetailZoom: 18,
      filter: function (feature) { return keep(feature.properties.code); },
      style: style
    });
    if (onClick) {
      layer.on("click", function (e) {
        var props = (e.layer && (e.layer.properties || (e.layer.feature && e.layer.feature.properties))) || {};
        if (props.code) onClick(props);
      });
    }
    layer.addTo(map);
    overlays.push(layer);
    return layer;
  }

  function describe(area) {
    var rows = [[t.code, area.code], [t.area, Math.round(area.area_m2).toLocaleString() + " m²"]];
    if (area.valid_to) rows.push([t.retired, new Date(area.valid_to).toLocaleString()]);
    if (area.grid_workers) rows.push([t.workers, area.grid_workers.join("、") || t.none]);
    if (area.contents) Object.keys(area.contents).forEach(function (k) {
      rows.push([(area.content_labels && area.content_labels[k]) || k, area.contents[k]]);
    });
    if (area.children) rows.push([t.children, area.children]);
    details.innerHTML = "";
    details.appendChild(text("h2", area.name + " · " + (t[area.level] || area.level)));
    var dl = document.createElement("dl");
    rows.forEach(function (row) { dl.appendChild(text("dt", row[0])); dl.appendChild(text("dd", String(row[1]))); });
    details.appendChild(dl);
  }

  function showCell(code) {
    get(areasUrl + encodeURIComponent(code) + "/").then(describe).catch(function () { details.textContent = t.failed; });
  }

  function renderCrumbs() {
    crumbs.innerHTML = "";
    trail.forEach(function (step, i) {
      var a = document.createElement(i === trail.length - 1 ? "span" : "a");
      a.textContent = step.label;
      if (i < trail.length - 1) {
        a.href = "#";
        a.addEventListener("click", function (e) { e.preventDefault(); trail = trail.slice(0, i + 1); renderCrumbs(); step.open(); });
      }
      crumbs.appendChild(a);
    });
  }

  /* GeoJSON cells: a community's, or a grid worker's own. */
  function showCells(query, parentCode) {
    details.textContent = t.loading;
    return get(areasUrl + "?" + query).then(function (fc) {
      clear();
      var layer = L.geoJSON(fc, {
        style: function () { return { color: colours.grid, weight: 1.5, fillOpacity: 0.12 }; },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(f.properties.name + " " + f.properties.code, { sticky: true });
          lyr.on("click", function () { showCell(f.properties.code); });
        }
      }).addTo(map);
      overlays.push(layer);
      if (parentCode) {
        tiles("community", function (code) { return code === parentCode; },
          { color: colours.community, weight: 3, fill: false });
        if (config.canEdit && !asOf) {
          var a = text("a", t.edit, "maplink");
          a.href = editorUrl.replace("CODE", parentCode);
          editLink.appendChild(a);
        }
      }
      labelTier = "grid";
      fc.features.forEach(function (f) {
        var centre = L.geoJSON(f).getBounds().getCenter();
        addLabel({ name: f.properties.name, code: f.properties.code, level: "grid", point: [centre.lng, centre.lat] });
      });
      if (fc.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
      toggleLabels();
      details.textContent = "";
      el.dataset.mode = "geojson";
      el.dataset.loaded = String(fc.features.length);
      return fc;
    }).catch(function () { details.textContent = t.failed; });
  }

  /* A district or street office: its children from vector tiles, labelled. */
  function drill(code) {
    details.textContent = t.loading;
    return get(labelsUrl + "?parent=" + encodeURIComponent(code)).then(function (data) {
      var parent = data.parent;
      var childLevel = data.children.length ? data.children[0].level : null;
      if (childLevel === "grid" || parent.level === "community") {
        return showCells("parent=" + encodeURIComponent(code), code);
      }
      clear();
      details.textContent = "";
      fit(parent.bbox);
      el.dataset.tiles = "loading";
      var children = tiles(childLevel, function (c) { return c.indexOf(code) === 0; },
        { color: colours[childLevel], weight: 1.5, fill: true, fillColor: colours[childLevel], fillOpacity: 0.1, interactive: true },
        function (props) { open(props.code, props.name); });
      children.on("load", function () { el.dataset.tiles = "loaded"; });
      tiles(parent.level, function (c) { return c === code; }, { color: colours[parent.level], weight: 3, fill: false });
      labelTier = childLevel;
      data.children.forEach(addLabel);
      toggleLabels();
      el.dataset.mode = "tiles";
      el.dataset.loaded = String(data.children.length);
      return data;
    }).catch(function (error) {
      // On a past day this area may not have existed yet: say so, rather than "could not load".
      details.textContent = asOf && error && error.status === 404 ? t.nothingThen : t.failed;
    });
  }

  function open(code, name) {
    trail.push({ label: name, open: function () { drill(code); } });
    renderCrumbs();
    drill(code);
  }

  if (el.dataset.nothingThen === "1") {
    details.textContent = t.nothingThen;
    el.dataset.loaded = "0";
  } else if (startLevel === "grid") {
    trail = [{ label: t.grid, open: function () { showCells("level=grid"); } }];
    renderCrumbs();
    showCells("level=grid");
  } else if (startCodes.length) {
    trail = [{ label: t.all, open: function () { drill(startCodes[0]); } }];
    renderCrumbs();
    drill(startCodes[0]);
  }
})();
