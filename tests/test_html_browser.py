"""The HTML report in a real headless Chromium: navigation, language, filters, print, XSS, scale."""

from __future__ import annotations

import copy
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from scanner.html import render_html
from tests.browser import launch, open_report
from tests.reportgen import build_report

pytestmark = pytest.mark.slow

XSS = (
    "\"'><script>window.__pwned=1;alert('s')</script>"
    "<img src=x onerror=\"window.__pwned=2;alert('i')\">"
    "<svg onload=alert('v')></svg>javascript:alert('j')</textarea></title><!--"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch() as b:
        yield b


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("htmlb")
    good, bad = build_report(d / "g"), build_report(d / "b", good=False)
    evil = build_report(d / "e", payload=XSS)
    out: dict[str, Any] = {"good": good, "evil": evil}
    for name, html in (("good", render_html(bad, baseline=good)), ("evil", render_html(evil))):
        p = d / f"{name}.html"
        p.write_text(html, encoding="utf-8")
        out[f"{name}_path"] = p
    out["bad"] = bad
    return out


def wait_until(page: Page, expression: str, timeout_s: float = 90.0) -> None:
    """Poll a JS expression from outside the page: `wait_for_function` would need
    'unsafe-eval', which the report's Content-Security-Policy (rightly) refuses. The deadline
    only stops a hang: these tests check behaviour, not speed (the benchmarks time the page),
    and a CI machine under load rendered every panel of the XSS report in over 20 s."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


def visible_reqs(page: Page) -> list[str]:
    ids: list[str] = page.eval_on_selector_all("details.req:not([hidden])", "els => els.map(e => e.id)")
    return ids


def test_grade_to_evidence_in_three_clicks(browser: Browser, files: dict[str, Any]) -> None:
    page, watch = open_report(browser, files["good_path"])
    ev = next(e for e in files["bad"]["evidence"] if e["kind"] == "demo.alert_rule")
    page.click("li.tile a[data-open='cap-ydt-5-3-1']")  # 1: the grade on the overview grid
    assert page.is_visible("#cap-ydt-5-3-1 > summary")
    page.click("#req-ydt-5-3-1-L1-1 > summary")  # 2: the requirement
    assert page.is_visible("#req-ydt-5-3-1-L1-1 .reason")
    page.click(f"#req-ydt-5-3-1-L1-1 button.ev[data-ev='{ev['id']}']")  # 3: the evidence
    panel = page.locator(f"#req-ydt-5-3-1-L1-1 button.ev[data-ev='{ev['id']}'] + .evpanel")
    panel.locator("dl").wait_for()
    text = panel.inner_text()
    assert ev["sha256"] in text and ev["origin"] in text and ev["collected_at"] in text and ev["subject"] in text
    assert '"expr"' in text  # the data excerpt
    assert page.get_attribute(f"#req-ydt-5-3-1-L1-1 button.ev[data-ev='{ev['id']}']", "aria-expanded") == "true"
    assert watch.errors == [] and watch.foreign_requests == []
    page.close()


def test_resources_view_lists_what_cites_a_subject_failing_first(browser: Browser, files: dict[str, Any]) -> None:
    page, watch = open_report(browser, files["good_path"])
    page.click("#resources-all > summary")
    page.fill("#resources-all input[name=resq]", "diskfull")
    rows = page.locator("#resources-all li.res")
    rows.first.wait_for()
    assert rows.count() == 1 and page.inner_text("#resources-all li.res .subj") == "DiskFull"
    cites = page.eval_on_selector_all(
        "#resources-all li.res li.cite",
        "ls => ls.map(l => [l.querySelector('.badge').className, l.querySelector('code').textContent,"
        " l.querySelector('a').textContent])",
    )
    # the bad report: the threshold rule fails on two clauses, the runbook rule on one; DiskFull is cited by both
    assert sorted(c[1:] for c in cites) == [
        ["demo.alerting.runbooks", "ydt:5.3.1:L2.1#a"],
        ["demo.alerting.threshold-rules", "wa:OPS08-BP01#a"],
        ["demo.alerting.threshold-rules", "ydt:5.3.1:L1.1#a"],
    ]
    assert all("st-not_met" in c[0] for c in cites)
    page.fill("#resources-all input[name=resq]", "prod/deploy")  # workloads: only the failing readiness rule
    page.wait_for_timeout(100)
    statuses = page.eval_on_selector_all("#resources-all li.res li.cite .badge", "bs => bs.map(b => b.className)")
    assert statuses and all("st-not_met" in s for s in statuses)
    page.fill("#resources-all input[name=resq]", "no-such-subject")
    page.wait_for_timeout(100)
    assert page.locator("#resources-all li.res").count() == 0 and page.is_visible("#resources-all p.res-note")
    page.fill("#resources-all input[name=resq]", "DiskFull")
    page.locator("#resources-all li.cite a", has_text="ydt:5.3.1:L2.1#a").click()  # to the clause in the tree
    assert page.is_visible("#cl-ydt-5-3-1-L2-1-a") and page.url.endswith("#cl-ydt-5-3-1-L2-1-a")
    assert watch.errors == [] and watch.foreign_requests == []
    page.close()


def test_evidence_panel_says_what_cites_it_and_marks_the_fields_read(browser: Browser, files: dict[str, Any]) -> None:
    page, watch = open_report(browser, files["good_path"])
    ev = next(e for e in files["bad"]["evidence"] if e["subject"] == "DiskFull")
    page.click("li.tile a[data-open='cap-ydt-5-3-1']")
    page.click("#req-ydt-5-3-1-L1-1 > summary")
    button = f"#req-ydt-5-3-1-L1-1 li.rule[data-rule='demo.alerting.threshold-rules'] button.ev[data-ev='{ev['id']}']"
    page.click(button)
    panel = page.locator(f"{button} + .evpanel")
    panel.locator("pre.data").wait_for()
    assert panel.locator("mark.read").all_inner_texts() == ['"expr": "disk_free"']  # the field the condition reads
    assert '"labels": {' in panel.inner_text()  # pretty-printed, not one line
    cited = panel.locator("li.cite a").all_inner_texts()
    assert sorted(cited) == ["wa:OPS08-BP01#a", "ydt:5.3.1:L1.1#a", "ydt:5.3.1:L2.1#a"]
    # under the runbook rule the field it reads is absent from this alert: named, nothing marked
    page.click("#req-ydt-5-3-1-L2-1 > summary")
    button = f"#req-ydt-5-3-1-L2-1 button.ev[data-ev='{ev['id']}']"
    page.click(button)
    panel = page.locator(f"{button} + .evpanel")
    panel.locator("pre.data").wait_for()
    assert panel.locator("mark.read").count() == 0
    page.click("[data-set-lang=en]")
    assert "Fields the rule read: data.annotations.runbook_url (absent)" in panel.inner_text()
    panel.locator("li.cite a", has_text="wa:OPS08-BP01#a").click()  # cited by: a link to the other clause
    assert page.is_visible("#cl-wa-OPS08-BP01-a")
    assert watch.errors == [] and watch.foreign_requests == []
    page.close()


def test_language_switch(browser: Browser, files: dict[str, Any], tmp_path: Path) -> None:
    fixed = tmp_path / "zh.html"  # --lang zh: opens in Chinese whatever the browser's language
    fixed.write_text(render_html(files["bad"], baseline=files["good"], lang="zh"), encoding="utf-8")
    page, _ = open_report(browser, fixed)
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.is_visible("h1 .zh") and not page.is_visible("h1 .en")
    page.click("[data-set-lang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.is_visible("h1 .en") and not page.is_visible("h1 .zh")
    assert page.inner_text("h1") == "Operations maturity evidence report"
    assert page.get_attribute("[data-set-lang=en]", "aria-pressed") == "true"
    page.click("[data-set-lang=zh]")
    assert page.inner_text("h1") == "运维成熟度证据报告"
    page.close()


def test_filters_and_search(browser: Browser, files: dict[str, Any]) -> None:
    report = files["bad"]
    page, _ = open_report(browser, files["good_path"])
    every = [r for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"]]
    assert len(visible_reqs(page)) == len(every)
    for s in ("met", "unknown", "attested", "not_applicable"):
        page.uncheck(f"form.filters input[value={s}]")
    not_met = {"req-" + r["id"].replace(":", "-").replace(".", "-") for r in every if r["status"] == "not_met"}
    assert set(visible_reqs(page)) == not_met and not_met
    for s in ("met", "unknown", "attested", "not_applicable"):
        page.check(f"form.filters input[value={s}]")
    page.select_option("form.filters select[name=source]", "aws")  # the failed source: what it left unknown
    assert set(visible_reqs(page)) == {"req-ydt-7-1-1-L1-1", "req-wa-OPS04-BP01"}
    page.select_option("form.filters select[name=source]", "")
    page.select_option("form.filters select[name=framework]", "aws-wa-ops")
    assert all(i.startswith("req-wa-") for i in visible_reqs(page)) and len(visible_reqs(page)) == 71
    assert not page.is_visible("section.fw[data-fw='ydt1756-4']")
    page.select_option("form.filters select[name=framework]", "")
    page.fill("form.filters input[name=q]", "runbook_url")
    assert visible_reqs(page) == ["req-ydt-5-3-1-L2-1"]
    assert page.is_visible("#req-ydt-5-3-1-L2-1 > summary")  # the search opened what it found
    page.fill("form.filters input[name=q]", "")
    assert len(visible_reqs(page)) == len(every)
    assert page.url.endswith(".html")  # Enter in the search box does not navigate
    page.press("form.filters input[name=q]", "Enter")
    assert page.url.endswith(".html")
    page.close()


def test_print_layout(browser: Browser, files: dict[str, Any]) -> None:
    page, _ = open_report(browser, files["good_path"])
    assert not page.is_visible("#req-ydt-5-1-1-L1-1 .reason")
    page.emulate_media(media="print")
    assert not page.is_visible("form.filters") and not page.is_visible(".lang-switch")
    assert page.is_visible("#req-ydt-5-1-1-L1-1 .reason")  # closed sections print expanded
    assert page.is_visible("#roadmap details.step ul")
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    # a summary page first, numbered pages, and the cited evidence in an appendix, not in
    # evidence panels that print empty
    assert page.evaluate("getComputedStyle(document.querySelector('.headline')).breakAfter") == "page"
    page_rules = page.evaluate(
        "Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))"
        ".filter(r => r instanceof CSSPageRule).map(r => r.cssText).join(' ')"
    )
    assert "counter(page)" in page_rules
    cited = {
        i
        for fw in files["bad"]["frameworks"]
        for c in fw["capabilities"]
        for r in c["requirements"]
        for cl in r["clauses"]
        for rule in cl["rules"]
        for i in rule["evidence"]
    }
    assert page.is_visible("#appendix") and not page.is_visible("#evidence")
    shown = set(page.eval_on_selector_all("#appendix tbody th code", "cs => cs.map(c => c.textContent)"))
    assert shown == cited and cited
    page.emulate_media(media="screen")
    assert not page.is_visible("#appendix")
    page.close()


def test_overview_screenshot(browser: Browser, files: dict[str, Any], tmp_path: Path) -> None:
    page, _ = open_report(browser, files["good_path"])
    shot = tmp_path / "overview.png"
    page.locator("#overview").screenshot(path=str(shot))
    print(f"overview screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    assert page.locator("#overview svg rect").count() >= 7 * 3  # 7 YD/T domains x 3 bars
    page.close()


def test_scanned_data_cannot_run_script_or_leave_the_page(browser: Browser, files: dict[str, Any]) -> None:
    page, watch = open_report(browser, files["evil_path"])
    page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
    page.eval_on_selector_all("button.ev", "bs => bs.forEach(b => b.click())")  # render every cited item
    wait_until(
        page,
        "document.querySelectorAll('.evpanel[data-ready]').length === document.querySelectorAll('details.req button.ev').length",
    )
    # opening every <details> above also opened the full evidence list
    page.locator("#evidence-all ol.evrows li").first.wait_for(state="attached")
    page.eval_on_selector_all("#evidence-all button.ev", "bs => bs.forEach(b => b.click())")
    wait_until(page, "document.querySelectorAll('#evidence-all .evpanel[data-ready]').length > 0")
    page.fill("form.filters input[name=q]", "<script>")
    page.click("[data-set-lang=en]")
    page.emulate_media(media="print")
    page.wait_for_timeout(200)
    panels = page.inner_text("#details")
    assert "<script>window.__pwned=1" in panels  # the payload is shown as text
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img, iframe, object, embed").count() == 0
    assert watch.dialogs == [] and watch.errors == []
    assert watch.foreign_requests == [], watch.foreign_requests
    page.close()


def test_many_evidence_items_stay_usable(browser: Browser, tmp_path: Path) -> None:
    """20k items here (the suite must stay fast); bench/bench_html.py measures 100k the same way.

    Size grows linearly with the items, so 20k must fit a fifth of the 20 MB budget.
    """
    report = build_report(tmp_path / "scale", scale=20_000)
    html = render_html(report)
    path = tmp_path / "scale.html"
    path.write_text(html, encoding="utf-8")
    size = path.stat().st_size
    assert size <= 4 * 1024 * 1024, size
    t0 = time.monotonic()
    page, watch = open_report(browser, path)
    paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
    print(
        f"20k evidence: {size / 1e6:.1f} MB, first contentful paint {paint:.0f} ms, load {time.monotonic() - t0:.2f} s"
    )
    assert paint <= 2000
    page.click("li.tile a[data-open='cap-ydt-5-1-1']")
    page.click("#req-ydt-5-1-1-L1-1 > summary")
    page.locator("#req-ydt-5-1-1-L1-1 button.ev").first.click()
    page.locator("#req-ydt-5-1-1-L1-1 .evpanel dl").first.wait_for(timeout=10_000)
    assert watch.errors == [] and watch.foreign_requests == []
    page.close()


def _scoped(report: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of the report with one scope whose grades differ from the estate's on 5.3.1."""
    scope_fws = copy.deepcopy(report["frameworks"])
    ydt = next(fw for fw in scope_fws if fw["id"] == "ydt1756-4")
    cap = next(c for c in ydt["capabilities"] if c["id"] == "ydt:5.3.1")
    cap["level"], cap["level_verified"], cap["level_ceiling"] = 0, 0, 1
    req = cap["requirements"][0]
    req["status"] = "not_met"
    for cl in req["clauses"]:
        cl["status"] = "not_met"
    return {
        **report,
        "scopes": [{"name": name, "owner": "lead@example.com", "target_level": 2, "frameworks": scope_fws}],
    }


def test_scope_switch_swaps_levels_and_statuses(browser: Browser, files: dict[str, Any], tmp_path: Path) -> None:
    name = 'shop<b>&"x'
    report = _scoped(files["good"], name)
    path = tmp_path / "scoped.html"
    path.write_text(render_html(report), encoding="utf-8")
    whole_cap = next(c for fw in report["frameworks"] for c in fw["capabilities"] if c["id"] == "ydt:5.3.1")
    first = whole_cap["requirements"][0]
    req_sel = "#req-" + first["id"].replace(":", "-").replace(".", "-")
    page, watch = open_report(browser, path)
    tile = "li.tile[data-cap='ydt:5.3.1']"
    assert page.inner_text(f"{tile} b.v-level") == str(whole_cap["level"])
    assert page.get_attribute(req_sel, "data-status") == first["status"] != "not_met"
    assert not page.is_visible("#scope-note")
    page.select_option("#scope-pick", name)
    assert page.inner_text(f"{tile} b.v-level") == "0" and page.inner_text(f"{tile} b.v-ceiling") == "1"
    assert page.text_content("#cap-ydt-5-3-1 > summary b.v-level") == "0"
    assert page.get_attribute(req_sel, "data-status") == "not_met"
    assert page.locator(f"{req_sel} > summary span.badge.st-not_met").count() == 1
    assert page.locator(f"{req_sel} li.clause[data-status=not_met]").count() == len(first["clauses"])
    assert page.is_visible("#scope-note") and name in page.inner_text("#scope-note")
    assert page.url.endswith("#scope=" + urllib.parse.quote(name))
    # the status filter reads the scope's statuses
    for s in ("met", "unknown", "attested", "not_applicable"):
        page.uncheck(f"form.filters input[value={s}]")
    assert req_sel[1:] in visible_reqs(page)
    for s in ("met", "unknown", "attested", "not_applicable"):
        page.check(f"form.filters input[value={s}]")
    page.select_option("#scope-pick", "")
    assert page.inner_text(f"{tile} b.v-level") == str(whole_cap["level"])
    assert page.get_attribute(req_sel, "data-status") == first["status"]
    assert not page.is_visible("#scope-note")
    page.close()
    # a link to the scope opens the page on it
    page = browser.new_page()
    page.goto(path.resolve().as_uri() + "#scope=" + urllib.parse.quote(name))
    assert page.inner_text(f"{tile} b.v-level") == "0"
    assert page.input_value("#scope-pick") == name
    assert watch.errors == [] and watch.dialogs == []
    page.close()


GLYPHS_DIFFER = """() => {
  const font = getComputedStyle(document.querySelector('h1')).font;
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.font = font; g.fillText(ch, 4, 48);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
  };
  return draw('运') !== draw('维') && draw('运') !== draw(' ');
}"""


def test_chinese_text_renders_as_glyphs_not_boxes(browser: Browser, files: dict[str, Any]) -> None:
    """Without a CJK font every Chinese character draws the same empty box; the Makefile's
    system-deps installs one, and two different characters must then draw differently."""
    page, _ = open_report(browser, files["good_path"])
    assert page.evaluate(GLYPHS_DIFFER)
    page.close()


def _render_resources_and_panels(page: Page) -> None:
    """The parts the script builds: the resource list and cited evidence panels (cited by, marked fields)."""
    wait_until(page, "document.querySelectorAll('#resources-all li.res li.cite').length > 0")
    page.eval_on_selector_all("details.req li.rule button.ev", "bs => bs.forEach(b => b.click())")
    wait_until(page, "document.querySelectorAll('details.req .evpanel mark.read').length > 0")
    wait_until(page, "document.querySelectorAll('details.req .evpanel li.cite').length > 0")


def test_axe_finds_no_violations_and_a_phone_width_does_not_scroll_sideways(
    browser: Browser, files: dict[str, Any], tmp_path: Path
) -> None:
    """Every section open (the worst case for nesting and contrast), in both languages (one per
    page: an axe run over the 27,000 elements takes half a minute, and the pages share their
    markup); then at 390 px wide nothing makes the page scroll horizontally (tables scroll inside
    themselves)."""
    from axe_playwright_python.sync_playwright import Axe

    scoped = tmp_path / "scoped.html"
    scoped.write_text(render_html(_scoped(files["good"], "shop")), encoding="utf-8")
    for path, lang in ((files["good_path"], "zh"), (scoped, "en")):
        page, _ = open_report(browser, path)
        page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
        _render_resources_and_panels(page)
        page.click(f"[data-set-lang={lang}]")
        assert page.evaluate("document.documentElement.lang").startswith(lang)
        result = Axe().run(page)
        found = [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in result.response["violations"]]
        assert found == [], (path.name, lang, found)
        page.close()
        page, watch = open_report(browser, path, viewport=(390, 844))
        page.eval_on_selector_all("details", "ds => ds.forEach(d => { d.open = true; })")
        _render_resources_and_panels(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path.name
        assert watch.errors == []
        page.close()
