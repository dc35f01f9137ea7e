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
     gridgov.maps.colours                    one colour per tier: district, street, community, grid. */
(function () {
  "use strict";
  var CENTRE = [39.93, 116.41];  // as LEAFLET_CONFIG's DEFAULT_CENTER; pages fit to what they draw
  var OWN = { tileUrl: 1, tileAttribution: 1, tileMaxZoom: 1, view: 1, attributionWithTilesOnly: 1 };
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
    return map;
  }

  function boundaries(map, source, options) {
    options = options || {};
    var geoOptions = {};
    Object.keys(options).forEach(function (k) { if (k !== "fit" && k !== "fitOptions") geoOptions[k] = options[k]; });
    var layer = L.geoJSON(null, geoOptions).addTo(map);
    function fill(fc) {
      if (!fc) return null;
      layer.addData(fc);
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
    var style = extend({ color: colours[level] }, options.style);
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

  function focus(map, latlng) {
    map.setView(latlng, Math.max(map.getZoom(), 17));
  }

  window.gridgov = window.gridgov || {};
  window.gridgov.maps = {
    centre: CENTRE, colours: colours, create: create, boundaries: boundaries, areas: areas,
    pin: pin, locate: locate, locateError: locateError, focus: focus
  };
})();
