/* The dispatchers' console, part 1 of 6: the state every part shares (gridgov.console).
 *
 * The console is plain scripts loaded in order (state, map, heat, queue, acts, then console.js,
 * which wires the keyboard and starts the polling); each adds its functions to this one object and
 * reads the others' from it when called, so the order of definition does not matter after load.
 */
(function () {
  "use strict";
  var C = (window.gridgov = window.gridgov || {}).console = {};
  C.config = JSON.parse(document.getElementById("console-config").textContent);
  C.T = JSON.parse(document.getElementById("console-strings").textContent);
  C.defaults = JSON.parse(document.getElementById("console-defaults").textContent);
  C.el = {
    queue: document.getElementById("queue"),
    status: document.getElementById("queue-status"),
    message: document.getElementById("console-message"),
    preview: document.getElementById("preview"),
    filters: document.getElementById("filters"),
    dialog: document.getElementById("dispatch-dialog"),
    help: document.getElementById("help-dialog"),
  };
  // stage: the queue tab; items: the queue as last loaded; selected: a case id, kept across
  // refreshes; busy/again: a load on its way, and one asked for meanwhile; registering/enterQueued:
  // "d" waiting for its registration, and Enter typed meanwhile.
  C.state = { stage: "", items: [], selected: null, stamp: null, timer: null, busy: false };

  C.fmt = function (template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  };
  C.esc = function (text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };
  C.age = function (minutes) {
    if (minutes < 60) return C.fmt(C.T.minutes, { n: minutes });
    if (minutes < 48 * 60) return C.fmt(C.T.hours, { n: Math.floor(minutes / 60) });
    return C.fmt(C.T.days, { n: Math.floor(minutes / 1440) });
  };
  C.shortTime = function (iso) {
    if (!iso) return "";
    return iso.slice(5, 16).replace("T", " ");
  };
  C.caseUrl = function (id) { return C.config.caseUrl.replace("/0/", "/" + id + "/"); };

  // The queue's filters as a query: the stage tab and the filter bar (the heat map asks the same).
  C.params = function () {
    var query = new URLSearchParams();
    if (C.state.stage) query.set("stage", C.state.stage);
    ["category", "street", "light", "source", "age", "q"].forEach(function (name) {
      var value = C.el.filters.elements[name].value;
      if (value) query.set(name, value);
    });
    return query;
  };

  C.current = function () {
    var items = C.state.items;
    for (var i = 0; i < items.length; i++) if (items[i].id === C.state.selected) return items[i];
    return null;
  };
})();
