"""Scoring v2: rule votes -> clause status -> requirement status -> capability levels. Pure.

Contract (DESIGN.md "Rules decide clauses", "Requirement status", "Levels"):

Clause, from the rules that decide it (its *alternatives*; `supports` rules never vote):
  no deciding rule            -> unknown, `no_rule` (evidence clause) / `needs_attestation`
  any alternative met         -> met
  every alternative not_met   -> not_met (a `not_used` alternative votes not_met, observed)
  otherwise                   -> unknown, with the most actionable reason code of the
                                 undecided alternatives, or `alternative_not_scanned` when one
                                 alternative failed and another's source was not configured.
A live attestation lifts an `unknown` clause to `attested`; it never lifts `not_met`.

Requirement, in this order:
  1. a live waiver            -> not_applicable
  2. any clause not_met       -> not_met
  3. every clause met         -> met
  4. every clause met or attested (>= 1 attested) -> attested
  5. otherwise                -> unknown
Disputes act earlier, on votes: a disputed rule's vote on a clause becomes unknown (`disputed`).

Levels are cumulative (同上): level L needs every item of levels 1..L. A capability whose
items are all not_applicable is out of scope and has no levels (None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scanner.model import ReasonCode, Status

__all__ = [
    "UNKNOWN_PRIORITY",
    "Levels",
    "Vote",
    "attest_clause",
    "capability_levels",
    "clause_status",
    "in_scope",
    "requirement_status",
]

# Among undecided alternatives, the code shown is the one a reader should act on first.
UNKNOWN_PRIORITY: tuple[ReasonCode, ...] = (
    ReasonCode.SOURCE_FAILED,
    ReasonCode.DISPUTED,
    ReasonCode.SOURCE_NOT_CONFIGURED,
    ReasonCode.EVIDENCE_NOT_OBSERVED,
    ReasonCode.NOTHING_IN_SCOPE,
)


@dataclass(frozen=True)
class Vote:
    """One deciding rule's verdict on one clause (`supports` rules are not votes)."""

    rule: str
    status: Status  # met | not_met | unknown
    reason_code: ReasonCode | None = None  # set when unknown


@dataclass(frozen=True)
class Levels:
    level: int | None
    level_verified: int | None
    level_ceiling: int | None


def clause_status(votes: Sequence[Vote], *, organisational: bool) -> tuple[Status, ReasonCode | None]:
    """(status, reason code) of one clause from its alternatives' votes."""
    if not votes:
        return Status.UNKNOWN, ReasonCode.NEEDS_ATTESTATION if organisational else ReasonCode.NO_RULE
    if any(v.status is Status.MET for v in votes):
        return Status.MET, None
    if all(v.status is Status.NOT_MET for v in votes):
        return Status.NOT_MET, None
    codes = {v.reason_code or ReasonCode.EVIDENCE_NOT_OBSERVED for v in votes if v.status is not Status.NOT_MET}
    if ReasonCode.SOURCE_NOT_CONFIGURED in codes and any(v.status is Status.NOT_MET for v in votes):
        return Status.UNKNOWN, ReasonCode.ALTERNATIVE_NOT_SCANNED
    return Status.UNKNOWN, next(c for c in UNKNOWN_PRIORITY if c in codes)


def attest_clause(status: Status, attested: bool) -> Status:
    """An attestation lifts an unknown clause to attested; met and not_met stay as they are."""
    return Status.ATTESTED if attested and status is Status.UNKNOWN else status


def requirement_status(clauses: Sequence[Status], *, waived: bool) -> Status:
    """The requirement's status from its clauses' statuses (after attestations), in contract order."""
    if waived:
        return Status.NOT_APPLICABLE
    if any(s is Status.NOT_MET for s in clauses):
        return Status.NOT_MET
    if all(s is Status.MET for s in clauses):
        return Status.MET
    if all(s in (Status.MET, Status.ATTESTED) for s in clauses):
        return Status.ATTESTED
    return Status.UNKNOWN


def in_scope(statuses: Sequence[Status]) -> bool:
    """A capability is in scope unless every one of its items is not_applicable."""
    return not statuses or any(s is not Status.NOT_APPLICABLE for s in statuses)


def capability_levels(statuses_by_level: Mapping[int, Sequence[Status]]) -> Levels:
    """level / level_verified / level_ceiling (all None when the capability is out of scope)."""
    if not in_scope([s for level in statuses_by_level.values() for s in level]):
        return Levels(None, None, None)

    def highest(kind: str) -> int:
        reached = 0
        for level in range(1, 6):
            if all(s.satisfies(kind) for s in statuses_by_level.get(level, ())):  # type: ignore[arg-type]
                reached = level
            else:
                break
        return reached

    return Levels(level=highest("level"), level_verified=highest("verified"), level_ceiling=highest("ceiling"))
