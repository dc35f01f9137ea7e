/* The dispatchers' console, part 4 of 6: the queue — loaded, drawn, its selection and preview.
 *
 * The queue is polled from queue.json every few seconds (no websockets: a poll is cheap and
 * survives proxies and reconnections), and the intake (受理) is asked every second whether a report
 * arrived (intake.json, a narrow count), so a new report shows within a second. The selection is
 * kept by case across refreshes.
 */
(function () {
  "use strict";
  var C = gridgov.console, T = C.T, H = gridgov.http, state = C.state, esc = C.esc;
  var queueEl = C.el.queue, statusEl = C.el.status, previewEl = C.el.preview;

  // A poll sends the ETag of the answer it holds for that URL: when nothing changed the server says
  // 304 with no body (a few hundred bytes instead of the queue's ~100 KB on a weak connection).
  // Setting If-None-Match makes fetch bypass the browser's own cache, so the 304 reaches us.
  C.poll = function (url, memo) {
    var held = memo.url === url && memo.etag;
    return H.request(url, { headers: held ? { "If-None-Match": memo.etag } : {} }).then(function (r) {
      if (r.status === 304 && held) return { data: memo.data, changed: false };
      if (!r.ok) { var error = new Error(String(r.status)); error.status = r.status; throw error; }
      return r.json().then(function (data) {
        memo.url = url; memo.etag = r.headers.get("ETag"); memo.data = data;
        return { data: data, changed: true };
      });
    });
  };

  // The time of day now in the zone of the server's answer ("…+08:00"): after a 304 the queue is
  // current now, not when the kept answer was computed.
  function clockIn(iso) {
    var m = /([+-])(\d\d):(\d\d)$/.exec(iso || "");
    var offset = m ? (m[1] === "-" ? -1 : 1) * (60 * Number(m[2]) + Number(m[3])) : 0;
    return new Date(Date.now() + offset * 60000).toISOString().slice(11, 19);
  }

  var queueMemo = {};
  C.load = function load() {
    // A filter changed while a request is out is loaded right after it, not at the next poll.
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    C.poll(C.config.queueUrl + "?" + C.params().toString(), queueMemo)
      .then(function (answer) {
        var data = answer.data;
        if (answer.changed) {
          state.items = data.results;
          renderCounts(data.counts);
          render();
        }
        statusEl.textContent = C.fmt(T.updated, { time: answer.changed ? (data.now || "").slice(11, 19) : clockIn(data.now) });
        C.showHeatTotal();
        statusEl.classList.remove("error");
        C.loadHeat(false);
      })
      .catch(function () { statusEl.textContent = T.offline; statusEl.classList.add("error"); })
      .then(function () {
        state.busy = false;
        if (state.again) { state.again = false; load(); }
      });
  };

  function renderCounts(counts) {
    var total = 0;
    Object.keys(counts).forEach(function (stage) {
      if (stage === "red") return;
      total += counts[stage];
      var el = document.querySelector('[data-count="' + stage + '"]');
      if (el) el.textContent = counts[stage];
    });
    var all = document.querySelector('[data-count="all"]');
    if (all) all.textContent = total;
  }

  function row(item) {
    var departments = item.departments.map(function (d) {
      return '<span class="dept' + (d.late ? " late" : "") + '">' + esc(d.name) + " · " + esc(d.status_label) + "</span>";
    }).join(" ");
    return '<li class="case-row' + (item.id === state.selected ? " selected" : "") + '" data-id="' + item.id + '" aria-selected="' +
      (item.id === state.selected) + '">' +
      '<span class="light ' + esc(item.light || "") + '"></span>' +
      '<a class="case-no" href="' + C.caseUrl(item.id) + '">' + esc(item.label) + "</a> " +
      '<strong>' + esc(item.category) + "</strong>" +
      (item.urgent ? ' <span class="tag urgent">' + esc(T.urgent) + "</span>" : "") +
      (item.returns ? ' <span class="tag">' + esc(T.returned) + " ×" + item.returns + "</span>" : "") +
      (item.extension_pending ? ' <span class="tag">' + esc(T.extension) + "</span>" : "") +
      '<span class="status">' + esc(item.status_label) + "</span>" +
      '<div class="meta muted">' + esc(item.area) + " · " + esc(item.source_label) + " · " + C.age(item.age_minutes) +
      (item.light === "red" ? ' · <span class="error">' + esc(T.overdue) + "</span>" : "") +
      " · " + C.shortTime(item.deadline) + "</div>" +
      (departments ? '<div class="meta">' + departments + "</div>" : "") +
      "</li>";
  }

  function render() {
    if (!state.items.some(function (item) { return item.id === state.selected; })) {
      state.selected = state.items.length ? state.items[0].id : null;
    }
    if (!state.items.length) {
      queueEl.innerHTML = '<li class="empty muted">' + esc(T.empty) + "</li>";
    } else {
      queueEl.innerHTML = state.items.map(row).join("");
    }
    C.drawMarkers();
    renderPreview();
  }

  function renderPreview() {
    var item = C.current();
    if (!item) { previewEl.innerHTML = ""; return; }
    previewEl.innerHTML = "<h2>" + esc(item.label) + " " + esc(item.category) + "</h2>" +
      '<p><span class="light ' + esc(item.light || "") + '"></span> ' + esc(item.status_label) + "</p>" +
      "<dl><dt>" + esc(item.major) + "</dt><dd>" + esc(item.area) + "</dd>" +
      (item.address ? "<dt>" + esc(T.address) + "</dt><dd>" + esc(item.address) + "</dd>" : "") +
      "<dt>" + esc(T.deadline) + "</dt><dd>" + C.shortTime(item.deadline) + "</dd></dl>" +
      '<p class="desc">' + esc(item.description) + "</p>" +
      '<p><a class="button primary" href="' + C.caseUrl(item.id) + '">' + esc(item.label) + " ↵</a></p>";
  }

  C.select = function (id, scroll) {
    state.selected = id;
    Array.prototype.forEach.call(queueEl.querySelectorAll(".case-row"), function (el) {
      var on = Number(el.dataset.id) === id;
      el.classList.toggle("selected", on);
      el.setAttribute("aria-selected", on);
      if (on && scroll) el.scrollIntoView({ block: "nearest" });
    });
    C.drawMarkers();
    renderPreview();
    var item = C.current();
    if (item && scroll) C.reveal(item);
  };

  C.move = function (step) {
    if (!state.items.length) return;
    var index = state.items.findIndex(function (item) { return item.id === state.selected; });
    index = Math.max(0, Math.min(state.items.length - 1, index + step));
    C.select(state.items[index].id, true);
  };

  C.setStage = function (stage) {
    state.stage = stage;
    Array.prototype.forEach.call(document.querySelectorAll(".stage"), function (button) {
      button.setAttribute("aria-selected", button.dataset.stage === stage);
    });
    C.load();
  };

  // The intake's pulse: reload the queue as soon as a report arrives or changes there.
  var pulse = { stamp: null, busy: false }, pulseMemo = {};
  C.checkIntake = function () {
    if (pulse.busy || document.hidden) return;
    pulse.busy = true;
    C.poll(C.config.intakeUrl, pulseMemo)
      .then(function (answer) {
        var data = answer.data;
        if (pulse.stamp !== null && data.stamp !== pulse.stamp) C.load();
        pulse.stamp = data.stamp;
      })
      .catch(function () {})
      .then(function () { pulse.busy = false; });
  };
})();
