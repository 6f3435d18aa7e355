"""Every rule's test cases (`rules/<source>/<topic>.cases.yaml`), run through the real loader and
engine; and every installed rule must have them: a met, a not_met and an empty case."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from scanner.rules import Rule, default_rules_dir
from tests.ruletable import (
    CASES_SUFFIX,
    LoadedCase,
    cases_files,
    evaluate,
    installed_rules,
    load_cases,
    read_cases_file,
    row_problem,
    run_case,
)

ALL_CASES: list[LoadedCase] = [c for f in cases_files() for c in load_cases(f)]
RULES: dict[str, Rule] = {r.id: r for r in installed_rules().rules}


def _uses_allow_empty(rule: Rule) -> bool:
    return '"allow_empty": true' in json.dumps(rule.doc.condition)


def _rel(path: Path) -> str:
    return path.relative_to(default_rules_dir()).as_posix()


@pytest.mark.parametrize("case", ALL_CASES, ids=[f"{_rel(c.file)}::{c.id}" for c in ALL_CASES])
def test_case(case: LoadedCase) -> None:
    assert case.rule in RULES, f"{_rel(case.file)}: no installed rule {case.rule!r}"
    for kind, subject, data in case.rows:
        problem = row_problem(kind, data)
        assert problem is None, f"{case.id}: evidence {kind} {subject!r}: {problem}"
    result = run_case(case)
    assert result.status == case.case.expect, f"{case.id}: {result.explanation}"
    got = result.reason_code.value if result.reason_code else None
    if case.case.expect == "unknown":
        assert case.case.reason is not None, f"{case.id}: an unknown case names its reason code"
        assert got == case.case.reason, f"{case.id}: {result.explanation}"
    else:
        assert case.case.reason is None, f"{case.id}: only an unknown case has a reason"


def test_every_installed_rule_has_met_not_met_and_empty_cases() -> None:
    statuses: dict[str, set[str]] = defaultdict(set)
    for c in ALL_CASES:
        statuses[c.rule].add(c.case.expect)
        if c.empty:
            statuses[c.rule].add("empty")
    excused = {rid: why for f in cases_files() for rid, why in read_cases_file(f).no_not_met_case.items()}
    vetoes = {rid: why for f in cases_files() for rid, why in read_cases_file(f).no_met_case.items()}
    missing = {}
    for rid in RULES:
        want = {"met", "not_met", "empty"} - ({"not_met"} if rid in excused else set())
        want -= {"met"} if rid in vetoes else set()
        if not want <= statuses[rid]:
            missing[rid] = sorted(want - statuses[rid])
    assert not missing, f"rules without cases: {missing}"
    assert set(excused) <= set(RULES) and set(vetoes) <= set(RULES)
    assert not set(excused) & set(vetoes), "a rule that can be neither met nor not_met decides nothing"
    for rid, why in excused.items():
        assert len(why) > 20, rid
        assert "not_met" not in statuses[rid], f"{rid} is excused from a not_met case but has one"
    for rid, why in vetoes.items():
        assert len(why) > 20, rid
        assert "met" not in statuses[rid], f"{rid} is excused from a met case but has one"


def test_cases_sit_beside_their_rules() -> None:
    """`<topic>.cases.yaml` holds the cases of the rules in `<topic>.yaml`, and only those."""
    files = cases_files()
    assert files
    for f in files:
        rules_file = f.with_name(f.name.removesuffix(CASES_SUFFIX) + ".yaml")
        assert rules_file.is_file(), f"{_rel(f)}: no rules file {rules_file.name} beside it"
        here = {rid for rid, r in RULES.items() if Path(r.file).resolve() == rules_file.resolve()}
        named = set(read_cases_file(f).cases)
        assert named <= here, f"{_rel(f)} names rules of another file: {sorted(named - here)}"


# A quantifier's own `allow_empty` decides an empty population too; those cases state the result.
CONTRACT_EMPTY = [c for c in ALL_CASES if c.empty and not _uses_allow_empty(RULES[c.rule])]


@pytest.mark.parametrize("case", CONTRACT_EMPTY, ids=lambda c: c.id)
def test_empty_cases_follow_the_contract(case: LoadedCase) -> None:
    """An empty population is unknown (nothing_in_scope) unless the rule's `empty:` says otherwise."""
    rule = RULES[case.rule]
    if rule.doc.empty == "unknown":
        assert (case.case.expect, case.case.reason) == ("unknown", "nothing_in_scope")
    else:
        assert case.case.expect == rule.doc.empty


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_a_rule_whose_evidence_was_not_collected_is_unknown(rule_id: str) -> None:
    result = evaluate(rule_id, None)
    assert result.status == "unknown"
    assert result.reason_code is not None and result.reason_code.value == "source_failed"
