"""The four DORA keys of a project's production deployments, from GitLab history (pure).

Change failure rate (incidents, rollbacks and hotfixes blamed on the deployment before them),
deployment frequency, lead time for changes and time to restore, each with method and sample.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from probes.gitlab.stats import finished_at, rollback_flags
from probes.gitlab.window import Obj, Window, hours, parse_time, summary

__all__ = ["change_failures", "dora_figures"]


def change_failures(
    successes: Sequence[Obj],
    incidents: Iterable[Obj],
    *,
    window_hours: float,
    hotfix: re.Pattern[str],
    failed_deployments: Sequence[Obj] = (),
) -> dict[str, Any]:
    """Which production changes failed: successful deployments (oldest first) followed by a failure
    signal, plus production deployments that failed outright.

    An incident is blamed on the latest deployment before it (if within `window_hours`); a
    rollback or a hotfix deployment is blamed on the deployment just before it (same bound). A
    rollback (re-deploy of a version production already ran) is a repair, not a new change: it
    is left out of the changes counted. Each failed deployment is a failed change.
    """
    times = [finished_at(d) for d in successes]
    flags = rollback_flags(successes)
    failed: dict[int, set[str]] = {}
    span = timedelta(hours=window_hours)
    # One production environment gives times in order: then the last deployment at or before
    # an incident is a binary search, not a scan of every deployment per incident.
    known = [t for t in times if t is not None]
    ordered = len(known) == len(times) and all(a <= b for a, b in itertools.pairwise(known))
    for inc in incidents:
        c = parse_time(inc.get("created_at"))
        if c is None:
            continue
        if ordered:
            last = bisect.bisect_right(known, c) - 1
        else:
            last = max((i for i, t in enumerate(times) if t is not None and t <= c), default=-1)
        if last >= 0 and c - times[last] <= span:  # type: ignore[operator]
            failed.setdefault(last, set()).add("incident")
    for i in range(1, len(successes)):
        d = successes[i]
        a, b = times[i - 1], times[i]
        if a is None or b is None or b - a > span:
            continue
        commit = (d.get("deployable") or {}).get("commit") or {}
        text = f"{d.get('ref') or ''} {commit.get('title') or ''}"
        if flags[i]:
            failed.setdefault(i - 1, set()).add("rollback")
        elif hotfix.search(text):
            failed.setdefault(i - 1, set()).add("hotfix")
    # A rollback re-deploy blamed by a later signal still counts once; it is not itself a change.
    for i, is_rollback in enumerate(flags):
        if is_rollback:
            failed.pop(i, None)
    causes = Counter(c for cs in failed.values() for c in cs)
    outright = len(failed_deployments)
    if outright:
        causes["failed_deployment"] = outright
    n = len(successes) - sum(flags) + outright
    bad = len(failed) + outright
    return {
        "value": round(bad / n, 4) if n else None,
        "failed_changes": bad,
        "deployments": n,
        "rollbacks_excluded": sum(flags),
        "causes": dict(sorted(causes.items())),
        "sample_ids": [successes[i].get("id") for i in sorted(failed)[-5:]],
        "method": "share of production changes (successful deployments other than rollback re-deploys of an "
        "earlier version, plus failed deployments) that failed: failed outright, or followed within "
        "failure_window_hours by an incident (blamed on the latest deployment before it), a rollback or a hotfix "
        "deployment (blamed on the one before it)",
        "parameters": {"failure_window_hours": window_hours, "hotfix_pattern": hotfix.pattern},
    }


def dora_figures(
    successes: Sequence[Obj],
    w: Window,
    *,
    mr_lead: Mapping[str, Any],
    commit_lead: Sequence[float],
    incidents: Sequence[Obj],
    window_hours: float,
    hotfix: re.Pattern[str],
    failed: Sequence[Obj] = (),
) -> dict[str, Any]:
    """The four DORA keys for one project's production environments, each with method and sample."""
    successes = sorted(successes, key=lambda d: (finished_at(d), d.get("id", 0)))
    n = len(successes)
    in_window = [
        i for i in incidents if i.get("issue_type") == "incident" and w.contains(parse_time(i.get("created_at")))
    ]
    restore = [
        hours(c, d)
        for i in in_window
        if (c := parse_time(i.get("created_at"))) and (d := parse_time(i.get("closed_at"))) and d >= c
    ]
    use_mr = bool(mr_lead.get("n"))
    lead = dict(mr_lead) if use_mr else summary(commit_lead)
    return {
        "window": w.to_json(),
        "deployment_frequency": {
            "per_day": round(n / w.days, 3),
            "per_week": round(n / (w.days / 7), 3),
            "deployments": n,
            "method": "successful deployments to production environments finished in the window, divided by its length",
        },
        "lead_time_for_changes_hours": {
            **lead,
            "method": "MR merged_at to the first successful production deployment at or after it"
            if use_mr
            else "deployed commit's created_at to deployment finished_at (no merged MRs in the window)",
        },
        "change_failure_rate": change_failures(
            successes, in_window, window_hours=window_hours, hotfix=hotfix, failed_deployments=failed
        ),
        "time_to_restore_hours": {
            **summary(restore),
            "method": "incident closed_at minus created_at, incidents opened in the window",
        },
    }
