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

  el.hidden = false;
  var map = L.map(el, { zoomControl: true });
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  var outline = L.geoJSON(JSON.parse(document.getElementById("cell-outline").textContent), {
    style: { color: "#b3261e", weight: 2, fillOpacity: 0.08 }, interactive: false,
  }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [12, 12] });

  function current() {
    var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
    return isFinite(lat) && isFinite(lng) ? L.latLng(lat, lng) : outline.getBounds().getCenter();
  }
  var marker = L.marker(current(), { draggable: true, autoPan: true, keyboard: true }).addTo(map);

  // Six decimals: about 0.1 m, as the server keeps them.
  function fill(latlng) {
    latInput.value = latlng.lat.toFixed(6);
    lngInput.value = latlng.lng.toFixed(6);
  }
  function place(latlng) {
    marker.setLatLng(latlng);
    fill(latlng);
  }
  marker.on("dragend", function () { fill(marker.getLatLng()); });
  map.on("click", function (e) { place(e.latlng); });
  // Typed coordinates move the pin too, so the two never disagree.
  [latInput, lngInput].forEach(function (input) {
    input.addEventListener("change", function () { marker.setLatLng(current()); map.panTo(marker.getLatLng()); });
  });
  if (!latInput.value || !lngInput.value) fill(marker.getLatLng());

  if (!navigator.geolocation) return;
  locateButton.hidden = false;
  locateButton.addEventListener("click", function () {
    status.textContent = el.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
      place(here);
      map.setView(here, Math.max(map.getZoom(), 17));
      status.textContent = el.dataset.located.replace("{m}", Math.round(pos.coords.accuracy || 0));
    }, function () {
      status.textContent = el.dataset.noGps;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  });
})();
