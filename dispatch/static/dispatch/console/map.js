/* The dispatchers' console, part 2 of 6: the map and the queue's cases on it.
 *
 * Two layers the dispatcher switches in the layer control: the queue's cases as markers, gathered
 * in clusters coloured by the worst light inside (leaflet.markercluster), and a heat map of every
 * case the filters keep in the whole jurisdiction (heat.js).
 */
(function () {
  "use strict";
  var C = gridgov.console, T = C.T, M = gridgov.maps;
  var map = C.map = M.create("console-map", {
    zoomControl: true, maxZoom: 19, zoom: 12, attributionWithTilesOnly: true,
    tileUrl: C.config.tileUrl, tileAttribution: C.config.tileAttribution
  });
  var streets = M.boundaries(map, C.config.streetsUrl, { style: { color: "#5b6776", weight: 1, fill: false } });
  // The cases' own pane sits above the overlay pane, where leaflet.heat puts its canvas.
  map.createPane("cases").style.zIndex = 450;
  var lightRank = { red: 0, yellow: 1, green: 2 };
  var markers = C.markers = L.markerClusterGroup({
    maxClusterRadius: 45,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    iconCreateFunction: function (cluster) {
      var worst = "none", rank = 9, selected = false;
      cluster.getAllChildMarkers().forEach(function (marker) {
        var r = lightRank.hasOwnProperty(marker.light) ? lightRank[marker.light] : 3;
        if (r < rank) { rank = r; worst = marker.light || "none"; }
        if (marker.caseId === C.state.selected) selected = true;
      });
      var count = cluster.getChildCount();
      var size = count < 10 ? 34 : count < 100 ? 40 : 46;
      return L.divIcon({
        html: '<div title="' + C.esc(C.fmt(T.clusterTitle, { n: count })) + '"><span>' + count + "</span></div>",
        className: "marker-cluster marker-cluster-" + worst + (selected ? " has-selected" : ""),
        iconSize: L.point(size, size),
      });
    },
  }).addTo(map);
  // The layer control; heat.js puts its layer in C.overlays before console.js adds the control.
  C.overlays = {};
  C.overlays[T.layerCases] = markers;
  var markerById = {};
  var fitted = false;
  streets.loaded.then(function (data) {
    if (!data || !data.features || !data.features.length) return;
    if (!fitted) { map.fitBounds(streets.getBounds(), { padding: [10, 10] }); fitted = true; }
  });
  var colours = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32" };

  function markerStyle(item) {
    var selected = item.id === C.state.selected;
    return {
      radius: selected ? 10 : 6, weight: selected ? 3 : 1, color: selected ? "#0b57d0" : "#1d2733",
      fillColor: colours[item.light] || "#777", fillOpacity: 0.85,
    };
  }

  // The queue is redrawn every few seconds: markers are kept by case number and only the changes
  // reach the cluster group, so an open cluster or a spiderfied stack stays as the dispatcher left it.
  C.drawMarkers = function () {
    var seen = {}, added = [], removed = [], recolour = false;
    var bounds = [];
    C.state.items.forEach(function (item) {
      var latlng = L.latLng(item.location.lat, item.location.lng);
      var marker = markerById[item.id];
      // (a fanned-out marker is drawn away from its place: compare the place it was made for)
      if (marker && !marker.caseLatLng.equals(latlng)) { removed.push(marker); marker = null; }
      if (!marker) {
        marker = L.circleMarker(latlng, L.extend({ pane: "cases" }, markerStyle(item)));
        marker.caseId = item.id;
        marker.caseLatLng = latlng;
        marker.bindTooltip("");
        marker.on("click", function () { C.select(item.id, true); });
        markerById[item.id] = marker;
        added.push(marker);
      }
      var selected = item.id === C.state.selected;
      if (marker.light !== item.light || marker.selected !== selected) recolour = true;
      marker.light = item.light;
      marker.selected = selected;
      marker.setStyle(markerStyle(item));
      marker.setTooltipContent(C.esc(item.label) + " " + C.esc(item.category));
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
  };

  // Show the selected case's marker without losing the dispatcher's view: pan to it when it stands
  // alone; inside a small cluster, fan the cluster out where it is (j/k through the queue should not
  // zoom the map in and out); inside a big one, zoom in until it shows (spiderfying at the last zoom).
  var SPIDERFY_AT_MOST = 12;
  C.reveal = function reveal(item, retried) {
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
        markers.once("animationend", function () { if (C.state.selected === item.id) reveal(item, true); });
      }
      return;
    }
    markers.zoomToShowLayer(marker);
  };
})();
