"""Table tests for rules/alertmanager: evidence in, status out (met, not_met, unknown)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ruletable import decide

C, RCV, A = "alertmanager.config", "alertmanager.receiver", "prometheus.alert_rule"


def cfg(**kw: Any) -> tuple[str, str, dict[str, Any]]:
    data: dict[str, Any] = {
        "group_by": ["alertname"],
        "integration_type_count": 2,
        "inhibit_rules_count": 1,
        "inhibit_rules": [{"source": ["severity=critical"], "target": ["severity=warning"], "equal": ["alertname"]}],
        "severity_routes": 1,
        "paging_types": ["pagerduty"],
        "route_matcher_labels": ["severity", "team"],
    }
    data.update(kw)
    return (C, "alertmanager", data)


def rcv(name: str, types: list[str], routed: bool = True) -> tuple[str, str, dict[str, Any]]:
    return (RCV, name, {"name": name, "integration_types": types, "routed": routed})


def alert(severity: str | None) -> tuple[str, str, dict[str, Any]]:
    return (A, "g/X", {"name": "X", "severity": severity})


TABLE: dict[str, tuple[list[Any], list[Any]]] = {
    "alertmanager.notify.multi-channel": ([cfg()], [cfg(integration_type_count=1)]),
    "alertmanager.notify.receivers-deliver": (
        [rcv("a", ["email"]), rcv("null", []), rcv("unused", [], routed=False)],
        [rcv("a", [])],
    ),
    "alertmanager.alerting.grading-and-grouping": ([cfg(), alert("critical")], [cfg(group_by=[]), alert("critical")]),
    "alertmanager.alerting.storm-control": ([cfg()], [cfg(inhibit_rules_count=0, inhibit_rules=[])]),
    "alertmanager.alerting.escalation": ([cfg()], [cfg(paging_types=[])]),
    "alertmanager.alerting.priority-routing": ([cfg()], [cfg(severity_routes=0)]),
}


@pytest.mark.parametrize("rule_id", sorted(TABLE))
def test_rule_table(rule_id: str) -> None:
    met, not_met = TABLE[rule_id]
    assert decide(rule_id, met) == "met"
    assert decide(rule_id, not_met) == "not_met"
    assert decide(rule_id, None) == "unknown"


def test_grading_needs_severity_on_most_rules() -> None:
    assert (
        decide("alertmanager.alerting.grading-and-grouping", [cfg(), alert(None), alert(None), alert("warning")])
        == "not_met"
    )


def test_grading_is_unknown_when_prometheus_was_not_observed() -> None:
    rows = [cfg()]
    assert decide("alertmanager.alerting.grading-and-grouping", rows, observed={"alertmanager.config"}) == "unknown"
