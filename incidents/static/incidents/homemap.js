/* Home: her cells, named, with their open cases as dots coloured by their light; a tap opens the case.
   Both come in the page itself (incidents.home.grid_worker_card), so the map draws from the page the
   service worker kept when there is no signal; the base map under it says when it is missing. */
(function () {
  "use strict";
  var el = document.getElementById("home-map");
  if (!el || !window.L) return;
  var colours = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32" };
  var cells = JSON.parse(document.getElementById("home-cells").textContent);
  var cases = JSON.parse(document.getElementById("home-cases").textContent);
  var map = gridgov.maps.create(el, { zoom: 16, attributionWithTilesOnly: true });
  var outline = gridgov.maps.boundaries(map, cells, {
    style: { color: gridgov.maps.colours.grid, weight: 2, fillOpacity: 0.08 }, labels: { minZoom: 15 }
  });
  var detail = el.dataset.detailUrl;
  var dots = L.featureGroup().addTo(map);
  // Cases filed at the same spot (one address, a pin on the cell) are set around it some metres
  // apart, so that every dot shows and can be tapped; the case page has the exact point.
  var atSpot = {};
  cases.forEach(function (c) { var key = c.lat + "," + c.lng; atSpot[key] = (atSpot[key] || 0) + 1; });
  var placed = {};
  cases.forEach(function (c) {
    var key = c.lat + "," + c.lng, n = atSpot[key], k = placed[key] = (placed[key] || 0) + 1;
    var lat = c.lat, lng = c.lng;
    if (n > 1) {
      var angle = 2 * Math.PI * k / n, metres = 12 + 2 * n;
      lat += metres / 111320 * Math.sin(angle);
      lng += metres / (111320 * Math.cos(c.lat * Math.PI / 180)) * Math.cos(angle);
    }
    var link = document.createElement("a");
    link.href = detail.replace("/0/", "/" + c.id + "/");
    link.textContent = c.label + " · " + c.status;
    L.circleMarker([lat, lng], { radius: 8, weight: 2, color: "#fff", fillOpacity: 0.95, fillColor: colours[c.light] || "#607d8b",
                                     className: "case-dot " + (c.light || "") }).bindPopup(link).addTo(dots);
  });
  var bounds = outline.getBounds();
  if (dots.getLayers().length) bounds = bounds.isValid() ? bounds.extend(dots.getBounds()) : dots.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
  el.dataset.cells = String(cells.features.length);
  el.dataset.cases = String(cases.length);
})();
