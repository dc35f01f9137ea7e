/* The assignment map (dispatch/workload.html): the area's cells coloured by who covers them,
   the workers' load, the cells nobody covers; select cells, choose a worker, assign or release.
   Data from dispatch:workload-data; writes through dispatch:workload-assign (accounts.actions.cover_cells). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("workload-config").textContent);
  var t = JSON.parse(document.getElementById("workload-strings").textContent);
  var map = gridgov.maps.create("workload-map", { view: true });
  var layer = null, selected = {}, page = 1, area = config.area;
  var palette = ["#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6"];

  function el(id) { return document.getElementById(id); }
  function text(node, value) { node.textContent = value; return node; }
  // A worker's colour is their row's in the table (so neighbours in the list differ); others by id.
  var rank = {};
  function colourOf(id) { return palette[(rank[id] !== undefined ? rank[id] : id) % palette.length]; }

  function style(feature) {
    var p = feature.properties;
    if (selected[p.id]) return { color: "#000", weight: 3, fillColor: "#ffd92f", fillOpacity: 0.7 };
    if (!p.covered) return { color: "#b2182b", weight: 1.5, fillColor: "#ef3b2c", fillOpacity: 0.55, dashArray: "3" };
    return { color: "#555", weight: 0.8, fillColor: colourOf(p.workers[0].id), fillOpacity: 0.45 };
  }

  function tooltip(p) {
    var who = p.workers.length ? p.workers.map(function (w) { return w.name; }).join("、") : t.uncoveredCell;
    return p.name + " (" + p.code + ")<br>" + who + "<br>" + p.households + " " + t.households + " · " +
      p.residents + " " + t.residents + " · " + p.open_cases + " " + t.openCases;
  }

  function drawCells(fc) {
    if (layer) { map.removeLayer(layer); layer = null; }
    if (!fc) return;
    layer = L.geoJSON(fc, {
      style: style,
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(tooltip(feature.properties), { sticky: true });
        if (!config.canAssign) return;
        shape.on("click", function () {
          var id = feature.properties.id;
          if (selected[id]) delete selected[id]; else selected[id] = true;
          shape.setStyle(style(feature));
          text(el("wl-selected"), String(Object.keys(selected).length));
        });
      }
    }).addTo(map);
    if (fc.features.length) map.fitBounds(layer.getBounds());
  }

  function drawWorkers(data) {
    var body = el("wl-workers").querySelector("tbody");
    body.textContent = "";
    var select = el("wl-worker");
    if (select) {
      var keep = select.value;
      select.textContent = "";
      var none = document.createElement("option");
      none.value = ""; text(none, t.chooseWorker); select.appendChild(none);
    }
    rank = {};
    data.workers.forEach(function (w, i) { rank[w.id] = i; });
    data.workers.forEach(function (w) {
      var row = document.createElement("tr");
      var name = document.createElement("td");
      var swatch = document.createElement("span");
      swatch.className = "swatch"; swatch.style.background = colourOf(w.id);
      name.appendChild(swatch);
      name.appendChild(document.createTextNode(w.name + " (" + w.username + ")"));
      if (w.cells === 0) name.classList.add("idle");
      name.className += " card-title";
      row.appendChild(name);
      // On a phone the table shows as cards, each figure under its heading (app.css table.cards).
      var heads = document.querySelectorAll("#wl-workers thead th");
      [w.cells, w.households, w.residents, w.open_cases, w.patrol_km_30d].forEach(function (v, i) {
        var cell = text(document.createElement("td"), String(v));
        if (heads[i + 1]) cell.dataset.label = heads[i + 1].textContent;
        row.appendChild(cell);
      });
      row.title = w.cell_codes.join(", ");
      body.appendChild(row);
      if (select) {
        var option = document.createElement("option");
        option.value = String(w.id); text(option, w.name + " · " + w.cells);
        select.appendChild(option);
      }
    });
    if (select && keep) select.value = keep;
    var pages = el("wl-pages");
    pages.textContent = "";
    if (data.pages > 1) {
      for (var i = 1; i <= Math.min(data.pages, 50); i++) {
        var link = document.createElement("button");
        link.type = "button"; link.className = i === data.page ? "link current" : "link";
        text(link, String(i));
        link.addEventListener("click", (function (n) { return function () { page = n; load(); }; })(i));
        pages.appendChild(link);
      }
    }
  }

  function drawSummary(data) {
    text(el("wl-area"), data.area.name);
    var totals = data.totals;
    text(el("wl-totals"), t.totals.replace("{cells}", totals.cells).replace("{covered}", totals.covered)
      .replace("{uncovered}", totals.uncovered).replace("{workers}", totals.workers));
    el("wl-totals").dataset.cells = totals.cells;
    var children = el("wl-children");
    children.textContent = "";
    data.children.forEach(function (c) {
      var link = document.createElement("a");
      link.href = config.pageUrl + "?area=" + encodeURIComponent(c.code);
      text(link, c.name + " (" + c.cells + (c.uncovered ? ", " + c.uncovered + " ✗" : "") + ")");
      if (c.uncovered) link.className = "has-uncovered";
      children.appendChild(link);
    });
    text(el("wl-uncovered-count"), "(" + totals.uncovered + ")");
    var list = el("wl-uncovered");
    list.textContent = "";
    data.uncovered.forEach(function (c) { list.appendChild(text(document.createElement("li"), c.name + " " + c.code)); });
    if (!data.cells) text(el("wl-message") || el("wl-totals"), t.tooMany);
  }

  function load() {
    var url = config.dataUrl + "?area=" + encodeURIComponent(area) + "&page=" + page;
    return gridgov.http.getJSON(url).then(function (data) {
      drawSummary(data);
      drawWorkers(data);
      drawCells(data.cells);
    });
  }

  function send(worker) {
    var cells = Object.keys(selected).map(Number);
    if (!cells.length) return;
    gridgov.http.json(config.assignUrl, { method: "POST", json: { cells: cells, worker: worker } }).then(function (answer) {
      text(el("wl-message"), answer.ok ? t.saved : (answer.body.detail || String(answer.status)));
      if (answer.ok) { selected = {}; text(el("wl-selected"), "0"); load(); }
    });
  }

  if (config.canAssign) {
    el("wl-do-assign").addEventListener("click", function () {
      var worker = el("wl-worker").value;
      if (!worker) { text(el("wl-message"), t.chooseWorker); return; }
      send(Number(worker));
    });
    el("wl-do-release").addEventListener("click", function () { send(null); });
  }
  load();
})();
