"""Scoring, exhaustively: how rule votes, attestations and waivers make a status and levels."""

from __future__ import annotations

import itertools

import pytest

from scanner.scoring import RuleVote, capability_levels, requirement_status


def V(coverage: str, status: str, rule: str = "r") -> RuleVote:
    return RuleVote(f"{rule}.{coverage}.{status}", coverage, status, f"{status} because")


# (votes, attested, waived) -> status: the contract's order, case by case.
TABLE = [
    ([], False, False, "unknown"),
    ([], True, False, "attested"),
    ([], False, True, "not_applicable"),
    ([V("full", "met")], False, False, "met"),
    ([V("full", "not_met")], False, False, "not_met"),
    ([V("full", "unknown")], False, False, "unknown"),
    ([V("full", "not_met")], True, False, "attested"),
    ([V("full", "met"), V("full", "not_met")], False, False, "met"),  # full rules are alternatives
    ([V("full", "not_met"), V("full", "unknown")], False, False, "unknown"),  # not every full rule decided
    ([V("partial", "met")], False, False, "unknown"),  # a partial pass alone cannot pass
    ([V("partial", "met")], True, False, "attested"),
    ([V("partial", "not_met")], False, False, "not_met"),  # a necessary clause missing
    ([V("partial", "not_met")], True, False, "not_met"),  # an attestation cannot cover a failed clause
    ([V("partial", "not_met"), V("full", "met")], False, False, "not_met"),
    ([V("partial", "met"), V("full", "met")], False, False, "met"),
    ([V("partial", "met"), V("full", "not_met")], False, False, "not_met"),
    ([V("partial", "unknown"), V("full", "met")], False, False, "met"),
    ([V("partial", "unknown")], False, False, "unknown"),
    ([V("full", "met")], False, True, "not_applicable"),  # a waiver takes the item out of scope
]


@pytest.mark.parametrize(("votes", "attested", "waived", "want"), TABLE)
def test_requirement_status_table(votes: list[RuleVote], attested: bool, waived: bool, want: str) -> None:
    status, reason = requirement_status(votes, attested_by="alice on 2026-01-01" if attested else None, waived_by="out of scope" if waived else None)
    assert status == want
    assert reason


def test_reasons_say_what_happened() -> None:
    s, r = requirement_status([V("partial", "met", "k8s.probes"), V("full", "unknown", "prom.x")])
    assert s == "unknown" and r.startswith("partly evidenced: k8s.probes") and "attest the rest" in r
    s, r = requirement_status([], attestation_expired="attestation by bob expired on 2025-01-01")
    assert s == "unknown" and "expired" in r
    s, r = requirement_status([], manual=True)
    assert "needs attestation" in r
    s, r = requirement_status([V("partial", "not_met", "a.b")])
    assert "necessary clause" in r and "a.b" in r


def test_every_combination_obeys_the_invariants() -> None:
    """Over all combinations of up to three votes: invariants that must always hold."""
    kinds = [V(c, s) for c in ("full", "partial") for s in ("met", "not_met", "unknown")]
    for n in range(4):
        for votes in itertools.product(kinds, repeat=n):
            for att in (False, True):
                status, _ = requirement_status(list(votes), attested_by="x" if att else None)
                partial_failed = any(v.coverage == "partial" and v.status == "not_met" for v in votes)
                full_met = any(v.coverage == "full" and v.status == "met" for v in votes)
                if partial_failed:
                    assert status == "not_met"
                elif full_met:
                    assert status == "met"
                elif att:
                    assert status == "attested"
                # An unobserved rule can never, on its own, produce not_met.
                if all(v.status == "unknown" for v in votes):
                    assert status in ("unknown", "attested")
                # Partial passes alone never make met.
                if all(v.coverage == "partial" for v in votes):
                    assert status != "met"


def L(*levels: list[str]) -> dict[int, list[str]]:
    return {i + 1: lv for i, lv in enumerate(levels)}


@pytest.mark.parametrize(
    ("by_level", "want"),
    [
        (L(["met"], ["met"], ["met"], ["met"], ["met"]), (5, 5, 5)),
        (L(["not_met"], ["met"], [], [], []), (0, 0, 0)),
        (L(["met"], ["attested", "met"], ["unknown"], ["met"], []), (2, 1, 5)),
        (L(["met"], ["met"], ["not_met"], ["unknown"], ["unknown"]), (2, 2, 2)),
        (L(["unknown"], ["unknown"], ["unknown"], ["unknown"], ["unknown"]), (0, 0, 5)),
        (L(["not_applicable"], ["met"], ["attested"], ["not_met"], []), (3, 2, 3)),
        (L(["met", "met"], [], ["met"], [], []), (5, 5, 5)),  # levels with no items add nothing
        (L(["met"], ["unknown"], ["met"], ["not_met"], []), (1, 1, 3)),
    ],
)
def test_capability_levels(by_level: dict[int, list[str]], want: tuple[int, int, int]) -> None:
    lv = capability_levels(by_level)
    assert (lv.level, lv.level_verified, lv.level_ceiling) == want
    assert lv.level_verified <= lv.level <= lv.level_ceiling
