"""The HTML report of a real scan in a real headless Chromium, in Chinese: no English sentence
from the rules is visible, and a page written without --lang opens in the reader's language."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from scanner.html import render_html
from tests.browser import launch, open_report
from tests.cli import maturity

pytestmark = pytest.mark.slow

ESTATE = Path(__file__).parent / "estates" / "kube-prom"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch() as b:
        yield b


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("zhb")
    res = maturity(
        "scan",
        "--lang",
        "zh",
        "--config",
        str(ESTATE / "maturity.yaml"),
        "--json",
        str(out / "report.json"),
        "--html",
        str(out / "report.html"),
        "-q",
    )
    assert res.returncode in (0, 1), res.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    auto = out / "auto.html"
    auto.write_text(render_html(report), encoding="utf-8")
    return {"report": report, "zh": out / "report.html", "auto": auto}


def _english_sentences(report: dict[str, Any]) -> set[str]:
    """The English texts of rules a reader could meet in the page (titles, remediation,
    rationale, explanations and reasons) that differ from their Chinese twins."""
    out: set[str] = set()
    for r in report["rules"]:
        zh = r["zh"]
        out |= {r["title"], r["remediation"].strip()} - {zh["title"], zh["remediation"].strip()}
        out |= {d["rationale"].strip() for d in r["decides"]}
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                if req.get("reason"):
                    out.add(req["reason"])
                for cl in req["clauses"]:
                    out |= {o["explanation"] for o in cl["rules"] if o["explanation"] != o["explanation_zh"]}
    return {" ".join(s.split()) for s in out if len(s) > 12}


def test_in_chinese_no_english_sentence_from_the_rules_is_visible(browser: Browser, scanned: dict[str, Any]) -> None:
    page, watch = open_report(browser, scanned["zh"])
    assert page.locator("html").get_attribute("data-lang") == "zh"
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    text = " ".join(page.inner_text("body").split())
    english = _english_sentences(scanned["report"])
    assert len(english) > 50
    shown = sorted(s for s in english if s in text)
    assert shown == [], shown[:5]
    zh_titles = [r["zh"]["title"] for r in scanned["report"]["rules"]]
    assert sum(t in text for t in zh_titles) > 20  # the Chinese twins are what the page shows
    page.click("[data-set-lang=en]")
    text_en = " ".join(page.inner_text("body").split())
    assert sum(s in text_en for s in english) > 20  # and the English ones in English
    assert watch.errors == []
    page.close()


@pytest.mark.parametrize(("locale", "lang"), [("zh-CN", "zh"), ("en-US", "en"), ("fr-FR", "en")])
def test_without_lang_the_page_follows_the_browser_language(
    browser: Browser, scanned: dict[str, Any], locale: str, lang: str
) -> None:
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(scanned["auto"].resolve().as_uri())
    assert page.locator("html").get_attribute("data-lang") == lang
    assert page.locator("html").get_attribute("lang") == lang
    assert page.get_attribute(f"[data-set-lang={lang}]", "aria-pressed") == "true"
    context.close()
