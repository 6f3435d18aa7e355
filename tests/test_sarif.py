"""SARIF 2.1.0 output: structure a code-scanning ingester needs, one result per not_met item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.sarif import SARIF_SCHEMA, help_uri, render_sarif
from tests.cli import maturity
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
        # a report without recorded source locations points at the config's first line
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "maturity.yaml"


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


def github_upload_errors(log: dict[str, Any]) -> list[str]:
    """The checks GitHub code scanning applies to an uploaded SARIF file's results
    (GH1001 ruleId, GH1003 region.startLine, GH1004 relative artifactLocation.uri, GH1005 level),
    plus what GitLab needs of every result (a physical location, else it is dropped)."""
    errors: list[str] = []
    for run in log["runs"]:
        rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
        for i, res in enumerate(run["results"]):
            if not isinstance(res.get("ruleId"), str) or res["ruleId"] not in rule_ids:
                errors.append(f"GH1001 result {i}: ruleId missing or not a driver rule")
            if res.get("level") not in ("error", "warning", "note", "none"):
                errors.append(f"GH1005 result {i}: level {res.get('level')!r}")
            if res.get("kind", "fail") != "fail" and res.get("level", "warning") != "none":
                errors.append(f"SARIF 3.27.9 result {i}: kind {res['kind']} with level {res['level']}")
            phys = [loc.get("physicalLocation") for loc in res.get("locations", [])]
            if not phys or any(p is None for p in phys):
                errors.append(f"GitLab result {i}: no physicalLocation (dropped)")
                continue
            for p in phys:
                uri = p.get("artifactLocation", {}).get("uri")
                line = p.get("region", {}).get("startLine")
                if not isinstance(line, int) or line < 1:
                    errors.append(f"GH1003 result {i}: region.startLine {line!r}")
                if not isinstance(uri, str) or not uri or uri.startswith(("/", "file:")) or "://" in uri:
                    errors.append(f"GH1004 result {i}: artifactLocation.uri {uri!r} is not repository-relative")
                elif ".." in uri.split("/") or " " in uri:
                    errors.append(f"GH1004 result {i}: artifactLocation.uri {uri!r} is not a plain path")
    return errors


def test_github_checks_fail_on_a_log_without_locations() -> None:
    bad = {
        "runs": [
            {
                "tool": {"driver": {"rules": [{"id": "a"}]}},
                "results": [
                    {"ruleId": "b", "level": "fatal", "locations": [{"logicalLocations": []}]},
                    {
                        "ruleId": "a",
                        "level": "error",
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "/abs/x.yaml"},
                                    "region": {"startLine": 0},
                                }
                            }
                        ],
                    },
                ],
            }
        ]
    }
    codes = {e.split()[0] for e in github_upload_errors(bad)}
    assert codes == {"GH1001", "GH1005", "GitLab", "GH1003", "GH1004"}


@pytest.mark.parametrize("unknown", [False, True])
def test_every_result_passes_github_and_gitlab_checks(report: dict[str, Any], unknown: bool) -> None:
    log = json.loads(render_sarif(report, unknown=unknown))
    assert github_upload_errors(log) == []
    results = log["runs"][0]["results"]
    # GitLab fails a report whose dropped results pass 50%: here none can be dropped
    assert results and all(loc.get("physicalLocation") for r in results for loc in r["locations"])
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        assert rule["helpUri"] == help_uri(rule["id"]) and rule["helpUri"].endswith("#sarif-results")
        assert rule["helpUri"].startswith("https://") and "?item=" + rule["id"].replace(":", "%3A") in rule["helpUri"]
        assert (
            rule["properties"]["text_zh"] in rule["help"]["text"]
            and rule["properties"]["text_en"] in rule["help"]["text"]
        )


def test_unknown_results_only_when_asked(report: dict[str, Any]) -> None:
    plain = json.loads(render_sarif(report))["runs"][0]["results"]
    wide = json.loads(render_sarif(report, unknown=True))["runs"][0]["results"]
    unknown = {r["id"] for r in _reqs(report) if r["status"] == "unknown"}
    assert not {r["ruleId"] for r in plain} & unknown
    extra = [r for r in wide if r["properties"]["status"] == "unknown"]
    assert {r["ruleId"] for r in extra} == unknown
    assert all(r["level"] == "warning" and "kind" not in r for r in extra)
    assert len(wide) == len(plain) + len(extra)


RULES_FILE = """groups:
  - name: g
    rules:
      - record: job:up:sum
        expr: sum(up)
"""


def test_scan_of_a_repository_points_at_file_and_line(tmp_path: Path) -> None:
    """End to end: a repository checkout with maturity.yaml under ci/ and a rules file two
    documents deep; the SARIF names the rule file and the second document's first line, and the
    config entry's line for evidence not read from a file."""
    repo = tmp_path / "checkout"
    (repo / ".git").mkdir(parents=True)
    (repo / "gitops" / "rules").mkdir(parents=True)
    (repo / "gitops" / "rules" / "r.yaml").write_text("# header\nkind: Unrelated\n---\n" + RULES_FILE, encoding="utf-8")
    (repo / "ci").mkdir()
    cfg = repo / "ci" / "maturity.yaml"
    cfg.write_text(
        "frameworks: [ydt1756-4]\nsources:\n  - name: repo\n    probe: files\n    path: ../gitops\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    res = maturity(
        "scan", "-q", "-c", str(cfg), "--json", str(out / "r.json"), "--sarif", str(out / "r.sarif"), cwd=tmp_path
    )
    assert res.returncode in (0, 1), res.stderr
    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    src = report["scan"]["sources"][0]
    assert src["location"] == {"config": "ci/maturity.yaml", "line": 3, "root": "gitops"}
    origins = {e["origin"] for e in report["evidence"] if e["kind"] == "prometheus.recording_rule"}
    assert origins == {"file://rules/r.yaml;line=4"}  # the second document starts on line 4
    log = json.loads((out / "r.sarif").read_text(encoding="utf-8"))
    assert github_upload_errors(log) == []
    log_all = json.loads(render_sarif(report, unknown=True))
    assert github_upload_errors(log_all) == []
    places = {
        (loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"]["region"]["startLine"])
        for r in log_all["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert places <= {("gitops/rules/r.yaml", 4), ("ci/maturity.yaml", 3), ("ci/maturity.yaml", 1)}
    assert ("gitops/rules/r.yaml", 4) in places or ("ci/maturity.yaml", 3) in places
