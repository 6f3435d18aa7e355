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

  /* Scope switch: each scope's levels and statuses swapped into the one rendered tree. */
  var scopeData = doc.getElementById("scope-data");
  var pick = doc.getElementById("scope-pick");
  if (scopeData && pick) {
    var SD = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(scopeData.textContent.trim()), function (c) { return c.charCodeAt(0); })));
    var tx = function (key) { return bi(SD.ui[key][0], SD.ui[key][1]); };
    var badgeOf = function (status) {
      var b = el("span", "badge st-" + status);
      var t = SD.status_text[status] || [status, status];
      b.appendChild(bi(t[0], t[1]));
      return b;
    };
    var levelsOf = function (lv, fwId, c) {
      lv.textContent = "";
      if (!SD.graded[fwId]) {
        lv.appendChild(tx("satisfied")); lv.appendChild(doc.createTextNode(" "));
        lv.appendChild(el("b", "", c[5])); lv.appendChild(doc.createTextNode("/" + c[6]));
        return;
      }
      if (!c[0]) { var o = el("span", "oos"); o.appendChild(tx("out_of_scope")); lv.appendChild(o); return; }
      var names = SD.level_names[fwId] || {};
      lv.appendChild(tx("verified")); lv.appendChild(doc.createTextNode(" "));
      lv.appendChild(el("b", "v-verified", c[1])); lv.appendChild(doc.createTextNode(" · "));
      lv.appendChild(tx("level_short")); lv.appendChild(doc.createTextNode(" "));
      lv.appendChild(el("b", "v-level", c[2]));
      if (names[String(c[2])]) { lv.appendChild(doc.createTextNode(" ")); lv.appendChild(bi(names[String(c[2])][0], names[String(c[2])][1])); }
      lv.appendChild(doc.createTextNode(" · ")); lv.appendChild(tx("ceiling")); lv.appendChild(doc.createTextNode(" "));
      lv.appendChild(el("b", "v-ceiling", c[3]));
    };
    var showScope = function (name) {
      var view = SD.views[name];
      if (!view) { name = ""; view = SD.views[""]; }
      pick.value = name;
      doc.querySelectorAll("[data-cap]").forEach(function (node) {
        var c = view.caps[node.getAttribute("data-cap")];
        if (!c) { return; }
        var fwId = node.getAttribute("data-fw") || (node.closest("section.fw") || node).getAttribute("data-fw");
        var lv = node.querySelector("span.lv");
        if (lv) { levelsOf(lv, fwId, c); }
        node.classList.toggle("out-of-scope", !c[0]);
        var gauge = node.querySelector("span.gauge");
        if (gauge) {
          gauge.hidden = !c[0];
          gauge.querySelectorAll("span.g").forEach(function (g, i) {
            var n = i + 1;
            g.className = "g" + (n <= c[1] ? " g-v" : n <= c[2] ? " g-a" : n <= c[3] ? " g-c" : "");
          });
        }
        var counts = node.querySelector(":scope > a > span.counts");
        if (counts) {
          counts.textContent = "";
          SD.statuses.forEach(function (st) {
            if (!c[4][st]) { return; }
            var e = el("span", "c st-" + st, c[4][st]);
            e.title = (SD.status_text[st] || [st, st])[1];
            counts.appendChild(e);
          });
        }
        node.querySelectorAll("span.lvl-mark").forEach(function (m) {
          var n = Number(m.getAttribute("data-lv"));
          m.textContent = "";
          if (!SD.graded[fwId] || !c[0]) { return; }
          if (n <= c[1]) { m.appendChild(doc.createTextNode("✓ ")); m.appendChild(tx("verified")); }
          else if (n <= c[2]) { m.appendChild(doc.createTextNode("✓ ")); m.appendChild(tx("attested")); }
          else if (n <= c[3]) { m.appendChild(doc.createTextNode("? ")); m.appendChild(tx("ceiling")); }
          else { m.appendChild(doc.createTextNode("✗")); }
        });
      });
      var swap = function (node, status, holder) {
        if (!status) { return; }
        node.setAttribute("data-status", status);
        var old = holder && holder.querySelector(":scope > span.badge");
        if (old) { old.replaceWith(badgeOf(status)); }
      };
      doc.querySelectorAll("details.req").forEach(function (r) {
        swap(r, view.reqs[r.querySelector("summary code").textContent], r.querySelector(":scope > summary"));
      });
      doc.querySelectorAll("li.clause").forEach(function (cl) {
        swap(cl, view.clauses[cl.querySelector(".clause-h code").textContent], cl.querySelector(":scope > .clause-h"));
      });
      var note = doc.getElementById("scope-note");
      if (note) {
        note.textContent = "";
        if (name) { note.appendChild(el("b", "", name + ": ")); note.appendChild(tx("scope_note")); }
        note.hidden = !name;
      }
      texts = null;
      if (form) { applyFilters(); }
    };
    var fromHash = function () {
      var h = decodeURIComponent(location.hash.slice(1));
      if (h.indexOf("scope=") === 0) { showScope(h.slice(6)); }
    };
    pick.addEventListener("change", function () {
      showScope(pick.value);
      if (history.replaceState) { history.replaceState(null, "", pick.value ? "#scope=" + encodeURIComponent(pick.value) : location.pathname + location.search); }
    });
    window.addEventListener("hashchange", fromHash);
    fromHash();
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
