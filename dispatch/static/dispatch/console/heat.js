/* The dispatchers' console, part 3 of 6: the heat map of every case the filters keep.
 *
 * Counted per grid cell by the server (the heat API) for the view and its zoom, so it stays small
 * at city scale.
 */
(function () {
  "use strict";
  var C = gridgov.console, T = C.T, H = gridgov.http, map = C.map;
  // maxZoom 0: leaflet.heat then takes each point's weight as it is at every zoom (the server already
  // sized its cells to the zoom). The layer control greys out a layer whose maxZoom is below the map's
  // zoom, so it is given the heat layer inside a plain group.
  var heat = L.heatLayer([], { radius: 25, blur: 18, minOpacity: 0.3, maxZoom: 0 });
  var heatGroup = L.layerGroup([heat]);
  C.overlays[T.layerHeat] = heatGroup;
  var heatState = { busy: false, again: false, query: null, at: 0, zoom: null, bounds: null };
  var heatEl = L.DomUtil.create("span", "heat-total");

  C.heatShown = function () { return map.hasLayer(heat); };
  // The queue's status line is rewritten at every load: the heat map's total goes back on it.
  C.showHeatTotal = function () { if (C.heatShown()) C.el.status.appendChild(heatEl); };

  function heatQuery() {
    var query = C.params();
    query.set("zoom", String(map.getZoom()));
    var b = map.getBounds().pad(0.5);
    var corners = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    query.set("bbox", corners.map(function (v) { return v.toFixed(5); }).join(","));
    return query;
  }

  // Refetched when the filters change, when the view leaves what was fetched or changes zoom, and
  // every heatSeconds with the queue's poll; never while the layer is off. A change while an answer
  // is awaited is looked at again when it has come.
  C.loadHeat = function loadHeat(force) {
    if (!map.hasLayer(heat)) return;
    if (heatState.busy) { heatState.again = true; return; }
    var filtersNow = C.params().toString();
    var stale = Date.now() - heatState.at > (C.config.heatSeconds || 30) * 1000;
    var moved = heatState.zoom !== map.getZoom() || !heatState.bounds || !heatState.bounds.contains(map.getBounds());
    if (!force && !stale && !moved && filtersNow === heatState.query) return;
    var query = heatQuery();
    heatState.busy = true;
    H.getJSON(C.config.heatUrl + "?" + query.toString())
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
        heatEl.textContent = C.fmt(T.heatTotal, { n: data.total });
      })
      .catch(function () {})
      .then(function () {
        heatState.busy = false;
        if (heatState.again) { heatState.again = false; loadHeat(false); }
      });
  };
  map.on("overlayadd", function (event) { if (event.layer === heatGroup) { C.el.status.appendChild(heatEl); C.loadHeat(true); } });
  map.on("overlayremove", function (event) {
    if (event.layer === heatGroup && heatEl.parentNode) heatEl.parentNode.removeChild(heatEl);
  });
  var moveTimer = null;
  map.on("moveend", function () { clearTimeout(moveTimer); moveTimer = setTimeout(function () { C.loadHeat(false); }, 250); });
})();
