/* Review page keyboard shortcuts, as on a cell counter, and the Grad-CAM and LIME requests.
 * Every shortcut clicks a visible button or follows a visible link (data-key / data-nav), so the
 * page works the same without JavaScript. Keys typed into the comment box are left alone. */
(function () {
  "use strict";
  var page = document.querySelector("[data-testid=review-page]");
  if (!page) return;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var key = event.key.toLowerCase();
    var link = key === "n" ? page.querySelector("[data-nav=next]") : key === "p" ? page.querySelector("[data-nav=previous]") : null;
    if (link) { event.preventDefault(); window.location.assign(link.href); return; }
    var button = page.querySelector('button[data-key="' + CSS.escape(key) + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
      var reviewForm = button.closest("[data-testid=review-form]");
      if (reviewForm) {  /* one verdict per page load: a second key press must not post again */
        reviewForm.querySelectorAll("button").forEach(function (b) { b.disabled = b !== button; });
      }
    }
  });

  /* Explanations (Grad-CAM, LIME): ask for one without leaving the page, then poll until it
     is ready. Each box carries its state URL, its form and a status line. */
  page.querySelectorAll(".explanation").forEach(function (box) {
    var form = box.querySelector("form");
    var status = box.querySelector("[data-role=status]");

    function show(state) {
      box.dataset.status = state.status;
      if (state.status === "done" && state.url) {
        var img = document.createElement("img");
        img.src = state.url; img.className = "cell"; img.alt = box.dataset.altText || "";
        img.setAttribute("data-testid", box.dataset.imageTestid);
        if (form) form.remove();
        box.insertBefore(img, status);
        status.textContent = "";
        return true;
      }
      if (state.status === "failed") { status.textContent = state.error || "—"; return true; }
      status.textContent = "…";
      return false;
    }

    function poll() {
      fetch(box.dataset.stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (state) { if (!show(state)) window.setTimeout(poll, 2000); })
        .catch(function () { window.setTimeout(poll, 5000); });
    }

    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
        fetch(form.action, { method: "POST", credentials: "same-origin",
                             headers: { Accept: "application/json", "X-CSRFToken": token } })
          .then(function (r) { return r.json(); })
          .then(function (state) { if (!show(state)) window.setTimeout(poll, 2000); });
      });
    }
    if (box.dataset.status === "queued" || box.dataset.status === "running") poll();
  });
})();
