"""Improvement work in a project's closed issues: how much of what the team finished in the
window was labelled improvement, tech debt or toil, and in how many 30-day periods of the
window such work was finished (time given to improvement continuously, not once)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from probes.gitlab.window import Window, parse_time

__all__ = ["PERIOD_DAYS", "improvement_stats"]

PERIOD_DAYS = 30  # about one iteration or sprint pair; the window is split into such periods


def _labels(issue: dict[str, Any]) -> list[str]:
    raw = issue.get("labels") or []
    return [str(x.get("name") if isinstance(x, dict) else x) for x in raw if x]


def improvement_stats(issues: Iterable[dict[str, Any]], w: Window, pattern: re.Pattern[str]) -> dict[str, Any]:
    """Figures over issues closed within `w`; `pattern` matches an improvement label."""
    closed: list[tuple[dict[str, Any], datetime]] = []
    for i in issues:
        t = parse_time(i.get("closed_at"))
        if t is not None and w.contains(t):  # updated in the window is not closed in it
            closed.append((i, t))
    better = [(i, t) for i, t in closed if any(pattern.search(lb) for lb in _labels(i))]
    periods = max(1, math.ceil(w.days / PERIOD_DAYS - 1e-9))
    hit = {min(periods - 1, int((t - w.start).total_seconds() // (PERIOD_DAYS * 86400))) for _i, t in better}
    labels = sorted({lb for i, _t in better for lb in _labels(i) if pattern.search(lb)})
    return {
        "window": w.to_json(),
        "closed_issues": len(closed),
        "improvement_closed": len(better),
        "improvement_share": round(len(better) / len(closed), 4) if closed else None,
        "periods": periods,
        "periods_with_improvement": len(hit),
        "every_period": bool(better) and len(hit) >= periods,
        "labels_seen": labels[:10],
    }
