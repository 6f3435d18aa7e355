"""`diff_reports`: every regression category, by-statement changes, v1 baselines, per-subject failures."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.diff import Category, diff_reports
from scanner.report import load_report
from tests.cli import maturity as run_maturity

FIXTURES = Path(__file__).parent / "fixtures" / "v2"
Report = dict[str, Any]


@pytest.fixture(scope="module")
def base() -> Report:
    return load_report(FIXTURES / "report.json")


def edited(report: Report, *edits: Callable[[Report], None]) -> Report:
    out = copy.deepcopy(report)
    for edit in edits:
        edit(out)
    return out


def cap(report: Report, cid: str) -> dict[str, Any]:
    return next(c for fw in report["frameworks"] for c in fw["capabilities"] if c["id"] == cid)


def req(report: Report, rid: str) -> dict[str, Any]:
    return next(
        r for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"] if r["id"] == rid
    )


def clause(report: Report, cl: str) -> dict[str, Any]:
    return next(c for c in req(report, cl.split("#")[0])["clauses"] if c["id"] == cl)


def kinds(d: Any, category: Category) -> set[tuple[str, str, Any, Any]]:
    return {(c.kind, c.id, c.before, c.after) for c in d.of(category)}


def test_the_same_report_has_no_changes(base: Report) -> None:
    d = diff_reports(base, copy.deepcopy(base))
    assert d.changes == [] and d.regressions == [] and d.notes == []


def test_a_level_drop_is_a_regression_and_a_rise_an_improvement(base: Report) -> None:
    worse = edited(base, lambda r: cap(r, "ydt:5.3.1").update(level=0, level_ceiling=0))
    d = diff_reports(base, worse)
    assert kinds(d, Category.LEVEL_DROP) == {
        ("level", "ydt:5.3.1 level", 1, 0),
        ("level", "ydt:5.3.1 level_ceiling", 1, 0),
    }
    assert all(c.regression for c in d.of(Category.LEVEL_DROP))
    back = diff_reports(worse, base)
    assert not back.regressions and len(back.of(Category.IMPROVED)) == 2


def _fail_threshold(r: Report) -> None:
    cl = clause(r, "ydt:5.3.1:L1.1#a")
    cl["status"] = "not_met"
    cl["rules"][0].update(
        status="not_met", explanation="1 of 2 alerting rules fail [compares with a constant]: monitoring/DiskFull"
    )
    cl["rules"][0]["evidence"] = [e["id"] for e in r["evidence"] if e["subject"] == "monitoring/DiskFull"]
    req(r, "ydt:5.3.1:L1.1").update(status="not_met", reason="ydt:5.3.1:L1.1#a not met: 1 of 2 alerting rules fail")


def test_a_clause_and_its_item_that_got_worse_are_regressions_naming_subjects(base: Report) -> None:
    d = diff_reports(base, edited(base, _fail_threshold))
    worse = {c.id: c for c in d.of(Category.WORSE)}
    assert set(worse) == {"ydt:5.3.1:L1.1", "ydt:5.3.1:L1.1#a"}
    item, cl = worse["ydt:5.3.1:L1.1"], worse["ydt:5.3.1:L1.1#a"]
    assert (item.before, item.after, cl.before, cl.after) == ("met", "not_met", "met", "not_met")
    assert item.subjects == ("monitoring/DiskFull",) and cl.subjects == ("monitoring/DiskFull",)
    assert "prometheus.alerting.threshold-rules not_met" in cl.reason
    assert "met -> not_met" in item.detail and "monitoring/DiskFull" in item.detail


def test_met_to_attested_is_worse_not_by_statement(base: Report) -> None:
    def attest(r: Report) -> None:
        req(r, "ydt:5.3.1:L1.1")["status"] = "attested"
        clause(r, "ydt:5.3.1:L1.1#a").update(status="attested", statement="att-2")

    d = diff_reports(base, edited(base, attest))
    assert ("requirement", "ydt:5.3.1:L1.1", "met", "attested") in kinds(d, Category.WORSE)
    assert not d.of(Category.BY_STATEMENT)


@pytest.mark.parametrize("before", ["met", "not_met"])
def test_evidence_lost_is_its_own_regression_category(base: Report, before: str) -> None:
    rid, cid = ("ydt:5.3.1:L1.1", "ydt:5.3.1:L1.1#a") if before == "met" else ("ydt:9.1.2:L1.1", "ydt:9.1.2:L1.1#a")

    def lose(r: Report) -> None:
        cl = clause(r, cid)
        cl.update(status="unknown", reason_code="source_failed")
        cl["rules"][0].update(
            status="unknown",
            evidence=[],
            explanation="kind not observed: source failed (timeout)",
            reason_code="source_failed",
        )
        req(r, rid).update(status="unknown", reason=f"{cid}: source failed (timeout)")

    d = diff_reports(base, edited(base, lose))
    lost = {c.id: c for c in d.of(Category.EVIDENCE_LOST)}
    assert set(lost) == {rid, cid}
    assert all(c.regression and c.before == before and c.after == "unknown" for c in lost.values())
    assert not d.of(Category.IMPROVED) and not d.of(Category.WORSE)
    assert "source failed (timeout)" in lost[rid].reason and "(was:" in lost[rid].reason
    assert lost[cid].subjects  # the subjects seen before, now out of sight
    assert "evidence lost" == Category.EVIDENCE_LOST.heading


def test_framework_capability_requirement_and_clause_disappearing_are_regressions(base: Report) -> None:
    def drop_all(r: Report) -> None:
        r["frameworks"] = [fw for fw in r["frameworks"] if fw["id"] != "aws-wa-ops"]
        ydt = r["frameworks"][0]
        ydt["capabilities"] = [c for c in ydt["capabilities"] if c["id"] != "ydt:9.1.2"]
        c531 = cap(r, "ydt:5.3.1")
        c531["requirements"] = [x for x in c531["requirements"] if x["id"] != "ydt:5.3.1:L2.2"]
        req(r, "ydt:5.3.1:L2.1")["clauses"].pop()

    d = diff_reports(base, edited(base, drop_all))
    gone = {(c.kind, c.id) for c in d.of(Category.DISAPPEARED)}
    assert gone == {
        ("framework", "aws-wa-ops"),
        ("capability", "ydt:9.1.2"),
        ("requirement", "ydt:5.3.1:L2.2"),
        ("clause", "ydt:5.3.1:L2.1#b"),
    }
    assert all(c.regression for c in d.of(Category.DISAPPEARED))
    fw = next(c for c in d.changes if c.kind == "framework")
    assert "removed from the config" in fw.reason


def _break_second_workload(r: Report) -> None:
    """A second Deployment now runs one replica: the rule failed before and fails on more now."""
    item = {
        "id": "ev-" + "f" * 20,
        "source": "repo",
        "kind": "kubernetes.workload",
        "subject": "shop/Deployment/queue",
        "collected_at": "2026-11-20T10:00:05Z",
        "origin": "file://gitops/apps/shop/queue.yaml#L1",
        "data": {"namespace": "shop", "name": "queue", "replicas": 1},
        "sha256": "f" * 64,
    }
    r["evidence"].append(item)
    rule = clause(r, "ydt:9.1.2:L1.1#a")["rules"][0]
    rule["evidence"].append(item["id"])
    rule["evidence_total"] = 2
    rule["explanation"] = "2 of 4 workloads fail [runs 2 or more replicas]: shop/Deployment/cart, shop/Deployment/queue"


def test_a_new_subject_failing_a_rule_that_already_failed_is_a_regression(base: Report) -> None:
    d = diff_reports(base, edited(base, _break_second_workload))
    [ch] = d.of(Category.NEW_FAILING_SUBJECT)
    assert ch.regression and ch.kind == "rule" and ch.id == "kubernetes.workloads.replicated"
    assert ch.subjects == ("shop/Deployment/queue",)
    assert "fails on 2 subject(s), was 1" in ch.reason and "ydt:9.1.2:L1.1#a" in ch.reason
    # the item's status did not move: only the per-subject comparison sees it
    assert not d.of(Category.WORSE) and [c.kind for c in d.regressions] == ["rule"]


def test_more_failures_past_the_cited_sample_are_still_caught(base: Report) -> None:
    d = diff_reports(base, edited(base, lambda r: clause(r, "ydt:9.1.2:L1.1#a")["rules"][0].update(evidence_total=7)))
    [ch] = d.of(Category.NEW_FAILING_SUBJECT)
    assert ch.subjects == () and "past the cited sample" in ch.reason


def test_the_same_failing_subjects_are_no_change(base: Report) -> None:
    d = diff_reports(
        base, edited(base, lambda r: clause(r, "ydt:9.1.2:L1.1#a")["rules"][0].update(explanation="reworded"))
    )
    assert d.changes == []


def test_statuses_reached_by_statements_are_listed_apart_never_as_improvements(base: Report) -> None:
    def statements(r: Report) -> None:
        # a new attestation: unknown -> attested (and the level it lifts)
        clause(r, "ydt:5.3.1:L2.2#a").update(
            status="attested", reason_code=None, statement="att-2", assessment="organisational"
        )
        req(r, "ydt:5.3.1:L2.2").update(status="attested", reason="attested by sre-lead@example.com")
        cap(r, "ydt:5.3.1")["level_ceiling"] = 2
        # a new waiver over a failing item: not_met -> not_applicable
        req(r, "ydt:9.1.2:L1.1").update(status="not_applicable", statement="waiver-2", reason="waived: batch jobs")
        clause(r, "ydt:9.1.2:L1.1#a")["status"] = "not_applicable"
        # a new dispute: not_met -> unknown (disputed)
        cl = clause(r, "ydt:5.3.1:L2.1#a")
        cl.update(status="unknown", reason_code="disputed")
        cl["rules"][0].update(status="unknown", reason_code="disputed")

    d = diff_reports(base, edited(base, statements))
    by = kinds(d, Category.BY_STATEMENT)
    assert ("requirement", "ydt:5.3.1:L2.2", "unknown", "attested") in by
    assert ("clause", "ydt:5.3.1:L2.2#a", "unknown", "attested") in by
    assert ("requirement", "ydt:9.1.2:L1.1", "not_met", "not_applicable") in by
    assert ("clause", "ydt:5.3.1:L2.1#a", "not_met", "unknown") in by
    assert ("level", "ydt:5.3.1 level_ceiling", 1, 2) in by
    assert not d.of(Category.IMPROVED) and not d.of(Category.EVIDENCE_LOST)
    assert all(not c.regression for c in d.of(Category.BY_STATEMENT))
    assert {c["id"] for c in d.to_json()["by_statement"]} >= {"ydt:5.3.1:L2.2", "ydt:9.1.2:L1.1"}


def test_a_capability_waived_whole_is_by_statement_not_a_level(base: Report) -> None:
    def waive(r: Report) -> None:
        c = cap(r, "ydt:9.1.2")
        c.update(in_scope=False, level=None, level_verified=None, level_ceiling=None)
        for x in c["requirements"]:
            x.update(status="not_applicable", statement="waiver-3")

    d = diff_reports(base, edited(base, waive))
    assert ("capability", "ydt:9.1.2", "level 0", "out of scope") in kinds(d, Category.BY_STATEMENT)
    assert not d.of(Category.LEVEL_DROP) and not d.of(Category.IMPROVED)


def test_a_real_fix_is_an_improvement(base: Report) -> None:
    def fix(r: Report) -> None:
        cl = clause(r, "ydt:9.1.2:L1.1#a")
        cl["status"] = "met"
        cl["rules"][0].update(status="met", evidence=[])
        req(r, "ydt:9.1.2:L1.1").update(status="met", reason=None)

    d = diff_reports(base, edited(base, fix))
    assert ("requirement", "ydt:9.1.2:L1.1", "not_met", "met") in kinds(d, Category.IMPROVED)
    assert not d.regressions and not d.of(Category.BY_STATEMENT)


def test_reasons_are_never_cut(base: Report) -> None:
    long = "x" * 900 + " the end"

    def worsen(r: Report) -> None:
        _fail_threshold(r)
        req(r, "ydt:5.3.1:L1.1")["reason"] = long

    [item] = [c for c in diff_reports(base, edited(base, worsen)).of(Category.WORSE) if c.kind == "requirement"]
    assert item.reason == long and item.detail.endswith("the end (subjects: monitoring/DiskFull)")


def test_a_scope_that_disappeared_or_got_worse_is_a_regression(base: Report) -> None:
    def with_scopes(r: Report) -> None:
        fws = copy.deepcopy(r["frameworks"][:1])
        r["scopes"] = [
            {"name": "shop", "owner": "shop-lead@example.com", "target_level": 2, "frameworks": fws},
            {"name": "web", "owner": "web@example.com", "target_level": 1, "frameworks": copy.deepcopy(fws)},
        ]

    old = edited(base, with_scopes)

    def worsen(r: Report) -> None:
        r["scopes"] = r["scopes"][:1]
        r["scopes"][0]["frameworks"][0]["capabilities"][0]["level"] = 0

    d = diff_reports(old, edited(old, worsen))
    assert ("scope", "web", "graded", None) in kinds(d, Category.DISAPPEARED)
    [drop] = d.of(Category.LEVEL_DROP)
    assert drop.scope == "shop" and drop.detail.startswith("[scope shop] level ydt:5.3.1 level")


def test_a_v1_baseline_is_compared_where_both_have_data_and_the_diff_says_so(base: Report) -> None:
    v1 = load_report(FIXTURES / "baseline-v1.json", accept_v1=True)
    assert v1["schema"] == "maturity-report/v1"
    d = diff_reports(v1, base)
    assert d.baseline_schema == "maturity-report/v1"
    assert d.notes and "maturity-report/v1" in d.notes[0] and "clause changes cannot be compared" in d.notes[0]
    assert ("requirement", "ydt:9.1.2:L1.1", "met", "not_met") in kinds(d, Category.WORSE)
    assert ("level", "ydt:9.1.2 level_ceiling", 1, 0) in kinds(d, Category.LEVEL_DROP)
    # no clause-level entries against a v1 baseline; v1's "level 5" for a waived capability is out of scope
    assert not [c for c in d.changes if c.kind == "clause"]
    assert not [c for c in d.changes if c.id.startswith("ydt:11.1.1")]


def test_a_v1_baseline_still_catches_a_new_failing_subject(base: Report) -> None:
    v1 = load_report(FIXTURES / "baseline-v1.json", accept_v1=True)
    old = copy.deepcopy(v1)
    r = req(old, "ydt:9.1.2:L1.1")
    r["status"] = "not_met"
    r["rules"][0].update(
        status="not_met",
        evidence=[e["id"] for e in old["evidence"] if e["subject"] == "shop/Deployment/cart"],
        evidence_total=1,
    )
    d = diff_reports(old, edited(base, _break_second_workload))
    [ch] = d.of(Category.NEW_FAILING_SUBJECT)
    assert ch.subjects == ("shop/Deployment/queue",)


# ---------------------------------------------------------------- the CLI


def maturity(*args: str) -> subprocess.CompletedProcess[str]:
    return run_maturity("-q", *args)  # in-process (tests/cli.py)


def test_cli_diff_text_json_and_gate(base: Report, tmp_path: Path) -> None:
    new = tmp_path / "new.json"
    new.write_text(json.dumps(edited(base, _break_second_workload, _fail_threshold)), encoding="utf-8")
    out = maturity("diff", str(FIXTURES / "report.json"), str(new))
    assert out.returncode == 0, out.stderr
    assert "REGRESSION [new failing subject] rule kubernetes.workloads.replicated" in out.stdout
    assert "shop/Deployment/queue" in out.stdout and "3 regression(s), 0 by statement, 0 improvement(s)" in out.stdout
    assert maturity("diff", str(FIXTURES / "report.json"), str(new), "--fail-on-regression").returncode == 1
    same = maturity(
        "diff", str(FIXTURES / "report.json"), str(FIXTURES / "report.json"), "--fail-on-regression", "--format", "json"
    )
    assert same.returncode == 0
    assert json.loads(same.stdout) == {
        "baseline_schema": "maturity-report/v2",
        "notes": [],
        "regressions": [],
        "by_statement": [],
        "improvements": [],
        "other": [],
    }


def test_cli_diff_against_a_v1_baseline_says_so(tmp_path: Path) -> None:
    out = maturity("diff", str(FIXTURES / "baseline-v1.json"), str(FIXTURES / "report.json"), "--fail-on-regression")
    assert out.returncode == 1, out.stderr
    assert out.stdout.startswith("note: the baseline is a maturity-report/v1 report")
    bad = tmp_path / "v0.json"
    bad.write_text('{"schema": "maturity-report/v0"}', encoding="utf-8")
    out = maturity("diff", str(bad), str(FIXTURES / "report.json"))
    assert out.returncode == 2 and "unsupported report schema" in out.stderr


def test_a_ceiling_lifted_by_lost_evidence_is_no_improvement(base: Report) -> None:
    def lose(r: Report) -> None:
        cl = clause(r, "ydt:9.1.2:L1.1#a")
        cl.update(status="unknown", reason_code="source_failed")
        cl["rules"][0].update(status="unknown", evidence=[], reason_code="source_failed")
        req(r, "ydt:9.1.2:L1.1").update(status="unknown", reason="source failed")
        cap(r, "ydt:9.1.2")["level_ceiling"] = 1

    d = diff_reports(base, edited(base, lose))
    assert not d.of(Category.IMPROVED)
    assert ("level", "ydt:9.1.2 level_ceiling", 0, 1) in kinds(d, Category.OTHER)
