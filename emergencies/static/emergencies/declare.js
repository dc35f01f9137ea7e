/* Declaring an emergency: choose communities on the map (tap) or draw a polygon (Leaflet-Geoman),
   name the zone and its measure, declare (POST to the API), then issue a campaign to the zone. */
(function () {
  "use strict";
  var el = document.getElementById("declare-map");
  var strings = JSON.parse(document.getElementById("declare-strings").textContent);
  var map = gridgov.maps.create(el, { view: false });
  var chosen = {}, drawn = null, zoneId = null;
  function csrf() { var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/); return m ? decodeURIComponent(m[1]) : ""; }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
                        body: JSON.stringify(body) }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  function errors(body) {
    var parts = [body.detail || ""];
    (function walk(v) { if (typeof v === "string") parts.push(v); else if (v && typeof v === "object") Object.keys(v).forEach(function (k) { walk(v[k]); }); })(body.errors);
    return parts.filter(Boolean).join(" ");
  }
  function showChosen() { document.getElementById("chosen").textContent = Object.keys(chosen).join(", ") || "—"; }
  gridgov.maps.areas(map, el.dataset.areasUrl, "community", el.dataset.parents, {
    fit: true,
    onEachFeature: function (feature, layer) {
      layer.on("click", function () {
        var code = feature.properties.code;
        if (chosen[code]) { delete chosen[code]; layer.setStyle({ fillOpacity: 0.2 }); } else { chosen[code] = true; layer.setStyle({ fillOpacity: 0.6 }); }
        showChosen();
      });
    }
  });
  if (map.pm) {
    map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false });
    map.on("pm:create", function (e) { if (drawn) map.removeLayer(drawn); drawn = e.layer; });
  }
  document.getElementById("declare-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target, out = document.getElementById("declare-result");
    var zone = { name: form.zone_name.value, measure: form.measure.value };
    if (drawn) zone.geometry = drawn.toGeoJSON().geometry; else zone.areas = Object.keys(chosen);
    post(form.dataset.api, { kind: form.kind.value, title: form.title.value, area: form.dataset.area, zones: [zone] }).then(function (r) {
      if (!r.ok) { out.textContent = errors(r.body); return; }
      var z = r.body.zones[0];
      zoneId = z.id;
      out.textContent = strings.declared.replace("%(households)s", z.households).replace("%(residents)s", z.residents).replace("%(care)s", z.care_residents);
      document.getElementById("issue-form").hidden = false;
    });
  });
  document.getElementById("issue-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target, out = document.getElementById("issue-result");
    function moment(v) { return new Date(v).toISOString(); }
    post(strings.issue_url.replace("/0/", "/" + zoneId + "/"), { title: form.title.value, unit: form.unit.value,
         deadline: moment(form.deadline.value), care_deadline: moment(form.care_deadline.value) }).then(function (r) {
      out.textContent = r.ok ? strings.issued.replace("%(tasks)s", r.body.tasks) : errors(r.body);
      if (r.ok) { var a = document.createElement("a"); a.href = strings.campaign_url.replace("/0/", "/" + r.body.id + "/"); a.textContent = strings.progress; out.append(" ", a); }
    });
  });
})();
