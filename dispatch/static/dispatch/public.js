/* The resident's report page: a tap on the map or "use my position" fills the hidden lat/lng, and
   the photos chosen are made smaller before the form posts them (static/gridgov/photos.js, the
   grid worker's report page does the same; their EXIF is read from the originals first by
   static/gridgov/exif.js). The form posts without this script too (then only the position cannot
   be given, the page says so, and the photos go as the camera made them). */
(function () {
  "use strict";
  var form = document.getElementById("public-report");
  var photos = document.getElementById("photos");
  if (form && photos && window.gridgov && gridgov.photos) {
    var shrinking = null, send = document.getElementById("send");
    photos.addEventListener("change", function () {
      var note = document.getElementById("photos-status");
      if (note) note.textContent = photos.dataset.preparing || "";
      var mine = shrinking = gridgov.photos.intoInput(photos).then(function () {
        if (shrinking === mine) { shrinking = null; if (note) note.textContent = ""; }
      });
    });
    form.addEventListener("submit", function (event) {
      if (!shrinking) return;
      // Sent once the smaller photos are in the input (a few hundred milliseconds on a phone).
      event.preventDefault();
      if (send) send.disabled = true;
      shrinking.then(function () { if (send) send.disabled = false; form.submit(); });
    });
  }
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
