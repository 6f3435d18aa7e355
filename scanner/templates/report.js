/* The HTML report's behaviour: language switch, opening targets, filters and search, and
   evidence rendered on demand. Untrusted text is only ever set with textContent (never the
   HTML parser), and nothing here makes a request: evidence is decoded from the page itself. */
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;

  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function bi(zh, en) {
    var f = doc.createDocumentFragment();
    var a = el("span", "zh", zh); a.lang = "zh";
    var b = el("span", "en", en); b.lang = "en";
    f.appendChild(a); f.appendChild(b);
    return f;
  }

  /* Language */
  function setLang(lang) {
    root.setAttribute("data-lang", lang);
    root.lang = lang;
    doc.querySelectorAll("[data-set-lang]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-set-lang") === lang ? "true" : "false");
    });
  }
  doc.querySelectorAll("[data-set-lang]").forEach(function (b) {
    b.addEventListener("click", function () { setLang(b.getAttribute("data-set-lang")); });
  });

  /* Open a target and every <details> around it, then scroll to it. */
  function openTarget(id) {
    var t = doc.getElementById(id);
    if (!t) { return false; }
    for (var n = t; n; n = n.parentElement) {
      if (n.tagName === "DETAILS") { n.open = true; }
      if (n.hidden) { n.hidden = false; }
    }
    t.scrollIntoView({ block: "start" });
    var s = t.querySelector("summary");
    if (s) { s.focus({ preventScroll: true }); }
    return true;
  }
  doc.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[data-open]") : null;
    if (a && openTarget(a.getAttribute("data-open"))) {
      ev.preventDefault();
      if (history.replaceState) { history.replaceState(null, "", "#" + a.getAttribute("data-open")); }
    }
  });
  if (location.hash.length > 1) { openTarget(decodeURIComponent(location.hash.slice(1))); }

  /* Evidence: gzip+base64 JSON rows, decoded once on first use. */
  var evidence = null;
  var evidenceIndex = null;
  function loadEvidence() {
    if (evidence) { return evidence; }
    var node = doc.getElementById("evidence-data");
    var b64 = node ? node.textContent.trim() : "";
    evidence = (function () {
      if (!b64) { return Promise.resolve([]); }
      if (typeof DecompressionStream === "undefined") { return Promise.reject(new Error("DecompressionStream unsupported")); }
      var bin = atob(b64);
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(stream).text().then(JSON.parse);
    })().then(function (rows) {
      evidenceIndex = new Map();
      rows.forEach(function (r, i) { evidenceIndex.set("ev-" + r[0].slice(0, 20), i); });
      return rows;
    });
    return evidence;
  }
  function evidencePanel(row, panel) {
    panel.textContent = "";
    var dl = el("dl");
    var fields = [["ID", "ID", "ev-" + row[0].slice(0, 20)], ["主体", "subject", row[3]], ["数据源", "source", row[1]],
      ["类型", "kind", row[2]], ["来源", "origin", row[5]], ["采集时间", "collected at", row[4]], ["SHA-256", "SHA-256", row[0]]];
    fields.forEach(function (f) {
      var dt = el("dt"); dt.appendChild(bi(f[0], f[1]));
      dl.appendChild(dt); dl.appendChild(el("dd", f[0] === "SHA-256" ? "hash" : "", f[2]));
    });
    panel.appendChild(dl);
    var data = row[6];
    panel.appendChild(el("pre", "data", typeof data === "string" ? data : JSON.stringify(data, null, 2)));
  }
  function missingPanel(panel, err) {
    panel.textContent = "";
    panel.appendChild(bi("未能显示证据：", "Cannot show evidence: "));
    panel.appendChild(doc.createTextNode(String(err && err.message ? err.message : err)));
  }
  doc.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button.ev") : null;
    if (!b) { return; }
    var panel = b.nextElementSibling;
    var open = b.getAttribute("aria-expanded") !== "true";
    b.setAttribute("aria-expanded", open ? "true" : "false");
    panel.hidden = !open;
    if (!open || panel.getAttribute("data-ready")) { return; }
    panel.textContent = "…";
    loadEvidence().then(function (rows) {
      var i = evidenceIndex.get(b.getAttribute("data-ev"));
      if (i === undefined) { missingPanel(panel, b.getAttribute("data-ev")); return; }
      evidencePanel(rows[i], panel);
      panel.setAttribute("data-ready", "1");
    }, function (err) { missingPanel(panel, err); });
  });

  /* Filters and search over requirements. */
  var form = doc.querySelector("form.filters");
  var reqs = Array.prototype.slice.call(doc.querySelectorAll("details.req"));
  var texts = null;
  function applyFilters() {
    if (!texts) { texts = reqs.map(function (r) { return r.textContent.toLowerCase(); }); }
    var statuses = {};
    form.querySelectorAll("input[name=status]").forEach(function (c) { statuses[c.value] = c.checked; });
    var src = form.elements.source.value;
    var fw = form.elements.framework.value;
    var q = form.elements.q.value.trim().toLowerCase();
    var shown = 0;
    reqs.forEach(function (r, i) {
      var ok = statuses[r.getAttribute("data-status")] &&
        (!src || (" " + r.getAttribute("data-sources") + " ").indexOf(" " + src + " ") >= 0) &&
        (!fw || r.getAttribute("data-fw") === fw) && (!q || texts[i].indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) { shown++; }
    });
    doc.querySelectorAll("details.cap, details.dom, div.lvl").forEach(function (c) {
      var any = c.querySelector("details.req:not([hidden])") !== null;
      c.hidden = !any;
      /* A search opens what it found; other filters leave the tree as the reader left it. */
      if (c.tagName === "DETAILS" && q && any) { c.open = true; }
    });
    doc.querySelectorAll("section.fw").forEach(function (s) {
      s.hidden = (fw && s.getAttribute("data-fw") !== fw) || s.querySelector("details.req:not([hidden])") === null;
    });
    form.elements.count.value = shown + " / " + reqs.length;
  }
  if (form) {
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    form.addEventListener("input", applyFilters);
    form.addEventListener("change", applyFilters);
  }

  /* The full evidence list, paged, on demand. */
  var all = doc.getElementById("evidence-all");
  var PAGE = 100;
  var limit = PAGE;
  function renderAll() {
    var f = all.querySelector("form");
    var list = all.querySelector("ol.evrows");
    var more = all.querySelector("button.more");
    loadEvidence().then(function (rows) {
      var q = f.elements.evq.value.trim().toLowerCase();
      var src = f.elements.evsource.value;
      list.textContent = "";
      var n = 0;
      var total = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        if (src && r[1] !== src) { continue; }
        if (q && (r[3] + " " + r[2] + " " + r[5] + " ev-" + r[0]).toLowerCase().indexOf(q) < 0) { continue; }
        total++;
        if (n >= limit) { continue; }
        n++;
        var li = el("li");
        var b = el("button", "ev");
        b.type = "button";
        b.setAttribute("data-ev", "ev-" + r[0].slice(0, 20));
        b.setAttribute("aria-expanded", "false");
        b.appendChild(el("code", "", "ev-" + r[0].slice(0, 20)));
        b.appendChild(doc.createTextNode(" "));
        b.appendChild(el("span", "subj", r[3]));
        b.appendChild(doc.createTextNode(" "));
        b.appendChild(el("span", "kind", r[1] + " · " + r[2]));
        var p = el("div", "evpanel"); p.hidden = true;
        li.appendChild(b); li.appendChild(p);
        list.appendChild(li);
      }
      f.elements.evcount.value = n + " / " + total;
      more.hidden = total <= n;
    }, function (err) { missingPanel(list, err); });
  }
  if (all) {
    all.addEventListener("toggle", function () { if (all.open) { renderAll(); } });
    var evForm = all.querySelector("form");
    evForm.addEventListener("submit", function (ev) { ev.preventDefault(); });
    evForm.addEventListener("input", function () { limit = PAGE; renderAll(); });
    all.querySelector("button.more").addEventListener("click", function () { limit += PAGE * 10; renderAll(); });
  }

  /* Printing expands every section (browsers without ::details-content print closed ones shut). */
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    doc.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; reopened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; }); reopened = [];
  });
})();
