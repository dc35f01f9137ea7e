/* The leader's map of an emergency: zones coloured by measure, communities (or cells) shaded by
   the share of households reached, needs as dots by kind (bigger with a red ring when overdue);
   a tap on an area shows its figures beside the map. Every layer comes from a scoped endpoint. */
(function () {
  "use strict";
  var el = document.getElementById("emergency-map");
  var strings = JSON.parse(document.getElementById("map-strings").textContent);
  var map = gridgov.maps.create(el, { view: false, zoom: 14 });
  var MEASURE = { lockdown: "#b3261e", controlled: "#e08a00", precaution: "#2b7bb9" };
  var KIND = ["#6a3d9a", "#1f78b4", "#33a02c", "#ff7f00", "#e31a1c", "#b15928", "#a6cee3", "#fb9a99"];
  var kinds = {};

  function reachColour(p) {
    if (p === null || p === undefined) return "#bdbdbd";
    if (p >= 100) return "#1a9850";
    if (p >= 75) return "#91cf60";
    if (p >= 50) return "#fee08b";
    if (p >= 25) return "#fc8d59";
    return "#d73027";
  }
  function text(tag, value, cls) { var n = document.createElement(tag); n.textContent = value; if (cls) n.className = cls; return n; }

  function showFigures(p) {
    var box = document.getElementById("area-figures");
    box.textContent = "";
    box.appendChild(text("h2", p.name));
    box.appendChild(text("p", p.code, "muted"));
    var rows = p.total ? [
      [strings.households, p.total], [strings.reached, p.reached + " (" + p.percent + "%)"],
      [strings.care, p.care_reached + " / " + p.care_total], [strings.nobody_home, p.nobody_home],
      [strings.needs_help, p.needs_help], [strings.overdue_tasks, p.overdue]
    ] : [[strings.households, strings.no_tasks]];
    rows.push([strings.needs_open, p.needs_open], [strings.needs_overdue, p.needs_overdue]);
    var table = document.createElement("table");
    table.className = "figures";
    table.id = "area-figures-table";
    rows.forEach(function (r) { var tr = document.createElement("tr"); tr.appendChild(text("th", r[0])); tr.appendChild(text("td", String(r[1]))); table.appendChild(tr); });
    box.appendChild(table);
  }

  var zones = gridgov.maps.boundaries(map, el.dataset.zonesUrl, {
    fit: true, interactive: false,
    style: function (f) { var c = MEASURE[f.properties.measure] || "#555"; return { color: c, weight: 3, fillColor: c, fillOpacity: 0.12, dashArray: "6 4" }; }
  });
  var areas = gridgov.maps.boundaries(map, el.dataset.areasUrl, {
    fit: function () { return !zones.getLayers().length; },
    style: function (f) { return { color: "#444", weight: 1, fillColor: reachColour(f.properties.percent), fillOpacity: 0.55 }; },
    onEachFeature: function (f, layer) {
      layer.on("click", function () { showFigures(f.properties); });
      layer.bindTooltip(f.properties.name + (f.properties.percent === null ? "" : " · " + f.properties.percent + "%"), { sticky: true });
    }
  });
  areas.loaded.then(function () {
    // The zones' dashed outlines over the shading (they take no taps: a tap falls through to the area).
    zones.loaded.then(function () { zones.bringToFront(); });
    // The base map names the communities already: the share sits under its name.
    gridgov.maps.labels(map, areas, function (p) { return p.percent === null ? "—" : p.percent + "%"; }, { minZoom: 13, className: "reach-label" });
    el.dataset.areas = String(areas.getLayers().length);
  });
  zones.loaded.then(function () { el.dataset.zones = String(zones.getLayers().length); });

  function kindColour(code, label) {
    if (!kinds[code]) {
      kinds[code] = { colour: KIND[Object.keys(kinds).length % KIND.length], label: label, count: 0 };
    }
    kinds[code].count += 1;
    return kinds[code].colour;
  }
  var needs = L.geoJSON(null, {
    pointToLayer: function (f, latlng) {
      var p = f.properties, colour = kindColour(p.kind, p.kind_label);
      return L.circleMarker(latlng, { radius: p.overdue ? 9 : 6, color: p.overdue ? "#b3261e" : "#fff", weight: p.overdue ? 3 : 1.5,
                                       fillColor: colour, fillOpacity: 0.95, className: "need-dot need-" + p.kind + (p.overdue ? " overdue" : "") });
    },
    onEachFeature: function (f, layer) {
      var p = f.properties, box = document.createElement("div");
      var link = text("a", p.kind_label + " #" + p.id);
      link.href = el.dataset.needUrl.replace("/0/", "/" + p.id + "/");
      box.appendChild(link);
      box.appendChild(text("p", p.status_label + (p.urgency === "urgent" ? " · " + strings.urgent : "") + (p.overdue ? " · " + strings.overdue : "")));
      if (p.address) box.appendChild(text("p", p.address, "muted"));
      layer.bindPopup(box);
    }
  }).addTo(map);
  gridgov.http.getJSON(el.dataset.needsUrl).then(function (fc) {
    needs.addData(fc);
    var legend = document.getElementById("needs-legend");
    Object.keys(kinds).forEach(function (code) {
      var li = document.createElement("li"), sw = text("span", "", "dot");
      sw.style.background = kinds[code].colour;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(" " + kinds[code].label + " · " + kinds[code].count));
      legend.appendChild(li);
    });
    el.dataset.needs = String(fc.features.length);
  }).catch(function () { el.dataset.needs = "failed"; });
})();
