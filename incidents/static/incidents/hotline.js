/* The hotline form: click the map to set the caller's location (boundaries of the district's street offices drawn). */
(function () {
  "use strict";
  var el = document.getElementById("pinpick");
  if (!el || !window.L) return;
  var lat = document.getElementById("lat"), lng = document.getElementById("lng");
  var map = L.map(el).setView([39.93, 116.41], 13);
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  var marker = null;
  function put(la, ln) {
    lat.value = la.toFixed(7); lng.value = ln.toFixed(7);
    if (!marker) marker = L.marker([la, ln], { draggable: true }).addTo(map).on("dragend", function () {
      var p = marker.getLatLng(); put(p.lat, p.lng);
    });
    else marker.setLatLng([la, ln]);
  }
  map.on("click", function (e) { put(e.latlng.lat, e.latlng.lng); });
  if (lat.value && lng.value) { put(parseFloat(lat.value), parseFloat(lng.value)); map.setView([parseFloat(lat.value), parseFloat(lng.value)], 16); }
  if (el.dataset.district) {
    fetch(el.dataset.areas + "?level=street&parent=" + encodeURIComponent(el.dataset.district), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (!fc || !fc.features.length) return;
        var layer = L.geoJSON(fc, { style: { color: "#d94801", weight: 2, fillOpacity: 0.05 },
          onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); l.on("click", function (e) { put(e.latlng.lat, e.latlng.lng); }); } }).addTo(map);
        if (!marker) map.fitBounds(layer.getBounds());
      }).catch(function () {});
  }
})();
