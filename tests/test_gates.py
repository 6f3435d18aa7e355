"""Gates: --min-level (out-of-scope capabilities are not gated), --fail-on-regression with full
reasons and subjects, --fail-on-source-error (every kind failed counts), and "no source scanned"."""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import pytest

from scanner import cli
from scanner.errors import InputError, ScanError
from scanner.gates import GateSpec, evaluate, failed_sources, load_any_report, no_source_scanned, parse_min_levels
from tests.test_diff import FIXTURES, _break_second_workload, cap, clause, edited, req

Report = dict[str, Any]


@pytest.fixture(scope="module")
def report() -> Report:
    return load_any_report(FIXTURES / "report.json")


def test_min_level_specs_are_checked() -> None:
    assert parse_min_levels(["ydt:5.3.1=2", "ydt:9=0"]) == (("ydt:5.3.1", 2), ("ydt:9", 0))
    for bad in ("ydt:5.3.1", "=2", "ydt:5.3.1=6", "ydt:5.3.1=high"):
        with pytest.raises(InputError, match="CAP=L"):
            parse_min_levels([bad])


def test_min_level_fails_below_and_names_the_levels(report: Report) -> None:
    res = evaluate(report, GateSpec(min_levels=(("ydt:5.3.1", 2),)))
    assert res.failed
    assert res.failures == [
        "gate failed: min-level: ydt:5.3.1 Alerting and control is at level 1 初始级 Initial, needs 2 基础级 Basic"
    ]
    assert not evaluate(report, GateSpec(min_levels=(("ydt:5.3.1", 1),))).failed


def test_min_level_on_a_domain_gates_each_capability_in_it(report: Report) -> None:
    res = evaluate(report, GateSpec(min_levels=(("ydt:9", 1),)))
    assert len(res.failures) == 1
    assert "ydt:9.1.2 Resilience is at level 0 (below Initial), needs 1 初始级 Initial" in res.failures[0]
    with pytest.raises(InputError, match="names no capability"):
        evaluate(report, GateSpec(min_levels=(("ydt:1", 1),)))  # a prefix of ydt:11 is not its domain


def test_an_out_of_scope_capability_is_not_gated_and_never_level_5(report: Report) -> None:
    res = evaluate(report, GateSpec(min_levels=(("ydt:11.1.1", 5),)))
    assert not res.failed
    assert res.notes == ["gate note: min-level: ydt:11.1.1 is out of scope (every item waived): not gated"]
    res = evaluate(report, GateSpec(min_levels=(("ydt:11.1.1", 0),)))
    assert not res.failed and "out of scope" in res.notes[0]


def test_min_level_refuses_unlevelled_or_unknown_capabilities(report: Report) -> None:
    with pytest.raises(InputError, match="no levels"):
        evaluate(report, GateSpec(min_levels=(("wa:OPS08", 1),)))
    with pytest.raises(InputError, match="names no capability"):
        evaluate(report, GateSpec(min_levels=(("ydt:99.9.9", 1),)))


def test_a_source_whose_every_kind_failed_is_an_error_even_if_partial(report: Report) -> None:
    failed = dict(failed_sources(report))
    assert set(failed) == {"aws", "cluster"}
    assert failed["aws"] == "AccessDenied (403)"
    assert "status partial, but every kind it tried failed" in failed["cluster"]
    assert "kubernetes.workload: 403 Forbidden" in failed["cluster"]
    res = evaluate(report, GateSpec(fail_on_source_error=True))
    assert res.failures == [f"gate failed: source {n} failed: {w}" for n, w in failed_sources(report)]
    assert not evaluate(report, GateSpec()).failed


def test_a_partial_source_that_read_something_is_not_an_error(report: Report) -> None:
    def one_kind_ok(r: Report) -> None:
        src = next(s for s in r["scan"]["sources"] if s["name"] == "cluster")
        src["observed_kinds"] = ["kubernetes.workload"]
        del src["failed_kinds"]["kubernetes.workload"]

    assert "cluster" not in dict(failed_sources(edited(report, one_kind_ok)))


def test_no_source_scanned_when_every_tried_source_failed(report: Report) -> None:
    assert not no_source_scanned(report)

    def all_fail(r: Report) -> None:
        for s in r["scan"]["sources"]:
            if s["name"] in ("prom", "repo"):
                s.update(status="error", error="connection refused")
        r["scan"]["sources"].append(
            {"name": "gl", "probe": "gitlab", "status": "skipped", "error": None, "evidence_count": 0, "duration_s": 0}
        )

    assert no_source_scanned(edited(report, all_fail))
    assert not no_source_scanned(edited(report, lambda r: r["scan"].update(sources=[])))


def test_regression_gate_names_each_regression_fully(report: Report) -> None:
    long_reason = "ydt:9.1.2:L1.2#a not met: " + "y" * 400 + " END"

    def worse(r: Report) -> None:
        _break_second_workload(r)
        cl = clause(r, "ydt:5.3.1:L1.1#a")
        cl["status"] = "unknown"
        cl["rules"][0].update(status="unknown", evidence=[])
        req(r, "ydt:5.3.1:L1.1").update(status="unknown", reason="prom timed out")
        req(r, "ydt:9.1.2:L1.2").update(status="not_met", reason=long_reason)
        clause(r, "ydt:9.1.2:L1.2#a").update(status="not_met", reason_code=None)

    res = evaluate(edited(report, worse), GateSpec(fail_on_regression=True), baseline=report)
    text = "\n".join(res.failures)
    assert res.failed and res.diff is not None
    assert "gate failed: regression (evidence lost): requirement ydt:5.3.1:L1.1: met -> unknown" in text
    assert "gate failed: regression (new failing subject): rule kubernetes.workloads.replicated" in text
    assert "(subjects: shop/Deployment/queue)" in text
    assert f"requirement ydt:9.1.2:L1.2: unknown -> not_met: {long_reason}" in text  # never cut
    # without the flag the same regressions are shown, and nothing fails
    res = evaluate(edited(report, worse), GateSpec(), baseline=report)
    assert not res.failed and any(n.startswith("regression (evidence lost)") for n in res.notes)


