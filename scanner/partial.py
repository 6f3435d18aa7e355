"""Deciding a rule when some of its kinds were observed only in part, or not at all.

A files source that holds only fragments of a system (an application's PrometheusRule and
ServiceMonitor without the Prometheus that loads them) observes those kinds *in part*: the
items it has are real, but the system holds more that it has not seen. An absence there is no
finding. A verdict still stands when no further evidence could undo it, and this module finds
those verdicts with a three-valued reading of the rule's condition:

- a quantifier over a completely observed kind is decided by what was observed;
- over a partially observed kind, a *growing* quantifier (`some`, `count` with gte/gt only:
  more items can only turn it true) stands when it holds, and a *shrinking* one (`none`,
  `every`, `count` with lte/lt only: more items can only turn it false) stands when it fails;
  everything else (`ratio`, a growing quantifier that fails, ...) is undecided;
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
from scanner.expr import CITE, Outcome, compile_condition

__all__ = ["Decision", "decide"]

_GROWING = 1
_SHRINKING = -1


@dataclass(frozen=True)
class Decision:
    """`value` True (met), False (not met) or None (undecided), and the outcome that decided it."""

    value: bool | None
    outcome: Outcome


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
) -> Decision:
    """The three-valued verdict of the condition `node` (module docstring)."""
    ((op, body),) = node.items()
    if op in ("all_of", "any_of"):
        parts = [decide(c, params, index, partial, unobserved) for c in body]
        deciding = True if op == "any_of" else False
        hit = [p for p in parts if p.value is deciding]
        if hit:
            return Decision(deciding, _merge(hit[:1]))
        if all(p.value is not None for p in parts):
            return Decision(not deciding, _merge(parts))
        return Decision(None, _merge([p for p in parts if p.value is None]))
    if op == "not":
        sub = decide(body, params, index, partial, unobserved)
        o = sub.outcome
        flipped = Outcome(not o.ok, f"not ({o.detail})", o.evidence, o.evidence_total, o.stats, o.empty)
        return Decision(None if sub.value is None else not sub.value, flipped)
    kind = str(body.get("kind"))
    o = compile_condition(node, params).evaluate(index)
    if kind in unobserved or o.empty:
        return Decision(None, o)
    if kind not in partial:
        return Decision(o.ok, o)
    if not o.ok and _direction(op, body) == _GROWING:
        return Decision(None, o)  # an absence in the part seen: the rest may hold it
    return Decision(o.ok, o)


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
    )
