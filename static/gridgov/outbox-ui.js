/* The outbox on every page (loaded by base.html after outbox.js): registers the service worker,
   shows how many items wait (the header's badge), sends them on every page load, on "online",
   every 30 s while some wait and by Background Sync, keeps the user's offline pages warm, turns
   forms marked data-outbox into outbox items, and draws the outbox page (#outbox-list).

   <form data-outbox="visit" data-outbox-url="/api/v1/…" data-outbox-label="…" data-outbox-ref="…"
         data-outbox-case="<case id>"
         data-outbox-done="…message…" data-outbox-hide="li" data-outbox-then="reload">: on submit
   the form's fields (and files) become one item sent to data-outbox-url, with a client_id; the
   page says it is kept (hiding the closest data-outbox-hide), and reloads once it is sent when
   asked to. An element data-outbox-card="<ref>" is marked while an item of that ref waits. */
(function () {
  "use strict";
  var O = window.GridgovOutbox;
  if (!O || !window.indexedDB) return;
  var body = document.body;
  var user = body.dataset.outboxUser || "";
  var WARM_EVERY_MS = 5 * 60 * 1000;
  var strings = {};
  try { strings = JSON.parse(document.getElementById("outbox-i18n").textContent); } catch (e) { strings = {}; }
  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (_, k) { return values && k in values ? values[k] : ""; });
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- the service worker ----------------------------------------------------------------------
  var sw = navigator.serviceWorker;
  function toWorker(message) {
    if (!sw) return Promise.resolve();
    return sw.ready.then(function (reg) { if (reg.active) reg.active.postMessage(message); });
  }
  if (sw && body.dataset.sw) {
    sw.register(body.dataset.sw, { scope: "/" }).catch(function () { /* not a secure origin: pages need the network */ });
  }
  // Her offline pages, and the pages a list links with data-offline-page (the cases of the
  // department inbox), so that a case opens with no signal. Fetched again after 5 minutes, or at
  // once when the list of pages changed (a new case in the inbox).
  function warm() {
    var pages = (body.dataset.offlinePages || "").split(" ").filter(Boolean);
    document.querySelectorAll("a[data-offline-page]").forEach(function (a) {
      var url = a.getAttribute("href");
      if (url && pages.indexOf(url) < 0) pages.push(url);
    });
    if (!pages.length || !navigator.onLine) return;
    var last = Number(localStorage.getItem("gridgov-warmed") || 0);
    var key = user + " " + pages.join(" ");
    if (Date.now() - last < WARM_EVERY_MS && localStorage.getItem("gridgov-warmed-user") === key) return;
    localStorage.setItem("gridgov-warmed", String(Date.now()));
    localStorage.setItem("gridgov-warmed-user", key);
    toWorker({ type: "warm", urls: pages });
  }
  function askSync() {
    if (!sw) return;
    sw.ready.then(function (reg) { if (reg.sync) return reg.sync.register("gridgov-outbox"); }).catch(function () {});
  }

  // Signing out: clear the pages kept on the phone; what waits in the outbox stays for its owner.
  document.querySelectorAll("form[action$='/logout/']").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.cleared) return;
      e.preventDefault();
      form.dataset.cleared = "1";
      localStorage.removeItem("gridgov-warmed");
      Promise.race([
        window.caches ? Promise.all([caches.delete("gridgov-pages"), caches.delete("gridgov-api")]) : Promise.resolve(),
        new Promise(function (resolve) { setTimeout(resolve, 1500); })
      ]).then(function () { form.submit(); }, function () { form.submit(); });
    });
  });

  // --- the badge ---------------------------------------------------------------------------------
  function mine(items) { return items.filter(function (m) { return !user || m.user === user; }); }
  function renderBadge() {
    var badge = document.getElementById("outbox-badge");
    if (!badge) return Promise.resolve();
    return O.all().then(function (items) {
      items = mine(items);
      var refused = items.filter(function (m) { return m.state === "refused"; }).length;
      badge.hidden = items.length === 0;
      badge.classList.toggle("refused", refused > 0);
      badge.querySelector(".count").textContent = String(items.length);
      badge.dataset.count = String(items.length);
      badge.dataset.refused = String(refused);
      badge.title = fmt(badge.dataset.title, { n: items.length });
    });
  }

  // --- sending -----------------------------------------------------------------------------------
  var retryTimer = null;
  function drain() {
    return O.drain().then(function (result) {
      clearTimeout(retryTimer);
      if (result && result.stopped) retryTimer = setTimeout(drain, 30000);
      return result;
    });
  }
  window.gridgov = window.gridgov || {};
  window.gridgov.outbox = {
    add: function (item) { return O.add(item).then(function (stored) { askSync(); drain(); return stored; }); },
    drain: drain
  };

  // --- forms that go through the outbox -------------------------------------------------------
  function localDate() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }
  function formItem(form) {
    var fields = {}, files = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken" || el.name === "next") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.type === "file") {
        Array.prototype.forEach.call(el.files || [], function (f, i) { files.push({ name: el.name, blob: f, filename: f.name || ("photo-" + i + ".jpg") }); });
        return;
      }
      // A page kept from yesterday still files today's date ("visited today").
      fields[el.name] = el.hasAttribute("data-today") ? localDate() : el.value;
    });
    var item = { kind: form.dataset.outbox, label: form.dataset.outboxLabel || "", url: form.dataset.outboxUrl,
                 ref: form.dataset.outboxRef || "", caseId: form.dataset.outboxCase || "" };
    item.id = O.uuid();
    fields.client_id = item.id;
    if (files.length) { item.form = fields; item.files = files; } else { item.json = fields; }
    return item;
  }
  // Forms marked data-outbox-then="reload" show the server's page again once their item is in.
  var reloadWhenSent = {};
  O.on(function (message) {
    if (message.type === "sent" && message.item && reloadWhenSent[message.item.id]) window.location.reload();
  });
  document.querySelectorAll("form[data-outbox]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (typeof form.reportValidity === "function" && !form.reportValidity()) return;
      e.preventDefault();
      var item = formItem(form);
      if (form.dataset.outboxThen === "reload") reloadWhenSent[item.id] = true;
      window.gridgov.outbox.add(item).then(function () {
        var hide = form.dataset.outboxHide ? form.closest(form.dataset.outboxHide) : null;
        if (form.dataset.outboxRef && form.closest("[data-outbox-card='" + form.dataset.outboxRef + "']")) {
          form.reset();
          return markWaitingRefs();  // its card says it waits (or was refused), also after a reload
        }
        var note = document.createElement("p");
        note.className = "outbox-note waiting";
        note.textContent = form.dataset.outboxDone || strings.waiting || "";
        (hide || form).insertAdjacentElement("afterend", note);
        if (hide) hide.hidden = true; else form.reset();
        markWaitingRefs();
      });
    });
  });
  // Cards (a case waiting for its check …) whose item already waits are marked, also offline.
  function markWaitingRefs() {
    return O.all().then(function (items) {
      var refs = {};
      mine(items).forEach(function (m) { if (m.ref) refs[m.ref] = m; });
      document.querySelectorAll("[data-outbox-card]").forEach(function (card) {
        var item = refs[card.dataset.outboxCard];
        card.classList.toggle("outbox-waiting", !!item);
        card.querySelectorAll("form[data-outbox]").forEach(function (f) { f.hidden = !!item; });
        var mark = card.querySelector(".outbox-mark");
        if (item && !mark) {
          mark = document.createElement("p");
          mark.className = "outbox-mark waiting";
          card.insertBefore(mark, card.children[1] || null);
        }
        if (mark) {
          mark.hidden = !item;
          // Says which act waits: a case page may hold several (accepted, then reported done).
          if (item) mark.textContent = (strings[item.kind] ? strings[item.kind] + " · " : "") +
            (item.state === "refused" ? fmt(strings.refused, { reason: item.error }) : strings.waiting_card || strings.waiting);
        }
      });
    });
  }

  // --- the outbox page ---------------------------------------------------------------------------
  function button(label, onClick, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (className) b.className = className;
    b.addEventListener("click", onClick);
    return b;
  }
  var EDITABLE = { description: 1, note: 1, notes: 1, address: 1, category: 1, visited_on: 1, urgency: 1 };
  var LANG = document.documentElement.lang || undefined;
  function renderList() {
    var list = document.getElementById("outbox-list");
    if (!list) return Promise.resolve();
    return O.all().then(function (items) {
      list.innerHTML = "";
      var empty = document.getElementById("outbox-empty");
      if (empty) empty.hidden = items.length > 0;
      // A patrol's points make one row (hundreds of them in a morning).
      var rows = [];
      items.forEach(function (item) {
        var last = rows[rows.length - 1];
        if (item.kind === "points" && last && last.kind === "points" && last.patrol === item.patrol && last.state === item.state) {
          last.members.push(item);
        } else {
          rows.push({ kind: item.kind, patrol: item.patrol, state: item.state, members: [item] });
        }
      });
      rows.forEach(function (r) { list.appendChild(row(r.members[0], r.members)); });
    });
  }
  function row(item, members) {
    var li = document.createElement("li");
    li.className = "card outbox-item " + item.state;
    li.dataset.id = item.id;
    li.dataset.kind = item.kind;
    li.dataset.state = item.state;
    var title = document.createElement("b");
    title.textContent = (strings[item.kind] || item.kind) + (item.label ? " · " + item.label : "") +
      (members.length > 1 ? " × " + members.length : "");
    li.appendChild(title);
    var when = document.createElement("span");
    when.className = "muted";
    when.textContent = " · " + fmt(strings.made, { time: new Date(item.created).toLocaleString(LANG) });
    li.appendChild(when);
    if (item.files && item.files.length) {
      var photos = document.createElement("span");
      photos.className = "muted";
      photos.textContent = " · " + fmt(strings.photos, { n: item.files.length });
      li.appendChild(photos);
    }
    var state = document.createElement("p");
    state.className = "state " + (item.state === "refused" ? "error" : "waiting");
    if (item.user && user && item.user !== user) state.textContent = strings.other_user;
    else state.textContent = item.state === "refused" ? fmt(strings.refused, { reason: item.error }) : strings.waiting;
    li.appendChild(state);
    if (item.state === "refused" && members.length === 1) li.appendChild(editor(item));
    else if (item.user === user) {
      li.appendChild(button(strings.discard, function () { discard(members); }, item.state === "refused" ? "" : "link"));
    }
    return li;
  }
  function editor(item) {
    var box = document.createElement("div");
    box.className = "outbox-edit";
    var target = item.json || item.form || {};
    var inputs = {};
    Object.keys(target).forEach(function (k) {
      if (!EDITABLE[k]) return;
      var label = document.createElement("label");
      label.textContent = strings["field_" + k] || k;
      var input = document.createElement(k === "description" || k === "note" || k === "notes" ? "textarea" : "input");
      input.name = k;
      input.value = target[k] == null ? "" : target[k];
      label.appendChild(input);
      box.appendChild(label);
      inputs[k] = input;
    });
    var actions = document.createElement("div");
    actions.className = "row-actions";
    actions.appendChild(button(strings.retry, function () {
      var fields = {};
      Object.keys(inputs).forEach(function (k) { fields[k] = inputs[k].value; });
      O.retry(item.id, fields).then(function () { return drain(); });
    }, "primary"));
    actions.appendChild(button(strings.discard, function () { discard([item]); }));
    box.appendChild(actions);
    return box;
  }
  function discard(members) {
    if (!window.confirm(strings.confirm_discard)) return;
    members.reduce(function (chain, m) { return chain.then(function () { return O.remove(m.id); }); }, Promise.resolve());
  }
  var sendNow = document.getElementById("outbox-send");
  if (sendNow) sendNow.addEventListener("click", function () { drain(); });

  // --- wiring ------------------------------------------------------------------------------------
  var redrawPending = false;
  function redraw() {
    if (redrawPending) return;
    redrawPending = true;
    setTimeout(function () {
      redrawPending = false;
      renderBadge();
      renderList();
      markWaitingRefs();
    }, 50);
  }
  O.on(redraw);
  var ready = user
    ? Promise.all([O.setMeta("user", user), csrf() ? O.setMeta("csrf", csrf()) : null])
    : Promise.resolve();
  ready.then(function () {
    redraw();
    warm();
    if (user) drain();
  });
  window.addEventListener("online", function () { warm(); drain(); });
  setInterval(function () { if (user) O.all().then(function (items) { if (mine(items).some(function (m) { return m.state === "waiting"; })) drain(); }); }, 30000);
})();