def test_by_statement_changes_do_not_fail_the_gate_but_are_shown(report: Report) -> None:
    def waive(r: Report) -> None:
        req(r, "ydt:9.1.2:L1.1").update(status="not_applicable", statement="waiver-2", reason="waived")
        clause(r, "ydt:9.1.2:L1.1#a")["status"] = "not_applicable"

    res = evaluate(edited(report, waive), GateSpec(fail_on_regression=True), baseline=report)
    assert not res.failed
    assert (
        "by statement (not an improvement): requirement ydt:9.1.2:L1.1: not_met -> not_applicable: waived"
        " (subjects: shop/Deployment/cart)" in res.notes  # the failing subjects the waiver now covers
    )


def test_removing_a_framework_from_the_config_fails_the_regression_gate(report: Report) -> None:
    def drop(r: Report) -> None:
        r["frameworks"] = r["frameworks"][:1]
        r["scan"]["frameworks"] = ["ydt1756-4"]

    res = evaluate(edited(report, drop), GateSpec(fail_on_regression=True), baseline=report)
    assert res.failures == [
        "gate failed: regression (disappeared): framework aws-wa-ops: graded -> absent: "
        "1 capabilities graded in the baseline are missing (framework removed from the config?)"
    ]


def test_a_v1_baseline_gates_and_says_so(report: Report) -> None:
    v1 = load_any_report(FIXTURES / "baseline-v1.json")
    res = evaluate(report, GateSpec(fail_on_regression=True), baseline=v1)
    assert res.failed and res.notes[0].startswith("baseline note: the baseline is a maturity-report/v1 report")
    assert any("requirement ydt:9.1.2:L1.1: met -> not_met" in f for f in res.failures)


def test_regression_gate_needs_a_baseline(report: Report) -> None:
    with pytest.raises(InputError, match="needs --baseline"):
        evaluate(report, GateSpec(fail_on_regression=True))


# ---------------------------------------------------------------- the CLI wiring


def _args(tmp_path: Path, **kw: Any) -> argparse.Namespace:
    base = {"min_level": [], "fail_on_regression": False, "fail_on_source_error": False, "baseline": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_cli_reads_the_baseline_once_and_exits_1_on_a_failed_gate(
    report: Report, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "base.json"
    path.write_bytes((FIXTURES / "report.json").read_bytes())
    args = _args(tmp_path, baseline=path, fail_on_regression=True)
    cli._check_gate_args(args)
    path.unlink()  # read once, up front: the gate never goes back to the file
    assert cli._gates(edited(report, _break_second_workload), args) == cli.EXIT_GATE
    assert "shop/Deployment/queue" in capsys.readouterr().err
    assert cli._gates(copy.deepcopy(report), args) == cli.EXIT_OK


def test_cli_min_level_and_source_error_exit_codes(report: Report, tmp_path: Path) -> None:
    assert cli._gates(report, _args(tmp_path, min_level=["ydt:11.1.1=5"])) == cli.EXIT_OK
    assert cli._gates(report, _args(tmp_path, min_level=["ydt:5.3.1=2"])) == cli.EXIT_GATE
    assert cli._gates(report, _args(tmp_path, fail_on_source_error=True)) == cli.EXIT_GATE


def test_cli_no_source_scanned_is_a_scan_error(report: Report, tmp_path: Path) -> None:
    def all_fail(r: Report) -> None:
        for s in r["scan"]["sources"]:
            s.update(status="error", error="connection refused")

    with pytest.raises(ScanError, match="no source could be scanned"):
        cli._gates(edited(report, all_fail), _args(tmp_path))


def test_cli_rejects_a_bad_baseline_before_any_work(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text('{"schema": "maturity-report/v0"}', encoding="utf-8")
    with pytest.raises(InputError, match="unsupported report schema"):
        cli._check_gate_args(_args(tmp_path, baseline=bad))
    with pytest.raises(InputError, match="needs --baseline"):
        cli._check_gate_args(_args(tmp_path, fail_on_regression=True))


def test_a_waived_capability_has_null_levels_in_the_fixture(report: Report) -> None:
    c = cap(report, "ydt:11.1.1")
    assert c["in_scope"] is False and c["level"] is None


def test_min_level_names_are_checked_against_the_catalog_before_any_work() -> None:
    from scanner.catalog import load_catalog
    from scanner.gates import check_min_level_names

    caps = [{"id": c.id, "domain": c.subdomain or c.domain} for c in load_catalog().capabilities.values()]
    check_min_level_names((("ydt:5.3.1", 2), ("ydt:9", 1), ("ydt:11.1", 1)), caps)
    with pytest.raises(InputError, match=r"names no capability or domain of the catalog: 'ydt:5\.3\.9'"):
        check_min_level_names((("ydt:5.3.9", 2),), caps)
