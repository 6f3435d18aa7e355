/* The HTML report's behaviour: language switch, opening targets, filters and search, the scope
   switch and printing (the evidence panels, the full evidence list and the per-resource view are
   in report_evidence.js, which runs after this). Untrusted text is only ever set with
   textContent (never the HTML parser), and nothing here makes a request. */
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
  /* Written without --lang: open in the reader's language (Chinese for a zh-* first preference, else English). */
  if (root.hasAttribute("data-lang-auto")) {
    var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    setLang(String(prefs[0] || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  }

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

  /* What report_evidence.js (the evidence panels, the full list, resources) builds on. */
  window.MaturityPage = Object.freeze({ el: el, bi: bi });

  /* Printing expands every section (browsers without ::details-content print closed ones shut). */
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    doc.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; reopened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; }); reopened = [];
  });
})();
