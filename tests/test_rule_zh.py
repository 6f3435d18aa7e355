"""Rules speak Chinese too: the `zh:` twins lint checks, the Chinese explanations and reasons the
engine writes beside the English ones, and one-language text outputs (`--lang zh`)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from scanner.catalog import load_catalog
from scanner.localise import localise
from scanner.probe import load_probes
from scanner.rule_zh import zh_problems
from scanner.rules import default_rules_dir, load_rules
from tests.cli import maturity

ESTATE = Path(__file__).parent / "estates" / "kube-prom"

RULE = """\
id: demo.zh.alerts
title: Alerting rules carry a runbook
evidence: [prometheus.alert_rule]
decides:
  - clause: "ydt:5.3.1:L1.1#a"
    rationale: A rule with a runbook is one a responder can act on.
condition:
  ratio:
    kind: prometheus.alert_rule
    that: {path: data.has_runbook, eq: true}
    gte: $min_ratio
    label: rule with a runbook (at least $min_ratio)
params: {min_ratio: 0.5}
explain:
  not_met: "Too few alerting rules link a runbook ({percent})."
remediation: Add a runbook_url annotation to every alerting rule.
"""

ZH = """\
zh:
  title: 告警规则附带处置手册
  rationale:
    "ydt:5.3.1:L1.1#a": 附带处置手册的告警规则，响应人员才能据此处置。
  explain:
    not_met: "附带处置手册的告警规则太少（{percent}）。"
  remediation: 为每条告警规则添加 runbook_url 注解。
  labels:
    "rule with a runbook (at least $min_ratio)": 附带处置手册的规则（至少 $min_ratio）
"""


def _load(tmp_path: Path, text: str) -> Any:
    f = tmp_path / "r.yaml"
    f.write_text(text, encoding="utf-8")
    return load_rules([f], requirement_ids=load_catalog().decidable_ids(), kinds=set(load_probes().kinds()))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (RULE, "zh: missing"),
        (
            RULE + ZH.replace("  title: 告警规则附带处置手册\n", "  title: Alerting rules carry a runbook\n"),
            "zh.title: holds no Chinese",
        ),
        (
            RULE + ZH.replace("（{percent}）", ""),
            "zh.explain.not_met: placeholders [] differ from the English ['percent']",
        ),
        (
            RULE + ZH.replace('    "rule with a runbook (at least $min_ratio)"', '    "a runbook"'),
            "zh.labels['rule with a runbook",
        ),
        (
            RULE + ZH.replace('"ydt:5.3.1:L1.1#a": 附', '"ydt:5.3.1:L2.1#a": 附'),
            "zh.rationale['ydt:5.3.1:L2.1#a']: names no clause",
        ),
        (RULE + ZH.replace("  remediation: 为每条告警规则添加 runbook_url 注解。\n", "  remediation: ''\n"), None),
    ],
)
def test_lint_names_each_missing_or_wrong_twin(tmp_path: Path, text: str, problem: str | None) -> None:
    if problem is None:  # an empty twin fails the rule model itself (min length), naming the field
        with pytest.raises(Exception, match="remediation"):
            _load(tmp_path, text)
        return
    lines = zh_problems(_load(tmp_path, text).rules)
    assert any(problem in line for line in lines), lines
    assert all(line.startswith(f"{tmp_path / 'r.yaml'}:1: demo.zh.alerts: ") for line in lines)
    out = maturity("rules", "lint", str(tmp_path / "r.yaml"))
    assert out.returncode == 2 and problem in out.stderr


def test_a_complete_twin_lints_clean(tmp_path: Path) -> None:
    assert zh_problems(_load(tmp_path, RULE + ZH).rules) == []


def test_every_installed_rule_has_its_chinese_twins() -> None:
    rs = load_rules(
        [default_rules_dir()], requirement_ids=load_catalog().decidable_ids(), kinds=set(load_probes().kinds())
    )
    assert zh_problems(rs.rules) == []


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real files scan of an estate with the installed rules, with text outputs in Chinese."""
    out = tmp_path_factory.mktemp("zh")
    res = maturity(
        "--lang",
        "zh",
        "scan",
        "--config",
        str(ESTATE / "maturity.yaml"),
        "--json",
        str(out / "report.json"),
        "--junit",
        str(out / "junit.xml"),
        "--summary-md",
        str(out / "summary.md"),
        "--html",
        str(out / "report.html"),
        "-q",
    )
    assert res.returncode in (0, 1), res.stderr
    return {"dir": out, "report": json.loads((out / "report.json").read_text(encoding="utf-8"))}


