/* New building: a draggable pin on the cell's outline fills the latitude/longitude boxes.
   Without JavaScript the boxes are the whole form (they come filled with the cell's centre). */
(function () {
  "use strict";
  var el = document.getElementById("pinmap");
  var latInput = document.querySelector("input[name=location_lat]");
  var lngInput = document.querySelector("input[name=location_lng]");
  if (!el || !latInput || !lngInput || !window.L) return;
  var status = document.getElementById("locate-status");
  var locateButton = document.getElementById("locate");
  var M = gridgov.maps;

  el.hidden = false;
  var map = M.create(el, { zoomControl: true, view: false });
  var outline = M.boundaries(map, JSON.parse(document.getElementById("cell-outline").textContent), {
    style: { color: "#b3261e", weight: 2, fillOpacity: 0.08 }, interactive: false, fit: true, fitOptions: { padding: [12, 12] }
  });

  function current() {
    var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
    return isFinite(lat) && isFinite(lng) ? L.latLng(lat, lng) : outline.getBounds().getCenter();
  }
  // Six decimals: about 0.1 m, as the server keeps them.
  function fill(latlng) {
    latInput.value = latlng.lat.toFixed(6);
    lngInput.value = latlng.lng.toFixed(6);
  }
  function place(latlng) {
    pin.place(latlng);
    fill(latlng);
  }
  var pin = M.pin(map, place, { autoPan: true, keyboard: true });
  var marker = pin.place(current());
  // Typed coordinates move the pin too, so the two never disagree.
  [latInput, lngInput].forEach(function (input) {
    input.addEventListener("change", function () { marker.setLatLng(current()); map.panTo(marker.getLatLng()); });
  });
  if (!latInput.value || !lngInput.value) fill(marker.getLatLng());

  if (!navigator.geolocation) return;
  locateButton.hidden = false;
  locateButton.addEventListener("click", function () {
    status.textContent = el.dataset.locating;
    M.locate(function (pos) {
      var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
      place(here);
      M.focus(map, here);
      status.textContent = el.dataset.located.replace("{m}", Math.round(pos.coords.accuracy || 0));
    }, function () {
      status.textContent = el.dataset.noGps;
    });
  });
})();
