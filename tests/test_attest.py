"""Statement hygiene (scanner/attest.py): what makes a statement invalid, and the round trips
through bundles and reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from scanner.attest import AttestationDoc, DisputeDoc, Statement, Statements, WaiverDoc, add_months, load_statements
from tests.conftest import write

ON = dt.date(2026, 9, 1)
GOOD: dict[str, Any] = {
    "requirements": ["ydt:5.1.1:L1.1"],
    "statement": "People vouch for this practice.",
    "owner": "owner@example.com",
    "reviewer": "auditor@example.com",
    "evidence_url": "https://wiki.example.com/x",
    "date": dt.date(2026, 8, 1),
    "expires": dt.date(2027, 8, 1),
}


def att(**change: Any) -> Statement:
    return Statement("attestation", AttestationDoc(**{**GOOD, **change}), "a.yaml", 1)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({}, None),
        ({"reviewer": None}, "no reviewer"),
        ({"reviewer": " Owner@Example.com "}, "the reviewer is the owner"),
        ({"date": dt.date(2026, 9, 2)}, "after the scan date"),
        ({"expires": dt.date(2026, 8, 1)}, "on or before its date"),
        ({"expires": dt.date(2027, 9, 2)}, "more than 13 months"),
        ({"expires": dt.date(2027, 9, 1)}, None),  # exactly 13 months
        ({"evidence_url": None}, "no evidence link"),
        ({"evidence_url": "javascript:alert(1)"}, "https or http"),
        ({"evidence_url": "ftp://files.example.com/x"}, "https or http"),
        ({"evidence_url": "https:///nohost"}, "no host"),
        ({"evidence_url": "http://wiki.example.com/x"}, None),
    ],
)
def test_attestation_checks(change: dict[str, Any], why: str | None) -> None:
    got = att(**change).check(ON)
    if why is None:
        assert got is None
    else:
        assert got is not None and why in got


def test_config_may_allow_longer_validity() -> None:
    long = att(expires=dt.date(2028, 8, 1))
    assert long.check(ON) is not None and long.check(ON, max_months=24) is None


def test_waivers_and_disputes_need_no_evidence_link_but_a_date() -> None:
    who = {"owner": "a@example.com", "reviewer": "b@example.com", "expires": dt.date(2027, 1, 1)}
    w = Statement("waiver", WaiverDoc(capabilities=["ydt:11.1.1"], reason="Run by HR, not us.", **who), "w", 1)
    assert w.check(ON) == "no date"
    w = Statement("waiver", WaiverDoc(capabilities=["ydt:11.1.1"], reason="Run by HR, not us.", date=ON, **who), "w", 1)
    assert w.check(ON) is None
    d = DisputeDoc(
        rule="a.b", clause="ydt:5.1.1:L1.1#a", subjects=["*"], reason="Not a workload at all.", date=ON, **who
    )
    assert Statement("dispute", d, "d", 1).check(ON) is None


@pytest.mark.parametrize(
    ("day", "months", "want"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 9, 1), 13, dt.date(2027, 10, 1)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    ],
)
def test_add_months(day: dt.date, months: int, want: dt.date) -> None:
    assert add_months(day, months) == want


def test_expiry_states() -> None:
    s = att(expires=dt.date(2026, 9, 30))
    assert s.expiring_soon(ON) and not s.expired(ON)
    assert not att().expiring_soon(ON)
    assert att(expires=dt.date(2026, 8, 31)).expired(ON)


V1_AND_V2 = """
attestations:
  - requirements: ["ydt:5.1.1:L1.1"]
    statement: A v1 attestation with no reviewer still loads.
    owner: ops@example.com
    evidence_url: https://wiki.example.com/a
    date: 2026-01-10
    expires: 2027-01-10
    clause: the part a partial rule left (v1)
  - clauses: ["ydt:5.1.1:L1.1#a"]
    statement: A v2 clause attestation.
    owner: ops@example.com
    reviewer: auditor@example.com
    evidence_url: https://wiki.example.com/b
    date: 2026-01-10
    expires: 2027-01-10
waivers:
  - capabilities: ["ydt:11.1.1"]
    reason: A v1 waiver without a date or reviewer.
    owner: cto@example.com
    expires: 2027-01-01
disputes:
  - rule: kubernetes.workloads.replicated
    clause: "ydt:5.1.1:L1.1#a"
    subjects: [kube-system/Deployment/metrics-server]
    reason: Singleton controllers are not application workloads.
    owner: platform-lead@example.com
    reviewer: auditor@example.com
    date: 2026-09-01
    expires: 2027-03-01
"""


def test_v1_files_load_and_round_trip(tmp_path: Path) -> None:
    from scanner.catalog import load_catalog

    catalog = load_catalog()
    f = write(tmp_path / "s.yaml", V1_AND_V2)
    st = load_statements([f], requirement_ids=catalog.decidable_ids(), capability_ids=set(catalog.capabilities))
    assert [s.kind for s in st.items] == ["attestation", "attestation", "waiver", "dispute"]
    assert (
        len({s.id for s in st.items}) == 4 and st.items[0].id.startswith("att-") and st.items[3].id.startswith("dsp-")
    )
    assert st.items[0].check(ON) == "no reviewer" and st.items[2].check(ON) == "no reviewer"
    assert st.items[0].line == 3
    # bundle form and report form give back the same statements, with the same ids
    again = Statements.from_json(st.to_json())
    assert [(s.id, s.doc, s.line) for s in again.items] == [(s.id, s.doc, s.line) for s in st.items]
    report_form = [{"id": s.id, "type": s.kind, "state": "applied", "why": None, **s.to_json()} for s in st.items]
    assert [s.id for s in Statements.from_json(report_form).items] == [s.id for s in st.items]


def test_identical_statements_get_distinct_ids() -> None:
    st = Statements([att(), att()])
    assert st.items[0].id != st.items[1].id and st.items[1].id.startswith(st.items[0].id)
