"""The time window every GitLab figure covers, GitLab timestamps, and sample summaries."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["Obj", "Window", "hours", "parse_time", "summary", "working_days"]

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return max(1e-9, (self.end - self.start).total_seconds() / 86400)

    def contains(self, t: datetime | None) -> bool:
        return t is not None and self.start <= t <= self.end

    def to_json(self) -> dict[str, Any]:
        return {"start": _iso(self.start), "end": _iso(self.end), "days": round(self.days, 2)}


def parse_time(value: Any) -> datetime | None:
    """A GitLab timestamp as an aware datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else None


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def summary(values: Iterable[float], digits: int = 2) -> dict[str, Any]:
    """Median and 90th percentile (nearest rank) with the sample size; None when empty."""
    xs = sorted(values)
    if not xs:
        return {"n": 0, "median": None, "p90": None}
    p90 = xs[max(0, math.ceil(0.9 * len(xs)) - 1)]
    return {"n": len(xs), "median": round(statistics.median(xs), digits), "p90": round(p90, digits)}


def hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


def working_days(w: Window) -> int:
    day = w.start.date()
    n = 0
    while day <= w.end.date():
        n += day.weekday() < 5
        day += timedelta(days=1)
    return max(1, n)
