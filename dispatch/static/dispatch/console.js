/* The dispatchers' console, part 6 of 6: the keyboard, the filters, and the start.
 *
 * A queue that refreshes itself (console/queue.js), a map (console/map.js, console/heat.js) and
 * the acts (console/acts.js), sharing gridgov.console (console/state.js); the page loads them in
 * that order and this file last. Keys: j/k or the arrows move, Enter or o opens the case, r
 * registers, d registers and dispatches, / searches, ? shows the keys, Shift+1…6 the stages.
 */
(function () {
  "use strict";
  var C = gridgov.console, T = C.T, state = C.state;
  var queueEl = C.el.queue, dialog = C.el.dialog, helpDialog = C.el.help, filters = C.el.filters;
  L.control.layers(null, C.overlays, { collapsed: false }).addTo(C.map);

  var stageKeys = { Digit1: "", Digit2: "register", Digit3: "dispatch", Digit4: "departments", Digit5: "verify", Digit6: "close" };
  document.addEventListener("keydown", function (event) {
    if (dialog.open || helpDialog.open) return;
    if (state.registering && event.key === "Enter") { state.enterQueued = true; event.preventDefault(); return; }
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
    if (typing) {
      if (event.key === "Escape") { event.target.blur(); queueEl.focus(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var item = C.current();
    if (event.shiftKey && stageKeys.hasOwnProperty(event.code)) { C.setStage(stageKeys[event.code]); event.preventDefault(); return; }
    switch (event.key) {
      case "j": case "ArrowDown": C.move(1); break;
      case "k": case "ArrowUp": C.move(-1); break;
      case "Enter": case "o": if (item) window.location.href = C.caseUrl(item.id); break;
      case "r": if (item) C.register(item); break;
      case "d": if (item) C.registerAndDispatch(item); break;
      case "/": document.getElementById("f-q").focus(); break;
      case "?": helpDialog.showModal(); break;
      default: return;
    }
    event.preventDefault();
  });

  queueEl.addEventListener("click", function (event) {
    var row = event.target.closest(".case-row");
    if (row && !event.target.closest("a")) C.select(Number(row.dataset.id), false);
  });
  Array.prototype.forEach.call(document.querySelectorAll(".stage"), function (button) {
    button.addEventListener("click", function () { C.setStage(button.dataset.stage); });
  });
  filters.addEventListener("change", C.load);
  var typingTimer = null;
  document.getElementById("f-q").addEventListener("input", function () {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(C.load, 300);
  });

  C.el.status.textContent = T.loading;
  C.load();
  C.checkIntake();
  state.timer = setInterval(function () { if (!document.hidden) C.load(); }, (C.config.pollSeconds || 5) * 1000);
  setInterval(C.checkIntake, (C.config.intakeSeconds || 1) * 1000);
  queueEl.focus();
})();
