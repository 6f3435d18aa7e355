"""Deciding a rule when some of its kinds were observed only in part, or not at all.

A kind is observed *in part* in two ways, and they are read differently:

- a **fragment**: a files source holds only part of a system by design (an application's
  PrometheusRule and ServiceMonitor without the Prometheus that loads them). What it holds is
  that part's own configuration, so its quality can be judged on the items held;
- a **gap** (`incomplete`): a fleet member that should have been scanned was not (a cluster
  that does not answer, an account whose role cannot be assumed). Its items belong to the
  population the estate is graded on, so nothing may be concluded that they could undo.

The verdict is read three-valued:

- a quantifier over a completely observed kind is decided by what was observed;
- over a kind observed in part, a *growing* quantifier (`some`, `count` with gte/gt only: more
  items can only turn it true) stands when it holds and is undecided when it fails (an absence
  in the part seen); a *shrinking* one (`none`, `every`, `count` with lte/lt only: more items can
  only turn it false) stands when it fails;
- the rest (a shrinking quantifier that holds, `ratio`, other counts) is judged on the items
  held for a fragment (`on_part`: the explanation says so) and is undecided for a gap;
- over a kind not observed at all, nothing is decided;
- `all_of` fails when a part fails and holds when all hold; `any_of` holds when a part holds
  and fails when all fail; `not` swaps; otherwise undecided.

A part over an empty population stays undecided, as it does in scanner.expr.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.evidence import Evidence
from scanner.expr import CITE, Outcome, compile_condition, negated

__all__ = ["GAP_NOTE", "Decision", "decide", "is_gap"]

# How the runner words a fleet gap in a kind's `partial` reason (scanner.runner._partial); the
# reason travels in the report, so a re-score or `verify` reads the same gap from it.
GAP_NOTE = "member(s) not scanned"


def is_gap(reason: str) -> bool:
    """Whether a kind's `partial` reason records fleet members not scanned (a gap)."""
    return GAP_NOTE in reason


_GROWING = 1
_SHRINKING = -1


@dataclass(frozen=True)
class Decision:
    """`value` True (met), False (not met) or None (undecided), and the outcome that decided it.
    `on_part`: the verdict judges the items a fragment holds, and more items could change it."""

    value: bool | None
    outcome: Outcome
    on_part: bool = False


def _direction(op: str, body: Mapping[str, Any]) -> int:
    """How the quantifier moves when its kind gains items: growing, shrinking or neither (0)."""
    if op == "some":
        return _GROWING
    if op in ("none", "every"):
        return _SHRINKING
    if op == "count":
        bounds = {k for k in ("gte", "gt", "lte", "lt", "eq") if k in body}
        if bounds and bounds <= {"gte", "gt"}:
            return _GROWING
        if bounds and bounds <= {"lte", "lt"}:
            return _SHRINKING
    return 0


def decide(
    node: Mapping[str, Any],
    params: Mapping[str, Any],
    index: Mapping[str, Sequence[Evidence]],
    partial: set[str],
    unobserved: set[str],
    incomplete: frozenset[str] | set[str] = frozenset(),
    labels_zh: Mapping[str, str] | None = None,
) -> Decision:
    """The three-valued verdict of the condition `node` (module docstring). `partial`: kinds
    observed in part; `incomplete`: those of them with a gap (a fleet member not scanned)."""
    ((op, body),) = node.items()
    if op in ("all_of", "any_of"):
        parts = [decide(c, params, index, partial, unobserved, incomplete, labels_zh) for c in body]
        deciding = True if op == "any_of" else False
        hit = [p for p in parts if p.value is deciding]
        if hit:
            return Decision(deciding, _merge(hit[:1]), hit[0].on_part)
        if all(p.value is not None for p in parts):
            return Decision(not deciding, _merge(parts), any(p.on_part for p in parts))
        return Decision(None, _merge([p for p in parts if p.value is None]))
    if op == "not":
        sub = decide(body, params, index, partial, unobserved, incomplete, labels_zh)
        flipped = negated(sub.outcome)
        return Decision(None if sub.value is None else not sub.value, flipped, sub.on_part)
    kind = str(body.get("kind"))
    o = compile_condition(node, params, labels_zh=labels_zh).evaluate(index)
    if kind in unobserved or o.empty:
        return Decision(None, o)
    if kind not in partial:
        return Decision(o.ok, o)
    direction = _direction(op, body)
    if (direction == _GROWING and o.ok) or (direction == _SHRINKING and not o.ok):
        return Decision(o.ok, o)  # more items cannot undo it
    if direction == _GROWING or kind in incomplete:
        return Decision(None, o)  # an absence in the part seen, or a verdict the unscanned rest could undo
    return Decision(o.ok, o, on_part=True)


def _merge(parts: Sequence[Decision]) -> Outcome:
    """One outcome from the parts that decided (details joined, evidence cited once)."""
    ev: list[str] = []
    for p in parts:
        ev.extend(i for i in p.outcome.evidence if i not in ev)
    first = parts[0].outcome
    return Outcome(
        first.ok if len(parts) == 1 else all(p.outcome.ok for p in parts),
        "; ".join(p.outcome.detail for p in parts),
        ev[:CITE],
        sum(p.outcome.evidence_total for p in parts),
        dict(first.stats),
        any(p.outcome.empty for p in parts),
        "；".join(p.outcome.detail_zh for p in parts),
    )
