"""GitLab report types: Code Quality, dotenv, OpenMetrics and job annotations.

Each output is read back the way its consumer reads it: Code Quality against the fields GitLab
requires (its documented subset of the Code Climate issue format, as a JSON Schema), dotenv with
python-dotenv plus GitLab's stricter rules, OpenMetrics with prometheus_client's OpenMetrics
parser, annotations against GitLab's documented shape.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from dotenv import dotenv_values
from prometheus_client.openmetrics.parser import text_string_to_metric_families as _parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from scanner.annotations import render_annotations
from scanner.codequality import render_codequality
from scanner.dotenv import render_dotenv
from scanner.gates import GateSpec, evaluate
from scanner.metrics import render_metrics, render_openmetrics
from tests.ci_repo import ALERTS, make_checkout
from tests.cli import maturity
from tests.reportgen import build_report


def parse_openmetrics(text: str) -> list[Any]:
    """prometheus_client's OpenMetrics parser (untyped upstream): raises on any format error."""
    return list(_parse_openmetrics(text))  # type: ignore[no-untyped-call]


# What GitLab reads of each issue (docs: ci/testing/code_quality, "Code Quality report format").
CODEQUALITY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "type": {"const": "issue"},
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "categories": {"type": "array", "items": {"type": "string"}},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": r"^(?!/)(?!\./)(?!.*\.\./)[^\\]+$"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}
# GitLab's dotenv rules on top of dotenv's: one KEY=VALUE a line, ASCII names, no quotes, no
# comments or blank lines, under 5 KB.
GITLAB_DOTENV_LINE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=[^\s'\"#]*$")


def _scan(repo: Path, out: Path, *extra: str) -> dict[str, Any]:
    res = maturity("scan", "-q", "-c", str(repo / "maturity.yaml"), "--json", str(out / "r.json"), *extra, cwd=repo)
    assert res.returncode in (0, 1), res.stderr
    return dict(json.loads((out / "r.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def checkout_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("cq")
    repo = make_checkout(root / "checkout")
    return repo, _scan(repo, root)


def test_codequality_points_at_the_failing_file_and_line(checkout_report: tuple[Path, dict[str, Any]]) -> None:
    repo, report = checkout_report
    issues = json.loads(render_codequality(report))
    jsonschema.validate(issues, CODEQUALITY_SCHEMA)
    assert issues, "failing clauses on file evidence give issues"
    fps = [i["fingerprint"] for i in issues]
    assert len(fps) == len(set(fps)), "GitLab shows only the first issue of a fingerprint"
    for issue in issues:
        path = repo / issue["location"]["path"]
        assert path.is_file(), issue["location"]
        assert issue["location"]["lines"]["begin"] <= len(path.read_text(encoding="utf-8").splitlines())
    runbook = [i for i in issues if i["check_name"] == "prometheus.alerting.runbooks"]
    assert [i["location"] for i in runbook] == [{"path": "gitops/rules/alerts.yaml", "lines": {"begin": 1}}]
    assert runbook[0]["description"].startswith("g/HighErrorRate: ydt:5.3.1:")
    # only file evidence: a report whose evidence came from live sources has no issue
    assert all(i["location"]["path"].startswith("gitops/") for i in issues)


def test_codequality_fingerprints_survive_a_moved_line(
    checkout_report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """GitLab compares fingerprints with the target branch: a comment added above the rules moves
    the finding's line but must not make it look fixed and reintroduced."""
    _repo, before = checkout_report
    repo = make_checkout(tmp_path / "checkout")
    (repo / "gitops" / "rules" / "alerts.yaml").write_text("# moved down\n\n" + ALERTS, encoding="utf-8")
    after = _scan(repo, tmp_path)
    old = {i["fingerprint"]: i for i in json.loads(render_codequality(before))}
    new = {i["fingerprint"]: i for i in json.loads(render_codequality(after))}
    assert set(old) == set(new)
    moved = [fp for fp in new if new[fp]["location"]["path"] == "gitops/rules/alerts.yaml"]
    assert moved and all(new[fp]["location"]["lines"]["begin"] == 3 for fp in moved)


def test_codequality_of_live_evidence_is_empty(tmp_path: Path) -> None:
    report = build_report(tmp_path, good=False)
    assert any(
        r["status"] == "not_met" for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"]
    )
    assert json.loads(render_codequality(report)) == []


def _gitlab_dotenv(text: str) -> dict[str, str]:
    """Parse as python-dotenv does, after checking GitLab's own restrictions."""
    assert len(text.encode("utf-8")) < 5 * 1024
    lines = text.splitlines()
    assert lines and all(GITLAB_DOTENV_LINE.match(line) for line in lines), text
    import io

    values = dotenv_values(stream=io.StringIO(text))
    assert len(values) == len(lines) <= 50
    return {k: str(v) for k, v in values.items()}


def test_dotenv_holds_the_gate_counts_and_levels(checkout_report: tuple[Path, dict[str, Any]]) -> None:
    _repo, report = checkout_report
    env = _gitlab_dotenv(render_dotenv(report))
    assert env["MATURITY_GATE"] == "none" and "MATURITY_REGRESSIONS" not in env
    ydt = report["summary"]["ydt1756-4"]
    assert env["MATURITY_YDT1756_4_NOT_MET"] == str(ydt["statuses"]["not_met"]) != "0"
    assert float(env["MATURITY_YDT1756_4_LEVEL_CEILING"]) == ydt["levels"]["level_ceiling"]
    assert "MATURITY_AWS_WA_OPS_MET" in env and "MATURITY_AWS_WA_OPS_LEVEL" not in env
    lowest = min(
        c["level"] for c in report["frameworks"][0]["capabilities"] if c["id"].startswith("ydt:9.") and c["in_scope"]
    )
    assert env["MATURITY_YDT_9_LEVEL"] == str(lowest)
    assert {k for k in env if re.fullmatch(r"MATURITY_YDT_\d+_LEVEL", k)} == {
        f"MATURITY_YDT_{d}_LEVEL" for d in range(5, 12)
    }
    # with a failing gate against a baseline
    spec = GateSpec(min_levels=(("ydt:5.3.1", 5),), fail_on_regression=True)
    env = _gitlab_dotenv(render_dotenv(report, evaluate(report, spec, report)))
    assert env["MATURITY_GATE"] == "failed" and env["MATURITY_REGRESSIONS"] == "0"


def test_dotenv_never_carries_text_from_scanned_systems(tmp_path: Path) -> None:
    """Source names, errors and subjects with newlines or `=` cannot reach the file: every value
    is a number or a fixed word."""
    report = build_report(tmp_path, good=False, payload="x\nEVIL=1 '\"")
    text = render_dotenv(report, evaluate(report, GateSpec(fail_on_source_error=True)))
    env = _gitlab_dotenv(text)
    assert "EVIL" not in text and env["MATURITY_SOURCES_FAILED"] == "1"
    assert all(re.fullmatch(r"-?[0-9.]+|passed|failed|none", v) for v in env.values())


def test_openmetrics_parses_with_the_reference_parser_and_matches_the_text_format(tmp_path: Path) -> None:
    report = build_report(tmp_path, good=False)
    text = render_openmetrics(report)
    assert text.endswith("# EOF\n")
    om = {(s.name, tuple(sorted(s.labels.items())), s.value) for f in parse_openmetrics(text) for s in f.samples}
    prom = {
        (s.name, tuple(sorted(s.labels.items())), s.value)
        for f in parse_text(render_metrics(report))
        for s in f.samples
    }
    assert om == prom and any(name == "maturity_capability_level" for name, _, _ in om)


def test_annotations_link_the_html_report(tmp_path: Path) -> None:
    report = build_report(tmp_path, good=False)
    url = "https://gitlab.example.com/g/p/-/jobs/7/artifacts/file/maturity/report.html"
    doc = json.loads(render_annotations(report, url, evaluate(report, GateSpec())))
    assert list(doc) == ["maturity"]
    (link,) = doc["maturity"]
    assert set(link) == {"external_link"} and link["external_link"]["url"] == url
    assert link["external_link"]["label"].startswith("Maturity report (HTML): ydt1756-4 level ")
    assert link["external_link"]["label"].endswith("gates passed")


def test_cli_writes_every_gitlab_report_and_checks_the_report_url(tmp_path: Path) -> None:
    repo = make_checkout(tmp_path / "checkout")
    out = tmp_path / "out"
    bad = maturity(
        "scan", "-q", "-c", str(repo / "maturity.yaml"), "--json", str(out / "r.json"),
        "--annotations", str(out / "a.json"), "--report-url", "javascript:alert(1)", cwd=repo,
    )  # fmt: skip
    assert bad.returncode == 2 and "--report-url" in bad.stderr and not out.exists()
    missing = maturity("scan", "-q", "-c", str(repo / "maturity.yaml"), "--annotations", str(out / "a.json"), cwd=repo)
    assert missing.returncode == 2 and "needs --report-url" in missing.stderr and not out.exists()
    report = _scan(
        repo, out, "--codequality", str(out / "cq.json"), "--dotenv", str(out / "m.env"),
        "--openmetrics", str(out / "metrics.txt"), "--annotations", str(out / "a.json"),
        "--report-url", "https://ci.example.com/job/1/report.html",
    )  # fmt: skip
    assert json.loads((out / "cq.json").read_text(encoding="utf-8")) == json.loads(render_codequality(report))
    assert _gitlab_dotenv((out / "m.env").read_text(encoding="utf-8"))["MATURITY_GATE"] == "passed"
    assert list(parse_openmetrics((out / "metrics.txt").read_text(encoding="utf-8")))
    ann = json.loads((out / "a.json").read_text(encoding="utf-8"))
    assert ann["maturity"][0]["external_link"]["url"] == "https://ci.example.com/job/1/report.html"
    # `maturity report` renders the same from the JSON
    again = maturity("report", str(out / "r.json"), "--codequality", str(out / "cq2.json"), "--dotenv", str(out / "e2"))
    assert again.returncode == 0, again.stderr
    assert (out / "cq2.json").read_text(encoding="utf-8") == (out / "cq.json").read_text(encoding="utf-8")
