/* What every map page shares (load after Leaflet, from django-leaflet's static files).

   A map draws without a base map: the tile URL (GRIDGOV_TILE_URL) is optional, and when it is unset
   the page shows the boundaries it draws itself and works offline. Page-specific layers (vector
   tiles, clusters, heat, the editor's cells) stay in the page scripts.

     gridgov.maps.create(el, options)        a Leaflet map on el (an element or its id) at the
        district's centre; options.zoom (13), options.center, options.view: false (the page fits
        the map itself), options.tileUrl / tileAttribution (default: el's data-tile-url and
        data-tile-attribution), options.tileMaxZoom (19), options.attributionWithTilesOnly;
        any other option goes to L.map.
     gridgov.maps.boundaries(map, source, options)   a GeoJSON layer added at once and filled from
        source (a GeoJSON object, or a URL fetched with the session); options are L.geoJSON's, plus
        fit (true, or a function answering whether to fit now) and fitOptions. layer.loaded is a
        promise of the feature collection (null when the fetch failed: the map stays usable).
     gridgov.maps.areas(map, areasUrl, level, parents, options)   boundaries() of the areas of one
        level under each parent code (a list or "code,code"), in the level's colour by default.
     gridgov.maps.pin(map, onMove, markerOptions)   a draggable pin, placed with pin.place(latlng);
        a tap on the map or a drag calls onMove(latlng), which decides whether to place it.
     gridgov.maps.locate(onFound, onFail, options)   a fresh fix of the phone's position (high
        accuracy, maximumAge 0: never a cached fix, 15 s timeout); onFail(error) at once when the
        browser has no geolocation (error null).
     gridgov.maps.locateError(error, strings)   the message for a failed fix: strings.gps_denied,
        gps_unavailable, gps_timeout, or no_gps.
     gridgov.maps.focus(map, latlng)         centre on a point, zooming in to street level (17).
     gridgov.maps.colours                    one colour per tier: district, street, community, grid.
     gridgov.maps.base(map, url)             the project's own base map (grids/base_layer.py: street
        offices and communities, tinted and named) under everything else; create() adds it to every
        map without a tile server unless options.base is false (body data-base-map gives the URL).
        When it cannot be fetched (offline, never kept) the map says so in a corner.
     gridgov.maps.labels(map, layer, textOf, options)   a name on each polygon of layer, shown only
        at the zooms where it fits inside the polygon (options.minZoom, maxZoom, className).
     gridgov.maps.caseCells(map, el)          the cells of the community a case was filed in (el's
        data-areas-url, data-community), named where they fit, the case's own cell (data-cell) bolder.
     Labels and the base map are docs/maps.md. */
