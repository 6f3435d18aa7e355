"""The prometheus and alertmanager probes against real servers: a well-run and a poorly run
estate scanned through the real pipeline, giving the statuses an SRE would give."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.prometheus import Started
from tests.promserver import scan_sources, start_poor, start_well, statuses, stop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Started, Started]]:
    root = tmp_path_factory.mktemp("estates")
    well = start_well(root / "well")
    try:
        poor = start_poor(root / "poor")
    except BaseException:
        stop(well)
        raise
    try:
        yield well, poor
    finally:
        stop(well)
        stop(poor)


def _sources(started: Started) -> list[dict[str, Any]]:
    return [
        {"name": "prom", "probe": "prometheus", "url": started.prometheus.url, "timeout_s": 60},
        {"name": "am", "probe": "alertmanager", "url": started.alertmanagers[0].url, "timeout_s": 30},
    ]


@pytest.fixture(scope="module")
def well_report(estates: tuple[Started, Started], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return scan_sources(tmp_path_factory.mktemp("well-scan"), _sources(estates[0]))


@pytest.fixture(scope="module")
def poor_report(estates: tuple[Started, Started], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    _wait_for_rule_health(estates[1].prometheus.url, "UpRatio", "err")  # its first evaluation
    return scan_sources(tmp_path_factory.mktemp("poor-scan"), _sources(estates[1]))


def _wait_for_rule_health(url: str, name: str, health: str, timeout_s: float = 60.0) -> None:
    """A loaded machine may scan before the rule group's first evaluation (health `unknown`)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        groups = httpx.get(url + "/api/v1/rules", timeout=5).json()["data"]["groups"]
        if any(r.get("name") == name and r.get("health") == health for g in groups for r in g["rules"]):
            return
        time.sleep(0.5)
    raise AssertionError(f"rule {name} never reached health {health}")


def _ev(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in report["evidence"] if e["kind"] == kind]


def test_sources_ok_and_every_kind_observed(well_report: dict[str, Any]) -> None:
    srcs = {s["name"]: s for s in well_report["scan"]["sources"]}
    assert srcs["prom"]["status"] == "ok", srcs["prom"]
    assert srcs["am"]["status"] == "ok", srcs["am"]
    obs = well_report["scan"]["observations"]
    for kind in (
        "prometheus.alert_rule",
        "prometheus.slo",
        "prometheus.exporters",
        "alertmanager.config",
        "alertmanager.status",
    ):
        assert obs[kind]["observed"], kind


WELL_EXPECTED = {
    "ydt:5.1.1:L1.1": "met",  # node exporter CPU and memory
    "ydt:5.1.1:L4.1": "met",
    "ydt:5.1.2:L1.1": "met",
    "ydt:5.2.3:L2.5": "met",
    "ydt:5.3.1:L1.1": "met",  # threshold alerts
    "ydt:5.3.1:L1.2": "met",  # email, slack, pagerduty, opsgenie, webhook; both Alertmanagers up
    "ydt:5.3.1:L2.1": "met",  # severities + group_by
    "ydt:5.3.1:L2.4": "met",  # runbook_url everywhere
    "ydt:5.3.1:L3.4": "met",  # inhibition + grouping
    "ydt:5.3.1:L3.5": "met",  # a slow-burn warning ahead of the fast-burn critical on the same series
    "ydt:8.1.1:L1.2": "met",
    "ydt:8.1.1:L3.3": "met",
    "ydt:8.1.2:L1.2": "met",
    # ~99.97% measured is short of 99.99%, but a 30-day SLI miss is not the overall yearly figure:
    # the availability rules only support that clause (review: OVERSTRICT H); the month is within
    # the year's budget, so the veto (prometheus.slo.annual-budget-spent-9999) is undecided too.
    "ydt:10.1.1:L4.2": "unknown",
    # The shop exporter's own http_request_duration_seconds histogram, not Prometheus's own.
    "wa:OPS04-BP02": "met",
    # The median business SLI (~99.97%) reaches 99.9% over the window.
    "ydt:10.1.1:L2.2": "met",
}
POOR_EXPECTED = {
    "ydt:5.1.1:L1.1": "not_met",  # no node exporter
    "ydt:5.3.1:L1.1": "met",  # it does have threshold alerts
    "ydt:5.3.1:L1.2": "not_met",  # one webhook, and the Alertmanager Prometheus uses is gone
    "ydt:5.3.1:L2.1": "not_met",  # no severities, no grouping
    "ydt:5.3.1:L2.4": "not_met",  # no runbooks
    "ydt:5.3.1:L3.4": "not_met",  # no inhibition
    "ydt:5.3.1:L3.5": "unknown",  # no tier on one metric, no prediction: met or unknown by design
    "ydt:8.1.1:L1.2": "not_met",
    "ydt:10.1.1:L2.1": "not_met",  # availability not measured
    # A rule fails to evaluate and alerts go to a dead Alertmanager: prometheus.alerting.actionable.
    "wa:OPS08-BP01": "not_met",
}


