"""What the on-call probes (pagerduty, and jsm when it comes) share: incident timing figures and
the coverage of an on-call schedule.

Both are computed here from plain values, so each probe only maps its API's shapes to them and
the figures mean the same whatever tool they came from:

- `timing`: sample size, median, 90th and 95th percentile (nearest rank) of durations in
  minutes; an empty sample gives nulls, never zero;
- `Window`: the time window a figure covers, as evidence writes it;
- `coverage`: how much of a window the union of on-call shifts covers, the number of gaps and
  the longest one (a gap shorter than `tolerance_s` is a handover, not a gap).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Window", "coverage", "iso", "parse_time", "timing"]


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:  # the APIs we read always send an offset; a bare time is read as UTC
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


def iso(t: datetime) -> str:
    """UTC, seconds, with a Z: the form every evidence item uses."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Window:
    """The time window a figure covers: [start, end)."""

    start: datetime
    end: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "start": iso(self.start),
            "end": iso(self.end),
            "days": round((self.end - self.start).total_seconds() / 86400, 2),
        }

    def holds(self, t: datetime | None) -> bool:
        return t is not None and self.start <= t < self.end


def _rank(xs: list[float], q: float) -> float:
    return xs[max(0, math.ceil(q * len(xs)) - 1)]


def timing(minutes: Iterable[float], digits: int = 2) -> dict[str, Any]:
    """Sample size, median, p90 and p95 (nearest rank) of durations in minutes."""
    xs = sorted(m for m in minutes if m >= 0)  # a negative duration is clock skew: not a sample
    if not xs:
        return {"n": 0, "median": None, "p90": None, "p95": None}
    return {
        "n": len(xs),
        "median": round(statistics.median(xs), digits),
        "p90": round(_rank(xs, 0.9), digits),
        "p95": round(_rank(xs, 0.95), digits),
    }


def coverage(
    shifts: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime, *, tolerance_s: float = 60.0
) -> dict[str, Any]:
    """How much of [start, end) the union of `shifts` covers.

    Returns `ratio` (0..1, rounded to 4 places), `gaps` (uncovered stretches longer than
    `tolerance_s`) and `longest_gap_minutes` (0 when none). Shifts outside the window are
    clipped; overlapping shifts (several layers, overrides) count once.
    """
    total = (end - start).total_seconds()
    if total <= 0:
        return {"ratio": None, "gaps": 0, "longest_gap_minutes": 0.0}
    clipped = sorted((max(a, start), min(b, end)) for a, b in shifts if b > start and a < end and b > a)
    covered = 0.0
    gaps: list[float] = []
    cursor = start
    for a, b in clipped:
        if a > cursor:
            gaps.append((a - cursor).total_seconds())
            cursor = a
        if b > cursor:
            covered += (b - cursor).total_seconds()
            cursor = b
    if cursor < end:
        gaps.append((end - cursor).total_seconds())
    real = [g for g in gaps if g > tolerance_s]
    return {
        "ratio": round(covered / total, 4),
        "gaps": len(real),
        "longest_gap_minutes": round(max(real) / 60, 1) if real else 0.0,
    }
