/* The HTML report's evidence: panels rendered on demand (pretty-printed data with the fields the
   rule read marked, and what cites the item), the full evidence list, and the per-resource view.
   Evidence and the citation index (scanner/html_resources.py) are gzip+base64 JSON in the page,
   each decoded once on first use. Untrusted text is only ever set with textContent, and nothing
   here makes a request. Runs after report.js, whose element helpers it uses. */
(function (P) {
  "use strict";
  var doc = document;
  var el = P.el;
  var bi = P.bi;

  /* Evidence and the citation index: gzip+base64 JSON, each decoded once on first use. */
  function gunzipJson(id) {
    var node = doc.getElementById(id);
    var b64 = node ? node.textContent.trim() : "";
    if (!b64) { return Promise.resolve(null); }
    if (typeof DecompressionStream === "undefined") { return Promise.reject(new Error("DecompressionStream unsupported")); }
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }
  var evidence = null;
  var evidenceIndex = null;
  function loadEvidence() {
    if (evidence) { return evidence; }
    evidence = gunzipJson("evidence-data").then(function (rows) {
      rows = rows || [];
      evidenceIndex = new Map();
      rows.forEach(function (r, i) { evidenceIndex.set("ev-" + r[0].slice(0, 20), i); });
      return rows;
    });
    return evidence;
  }
  /* The citation index (scanner/html_resources.py): which rule cites which item under which clause. */
  var citations = null;
  function loadCitations() {
    if (citations) { return citations; }
    citations = gunzipJson("resource-data").then(function (d) {
      d = d || { rules: [], clauses: [], ev: [], cite: [], paths: {}, statuses: [], status_text: {}, ui: {}, omitted: 0 };
      d.byEv = new Map();
      var subjects = new Map();
      d.cite.forEach(function (c) {
        var e = d.ev[c[0]];
        if (!d.byEv.has(e[0])) { d.byEv.set(e[0], []); }
        d.byEv.get(e[0]).push(c);
        var key = e[1] + "\u0000" + e[2];
        var s = subjects.get(key);
        if (!s) { s = { kind: e[1], subject: e[2], sources: [], rows: [], seen: {}, worst: 1e9 }; subjects.set(key, s); }
        if (s.sources.indexOf(e[3]) < 0) { s.sources.push(e[3]); }
        var k = c[1] + "," + c[2];
        if (!s.seen[k]) { s.seen[k] = 1; s.rows.push(c); s.worst = Math.min(s.worst, c[3]); }
      });
      d.subjects = Array.from(subjects.values()).sort(function (a, b) {
        return a.worst - b.worst || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0);
      });
      d.subjects.forEach(function (s) {
        s.rows.sort(function (a, b) { return a[3] - b[3] || a[1] - b[1] || a[2] - b[2]; });
        s.text = (s.subject + " " + s.kind + " " + s.sources.join(" ")).toLowerCase();
      });
      return d;
    });
    return citations;
  }
  function tr(d, key) { var t = d.ui[key] || [key, key]; return bi(t[0], t[1]); }
  function statusBadge(d, i) {
    var st = d.statuses[i] || "unknown";
    var t = d.status_text[st] || [st, st];
    var b = el("span", "badge st-" + st);
    b.appendChild(bi(t[0], t[1]));
    return b;
  }
  /* One citation: the rule's status on the clause, the rule, and a link to the clause in the tree. */
  function citation(d, c) {
    var li = el("li", "cite");
    var clause = d.clauses[c[2]];
    var target = "cl-" + clause.replace(/[^A-Za-z0-9_-]/g, "-");
    li.appendChild(statusBadge(d, c[3]));
    li.appendChild(doc.createTextNode(" "));
    li.appendChild(el("code", "", d.rules[c[1]]));
    if (c[4]) { li.appendChild(doc.createTextNode(" ")); li.appendChild(el("span", "cov", "supports")); }
    li.appendChild(doc.createTextNode(" → "));
    var a = el("a", "", clause);
    a.href = "#" + target;
    a.setAttribute("data-open", target);
    li.appendChild(a);
    return li;
  }
  /* Data pretty-printed, with the fields the rule read (paths from data, `*` = any element) marked. */
  function matches(path, read) {
    if (path.length !== read.length) { return false; }
    for (var i = 0; i < read.length; i++) { if (read[i] !== "*" && read[i] !== path[i]) { return false; } }
    return true;
  }
  function pretty(value, path, reads, hits, out, pad) {
    if (value === null || typeof value !== "object") { out.appendChild(doc.createTextNode(JSON.stringify(value))); return; }
    var isArr = Array.isArray(value);
    var keys = isArr ? value.map(function (_, i) { return i; }) : Object.keys(value);
    if (!keys.length) { out.appendChild(doc.createTextNode(isArr ? "[]" : "{}")); return; }
    out.appendChild(doc.createTextNode(isArr ? "[\n" : "{\n"));
    keys.forEach(function (k, n) {
      var sub = path.concat([String(k)]);
      out.appendChild(doc.createTextNode(pad + "  "));
      var holder = out;
      reads.forEach(function (r, i) { if (matches(sub, r)) { hits[i] = true; if (holder === out) { holder = el("mark", "read"); } } });
      if (holder !== out) { out.appendChild(holder); }
      if (!isArr) { holder.appendChild(doc.createTextNode(JSON.stringify(String(k)) + ": ")); }
      pretty(value[k], sub, reads, hits, holder, pad + "  ");
      out.appendChild(doc.createTextNode(n < keys.length - 1 ? ",\n" : "\n"));
    });
    out.appendChild(doc.createTextNode(pad + (isArr ? "]" : "}")));
  }
  function evidencePanel(row, panel, d, ruleId) {
    panel.textContent = "";
    var id = "ev-" + row[0].slice(0, 20);
    var dl = el("dl");
    var fields = [["ID", "ID", id], ["主体", "subject", row[3]], ["数据源", "source", row[1]],
      ["类型", "kind", row[2]], ["来源", "origin", row[5]], ["采集时间", "collected at", row[4]], ["SHA-256", "SHA-256", row[0]]];
    fields.forEach(function (f) {
      var dt = el("dt"); dt.appendChild(bi(f[0], f[1]));
      dl.appendChild(dt); dl.appendChild(el("dd", f[0] === "SHA-256" ? "hash" : "", f[2]));
    });
    panel.appendChild(dl);
    var by = el("div", "citedby");
    by.appendChild(el("b", "", "")).appendChild(tr(d, "cited_by"));
    by.appendChild(doc.createTextNode(": "));
    var cites = d.byEv.get(id) || [];
    if (!cites.length) { by.appendChild(tr(d, "cited_by_none")); }
    var ul = el("ul", "cites");
    cites.slice().sort(function (a, b) { return a[3] - b[3]; }).forEach(function (c) { ul.appendChild(citation(d, c)); });
    by.appendChild(ul);
    panel.appendChild(by);
    var paths = (ruleId && d.paths[ruleId]) || [];
    var reads = paths.filter(function (p) { return p.indexOf("data.") === 0; }).map(function (p) { return p.slice(5).split("."); });
    var hits = reads.map(function () { return false; });
    var data = row[6];
    var pre = el("pre", "data");
    if (typeof data === "string") { pre.textContent = data; } else { pretty(data, [], reads, hits, pre, ""); }
    if (paths.length) {
      var fr = el("p", "fields-read");
      fr.appendChild(el("b", "", "")).appendChild(tr(d, "fields_read"));
      fr.appendChild(doc.createTextNode(": "));
      var at = 0;
      paths.forEach(function (p, i) {
        if (i) { fr.appendChild(doc.createTextNode(", ")); }
        fr.appendChild(el("code", p.indexOf("data.") === 0 ? "read" : "", p));
        if (p.indexOf("data.") === 0) {
          if (!hits[at] && typeof data !== "string") { fr.appendChild(doc.createTextNode(" ")); fr.appendChild(tr(d, "field_absent")); }
          at++;
        }
      });
      panel.appendChild(fr);
    }
    panel.appendChild(pre);
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
    var rule = b.closest("li.rule");
    Promise.all([loadEvidence(), loadCitations()]).then(function (got) {
      var i = evidenceIndex.get(b.getAttribute("data-ev"));
      if (i === undefined) { missingPanel(panel, b.getAttribute("data-ev")); return; }
      evidencePanel(got[0][i], panel, got[1], rule ? rule.getAttribute("data-rule") : null);
      panel.setAttribute("data-ready", "1");
    }, function (err) { missingPanel(panel, err); });
  });


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

  /* Resources: every subject cited by a rule, what cites it and the rule's status there. */
  var res = doc.getElementById("resources-all");
  var RES_PAGE = 50;
  function renderResources() {
    var f = res.querySelector("form");
    var list = res.querySelector("ol.resrows");
    var note = res.querySelector("p.res-note");
    loadCitations().then(function (d) {
      var q = f.elements.resq.value.trim().toLowerCase();
      var found = d.subjects.filter(function (s) { return !q || s.text.indexOf(q) >= 0; });
      list.textContent = "";
      found.slice(0, RES_PAGE).forEach(function (s) {
        var li = el("li", "res");
        var h = el("div", "res-h");
        h.appendChild(el("b", "subj", s.subject));
        h.appendChild(doc.createTextNode(" "));
        h.appendChild(el("span", "kind", s.sources.join(", ") + " · " + s.kind));
        h.appendChild(doc.createTextNode(" · " + s.rows.length + " "));
        h.appendChild(tr(d, "res_rules"));
        li.appendChild(h);
        var ul = el("ul", "cites");
        s.rows.forEach(function (c) { ul.appendChild(citation(d, c)); });
        li.appendChild(ul);
        list.appendChild(li);
      });
      f.elements.rescount.value = Math.min(found.length, RES_PAGE) + " / " + found.length;
      note.textContent = "";
      var say = function (key, n) {
        var t = d.ui[key];
        var p = el("span");
        p.appendChild(bi(t[0].replace("{n}", n), t[1].replace("{n}", n)));
        note.appendChild(p); note.appendChild(doc.createTextNode(" "));
      };
      if (!found.length) { note.appendChild(tr(d, "res_none")); }
      if (found.length > RES_PAGE) { say("res_more", found.length - RES_PAGE); }
      if (d.omitted) { say("res_omitted", d.omitted); }
      note.hidden = !note.firstChild;
    }, function (err) { missingPanel(list, err); });
  }
  if (res) {
    res.addEventListener("toggle", function () { if (res.open) { renderResources(); } });
    var resForm = res.querySelector("form");
    resForm.addEventListener("submit", function (ev) { ev.preventDefault(); });
    resForm.addEventListener("input", renderResources);
  }
})(window.MaturityPage);
