/* A finished patrol's track. */
(function () {
  "use strict";
  var el = document.getElementById("trackmap");
  if (!el || !window.L) return;
  var track = JSON.parse(document.getElementById("track").textContent);
  var map = gridgov.maps.create(el, { zoom: 15 });
  if (track.length) {
    var line = L.polyline(track, { color: "#b3261e", weight: 4 }).addTo(map);
    map.fitBounds(line.getBounds(), { padding: [20, 20], maxZoom: 18 });
  }
})();
