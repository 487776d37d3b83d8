// The feedback inbox's keyboard: j/k move between rows, x ticks, Enter opens,
// t marks the ticked (or current) items triaged, a archives them. Keys are ignored while
// typing in a field. The bulk form posts the ticked ids.
(function () {
  "use strict";
  var current = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#list tr[data-item]"));
  }

  function focusRow(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("is-current", i === current); });
    all[current].setAttribute("aria-current", "true");
    all[current].scrollIntoView({ block: "nearest" });
  }

  function ticked() {
    var ids = rows().filter(function (row) {
      var box = row.querySelector("input.pick");
      return box && box.checked;
    }).map(function (row) { return row.getAttribute("data-item"); });
    if (!ids.length && current >= 0 && rows()[current]) {
      ids = [rows()[current].getAttribute("data-item")];
    }
    return ids;
  }

  function submit(action) {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var button = form.querySelector("button[value='" + action + "']");
    if (button) button.click();
  }

  document.addEventListener("submit", function (event) {
    if (event.target && event.target.id === "bulk-form") {
      document.getElementById("bulk-ids").value = ticked().join(",");
    }
  });

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (["input", "select", "textarea"].indexOf(tag) >= 0 || event.metaKey || event.ctrlKey || event.altKey) return;
    var all = rows();
    if (event.key === "j") { focusRow(current + 1); event.preventDefault(); }
    else if (event.key === "k") { focusRow(current - 1); event.preventDefault(); }
    else if (event.key === "x" && all[current]) {
      var box = all[current].querySelector("input.pick");
      if (box) box.checked = !box.checked;
    }
    else if (event.key === "Enter" && all[current]) { window.location = all[current].getAttribute("data-url"); }
    else if (event.key === "t") { submit("triage"); }
    else if (event.key === "a") { submit("archive"); }
  });
})();
