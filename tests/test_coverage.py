"""`maturity catalog --coverage`: what counts as a decided item."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.catalog import load_catalog
from scanner.cli import main
from scanner.coverage import coverage
from scanner.probe import load_probes
from scanner.rules import load_rules


def _rule(rid: str, *decides: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": rid,
        "title": "test rule",
        "evidence": ["prometheus.alert_rule"],
        "decides": [
            {"clause" if "#" in t else "requirement": t, "coverage": cov, "rationale": "a test rationale"}
            for t, cov in decides
        ],
        "condition": {"some": {"kind": "prometheus.alert_rule"}},
        "remediation": "none",
    }


def _figures(*rules: dict[str, Any]) -> dict[str, Any]:
    catalog = load_catalog()
    ruleset = load_rules(
        docs=[("t.yaml", i + 1, r) for i, r in enumerate(rules)],
        requirement_ids=catalog.decidable_ids(),
        kinds=set(load_probes().kinds()),
    )
    return {f.framework: f for f in coverage(catalog, ruleset)}


def test_a_whole_item_rule_decides_the_item() -> None:
    ydt = _figures(_rule("t.one", ("ydt:5.3.1:L1.1", "decides")))["ydt1756-4"]
    assert ydt.decided == 1 and ydt.by_source == {"prometheus": 1}
    assert "ydt:5.3.1:L1.1" not in ydt.undecided


def test_an_item_needs_every_evidence_clause() -> None:
    # 5.3.1:L2.1 has two evidence clauses: one decided clause leaves it partly decided
    one = _figures(_rule("t.a", ("ydt:5.3.1:L2.1#a", "decides")))["ydt1756-4"]
    assert one.decided == 0 and one.partly == 1 and "ydt:5.3.1:L2.1" in one.undecided
    both = _figures(_rule("t.a", ("ydt:5.3.1:L2.1#a", "decides"), ("ydt:5.3.1:L2.1#b", "decides")))["ydt1756-4"]
    assert both.decided == 1 and both.clauses_decided == 2


def test_supports_never_decides() -> None:
    ydt = _figures(_rule("t.s", ("ydt:5.3.1:L1.1", "supports")))["ydt1756-4"]
    assert ydt.decided == 0 and ydt.partly == 1


def test_installed_rules_figures_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--coverage", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    by_id = {f["id"]: f for f in out["frameworks"]}
    ydt = by_id["ydt1756-4"]
    assert ydt["items"] == 408
    assert ydt["decided_items"] + len(ydt["undecided_items"]) + ydt["organisational_items"] == 408
    assert by_id["aws-wa-ops"]["items"] == 71
