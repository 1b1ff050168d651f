// "Model for this lab" page: polls each running adaptation's status JSON every two seconds
// and shows its stage, epoch, progress and time left; reloads the page when it has finished.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var strings = JSON.parse((document.getElementById("adaptation-strings") || {}).textContent || "{}");

  function detail(data) {
    var parts = [data.stage_display];
    if (data.epochs) {
      parts.push((strings.epoch || "epoch %(epoch)s of %(epochs)s")
        .replace("%(epoch)s", data.epoch).replace("%(epochs)s", data.epochs));
    }
    parts.push(Math.round(data.percent) + " %");
    if (data.seconds_left !== null && data.seconds_left !== undefined) {
      parts.push((strings.left || "about %(minutes)s min left")
        .replace("%(minutes)s", Math.max(1, Math.round(data.seconds_left / 60))));
    }
    return parts.filter(Boolean).join(" · ");
  }

  function poll(block) {
    fetch(block.getAttribute("data-status-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.finished) { window.location.reload(); return; }
        block.querySelector("[data-field=status]").textContent = data.status_display;
        block.querySelector("progress").value = data.percent;
        block.querySelector("[data-field=detail]").textContent = detail(data);
        window.setTimeout(function () { poll(block); }, POLL_MS);
      })
      .catch(function () { window.setTimeout(function () { poll(block); }, POLL_MS * 5); });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".adaptation-progress"), poll);
})();