@pytest.mark.parametrize(("req", "want"), sorted(WELL_EXPECTED.items()))
def test_well_run_estate(well_report: dict[str, Any], req: str, want: str) -> None:
    got = statuses(well_report)[req]
    assert got["status"] == want, json.dumps(got, ensure_ascii=False)[:2000]


@pytest.mark.parametrize(("req", "want"), sorted(POOR_EXPECTED.items()))
def test_poorly_run_estate(poor_report: dict[str, Any], req: str, want: str) -> None:
    got = statuses(poor_report)[req]
    rules = [r for c in got["clauses"] for r in c["rules"] if r["coverage"] == "decides"]
    ours = [r for r in rules if r["id"].startswith(("prometheus.", "alertmanager."))]
    others_open = [r for r in rules if r not in ours and r["status"] == "unknown"]
    if want == "not_met" and others_open:
        # Another source's full rule (not configured in this scan) could still pass the item:
        # our rules all fail it, and the item must not read as met.
        assert ours and all(r["status"] == "not_met" for r in ours), json.dumps(got, ensure_ascii=False)[:2000]
        # Unknown, or not_met when another clause of the item fails on its own.
        assert got["status"] in ("unknown", "not_met"), json.dumps(got, ensure_ascii=False)[:2000]
    else:
        assert got["status"] == want, json.dumps(got, ensure_ascii=False)[:2000]


def test_supporting_rules_passing_leave_items_unknown_with_reason(well_report: dict[str, Any]) -> None:
    got = statuses(well_report)["ydt:10.1.1:L4.2"]  # 99.99% missed over 30 days, yearly figure unproven
    assert got["status"] == "unknown"
    (clause,) = got["clauses"]
    # The only deciding rule is the veto: ~99.97% over the month is within the year's 99.99%
    # budget (52 minutes), which proves nothing for the year; the 30-day miss is shown beside it.
    assert clause["reason_code"] == "nothing_in_scope"
    shown = sorted((r["id"], r["coverage"], r["status"]) for r in clause["rules"])
    assert shown == [
        ("prometheus.slo.annual-budget-spent-9999", "decides", "unknown"),
        ("prometheus.slo.availability-9999", "supports", "not_met"),
    ]


def test_measured_availability_from_backfilled_history(well_report: dict[str, Any]) -> None:
    slos = {
        e["subject"]: e["data"] for e in _ev(well_report, "prometheus.slo") if e["data"]["source"] == "probe_success"
    }
    assert len(slos) == 2
    for data in slos.values():
        assert 0.9993 < data["availability"] < 0.9999
        assert data["coverage"] > 0.9


def test_dead_alertmanager_judged_from_notification_errors(poor_report: dict[str, Any]) -> None:
    [am] = _ev(poor_report, "prometheus.alertmanagers")
    assert am["data"]["reachable"] is False
    assert am["data"]["basis"] == "notification counters"


def test_broken_rule_is_reported_with_its_error(poor_report: dict[str, Any]) -> None:
    rules = {e["data"]["name"]: e["data"] for e in _ev(poor_report, "prometheus.alert_rule")}
    assert rules["UpRatio"]["health"] == "err"
    assert "many-to-many" in rules["UpRatio"]["last_error"]


def test_ha_alertmanager_and_receivers(well_report: dict[str, Any], poor_report: dict[str, Any]) -> None:
    [well_status] = _ev(well_report, "alertmanager.status")
    [poor_status] = _ev(poor_report, "alertmanager.status")
    assert well_status["data"]["ha"] is True and well_status["data"]["peers"] == 2
    assert poor_status["data"]["ha"] is False
    [cfg] = _ev(well_report, "alertmanager.config")
    assert cfg["data"]["integration_types"] == ["email", "opsgenie", "pagerduty", "slack", "webhook"]


def test_no_secret_from_alertmanager_config_in_report(well_report: dict[str, Any]) -> None:
    text = json.dumps(well_report)
    assert "0123456789abcdef0123456789abcdef" not in text  # pagerduty routing key
    assert "hooks.slack.example.com" not in text
    assert "00000000-0000-0000-0000-000000000000" not in text


def test_files_give_same_shapes_as_live(well_report: dict[str, Any], tmp_path: Path) -> None:
    """The GitOps copy of the estate yields the same alert rule facts as the live API."""
    from sandbox.prometheus import ESTATE_DIR

    report = scan_sources(tmp_path, [{"name": "repo", "probe": "files", "path": str(ESTATE_DIR)}])
    # Prometheus re-prints expressions (0.10 -> 0.1), so compare the derived facts, not the text.
    keys = (
        "name",
        "group",
        "severity",
        "for_s",
        "has_runbook",
        "compares_constant",
        "functions",
        "annotation_keys",
        "labels",
    )

    def facts(rep: dict[str, Any]) -> list[str]:
        return sorted(json.dumps([e["data"][k] for k in keys]) for e in _ev(rep, "prometheus.alert_rule"))

    assert facts(report) == facts(well_report)
    [am_files] = _ev(report, "alertmanager.config")
    [am_live] = _ev(well_report, "alertmanager.config")
    for key in ("integration_types", "severity_routes", "inhibit_rules_count", "group_by", "route_matcher_labels"):
        assert am_files["data"][key] == am_live["data"][key], key
