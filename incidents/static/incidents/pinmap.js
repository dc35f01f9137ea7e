/* A small map with the case's pin, over its community's cells, named where they fit. */
(function () {
  "use strict";
  var el = document.getElementById("casemap");
  if (!el || !window.L) return;
  var here = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  var map = gridgov.maps.create(el, { zoomControl: true, center: here, zoom: 17 });
  gridgov.maps.caseCells(map, el);
  L.circleMarker(here, { radius: 9, color: "#fff", weight: 2, fillColor: "#b3261e", fillOpacity: 0.95 }).addTo(map);
})();
