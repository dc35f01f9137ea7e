/* The dispatchers' console, part 5 of 6: the acts — register, and the dispatch form.
 *
 * Register + dispatch is two keys: "d" on a case waiting in the intake registers it and opens the
 * dispatch form with its default departments ticked (less any that returned it), and Enter
 * dispatches. Acts are POSTed to the same endpoint the case page uses, asking for JSON; a 409
 * (somebody else acted first) is shown as a message and the queue is reloaded at once.
 */
(function () {
  "use strict";
  var C = gridgov.console, T = C.T, H = gridgov.http, state = C.state;
  var dialog = C.el.dialog, messageEl = C.el.message, queueEl = C.el.queue;
  var form = document.getElementById("dispatch-form");

  function act(item, action, fields) {
    var body = new FormData();
    body.append("version", item.version);
    Object.keys(fields || {}).forEach(function (key) {
      var value = fields[key];
      (Array.isArray(value) ? value : [value]).forEach(function (v) { body.append(key, v); });
    });
    return H.json(C.config.actUrl.replace("/0/", "/" + item.id + "/").replace("ACTION", action), {
      method: "POST", body: body,
    }).then(function (result) { result.body.status_code = result.status; return result.body; });
  }

  // The result of an act stays until the next act; the refresh time has its own line.
  function flash(text, bad) {
    messageEl.textContent = text;
    messageEl.classList.toggle("error", !!bad);
  }

  C.register = function (item) {
    act(item, "register").then(function (data) { flash(data.detail, !data.ok); C.load(); });
  };

  // "d": a case still waiting in the intake is registered first; the form opens on the version the
  // registration answered, unless the routing rule dispatched the case at once.
  C.registerAndDispatch = function (item) {
    if (item.status !== "reported") { openDispatch(item); return; }
    flash(C.fmt(T.registering, { label: item.label }), false);
    state.registering = true;
    state.enterQueued = false;
    act(item, "register").then(function (data) {
      state.registering = false;
      if (!data.ok) { flash(data.detail, true); C.load(); return; }
      item.version = data.version;
      item.status = data.status;
      flash(data.detail, false);
      if (data.status === "registered") {
        openDispatch(item);
        // Enter typed while the registration was on its way dispatches as ticked.
        if (state.enterQueued && dialog.open) form.requestSubmit();
      }
      state.enterQueued = false;
      C.load();
    });
  };

  function markReturned(box, returned) {
    var label = box.closest("label"), isReturned = returned.indexOf(Number(box.value)) >= 0;
    label.classList.toggle("returned", isReturned);
    var tag = label.querySelector(".returned-tag");
    if (isReturned && !tag) {
      tag = document.createElement("span");
      tag.className = "tag returned-tag";
      tag.textContent = T.returnedIt;
      label.appendChild(tag);
    } else if (!isReturned && tag) {
      tag.parentNode.removeChild(tag);
    }
  }

  function openDispatch(item) {
    if (item.status !== "registered") { flash(item.status_label, true); return; }
    document.getElementById("dispatch-title").textContent = C.fmt(T.dispatchTitle, { label: item.label });
    document.getElementById("dispatch-case").textContent = item.category + " · " + item.area;
    document.getElementById("dispatch-version").value = item.version;
    document.getElementById("dispatch-error").textContent = "";
    document.getElementById("dispatch-note").value = "";
    // A department that returned the case is not ticked again, and is marked.
    var returned = item.returned_departments || [];
    var wanted = (C.defaults[item.category_code] || []).filter(function (id) { return returned.indexOf(id) < 0; });
    Array.prototype.forEach.call(dialog.querySelectorAll("[name=departments]"), function (box) {
      box.checked = wanted.indexOf(Number(box.value)) >= 0;
      markReturned(box, returned);
    });
    var none = document.getElementById("dispatch-none");
    none.hidden = wanted.length > 0;
    none.textContent = T.none;
    document.getElementById("dispatch-deadline").value = "";
    dialog.dataset.id = item.id;
    // The dialog keeps its own case: a refresh may take the case out of the list shown (e.g. out of
    // the intake once registered) while the form is open.
    dialog.item = { id: item.id, version: item.version };
    dialog.showModal();
    var first = dialog.querySelector("[name=departments]:checked") || dialog.querySelector("[name=departments]");
    if (first) first.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var item = dialog.item;
    if (!item || String(item.id) !== dialog.dataset.id) { dialog.close(); return; }
    var chosen = Array.prototype.map.call(dialog.querySelectorAll("[name=departments]:checked"), function (box) { return box.value; });
    var fields = { departments: chosen, note: document.getElementById("dispatch-note").value };
    var deadline = document.getElementById("dispatch-deadline").value;
    if (deadline) fields.deadline = deadline;
    item.version = Number(document.getElementById("dispatch-version").value);
    act(item, "dispatch", fields).then(function (data) {
      if (data.ok) { dialog.close(); flash(data.detail, false); C.load(); queueEl.focus(); }
      else { document.getElementById("dispatch-error").textContent = data.detail; if (data.status_code === 409) C.load(); }
    });
  });
  document.getElementById("dispatch-cancel").addEventListener("click", function () { dialog.close(); queueEl.focus(); });
  dialog.addEventListener("keydown", function (event) {
    if (/^[1-9]$/.test(event.key) && event.target.type !== "text" && event.target.type !== "datetime-local") {
      var box = dialog.querySelectorAll("[name=departments]")[Number(event.key) - 1];
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    }
    if (event.key === "Enter" && event.target.type === "checkbox") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