(function () {
  "use strict";
  var CENTRE = [39.93, 116.41];  // as LEAFLET_CONFIG's DEFAULT_CENTER; pages fit to what they draw
  var OWN = { tileUrl: 1, tileAttribution: 1, tileMaxZoom: 1, view: 1, attributionWithTilesOnly: 1, base: 1 };
  var colours = { district: "#8c2d04", street: "#d94801", community: "#2171b5", grid: "#238b45" };

  function extend(target) {
    for (var i = 1; i < arguments.length; i++) {
      var source = arguments[i] || {};
      Object.keys(source).forEach(function (k) { target[k] = source[k]; });
    }
    return target;
  }

  function create(el, options) {
    options = options || {};
    if (typeof el === "string") el = document.getElementById(el);
    var data = el.dataset || {};
    var tileUrl = options.tileUrl !== undefined ? options.tileUrl : data.tileUrl;
    var attribution = options.tileAttribution !== undefined ? options.tileAttribution : data.tileAttribution;
    var mapOptions = {};
    Object.keys(options).forEach(function (k) { if (!OWN[k]) mapOptions[k] = options[k]; });
    if (options.attributionWithTilesOnly) mapOptions.attributionControl = !!tileUrl;
    if (options.view === false) {
      delete mapOptions.center;
      delete mapOptions.zoom;
    } else {
      mapOptions.center = options.center || CENTRE;
      mapOptions.zoom = options.zoom !== undefined ? options.zoom : 13;
    }
    var map = L.map(el, mapOptions);
    if (tileUrl) L.tileLayer(tileUrl, { attribution: attribution, maxZoom: options.tileMaxZoom || 19 }).addTo(map);
    else if (options.base !== false && document.body.dataset.baseMap) map.baseLayer = base(map, document.body.dataset.baseMap);
    return map;
  }

  function boundaries(map, source, options) {
    options = options || {};
    var geoOptions = {};
    Object.keys(options).forEach(function (k) { if (k !== "fit" && k !== "fitOptions" && k !== "labels") geoOptions[k] = options[k]; });
    var layer = L.geoJSON(null, geoOptions).addTo(map);
    function fill(fc) {
      if (!fc) return null;
      layer.addData(fc);
      if (options.labels) labels(map, layer, cellLabel, options.labels === true ? { minZoom: 16 } : options.labels);
      var any = fc.type !== "FeatureCollection" || (fc.features && fc.features.length);
      var fit = typeof options.fit === "function" ? options.fit() : options.fit;
      if (fit && any) map.fitBounds(layer.getBounds(), options.fitOptions);
      return fc;
    }
    if (typeof source === "string") {
      layer.loaded = window.gridgov.http.getJSON(source).then(fill).catch(function () { return null; });
    } else {
      layer.loaded = Promise.resolve(fill(source));
    }
    return layer;
  }

  function areas(map, areasUrl, level, parents, options) {
    options = options || {};
    var codes = typeof parents === "string" ? parents.split(",") : parents || [];
    var style = typeof options.style === "function" ? options.style : extend({ color: colours[level] }, options.style);
    return codes.filter(Boolean).map(function (code) {
      var url = areasUrl + "?level=" + encodeURIComponent(level) + "&parent=" + encodeURIComponent(code);
      return boundaries(map, url, extend({}, options, { style: style }));
    });
  }

  function pin(map, onMove, markerOptions) {
    var marker = null;
    map.on("click", function (e) { onMove(e.latlng); });
    return {
      place: function (latlng) {
        if (marker) { marker.setLatLng(latlng); return marker; }
        marker = L.marker(latlng, extend({ draggable: true }, markerOptions)).addTo(map);
        marker.on("dragend", function () { onMove(marker.getLatLng()); });
        return marker;
      },
      placed: function () { return marker !== null; },
      latLng: function () { return marker ? marker.getLatLng() : null; }
    };
  }

  function locate(onFound, onFail, options) {
    onFail = onFail || function () {};
    if (!navigator.geolocation) { onFail(null); return false; }
    navigator.geolocation.getCurrentPosition(onFound, onFail,
      extend({ enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }, options));
    return true;
  }

  function locateError(error, strings) {
    var code = error && error.code;
    if (code === 1 && strings.gps_denied) return strings.gps_denied;
    if (code === 2 && strings.gps_unavailable) return strings.gps_unavailable;
    if (code === 3 && strings.gps_timeout) return strings.gps_timeout;
    return strings.no_gps;
  }

  // --- labels and the base map ---------------------------------------------------------------

  function pane(map, name, zIndex) {
    var el = map.getPane(name) || map.createPane(name);
    el.style.zIndex = zIndex;
    el.style.pointerEvents = "none";
    return name;
  }

  // A cell's name without its community's (西兴隆社区第1网格 → 第1网格), over its code's last digits.
  function cellLabel(p) {
    var name = p.name || "", code = p.code || "";
    var short = name.replace(/^.*社区(?=第)/, "");
    return [short, code.slice(-3)];
  }

  function textWidth(text) {
    var px = 0;
    for (var i = 0; i < text.length; i++) px += text.charCodeAt(i) > 0x2e80 ? 12 : 7;
    return px + 6;
  }

  function labels(map, layer, textOf, options) {
    options = options || {};
    // Under the overlays (400): a name never hides a case's dot, and shows through the outlines' pale fill.
    var group = L.layerGroup().addTo(map), labelPane = pane(map, "gridgov-labels", 350);
    layer.eachLayer(function (shape) {
      var f = shape.feature || {}, lines = textOf(f.properties || {});
      if (typeof lines === "string") lines = [lines];
      var at = f.properties && f.properties.label ? L.latLng(f.properties.label[1], f.properties.label[0]) : shape.getBounds().getCenter();
      var html = document.createElement("span");
      lines.forEach(function (line, i) {
        var part = document.createElement(i ? "small" : "b");
        part.textContent = line;
        html.appendChild(part);
      });
      var marker = L.marker(at, { pane: labelPane, interactive: false, keyboard: false, pmIgnore: true, snapIgnore: true,
        icon: L.divIcon({ className: "map-label " + (options.className || ""), html: html.outerHTML, iconSize: null }) });
      marker.areaBounds = shape.getBounds();
      marker.labelWidth = Math.max.apply(null, lines.map(textWidth));
      marker.labelHeight = 16 * lines.length;
      group.addLayer(marker);
    });
    function fit() {
      var zoom = map.getZoom();
      group.eachLayer(function (marker) {
        var el = marker.getElement();
        if (!el) return;
        var b = marker.areaBounds, ne = map.latLngToContainerPoint(b.getNorthEast()), sw = map.latLngToContainerPoint(b.getSouthWest());
        var fits = ne.x - sw.x >= marker.labelWidth && sw.y - ne.y >= marker.labelHeight;
        var inZoom = (options.minZoom === undefined || zoom >= options.minZoom) && (options.maxZoom === undefined || zoom <= options.maxZoom);
        el.hidden = !(fits && inZoom);
      });
    }
    map.on("zoomend resize", fit);  // resize: a map built hidden gets its size later
    fit();
    layer.labels = group;
    return group;
  }

  // A pale tint per community, the same on every map (from its code), so neighbours differ.
  function tint(code) {
    var hash = 0;
    for (var i = 0; i < code.length; i++) hash = (hash * 31 + code.charCodeAt(i)) % 360;
    return "hsl(" + ((hash * 47) % 360) + ", 45%, 86%)";
  }

  function base(map, url) {
    var basePane = pane(map, "gridgov-base", 250);
    var layer = L.geoJSON(null, {
      pane: basePane, renderer: L.svg({ pane: basePane }), interactive: false, pmIgnore: true, snapIgnore: true,
      style: function (f) {
        return f.properties.level === "street"
          ? { color: "#6d4c41", weight: 2.5, opacity: 0.6, fill: false }
          : { color: "#90a4ae", weight: 1, opacity: 0.8, fillColor: tint(f.properties.code), fillOpacity: 0.55 };
      }
    }).addTo(map);
    map.getContainer().classList.add("has-base");
    layer.loaded = window.gridgov.http.getJSON(url).then(function (fc) {
      layer.addData(fc);  // communities first, street offices' thicker lines over them (the server's order)
      var streets = L.featureGroup(), communities = L.featureGroup();
      layer.eachLayer(function (l) { (l.feature.properties.level === "street" ? streets : communities).addLayer(l); });
      labels(map, streets, function (p) { return p.name; }, { maxZoom: 14, className: "street" });
      labels(map, communities, function (p) { return p.name; }, { minZoom: 14, className: "community" });
      map.getContainer().dataset.baseMap = String(fc.features.length);
      return fc;
    }).catch(function () {
      var note = L.control({ position: "bottomleft" });
      note.onAdd = function () {
        var el = L.DomUtil.create("div", "map-note");
        el.setAttribute("role", "status");
        el.textContent = document.body.dataset.baseMapMissing || "";
        return el;
      };
      note.addTo(map);
      map.getContainer().dataset.baseMap = "missing";
      return null;
    });
    return layer;
  }

  function caseCells(map, el) {
    var data = el.dataset || {};
    if (!data.areasUrl || !data.community) return null;
    return areas(map, data.areasUrl, "grid", [data.community], {
      style: function (f) {
        var own = f.properties.code === data.cell;
        return { color: colours.grid, weight: own ? 2.5 : 1, fillOpacity: own ? 0.1 : 0.03 };
      },
      labels: true, interactive: false
    })[0];
  }

  function focus(map, latlng) {
    map.setView(latlng, Math.max(map.getZoom(), 17));
  }

  window.gridgov = window.gridgov || {};
  window.gridgov.maps = {
    centre: CENTRE, colours: colours, create: create, boundaries: boundaries, areas: areas,
    pin: pin, locate: locate, locateError: locateError, focus: focus, base: base, labels: labels, cellLabel: cellLabel, caseCells: caseCells
  };
})();
