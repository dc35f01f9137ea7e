// Polls the import job's status while a worker checks or imports the file, and reloads the
// page (which then shows the report, or the "import now" button) when that step is over.
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.poll !== "1") return;
  var words = JSON.parse(document.getElementById("import-i18n").textContent);
  var bar = document.getElementById("job-bar");
  var text = document.getElementById("job-progress-text");
  var statusEl = document.getElementById("job-status");
  var working = ["pending", "checking", "queued", "importing"];
  function tick() {
    gridgov.http.request(box.dataset.statusUrl)
      .then(function (r) { return r.json(); })
      .then(function (state) {
        statusEl.textContent = state.status_label;
        if (working.indexOf(state.status) === -1) { window.location.reload(); return; }
        var p = state.progress;
        if (p && p.total) {
          bar.max = p.total;
          bar.value = p.done;
          text.textContent = (words[p.phase] || p.phase) + " " + p.done + " / " + p.total;
        } else {
          text.textContent = words.waiting;
        }
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  tick();
})();
