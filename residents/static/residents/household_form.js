/* Register a household: the "new dwelling" boxes are shown only while no existing dwelling is chosen.
   Disabled boxes are not sent, so a dwelling chosen after typing a room is not refused as "both". */
(function () {
  "use strict";
  var select = document.getElementById("id_dwelling");
  var box = document.getElementById("new-dwelling");
  if (!select || !box) return;
  function sync() {
    var existing = select.value !== "";
    box.hidden = existing;
    Array.prototype.forEach.call(box.querySelectorAll("input, select"), function (input) { input.disabled = existing; });
  }
  select.addEventListener("change", sync);
  sync();
})();
