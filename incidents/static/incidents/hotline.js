/* The hotline form: click the map to set the caller's location (boundaries of the district's street offices drawn). */
(function () {
  "use strict";
  var el = document.getElementById("pinpick");
  if (!el || !window.L) return;
  var M = gridgov.maps;
  var lat = document.getElementById("lat"), lng = document.getElementById("lng");
  var map = M.create(el, { zoom: 13 });
  function put(la, ln) {
    lat.value = la.toFixed(7); lng.value = ln.toFixed(7);
    pin.place([la, ln]);
  }
  var pin = M.pin(map, function (latlng) { put(latlng.lat, latlng.lng); });
  if (lat.value && lng.value) { put(parseFloat(lat.value), parseFloat(lng.value)); map.setView([parseFloat(lat.value), parseFloat(lng.value)], 16); }
  M.areas(map, el.dataset.areas, "street", el.dataset.district, {
    style: { weight: 2, fillOpacity: 0.05 },
    onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); l.on("click", function (e) { put(e.latlng.lat, e.latlng.lng); }); },
    fit: function () { return !pin.placed(); }
  });
})();
