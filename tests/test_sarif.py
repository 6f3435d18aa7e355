"""SARIF 2.1.0 output: structure a code-scanning ingester needs, one result per not_met item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.sarif import SARIF_SCHEMA, render_sarif
from tests.reportgen import build_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_report(tmp_path_factory.mktemp("sarif"), good=False, payload="<b>\x07")


def _reqs(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"]]


def test_required_structure_of_sarif_2_1_0(report: dict[str, Any]) -> None:
    log = json.loads(render_sarif(report))
    assert log["version"] == "2.1.0"
    assert isinstance(log["$schema"], str) and log["$schema"] == SARIF_SCHEMA and log["$schema"].startswith("https://")
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "maturity-scanner" and isinstance(driver["rules"], list)
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for res in run["results"]:
        assert isinstance(res["ruleId"], str) and isinstance(res["message"]["text"], str) and res["message"]["text"]
        assert res["level"] in ("error", "warning", "note", "none")
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        loc = res["locations"][0]["logicalLocations"][0]
        assert loc["fullyQualifiedName"].endswith(res["properties"]["capability"])
        assert "physicalLocation" not in res["locations"][0]


def test_each_failing_clause_is_an_error_and_unknown_is_not_emitted(report: dict[str, Any]) -> None:
    run = json.loads(render_sarif(report))["runs"][0]
    assert {r["level"] for r in run["results"]} == {"error"} and {r["kind"] for r in run["results"]} == {"fail"}
    failing_items = {r["id"] for r in _reqs(report) if r["status"] == "not_met"}
    failing_clauses = {
        c["id"] for r in _reqs(report) if r["status"] == "not_met" for c in r["clauses"] if c["status"] == "not_met"
    }
    assert {r["ruleId"] for r in run["results"]} == failing_items
    assert {r["properties"]["clause"] for r in run["results"]} == failing_clauses
    assert "ydt:5.3.1:L1.1" in failing_items and "ydt:5.3.1:L2.1#a" in failing_clauses
    # L2.1#b is unknown (no rule yet): not a finding, so not a result
    assert "ydt:5.3.1:L2.1#b" not in {r["properties"]["clause"] for r in run["results"]}
    unknown = {r["id"] for r in _reqs(report) if r["status"] == "unknown"}
    assert unknown and not unknown & {r["ruleId"] for r in run["results"]}
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "ydt:5.3.1:L1.1")
    assert rule["shortDescription"]["text"] == "Able to raise anomaly alerts based on threshold rules."
    assert rule["properties"]["text_zh"] == "具备按照阈值规则实现异常告警的能力。" and rule["properties"]["level"] == 1
    res = next(r for r in run["results"] if r["ruleId"] == "ydt:5.3.1:L1.1")
    assert "demo.alerting.threshold-rules [decides] not_met" in res["message"]["text"]
    assert res["message"]["text"].startswith("ydt:5.3.1:L1.1#a (not_met)")
    assert res["partialFingerprints"]["maturityClause/v2"] == "ydt1756-4/ydt:5.3.1:L1.1#a"
    assert res["properties"]["rules"] == ["demo.alerting.threshold-rules"]
    assert res["properties"]["subjects"] and all(
        s.startswith(("HighCPU", "DiskFull")) for s in res["properties"]["subjects"]
    )


def test_a_waived_failing_item_is_not_a_result(report: dict[str, Any]) -> None:
    run = json.loads(render_sarif(report))["runs"][0]
    assert not [r for r in run["results"] if r["properties"]["capability"] == "ydt:11.1.1"]


def test_sarif_is_valid_json_file(report: dict[str, Any], tmp_path: Path) -> None:
    p = tmp_path / "r.sarif"
    p.write_text(render_sarif(report), encoding="utf-8")
    assert json.loads(p.read_text(encoding="utf-8"))["runs"][0]["results"]