def _rule_outcomes(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r
        for fw in report["frameworks"]
        for cap in fw["capabilities"]
        for req in cap["requirements"]
        for cl in req["clauses"]
        for r in cl["rules"]
    ]


def test_the_report_carries_every_explanation_and_reason_in_both_languages(scanned: dict[str, Any]) -> None:
    report = scanned["report"]
    decided = [r for r in _rule_outcomes(report) if r["status"] in ("met", "not_met")]
    assert decided
    for r in decided:
        assert r["explanation"] and r["explanation_zh"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r["explanation_zh"]), r
    reasons = [
        req
        for fw in report["frameworks"]
        for cap in fw["capabilities"]
        for req in cap["requirements"]
        if req.get("reason")
    ]
    assert reasons and all(req["reason_zh"] and req["reason_zh"] != req["reason"] for req in reasons)
    assert all(r.get("zh", {}).get("title") for r in report["rules"])


def test_lang_zh_writes_the_chinese_texts_into_junit_and_markdown(scanned: dict[str, Any]) -> None:
    report, folder = scanned["report"], scanned["dir"]
    failing = [
        r
        for fw in report["frameworks"]
        for cap in fw["capabilities"]
        for req in cap["requirements"]
        for cl in req["clauses"]
        if cl["status"] == "not_met"
        for r in cl["rules"]
        if r["status"] == "not_met"
    ]
    assert failing
    junit = (folder / "junit.xml").read_text(encoding="utf-8")
    ET.fromstring(junit)
    for r in failing:
        assert r["explanation_zh"][:40] in junit.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
        if r["explanation"] != r["explanation_zh"]:
            assert r["explanation"] not in junit
    texts = [req["text"] for fw in report["frameworks"] for cap in fw["capabilities"] for req in cap["requirements"]]
    assert sum(t["zh"] in junit for t in texts) > 100 and not any(t["en"] in junit for t in texts)
    view = localise(report, "zh")
    assert view["rules"][0]["title"] == report["rules"][0]["zh"]["title"]
    assert localise(report, "en") is report and localise(report, None) is report


def test_html_in_chinese_opens_fixed_and_without_lang_follows_the_reader(scanned: dict[str, Any]) -> None:
    html = (scanned["dir"] / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh" data-lang="zh">' in html  # --lang zh: fixed, no data-lang-auto
    from scanner.html import render_html

    auto = render_html(scanned["report"])
    assert 'data-lang-auto=""' in auto


def test_a_report_from_before_the_chinese_twins_still_verifies(tmp_path: Path) -> None:
    from scanner.report import seal, write_report

    report = json.loads((Path(__file__).parent / "golden" / "report.json").read_text(encoding="utf-8"))
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                assert "reason_zh" in req
                req.pop("reason_zh")
                for cl in req["clauses"]:
                    for r in cl["rules"]:
                        r.pop("explanation_zh")
    old = tmp_path / "old.json"
    write_report(old, seal(report))
    res = maturity("verify", str(old))
    assert res.returncode == 0, res.stderr
    # and a twin that was changed after the fact is a finding
    tampered = json.loads(old.read_text(encoding="utf-8"))
    req = next(r for r in tampered["frameworks"][0]["capabilities"][0]["requirements"] if r.get("reason"))
    req["reason_zh"] = "一切正常"
    write_report(old, seal(tampered))
    res = maturity("verify", str(old))
    assert res.returncode != 0 and "reason_zh" in (res.stdout + res.stderr)
