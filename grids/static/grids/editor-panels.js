/* The redraw editor's panels beside the map (gridgov.editorPanels, loaded before editor.js): the
   problems the server's validation found (listed, and drawn over the cells), the impact preview
   (who would change cell), and the community's revisions. They only draw what the server answered;
   editor.js asks for it. */
(function () {
  "use strict";
  var gridgov = (window.gridgov = window.gridgov || {});

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }
  var $ = function (id) { return document.getElementById(id); };

  /* ctx: { map, layer (the problems' layer), state (problemCells is set), colours, texts }. */
  function showProblems(ctx, report) {
    var t = ctx.texts, state = ctx.state;
    ctx.layer.clearLayers();
    state.problemCells = {};
    var list = $("problems");
    list.innerHTML = "";
    var all = (report.errors || []).concat(report.warnings || []);
    all.forEach(function (problem) {
      var item = text("li", problem.message, problem.severity);
      item.dataset.kind = problem.kind;
      list.appendChild(item);
      (problem.cells || []).forEach(function (id) { if (problem.severity === "error") state.problemCells[id] = true; });
      if (problem.geometry) {
        var colour = problem.severity === "error" ? ctx.colours.error : ctx.colours.warning;
        // Problem shapes are drawn over the cells but never edited or snapped to.
        var shape = L.geoJSON(problem.geometry, {
          pmIgnore: true, snapIgnore: true, interactive: false,
          style: { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.55, className: "problem-" + problem.kind },
          pointToLayer: function (_, latlng) {
            return L.circleMarker(latlng, { radius: 8, color: colour, pmIgnore: true, snapIgnore: true, className: "problem-" + problem.kind });
          }
        });
        ctx.layer.addLayer(shape);
        item.addEventListener("click", function () { ctx.map.fitBounds(shape.getBounds(), { maxZoom: 19, padding: [40, 40] }); });
      }
    });
    if (!all.length) list.appendChild(text("li", t.noProblems, "ok-note warning"));
    var errors = (report.errors || []).length;
    $("problem-count").textContent = errors ? "(" + fmt(t.errors, { n: errors }) + ")" : "";
    $("publish").disabled = !report.publishable || (state.draft && state.draft.stale);
    $("map").dataset.errors = String(errors);
  }

  function showImpact(impact, target, t) {
    target.innerHTML = "";
    var moved = 0;
    impact.occupants.forEach(function (occupant) {
      moved += occupant.moves;
      var block = document.createElement("div");
      block.className = "impact-occupant";
      block.dataset.key = occupant.key;
      block.dataset.moves = String(occupant.moves);
      block.appendChild(text("p", fmt(t.moved, { label: occupant.label, n: occupant.moves })));
      var pairs = occupant.pairs.filter(function (p) { return !p.same_code; });
      if (pairs.length) {
        var table = document.createElement("table");
        table.className = "impact";
        var head = document.createElement("tr");
        [t.from, t.to, t.count].forEach(function (h) { head.appendChild(text("th", h)); });
        table.appendChild(head);
        pairs.forEach(function (p) {
          var row = document.createElement("tr");
          [p.from, p.to, p.count].forEach(function (v) { row.appendChild(text("td", String(v))); });
          table.appendChild(row);
        });
        block.appendChild(table);
      }
      target.appendChild(block);
    });
    if (!moved) target.appendChild(text("p", t.nothingMoves, "muted"));
    if (impact.unchanged !== undefined) target.appendChild(text("p", fmt(t.unchanged, { n: impact.unchanged }), "muted"));
  }

  function showRevisions(box, revisions, t) {
    box.innerHTML = "";
    var table = document.createElement("table");
    table.className = "revisions";
    var head = document.createElement("tr");
    [t.revision, t.when, t.who, t.why, t.changes, t.movedCol].forEach(function (h) { head.appendChild(text("th", h)); });
    table.appendChild(head);
    revisions.forEach(function (r) {
      var moves = ((r.impact && r.impact.occupants) || []).map(function (o) { return o.label + " " + o.moves; }).join("、");
      var row = document.createElement("tr");
      row.dataset.revision = String(r.number);
      ["r" + r.number, new Date(r.published_at).toLocaleString(), r.published_by || "", r.reason,
       "+" + r.created + " −" + r.retired, moves].forEach(function (v) { row.appendChild(text("td", v)); });
      table.appendChild(row);
    });
    box.appendChild(table);
  }

  gridgov.editorPanels = { fmt: fmt, text: text, showProblems: showProblems, showImpact: showImpact, showRevisions: showRevisions };
})();
