/* Class gallery: select cells with the mouse (click, shift-click for a range) or the keyboard
 * (arrows move, Space or X selects), then move them to a class with its key (1-9, O) or confirm
 * their class (A); one form post reviews them all. Without JavaScript the same form works with
 * its checkboxes, select and buttons. No build step, no inline script (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("gallery-form");
  if (!form) return;
  var checks = Array.prototype.slice.call(form.querySelectorAll(".cell-check"));
  if (!checks.length) return;
  // gettext, ngettext and interpolate come from Django's JavaScript catalogue (base.html).
  var select = form.querySelector("select[name=label]");
  var count = document.getElementById("selection-count");
  var returnTo = document.getElementById("return-to");
  var current = 0;
  var anchor = null;        // the cell a shift-click range starts from
  var shiftOnLabel = false; // a click on a label reaches its checkbox as a second, plain click
  var submitting = false;

  function tile(index) { return checks[index].closest(".cell-tile"); }

  function setCurrent(index, focus) {
    current = Math.max(0, Math.min(index, checks.length - 1));
    // One tab stop for the whole gallery (roving tabindex); arrows move inside it.
    checks.forEach(function (check, i) { check.tabIndex = i === current ? 0 : -1; });
    if (focus) {
      checks[current].focus();
      tile(current).scrollIntoView({ block: "nearest" });
    }
  }

  function refreshCount() {
    var selected = 0;
    checks.forEach(function (check, i) {
      tile(i).classList.toggle("selected", check.checked);
      if (check.checked) selected += 1;
    });
    count.textContent = selected
      ? interpolate(ngettext("%(count)s selected", "%(count)s selected", selected),
                    { count: selected }, true)
      : gettext("No cell selected.");
  }

  function selectRange(from, to, checked) {
    var low = Math.min(from, to), high = Math.max(from, to);
    for (var i = low; i <= high; i += 1) checks[i].checked = checked;
  }

  function nearestInRow(direction) {
    // The cell above or below the current one, in the nearest row, closest horizontally.
    var here = tile(current).getBoundingClientRect();
    var best = null, bestScore = Infinity;
    checks.forEach(function (check, i) {
      var box = tile(i).getBoundingClientRect();
      var dy = (box.top - here.top) * direction;
      if (dy < 5) return;
      var score = dy * 10000 + Math.abs(box.left - here.left);
      if (score < bestScore) { bestScore = score; best = i; }
    });
    return best === null ? current : best;
  }

  function submitWith(label) {
    if (submitting) return;
    if (!checks.some(function (check) { return check.checked; })) checks[current].checked = true;
    select.value = label;
    returnTo.value = tile(current).getAttribute("data-group");
    submitting = true;
    form.submit();
  }

  function toggleZoom(cell) {
    var button = cell.querySelector("button.zoom");
    var zoomed = cell.classList.toggle("zoomed");
    if (button) button.setAttribute("aria-pressed", zoomed ? "true" : "false");
  }

  form.addEventListener("click", function (event) {
    if (event.target.closest("label.cell-body")) shiftOnLabel = event.shiftKey;
  }, true);

  checks.forEach(function (check, index) {
    check.addEventListener("click", function (event) {
      var shift = event.shiftKey || shiftOnLabel;
      shiftOnLabel = false;
      if (shift && anchor !== null) selectRange(anchor, index, check.checked);
      anchor = index;
      setCurrent(index, false);
      refreshCount();
    });
    check.addEventListener("focus", function () { setCurrent(index, false); });
  });

  form.addEventListener("keydown", function (event) {
    if (!event.target.classList.contains("cell-check")) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key.toLowerCase();
    var moves = { arrowright: current + 1, arrowleft: current - 1, home: 0, end: checks.length - 1 };
    var target = key in moves ? moves[key]
      : key === "arrowdown" || key === "arrowup" ? nearestInRow(key === "arrowdown" ? 1 : -1) : null;
    if (target !== null) {
      event.preventDefault();
      // Shift with an arrow selects on the way, as shift-click does with the mouse.
      if (event.shiftKey) checks[current].checked = true;
      setCurrent(target, true);
      if (event.shiftKey) { checks[current].checked = true; anchor = current; refreshCount(); }
      return;
    }
    if (key === "x") { event.preventDefault(); checks[current].click(); return; }
    if (key === "escape") {
      checks.forEach(function (check) { check.checked = false; });
      refreshCount();
      return;
    }
    if (key === "enter") {
      event.preventDefault();
      window.location.assign(tile(current).querySelector("a.cell-details").href);
      return;
    }
    if (key === "z") { event.preventDefault(); toggleZoom(tile(current)); return; }
    var option = select.querySelector('option[data-key="' + CSS.escape(key) + '"]');
    if (option) { event.preventDefault(); submitWith(option.value); }
  });

  form.addEventListener("submit", function (event) {
    if (submitting && event.submitter) { event.preventDefault(); return; }
    if (!returnTo.value) returnTo.value = tile(current).getAttribute("data-group");
    submitting = true;
  });

  // With the keys, Enter opens a cell's page: its link need not be a tab stop of its own.
  form.querySelectorAll("a.cell-details").forEach(function (link) { link.tabIndex = -1; });
  form.querySelectorAll("button.zoom").forEach(function (button) { button.tabIndex = -1; });
  form.querySelectorAll("button.zoom").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { toggleZoom(button.closest(".cell-tile")); });
  });

  // A page restored by the Back button must take keys again.
  window.addEventListener("pageshow", function (event) { if (event.persisted) submitting = false; });

  // Back from a post: start where the reviewer was working.
  var start = 0;
  var at = new URLSearchParams(window.location.search).get("at");
  var group = at ? document.getElementById("group-" + at) : null;
  var first = group && checks.filter(function (check) {
    // The group's first cell, or (an emptied group) the first one after it.
    return group.contains(check) || (group.compareDocumentPosition(check) & Node.DOCUMENT_POSITION_FOLLOWING);
  })[0];
  if (first) start = checks.indexOf(first);
  setCurrent(start, Boolean(first));
  refreshCount();
})();
