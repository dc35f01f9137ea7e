/* The needs board's map tab: the filtered needs as dots by kind (bigger with a red ring when
   overdue), each opening the need; drawn the first time the tab is shown (a hidden map has no size). */
(function () {
  "use strict";
  var el = document.getElementById("board-map");
  var KIND = ["#6a3d9a", "#1f78b4", "#33a02c", "#ff7f00", "#e31a1c", "#b15928", "#a6cee3", "#fb9a99"];
  var kinds = {}, map = null;

  function draw() {
    map = gridgov.maps.create(el, { view: false });
    var layer = L.geoJSON(null, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        if (!kinds[p.kind]) kinds[p.kind] = KIND[Object.keys(kinds).length % KIND.length];
        return L.circleMarker(latlng, { radius: p.overdue ? 10 : 7, color: p.overdue ? "#b3261e" : "#fff", weight: p.overdue ? 3 : 1.5,
                                         fillColor: kinds[p.kind], fillOpacity: 0.95, className: "need-dot" + (p.overdue ? " overdue" : "") });
      },
      onEachFeature: function (f, marker) {
        var p = f.properties, box = document.createElement("div"), link = document.createElement("a"), line = document.createElement("p");
        link.textContent = p.kind_label + " #" + p.id;
        link.href = el.dataset.needUrl.replace("/0/", "/" + p.id + "/");
        line.textContent = p.status_label + (p.address ? " · " + p.address : "");
        box.appendChild(link);
        box.appendChild(line);
        marker.bindPopup(box);
      }
    }).addTo(map);
    gridgov.http.getJSON(el.dataset.markersUrl).then(function (fc) {
      layer.addData(fc);
      if (fc.features.length) map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [20, 20] });
      else map.setView([39.93, 116.41], 13);
      el.dataset.needs = String(fc.features.length);
    }).catch(function () { el.dataset.needs = "failed"; map.setView([39.93, 116.41], 13); });
  }

  document.querySelectorAll(".board-tabs button").forEach(function (tab) {
    tab.addEventListener("click", function () {
      document.querySelectorAll(".board-tabs button").forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        document.getElementById(t.dataset.show).hidden = !on;
      });
      if (tab.dataset.show === "board-map") { if (!map) draw(); else map.invalidateSize(); }
    });
  });
})();
