"""A kind observed in part: which verdicts stand (scanner/partial.py, docs/rules.md).

A fragment (a repository holding part of a system) is judged on the items it holds; a gap (a
fleet member not scanned) keeps only verdicts the unscanned members could not undo.
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner.evidence import Evidence
from scanner.partial import decide, is_gap
from scanner.rules import index_evidence

KIND = "kubernetes.workload"


def items(*ready: bool) -> list[Evidence]:
    return [Evidence.make(KIND, f"ns/Deployment/w{i}", {"ready": r}, f"file://w{i}.yaml") for i, r in enumerate(ready)]


SOME = {"some": {"kind": KIND, "that": {"path": "data.ready", "eq": True}}}
EVERY = {"every": {"kind": KIND, "that": {"path": "data.ready", "eq": True}}}
NONE = {"none": {"kind": KIND, "that": {"path": "data.ready", "eq": False}}}
RATIO = {"ratio": {"kind": KIND, "that": {"path": "data.ready", "eq": True}, "gte": 0.5}}
AT_MOST = {"count": {"kind": KIND, "that": {"path": "data.ready", "eq": False}, "lte": 0}}

# (condition, readiness of the items held, verdict on a complete kind, on a fragment, on a gap)
CASES: list[tuple[str, dict[str, Any], tuple[bool, ...], bool, bool | None, bool | None]] = [
    ("some holds", SOME, (False, True), True, True, True),
    ("some fails: an absence", SOME, (False, False), False, None, None),
    ("every holds", EVERY, (True, True), True, True, None),
    ("every fails: a real violation", EVERY, (True, False), False, False, False),
    ("none holds", NONE, (True, True), True, True, None),
    ("none fails: a real violation", NONE, (False, True), False, False, False),
    ("ratio holds", RATIO, (True, False), True, True, None),
    ("ratio fails", RATIO, (False, False, True), False, False, None),
    ("count lte holds", AT_MOST, (True,), True, True, None),
    ("count lte fails", AT_MOST, (False,), False, False, False),
]


@pytest.mark.parametrize(("name", "cond", "ready", "whole", "fragment", "gap"), CASES, ids=[c[0] for c in CASES])
def test_three_valued_reading(
    name: str, cond: dict[str, Any], ready: tuple[bool, ...], whole: bool, fragment: bool | None, gap: bool | None
) -> None:
    index = index_evidence(items(*ready))
    assert decide(cond, {}, index, set(), set()).value is whole
    on_fragment = decide(cond, {}, index, {KIND}, set())
    assert on_fragment.value is fragment
    # a fragment's verdict that more items could change says it judged the part only
    assert on_fragment.on_part is (fragment is not None and fragment is not gap)
    assert decide(cond, {}, index, {KIND}, set(), {KIND}).value is gap


def test_combinations_keep_what_cannot_be_undone() -> None:
    index = index_evidence(items(True, False))
    any_of = {"any_of": [SOME, EVERY]}  # some holds: the any_of stands even with a gap
    assert decide(any_of, {}, index, {KIND}, set(), {KIND}).value is True
    all_of = {"all_of": [SOME, EVERY]}  # every fails on a real violation: the all_of fails
    assert decide(all_of, {}, index, {KIND}, set(), {KIND}).value is False
    held = index_evidence(items(True, True))
    assert decide({"all_of": [SOME, EVERY]}, {}, held, {KIND}, set(), {KIND}).value is None
    assert decide({"not": EVERY}, {}, held, {KIND}, set(), {KIND}).value is None
    assert decide({"not": EVERY}, {}, held, {KIND}, set()).value is False


def test_an_empty_part_and_an_unobserved_kind_decide_nothing() -> None:
    assert decide(EVERY, {}, index_evidence([]), {KIND}, set()).value is None
    assert decide(SOME, {}, index_evidence(items(True)), set(), {KIND}).value is None


def test_the_runner_s_fleet_note_reads_as_a_gap() -> None:
    from scanner.runner import SourceRun, observations_from

    runs = [
        SourceRun("k8s/c00", "kubernetes", status="ok", observed=[KIND], fleet="k8s"),
        SourceRun("k8s/dead", "kubernetes", status="error", failed={KIND: "connection refused"}, fleet="k8s"),
    ]
    obs = observations_from(runs, {KIND: "kubernetes"}, lambda _k: ["kubernetes"])[KIND]
    assert obs.observed and obs.partial is not None and is_gap(obs.partial)
    assert not is_gap("source 'repo': rule files without the Prometheus that loads them")


def test_an_operator_rule_counts_once_when_prometheus_reports_it() -> None:
    kind = "prometheus.alert_rule"
    running = Evidence.make(kind, "node/HostDown", {"severity": "critical"}, "http://prom:9090/api/v1/rules")
    declared = Evidence.make(
        kind, "node/HostDown", {"severity": "critical"}, "https://k8s/apis/monitoring.coreos.com/v1/prometheusrules"
    )
    only_declared = Evidence.make(
        kind, "app/SlowCheckout", {"severity": None}, "https://k8s/apis/monitoring.coreos.com/v1/prometheusrules"
    )
    kept = index_evidence([running, declared, only_declared])[kind]
    assert [(e.subject, e.origin) for e in kept] == [
        ("app/SlowCheckout", only_declared.origin),
        ("node/HostDown", running.origin),
    ]
