/* The hierarchy map: district → street office → community → grid cell, one tier at a time,
   so a phone never downloads thousands of cells at once. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) return;
  var t = JSON.parse(document.getElementById("map-i18n").textContent);
  var areasUrl = el.dataset.areasUrl;
  var lookupUrl = el.dataset.lookupUrl;
  var startCodes = (el.dataset.startCodes || "").split(",").filter(Boolean);
  var startLevel = el.dataset.startLevel;
  var childLevel = { district: "street", street: "community", community: "grid" };
  var colours = { district: "#8c2d04", street: "#d94801", community: "#2171b5", grid: "#238b45" };

  var map = L.map(el, { preferCanvas: true, zoomControl: true }).setView([39.93, 116.41], 12);
  window.gridgovMap = map;
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  var layer = L.geoJSON(null, {
    style: function (f) {
      return { color: colours[f.properties.level] || "#333", weight: f.properties.level === "grid" ? 1 : 2, fillOpacity: 0.12 };
    },
    onEachFeature: function (f, lyr) {
      lyr.bindTooltip(f.properties.name + " " + f.properties.code, { sticky: true });
      lyr.on("click", function () { select(f.properties); });
    }
  }).addTo(map);
  var trail = [];
  var crumbs = document.getElementById("crumbs");
  var details = document.getElementById("details");

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function show(query, label) {
    details.textContent = t.loading;
    return get(areasUrl + "?" + query).then(function (fc) {
      layer.clearLayers();
      layer.addData(fc);
      if (fc.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      details.textContent = "";
      el.dataset.loaded = String(fc.features.length);
      return fc;
    }).catch(function () { details.textContent = t.failed; });
  }

  function renderCrumbs() {
    crumbs.innerHTML = "";
    trail.forEach(function (step, i) {
      var a = document.createElement(i === trail.length - 1 ? "span" : "a");
      a.textContent = step.label;
      if (i < trail.length - 1) {
        a.href = "#";
        a.addEventListener("click", function (e) { e.preventDefault(); trail = trail.slice(0, i + 1); renderCrumbs(); show(step.query); });
      }
      crumbs.appendChild(a);
    });
  }

  function describe(area) {
    var rows = [[t.code, area.code], [t.area, Math.round(area.area_m2).toLocaleString() + " m²"]];
    if (area.grid_workers) rows.push([t.workers, area.grid_workers.join("、") || t.none]);
    if (area.contents) Object.keys(area.contents).forEach(function (k) { rows.push([k, area.contents[k]]); });
    var html = "<h2></h2><dl>" + rows.map(function () { return "<dt></dt><dd></dd>"; }).join("") + "</dl>";
    details.innerHTML = html;
    details.querySelector("h2").textContent = area.name + " · " + (t[area.level] || area.level);
    var dts = details.querySelectorAll("dt"), dds = details.querySelectorAll("dd");
    rows.forEach(function (row, i) { dts[i].textContent = row[0]; dds[i].textContent = row[1]; });
  }

  function select(props) {
    if (props.level === "grid") {
      get(areasUrl + encodeURIComponent(props.code) + "/").then(describe).catch(function () { details.textContent = t.failed; });
      return;
    }
    var query = "parent=" + encodeURIComponent(props.code);
    trail.push({ label: props.name, query: query });
    renderCrumbs();
    show(query);
  }

  if (startLevel === "grid") {
    trail = [{ label: t.grid, query: "level=grid" }];
    renderCrumbs();
    show("level=grid");
  } else if (startCodes.length) {
    var query = "parent=" + encodeURIComponent(startCodes[0]);
    trail = [{ label: t.all, query: query }];
    renderCrumbs();
    show(query);
  }
})();
