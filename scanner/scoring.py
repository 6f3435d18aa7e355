"""Scoring: rule results -> requirement status -> capability levels. Pure functions.

The two functions here are the whole of how a grade is made (contract in DESIGN.md):

`requirement_status` combines the rules that decide one requirement with its attestations and
waivers:
  0. a valid waiver -> not_applicable
  1. any partial rule not_met -> not_met (a necessary clause is missing)
  2. else any full rule met -> met
  3. else a valid attestation -> attested
  4. else at least one full rule, and every full rule observed and not_met -> not_met
  5. else unknown, with the reason ("partly evidenced: ..." where partial rules passed)
An expired attestation or waiver counts as absent, and the reason says so.

`capability_levels` applies the standard's cumulative levels (同上): level L needs every
requirement of levels 1..L. A level with no items of its own adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["SATISFIED", "Levels", "RuleVote", "capability_levels", "requirement_status"]

SATISFIED = {"verified": {"met", "not_applicable"}, "level": {"met", "not_applicable", "attested"}}


@dataclass(frozen=True)
class RuleVote:
    """One rule's say on one requirement."""

    rule: str
    coverage: str  # full | partial
    status: str  # met | not_met | unknown
    explanation: str = ""


@dataclass(frozen=True)
class Levels:
    level: int
    level_verified: int
    level_ceiling: int


def requirement_status(
    votes: Sequence[RuleVote],
    *,
    attested_by: str | None = None,
    attestation_expired: str | None = None,
    waived_by: str | None = None,
    waiver_expired: str | None = None,
    manual: bool = False,
) -> tuple[str, str]:
    """(status, reason) for one requirement; see the module docstring for the order."""
    expired = "; ".join(x for x in (attestation_expired, waiver_expired) if x)
    suffix = f" ({expired})" if expired else ""
    if waived_by:
        return "not_applicable", f"waived: {waived_by}"
    partial = [v for v in votes if v.coverage == "partial"]
    full = [v for v in votes if v.coverage == "full"]
    failed_partial = [v for v in partial if v.status == "not_met"]
    if failed_partial:
        return "not_met", "a necessary clause is not met: " + "; ".join(
            f"{v.rule}: {v.explanation}" for v in failed_partial
        )
    met_full = [v for v in full if v.status == "met"]
    if met_full:
        return "met", "; ".join(f"{v.rule}: {v.explanation}" for v in met_full)
    passed_partial = [v for v in partial if v.status == "met"]
    if attested_by:
        extra = (" and partly evidenced by " + ", ".join(v.rule for v in passed_partial)) if passed_partial else ""
        return "attested", f"attested by {attested_by}{extra}"
    if full and all(v.status == "not_met" for v in full):
        return "not_met", "; ".join(f"{v.rule}: {v.explanation}" for v in full)
    unknown = [v for v in votes if v.status == "unknown"]
    if passed_partial:
        rest = "; ".join(f"{v.rule}: {v.explanation}" for v in unknown)
        why = "partly evidenced: " + ", ".join(v.rule for v in passed_partial) + " passed; attest the rest"
        return "unknown", why + (f"; undecided: {rest}" if rest else "") + suffix
    if unknown:
        return "unknown", "; ".join(f"{v.rule}: {v.explanation}" for v in unknown) + suffix
    if manual:
        return "unknown", "needs attestation: no automated rule can decide it" + suffix
    return "unknown", "no rule decides it yet; needs attestation" + suffix


def capability_levels(statuses_by_level: Mapping[int, Sequence[str]]) -> Levels:
    """level / level_verified / level_ceiling from the statuses of each level's requirements."""

    def highest(ok: set[str]) -> int:
        reached = 0
        for level in range(1, 6):
            if all(s in ok for s in statuses_by_level.get(level, ())):
                reached = level
            else:
                break
        return reached

    return Levels(
        level=highest(SATISFIED["level"]),
        level_verified=highest(SATISFIED["verified"]),
        level_ceiling=highest(SATISFIED["level"] | {"unknown"}),
    )
