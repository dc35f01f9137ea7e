/* A finished patrol's track. */
(function () {
  "use strict";
  var el = document.getElementById("trackmap");
  if (!el || !window.L) return;
  var track = JSON.parse(document.getElementById("track").textContent);
  var map = L.map(el).setView([39.93, 116.41], 15);
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  if (track.length) {
    var line = L.polyline(track, { color: "#b3261e", weight: 4 }).addTo(map);
    map.fitBounds(line.getBounds(), { padding: [20, 20], maxZoom: 18 });
  }
})();
