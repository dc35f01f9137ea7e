/* Cases on a map, coloured by their light; a tap opens the case. */
(function () {
  "use strict";
  var el = document.getElementById("casemap");
  if (!el || !window.L) return;
  var colours = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32" };
  var map = gridgov.maps.create(el, { zoom: 13 });
  window.gridgovCaseMap = map;
  var detail = el.dataset.detailUrl;
  gridgov.http.getJSON(el.dataset.geojsonUrl)
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 8, weight: 2, color: "#fff", fillOpacity: 0.9,
                                          fillColor: colours[f.properties.light] || "#607d8b" });
        },
        onEachFeature: function (f, lyr) {
          var a = document.createElement("a");
          a.href = detail.replace("/0/", "/" + f.properties.id + "/");
          a.textContent = (f.properties.number || "#" + f.properties.id) + " " + f.properties.category + " · " + f.properties.status;
          lyr.bindPopup(a);
        }
      }).addTo(map);
      if (fc.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 17 });
      el.dataset.loaded = String(fc.features.length);
    })
    .catch(function () { el.dataset.loaded = "error"; });
})();
