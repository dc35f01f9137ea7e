/* The case page: a small map, and one key per act so that a case is handled without the mouse.
 * A key submits a form that needs nothing more, or puts the cursor in the form's first field
 * (Enter then submits). Esc leaves a field; b goes back to the queue or the inbox. */
(function () {
  "use strict";
  var located = JSON.parse(document.getElementById("case-location").textContent);
  var map = gridgov.maps.create("case-map", { center: [located.lat, located.lng], zoom: 17, attributionWithTilesOnly: true });
  gridgov.maps.caseCells(map, document.getElementById("case-map"));
  L.circleMarker([located.lat, located.lng], { radius: 9, color: "#b3261e", fillOpacity: 0.8 }).addTo(map);
  located.nearby.forEach(function (other) {
    L.circleMarker([other.lat, other.lng], { radius: 5, color: "#5b6776", fillOpacity: 0.6 }).bindTooltip(other.label).addTo(map);
  });

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.type !== "hidden" && el.type !== "submit" && el.tagName !== "BUTTON";
    });
  }

  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName) && event.target.type !== "checkbox";
    if (typing) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var dispatchForm = document.getElementById("dispatch-form");
    if (dispatchForm && dispatchForm.contains(event.target) && /^[1-9]$/.test(event.key)) {
      var box = dispatchForm.querySelectorAll("[name=departments]")[Number(event.key) - 1];
      if (box) { box.checked = !box.checked; event.preventDefault(); }
      return;
    }
    if (event.key === "Enter" && event.target.type === "checkbox") {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    var target = document.querySelector('[data-key="' + event.key + '"]');
    if (!target) return;
    event.preventDefault();
    if (target.tagName === "A") { window.location.href = target.href; return; }
    var inputs = fields(target);
    if (!inputs.length) { target.requestSubmit(); return; }
    var first = target.querySelector("[name=departments]:checked") || inputs[0];
    first.focus();
  });
})();
