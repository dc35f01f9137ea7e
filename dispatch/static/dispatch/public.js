/* The resident's report page: a tap on the map or "use my position" fills the hidden lat/lng. The
   form posts without this script too (then only the position cannot be given: the page says so). */
(function () {
  "use strict";
  var el = document.getElementById("public-map");
  var lat = document.getElementById("lat"), lng = document.getElementById("lng");
  var where = document.getElementById("where");
  if (!el || !window.L || !window.gridgov) return;
  var map = gridgov.maps.create(el, { zoom: 13 });
  var outlines = document.getElementById("districts");
  if (outlines) {
    gridgov.maps.boundaries(map, JSON.parse(outlines.textContent), {
      fit: function () { return !lat.value; }, interactive: false, style: { color: gridgov.maps.colours.district, weight: 2, fillOpacity: 0.04 }
    });
  }
  var pin = gridgov.maps.pin(map, function (latlng) { set(latlng); return true; });
  function set(latlng) {
    lat.value = latlng.lat.toFixed(6);
    lng.value = latlng.lng.toFixed(6);
    pin.place(latlng);
    where.textContent = lat.value + ", " + lng.value;
  }
  if (lat.value && lng.value) { set(L.latLng(parseFloat(lat.value), parseFloat(lng.value))); gridgov.maps.focus(map, pin.latLng()); }
  document.getElementById("locate").addEventListener("click", function () {
    where.textContent = "…";
    gridgov.maps.locate(function (position) {
      var here = L.latLng(position.coords.latitude, position.coords.longitude);
      set(here);
      gridgov.maps.focus(map, here);
    }, function () { where.textContent = el.dataset.noPosition || "✕"; });
  });
})();
