/* The cutting pages. On the choosing page: "choose every community without cells". On a job's
   page: a progress bar polled while the worker cuts or publishes (the page reloads when the step
   is over), then the planned cells on a map, coloured by community, each with its number and size. */
(function () {
  "use strict";
  var all = document.getElementById("cut-all");
  if (all) {
    all.addEventListener("click", function () {
      document.querySelectorAll("#cut-form input[name=communities]").forEach(function (box) { if (!box.disabled) box.checked = true; });
    });
  }
  var box = document.getElementById("cut-job");
  if (!box) return;
  var config = JSON.parse(document.getElementById("cut-config").textContent);
  var t = config.texts;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  if (box.dataset.poll === "1") {
    var bar = document.getElementById("cut-bar");
    var text = document.getElementById("cut-progress-text");
    var tick = function () {
      gridgov.http.getJSON(config.urls.status).then(function (state) {
        document.getElementById("cut-status").textContent = state.label;
        if (state.status !== "planning" && state.status !== "publishing") { window.location.reload(); return; }
        var p = state.progress;
        if (p && p.total) {
          bar.max = p.total;
          bar.value = p.done;
          text.textContent = fmt(t[p.phase] || t.planning, { done: p.done, total: p.total });
        } else {
          text.textContent = t.waiting;
        }
        window.setTimeout(tick, 700);
      }).catch(function () { window.setTimeout(tick, 3000); });
    };
    tick();
    return;
  }

  var mapEl = document.getElementById("map");
  if (!mapEl) return;
  var map = gridgov.maps.create(mapEl, { view: false, tileUrl: config.tileUrl, tileAttribution: config.tileAttribution, zoomControl: true });
  var palette = ["#238b45", "#2171b5", "#d94801", "#6a51a3", "#cb181d", "#525252", "#8c6d31"];
  var communityColour = {};
  gridgov.http.getJSON(config.urls.cells).then(function (fc) {
    var layer = L.geoJSON(fc, {
      style: function (f) {
        var code = f.properties.community;
        if (!(code in communityColour)) communityColour[code] = palette[Object.keys(communityColour).length % palette.length];
        return { color: communityColour[code], weight: 1, fillOpacity: 0.15 };
      },
      onEachFeature: function (f, lyr) {
        lyr.bindTooltip(fmt(t.cell, { number: f.properties.number, community: f.properties.community, area: f.properties.area_m2.toLocaleString() }), { sticky: true });
      }
    }).addTo(map);
    if (fc.features.length) map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
    mapEl.dataset.cells = String(fc.features.length);
  });
})();
