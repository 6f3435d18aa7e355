"""Scoring v2 (scanner/scoring.py, and grade.py which feeds it) as exhaustive tables.

Three layers, each over every combination of its inputs:
- clause status from its alternatives' votes (every vote mix up to three alternatives);
- requirement status from its clauses' statuses (every mix up to three clauses) x waiver;
- the whole chain through `grade()`: two clauses' rule outcomes (met, not_met, and unknown for
  each source state) x attestation x waiver x dispute, checked against the contract written
  out below as plainly as DESIGN.md says it, plus the statement states each case must show.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from scanner.attest import AttestationDoc, DisputeDoc, Statement, Statements, WaiverDoc
from scanner.catalog import Capability, Catalog, Clause, Framework, Requirement, SourceDoc, Text
from scanner.grade import grade
from scanner.model import ReasonCode, StatementState, Status
from scanner.rules import RuleResult, load_rules
from scanner.scoring import (
    UNKNOWN_PRIORITY,
    Levels,
    Vote,
    attest_clause,
    capability_levels,
    clause_status,
    in_scope,
    requirement_status,
)

MET, NOT_MET, UNKNOWN, ATTESTED, NA = (
    Status.MET,
    Status.NOT_MET,
    Status.UNKNOWN,
    Status.ATTESTED,
    Status.NOT_APPLICABLE,
)
UNKNOWN_CODES = (
    ReasonCode.SOURCE_FAILED,
    ReasonCode.SOURCE_NOT_CONFIGURED,
    ReasonCode.EVIDENCE_NOT_OBSERVED,
    ReasonCode.NOTHING_IN_SCOPE,
    ReasonCode.DISPUTED,
)
VOTES = [Vote("r", MET), Vote("r", NOT_MET)] + [Vote("r", UNKNOWN, c) for c in UNKNOWN_CODES]


# ---------------------------------------------------------------- enums carry their properties


def test_status_properties() -> None:
    assert [s.value for s in sorted(Status, key=lambda s: s.rank)] == [
        "not_met",
        "unknown",
        "attested",
        "not_applicable",
        "met",
    ]
    assert NOT_MET.worse_than(UNKNOWN) and UNKNOWN.worse_than(ATTESTED) and not MET.worse_than(NA)
    assert {s for s in Status if s.satisfies("verified")} == {MET, NA}
    assert {s for s in Status if s.satisfies("level")} == {MET, NA, ATTESTED}
    assert {s for s in Status if s.satisfies("ceiling")} == {MET, NA, ATTESTED, UNKNOWN}
    assert NOT_MET.counts_for is None and NOT_MET.sarif_level == "error" and UNKNOWN.sarif_level == "warning"
    assert NOT_MET.label.zh == "未满足" and NA.label.en == "not applicable"
    for code in ReasonCode:
        assert code.label.zh and code.label.en and code.action.zh and code.action.en


# ---------------------------------------------------------------- clause


@pytest.mark.parametrize(
    ("votes", "organisational", "want"),
    [
        ([], False, (UNKNOWN, ReasonCode.NO_RULE)),
        ([], True, (UNKNOWN, ReasonCode.NEEDS_ATTESTATION)),
        ([Vote("a", MET), Vote("b", NOT_MET)], False, (MET, None)),  # one alternative suffices
        ([Vote("a", NOT_MET), Vote("b", NOT_MET)], False, (NOT_MET, None)),
        (
            [Vote("a", NOT_MET), Vote("b", UNKNOWN, ReasonCode.SOURCE_NOT_CONFIGURED)],
            False,
            (UNKNOWN, ReasonCode.ALTERNATIVE_NOT_SCANNED),
        ),
        (
            [Vote("a", NOT_MET), Vote("b", UNKNOWN, ReasonCode.SOURCE_FAILED)],
            False,
            (UNKNOWN, ReasonCode.SOURCE_FAILED),
        ),
        (
            [Vote("a", UNKNOWN, ReasonCode.NOTHING_IN_SCOPE), Vote("b", UNKNOWN, ReasonCode.SOURCE_FAILED)],
            False,
            (UNKNOWN, ReasonCode.SOURCE_FAILED),
        ),
        ([Vote("a", UNKNOWN, ReasonCode.NOTHING_IN_SCOPE)], True, (UNKNOWN, ReasonCode.NOTHING_IN_SCOPE)),
        ([Vote("a", UNKNOWN, ReasonCode.DISPUTED), Vote("b", NOT_MET)], False, (UNKNOWN, ReasonCode.DISPUTED)),
    ],
)
def test_clause_status_table(votes: list[Vote], organisational: bool, want: tuple[Status, Any]) -> None:
    assert clause_status(votes, organisational=organisational) == want


@pytest.mark.parametrize("n", [1, 2, 3])
def test_clause_status_every_vote_mix(n: int) -> None:
    for votes in itertools.product(VOTES, repeat=n):
        status, code = clause_status(list(votes), organisational=False)
        statuses = [v.status for v in votes]
        if MET in statuses:
            assert (status, code) == (MET, None)
        elif all(s is NOT_MET for s in statuses):
            assert (status, code) == (NOT_MET, None)
        else:
            assert status is UNKNOWN and code is not None
            codes = {v.reason_code for v in votes if v.status is UNKNOWN}
            if NOT_MET in statuses and ReasonCode.SOURCE_NOT_CONFIGURED in codes:
                assert code is ReasonCode.ALTERNATIVE_NOT_SCANNED
            else:
                assert code in codes and all(UNKNOWN_PRIORITY.index(code) <= UNKNOWN_PRIORITY.index(c) for c in codes)  # type: ignore[arg-type]
        # a source that failed or was never configured never turns into not_met
        for i, v in enumerate(votes):
            if v.status is UNKNOWN:
                assert status is not NOT_MET, votes[i]


def test_attestation_lifts_only_unknown() -> None:
    assert [attest_clause(s, True) for s in (MET, NOT_MET, UNKNOWN)] == [MET, NOT_MET, ATTESTED]
    assert [attest_clause(s, False) for s in (MET, NOT_MET, UNKNOWN)] == [MET, NOT_MET, UNKNOWN]


# ---------------------------------------------------------------- requirement


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("waived", [False, True])
def test_requirement_status_every_clause_mix(n: int, waived: bool) -> None:
    for clauses in itertools.product((MET, NOT_MET, UNKNOWN, ATTESTED), repeat=n):
        got = requirement_status(list(clauses), waived=waived)
        if waived:
            want = NA
        elif NOT_MET in clauses:
            want = NOT_MET
        elif set(clauses) == {MET}:
            want = MET
        elif set(clauses) <= {MET, ATTESTED}:
            want = ATTESTED
        else:
            want = UNKNOWN
        assert got is want, (clauses, waived)


# ---------------------------------------------------------------- levels


@pytest.mark.parametrize(
    ("by_level", "want"),
    [
        ({1: [MET], 2: [MET], 3: [ATTESTED], 4: [UNKNOWN], 5: [NOT_MET]}, Levels(3, 2, 4)),
        ({1: [NOT_MET], 2: [MET], 3: [], 4: [], 5: []}, Levels(0, 0, 0)),
        ({1: [NA, MET], 2: [], 3: [NA], 4: [UNKNOWN], 5: [MET]}, Levels(3, 3, 5)),  # 同上: empty levels add nothing
        ({1: [NA], 2: [NA, NA], 3: [], 4: [], 5: [NA]}, Levels(None, None, None)),  # all waived: out of scope
        ({1: [ATTESTED], 2: [MET], 3: [], 4: [], 5: []}, Levels(5, 0, 5)),
    ],
)
def test_capability_levels(by_level: dict[int, list[Status]], want: Levels) -> None:
    assert capability_levels(by_level) == want


def test_levels_are_ordered_for_every_status_mix() -> None:
    for combo in itertools.product(list(Status), repeat=3):
        lv = capability_levels({1: [combo[0]], 2: [combo[1]], 3: [combo[2]]})
        if set(combo) == {NA}:
            assert lv == Levels(None, None, None) and not in_scope(list(combo))
            continue
        assert lv.level_verified is not None and lv.level is not None and lv.level_ceiling is not None
        assert 0 <= lv.level_verified <= lv.level <= lv.level_ceiling <= 5


# ---------------------------------------------------------------- the whole chain, exhaustively

ON = dt.date(2026, 9, 1)
REQ = "ydt:5.1.1:L1.1"
CLAUSES = (f"{REQ}#a", f"{REQ}#b")
# A rule outcome per clause: met, not_met (failing subject "x"), or unknown for a source state.
OUTCOMES: dict[str, tuple[str, ReasonCode | None]] = {
    "met": ("met", None),
    "not_met": ("not_met", None),
    "failed": ("unknown", ReasonCode.SOURCE_FAILED),
    "unconfigured": ("unknown", ReasonCode.SOURCE_NOT_CONFIGURED),
    "absent": ("unknown", ReasonCode.EVIDENCE_NOT_OBSERVED),
    "empty": ("unknown", ReasonCode.NOTHING_IN_SCOPE),
}
STATEMENT_CASES = ("none", "live", "expired")


def _catalog() -> Catalog:
    text = Text(zh="某项要求", en="a requirement")
    clauses = tuple(Clause(c, REQ, text, "evidence") for c in CLAUSES)
    req = Requirement(REQ, "ydt1756-4", "ydt:5.1.1", 1, text, clauses)
    cap = Capability("ydt:5.1.1", "ydt1756-4", "ydt:5", "ydt:5.1", text, None, (req,))
    fw = Framework("ydt1756-4", text, SourceDoc(title="t", edition="e", date="d", file="f"), [cap], cumulative=True)
    return Catalog({"ydt1756-4": fw}, {REQ: req}, {cap.id: cap}, {})


def _rules() -> Any:
    docs = [
        (
            "t.yaml",
            i + 1,
            {
                "id": f"t.rule.{letter}",
                "title": "test rule",
                "evidence": ["t.kind"],
                "decides": [{"clause": f"{REQ}#{letter}", "rationale": "decides this clause in the test"}],
                "condition": {"some": {"kind": "t.kind"}},
                "remediation": f"fix {letter}",
            },
        )
        for i, letter in enumerate("ab")
    ]
    return load_rules(docs=docs, requirement_ids={REQ, *CLAUSES}, kinds={"t.kind"})


def _statements(att: str, waiver: str, dispute: str) -> Statements:
    def dates(case: str) -> dict[str, dt.date]:
        if case == "expired":
            return {"date": dt.date(2025, 1, 1), "expires": dt.date(2025, 12, 1)}
        return {"date": dt.date(2026, 8, 1), "expires": dt.date(2027, 6, 1)}

    who = {"owner": "owner@example.com", "reviewer": "auditor@example.com"}
    items = []
    if att != "none":
        doc = AttestationDoc(
            requirements=[REQ],
            statement="People vouch for it.",
            evidence_url="https://w.example/x",
            **who,
            **dates(att),
        )
        items.append(Statement("attestation", doc, "s.yaml", 1))
    if waiver != "none":
        wdoc = WaiverDoc(requirements=[REQ], reason="Out of scope for the test.", **who, **dates(waiver))
        items.append(Statement("waiver", wdoc, "s.yaml", 2))
    if dispute != "none":
        ddoc = DisputeDoc(
            rule="t.rule.a", clause=CLAUSES[0], subjects=["x"], reason="x is not a workload.", **who, **dates(dispute)
        )
        items.append(Statement("dispute", ddoc, "s.yaml", 3))
    return Statements(items)


def _results(a: str, b: str) -> dict[str, RuleResult]:
    out = {}
    for letter, case in zip("ab", (a, b), strict=True):
        status, code = OUTCOMES[case]
        failing = ("x",) if status == "not_met" else ()
        ev = ["ev-" + "0" * 20] if status != "unknown" else []
        out[f"t.rule.{letter}"] = RuleResult(f"t.rule.{letter}", status, f"{case} here", ev, len(ev), {}, code, failing)
    return out


def _contract(a: str, b: str, att: str, waiver: str, dispute: str) -> tuple[Status, list[Status]]:
    """DESIGN.md "Requirement status", written out independently of scanner/scoring.py."""
    clause = []
    for letter, case in zip("ab", (a, b), strict=True):
        s = Status(OUTCOMES[case][0])
        if letter == "a" and s is NOT_MET and dispute == "live":
            s = UNKNOWN  # the dispute covers the only failing subject
        if s is UNKNOWN and att == "live":
            s = ATTESTED
        clause.append(s)
    if waiver == "live":
        return NA, clause
    if NOT_MET in clause:
        return NOT_MET, clause
    if all(s is MET for s in clause):
        return MET, clause
    if all(s in (MET, ATTESTED) for s in clause):
        return ATTESTED, clause
    return UNKNOWN, clause


CASES = list(itertools.product(OUTCOMES, OUTCOMES, STATEMENT_CASES, STATEMENT_CASES, ("none", "live", "expired")))


@pytest.mark.parametrize(("a", "b", "att", "waiver", "dispute"), CASES)
def test_grade_every_combination(a: str, b: str, att: str, waiver: str, dispute: str) -> None:
    graded = grade(
        _catalog(), _rules(), _results(a, b), _statements(att, waiver, dispute), frameworks=["ydt1756-4"], on=ON
    )
    (cap,) = graded.frameworks[0].capabilities
    (req,) = cap.requirements
    want, clause_want = _contract(a, b, att, waiver, dispute)
    assert req.status is want
    assert [c.status for c in req.clauses] == clause_want
    # every item that is not met says why; every clause left unknown has a reason code
    assert (req.reason is None) == (want is MET)
    for letter, case, c in zip("ab", (a, b), req.clauses, strict=True):
        assert (c.reason_code is not None) == (c.status is UNKNOWN)
        if c.status is UNKNOWN:  # the source state (or the dispute) is named, never lost
            disputed = letter == "a" and case == "not_met" and dispute == "live"
            assert c.reason_code is (ReasonCode.DISPUTED if disputed else OUTCOMES[case][1])
        if c.status is ATTESTED:
            assert c.statement is not None
    if dispute == "live" and a == "not_met":
        assert req.clauses[0].reason_code in (ReasonCode.DISPUTED, None)
        assert req.clauses[0].rules[0].reason_code is ReasonCode.DISPUTED
    # levels: a waived capability is out of scope, never a level
    if waiver == "live":
        assert (cap.in_scope, cap.level, cap.level_verified, cap.level_ceiling) == (False, None, None, None)
    else:
        # the only item is at level 1 and levels 2..5 have none of their own (同上)
        assert cap.in_scope and cap.level == (5 if want.satisfies("level") else 0)
        assert cap.level_verified == (5 if want.satisfies("verified") else 0)
        assert cap.level_ceiling == (5 if want.satisfies("ceiling") else 0)
    # statement states
    states = {s.type: s.state for s in graded.statements}
    failing_after_dispute = NOT_MET in clause_want
    if att == "expired":
        assert states["attestation"] is StatementState.EXPIRED
    elif att == "live":
        if failing_after_dispute:
            assert states["attestation"] is StatementState.CONTESTED  # never overrides failing evidence
        elif ATTESTED in clause_want:
            assert states["attestation"] is StatementState.APPLIED
        else:
            assert states["attestation"] is StatementState.UNUSED
    if waiver == "expired":
        assert states["waiver"] is StatementState.EXPIRED
        assert want is MET or "expired on" in (req.reason or "")
    elif waiver == "live":
        want_state = StatementState.OVERRIDES_NOT_MET if failing_after_dispute else StatementState.APPLIED
        assert states["waiver"] is want_state
    if dispute == "live":
        assert states["dispute"] is (StatementState.APPLIED if a == "not_met" else StatementState.UNUSED)
    elif dispute == "expired":
        assert states["dispute"] is StatementState.EXPIRED


def test_dispute_covers_only_its_subjects() -> None:
    results = _results("not_met", "met")
    results["t.rule.a"] = RuleResult("t.rule.a", "not_met", "x and y fail", ["ev-1", "ev-2"], 2, {}, None, ("x", "y"))
    graded = grade(_catalog(), _rules(), results, _statements("none", "none", "live"), frameworks=["ydt1756-4"], on=ON)
    req = graded.frameworks[0].capabilities[0].requirements[0]
    assert req.status is NOT_MET  # y still fails
    (dsp,) = graded.statements
    assert dsp.state is StatementState.UNUSED and "still failing for y" in (dsp.why or "")


def test_dispute_cannot_cover_evidence_it_has_not_seen() -> None:
    results = _results("not_met", "met")
    # 60 failing subjects, only the first cited: the dispute naming x cannot clear the rest
    results["t.rule.a"] = RuleResult("t.rule.a", "not_met", "60 fail", ["ev-1"], 60, {}, None, ("x",))
    graded = grade(_catalog(), _rules(), results, _statements("none", "none", "live"), frameworks=["ydt1756-4"], on=ON)
    assert graded.frameworks[0].capabilities[0].requirements[0].status is NOT_MET


def test_expiring_soon_and_invalid_statements_are_not_applied() -> None:
    who = {"owner": "o@example.com", "reviewer": "r@example.com"}
    soon = AttestationDoc(
        requirements=[REQ],
        statement="People vouch for it.",
        evidence_url="https://w.example/x",
        date=dt.date(2026, 8, 1),
        expires=dt.date(2026, 9, 20),
        **who,
    )
    v1 = AttestationDoc(
        requirements=[REQ],
        statement="No reviewer in v1.",
        evidence_url="https://w.example/x",
        owner="o@example.com",
        date=dt.date(2026, 8, 1),
        expires=dt.date(2027, 1, 1),
    )
    for doc, state, status in ((soon, StatementState.EXPIRING_SOON, ATTESTED), (v1, StatementState.INVALID, UNKNOWN)):
        graded = grade(
            _catalog(),
            _rules(),
            _results("met", "failed"),
            Statements([Statement("attestation", doc, "s", 1)]),
            frameworks=["ydt1756-4"],
            on=ON,
        )
        assert graded.statements[0].state is state
        assert graded.frameworks[0].capabilities[0].requirements[0].status is status


def test_next_steps_name_the_reason_codes_and_actions() -> None:
    graded = grade(
        _catalog(), _rules(), _results("not_met", "unconfigured"), Statements([]), frameworks=["ydt1756-4"], on=ON
    )
    (step,) = graded.next_steps
    (item,) = step.items
    assert step.target_level == 1 and item.status is NOT_MET
    assert item.reason_codes == [ReasonCode.SOURCE_NOT_CONFIGURED]
    assert item.action.startswith("fix a; ") and "not_used" in item.action


def test_a_waived_wa_question_is_out_of_scope() -> None:
    text = Text(zh="某最佳实践", en="a best practice")
    bp = "wa:OPS01-BP01"
    req = Requirement(bp, "aws-wa-ops", "wa:OPS01", None, text, (Clause(f"{bp}#a", bp, text, "organisational"),))
    cap = Capability("wa:OPS01", "aws-wa-ops", "wa:org", None, text, None, (req,))
    fw = Framework("aws-wa-ops", text, SourceDoc(title="t", edition="e", date="d", file="f"), [cap])
    catalog = Catalog({"aws-wa-ops": fw}, {bp: req}, {cap.id: cap}, {})
    who = {
        "owner": "o@example.com",
        "reviewer": "r@example.com",
        "date": dt.date(2026, 8, 1),
        "expires": dt.date(2027, 1, 1),
    }
    for waived, scoped in ((False, True), (True, False)):
        items = (
            [Statement("waiver", WaiverDoc(capabilities=["wa:OPS01"], reason="Not our business.", **who), "w", 1)]
            if waived
            else []
        )
        graded = grade(catalog, _rules_none(), {}, Statements(items), frameworks=["aws-wa-ops"], on=ON)
        c = graded.frameworks[0].capabilities[0]
        assert (c.in_scope, c.level) == (scoped, None)
        # the clause keeps its own verdict; the waiver acts on the item
        assert c.requirements[0].clauses[0].reason_code is ReasonCode.NEEDS_ATTESTATION
        assert c.requirements[0].status is (NA if waived else UNKNOWN)
        assert bool(graded.next_steps) is scoped


def _rules_none() -> Any:
    return load_rules(docs=[], requirement_ids=set(), kinds=set())
