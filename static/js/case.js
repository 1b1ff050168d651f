// Case page: live image states (polls the case's status JSON about once a second while
// images are queued or running) and drag-and-drop onto the upload form. No build step.
(function () {
  "use strict";

  var POLL_MS = 1000;
  var MAX_POLL_MS = 10000;
  var table = document.getElementById("images");
  // gettext and interpolate come from Django's JavaScript catalogue (base.html, /jsi18n/).

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function percent(value) { return Math.round(value * 100) + " %"; }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function findingNodes(finding) {
    // A smear field (its counts and page) or no blood cells (why), as on the server's row.
    var nodes = [
      el("span", { "class": "badge kind-" + finding.kind, "data-testid": "image-kind", text: finding.kind_display }),
      el("span", { "class": "finding", "data-testid": "image-finding", text: finding.text }),
    ];
    if (finding.url) nodes.push(el("a", { href: finding.url, "data-testid": "field-link", text: finding.link_text }));
    return nodes;
  }

  function resultCell(prediction, finding) {
    var cell = el("td", { "class": "result", "data-testid": "image-label" });
    if (!prediction) {
      if (finding) findingNodes(finding).forEach(function (node) { cell.appendChild(node); });
      return cell;
    }
    if (prediction.unidentified) {
      cell.appendChild(el("span", { "class": "badge unidentified", text: gettext("Unidentified") }));
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(el("span", {
        "class": "muted",
        text: interpolate(gettext("best guess: %(label)s; flagged for review"),
                          { label: prediction.label_display }, true),
      }));
    } else {
      cell.appendChild(document.createTextNode(prediction.label_display));
    }
    // Which model version gave this answer, as on the server-rendered row.
    cell.appendChild(el("div", {
      "class": "muted small", "data-testid": "image-model-version",
      text: interpolate(gettext("model %(version)s"), { version: prediction.model_version }, true),
    }));
    return cell;
  }

  function row(image) {
    var attrs = { id: "image-" + image.id, "data-testid": "image-row",
                  "data-image-id": image.id, "data-status": image.status };
    if (image.finding) attrs["data-kind"] = image.finding.kind;
    if (image.prediction && image.prediction.unidentified) attrs["data-unidentified"] = "true";
    var thumb = el("td", { "class": "thumb" });
    if (image.file_url) {
      thumb.appendChild(el("a", { href: image.file_url }, [el("img", {
        src: image.file_url, alt: image.name, width: "64", height: "64", loading: "lazy" })]));
    } else if (image.file_note) {
      thumb.appendChild(el("span", { "class": "muted small", "data-testid": "file-note", text: image.file_note }));
    }
    var status = el("td", { "class": "status" }, [
      el("span", { "class": "badge " + image.status, "data-testid": "image-status",
                   text: image.status_display })]);
    if (image.error) {
      status.appendChild(el("div", { "class": "error", "data-testid": "image-error", text: image.error }));
    }
    var p = image.prediction;
    var top = el("td", { "class": "top" });
    if (p) {
      top.appendChild(el("ol", { "class": "top3" }, p.top.map(function (item) {
        return el("li", { text: item.label_display + " " + percent(item.probability) });
      })));
    }
    var actions = el("td", { "class": "actions" });
    if (image.delete_url) {
      actions.appendChild(el("form", { method: "post", action: image.delete_url, "class": "inline" }, [
        el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: csrfToken() }),
        el("button", { type: "submit", "class": "secondary", text: gettext("Delete") }),
      ]));
    }
    return el("tr", attrs, [
      thumb,
      el("td", { "class": "name", text: image.name }),
      status,
      resultCell(p, image.finding),
      el("td", { "class": "confidence", "data-testid": "image-confidence", text: p ? percent(p.confidence) : "" }),
      top,
      actions,
    ]);
  }

  function labelCells(tableRow) {
    // As the server-rendered rows: each cell names its column, shown as a card label on phones.
    var headers = table.querySelectorAll("thead th");
    Array.prototype.forEach.call(tableRow.children, function (cell, index) {
      var text = headers[index] ? headers[index].textContent.trim() : "";
      if (text) cell.setAttribute("data-label", text);
    });
    return tableRow;
  }

  function keepThumbnail(newRow, image) {
    // Reuse the loaded <img>: a new one would fetch the (uncached) image again.
    var old = document.getElementById("image-" + image.id);
    var oldThumb = old && old.querySelector("td.thumb");
    var oldImg = oldThumb && oldThumb.querySelector("img");
    if (oldImg && oldImg.getAttribute("src") === image.file_url) {
      newRow.replaceChild(oldThumb, newRow.querySelector("td.thumb"));
    }
    return newRow;
  }

  function render(state) {
    var body = table.querySelector("tbody");
    var rows = state.images.map(function (image) {
      return keepThumbnail(labelCells(row(image)), image);
    });
    body.replaceChildren.apply(body, rows);
    var badge = document.getElementById("case-status");
    if (badge) {
      badge.textContent = state.status_display;
      badge.className = "badge " + state.status;
      badge.setAttribute("data-status", state.status);
    }
    document.getElementById("pending-note").hidden = state.pending === 0;
    document.getElementById("no-images").hidden = state.images.length > 0;
  }

  function updateDifferential(state) {
    // Counts change in place, in rows that keep the model's label order; only when the table
    // itself changes (its first result, or a class it has no row for) is the panel fetched anew.
    var panel = document.querySelector("[data-testid=case-report-panel]");
    if (!panel || !state.differential) return;
    var progress = panel.querySelector("[data-testid=differential-progress]");
    if (progress) progress.textContent = state.progress_text;
    var table = panel.querySelector("[data-testid=differential]");
    var rows = state.differential.rows;
    var missing = !table && state.differential.total > 0;
    rows.forEach(function (item) {
      var tr = table && table.querySelector('tr[data-label="' + CSS.escape(item.label) + '"]');
      if (!tr) { missing = missing || Boolean(table); return; }
      tr.querySelector(".count").textContent = item.count;
      tr.querySelector(".share").textContent = item.share;
      var interval = tr.querySelector(".interval");
      if (interval) interval.textContent = item.interval;
    });
    updateWhiteCells(panel, state.differential.count);
    if (missing) { refreshReportPanel(); return; }
    if (!table) return;
    var set = function (testid, text) {
      var node = panel.querySelector("[data-testid=" + testid + "]");
      if (node) node.textContent = text;
    };
    set("differential-leukocytes", state.differential.leukocytes);
    set("differential-total", state.differential.total);
    set("differential-unreviewed", state.differential.unreviewed_text);
  }

  function updateWhiteCells(panel, count) {
    // White cells against the lab's target; the fields' figures come with the panel refresh.
    if (!count) return;
    var counted = panel.querySelector("[data-testid=white-cells-counted]");
    if (counted) counted.textContent = count.white_cells_text;
    var bar = panel.querySelector("[data-testid=white-cells-bar]");
    if (bar) bar.value = Math.min(count.counted, count.target);
    var more = panel.querySelector("[data-testid=count-more]");
    if (more) { more.textContent = count.more_text; more.hidden = !count.more_text; }
  }

  function refreshReportPanel() {
    // The differential is drawn by the server; once every image has settled, fetch the page
    // again and swap in its fresh panel rather than recount in the browser.
    var panel = document.querySelector("[data-testid=case-report-panel]");
    if (!panel) return;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .querySelector("[data-testid=case-report-panel]");
        if (fresh) panel.replaceWith(fresh);
      });
  }

  function startPolling() {
    if (!table) return;
    var url = table.getAttribute("data-status-url");
    var last = null;
    var delay = POLL_MS;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (state) {
          delay = POLL_MS;
          var text = JSON.stringify(state);
          // Re-render only on change, so focus and selection on the page survive the poll.
          if (text !== last) { last = text; render(state); updateDifferential(state); }
          // The case leaves "processing" just after its last image is done: poll until both.
          if (state.pending > 0 || state.status === "processing") window.setTimeout(poll, delay);
          else refreshReportPanel();
        })
        .catch(function () {
          delay = Math.min(delay * 2, MAX_POLL_MS);
          window.setTimeout(poll, delay);
        });
    }
    if (table.querySelector("tr[data-status=queued], tr[data-status=running]")) poll();
  }

  function setUpDropzone() {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("id_files");
    var list = document.getElementById("selected-files");
    if (!zone || !input) return;
    function showSelection() {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      list.textContent = names.length
        ? interpolate(gettext("Selected: %(names)s"), { names: names.join(", ") }, true) : "";
    }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showSelection();
      }
    });
    input.addEventListener("change", showSelection);
  }

  setUpDropzone();
  startPolling();
})();
