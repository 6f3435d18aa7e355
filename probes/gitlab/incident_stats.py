"""Pure aggregation of a project's GitLab incidents: grading, postmortems, response and restore times.

Like probes/gitlab/stats.py, every figure carries its sample size, window, method and parameters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from probes.gitlab.window import Obj, Window, hours, parse_time, summary

__all__ = ["incident_stats"]


def _severity(issue: Obj, pattern: re.Pattern[str]) -> str | None:
    sev = issue.get("severity")
    if isinstance(sev, str) and sev and sev.upper() != "UNKNOWN":
        return sev.upper()
    for label in issue.get("labels") or []:
        if isinstance(label, str) and pattern.search(label):
            return label
    return None


# Labels that only say "this is an incident" or where it is in its lifecycle: not a classification.
_NOT_A_CLASS = re.compile(r"(?i)^(incident|incidents?\s*::.*|status\s*::.*|state\s*::.*|workflow\s*::.*)$")


def _classified(issue: Obj, severity: re.Pattern[str], postmortem: re.Pattern[str]) -> bool:
    """A severity, or a label naming a type, service or cause (not lifecycle or postmortem labels)."""
    if _severity(issue, severity):
        return True
    return any(
        isinstance(lb, str) and not _NOT_A_CLASS.match(lb) and not postmortem.search(lb)
        for lb in issue.get("labels") or []
    )


_SEVERE_LABEL = re.compile(r"(?i)(?<![0-9])[12](?![0-9])|critical|\bhigh\b")


def _is_severe(sev: str | None) -> bool:
    """Severity 1 or 2: GitLab's CRITICAL or HIGH, or a severity label naming 1 or 2 (S1, sev::2, P1)."""
    return sev is not None and (sev in ("CRITICAL", "HIGH") or bool(_SEVERE_LABEL.search(sev[:100])))


def _author(issue: Obj) -> str:
    author = issue.get("author")
    return str(author.get("username") or "") if isinstance(author, Mapping) else ""


def incident_stats(
    issues: Iterable[Obj],
    first_notes: Mapping[int, datetime | None],
    w: Window,
    *,
    ever: Mapping[str, Any] | None,
    severity: re.Pattern[str],
    postmortem: re.Pattern[str],
    automation: re.Pattern[str] | None = None,
    linked_postmortems: Collection[int] = (),
) -> dict[str, Any]:
    """Incidents opened in the window: grading, postmortems, response and restore times.

    An incident has a postmortem when its description or labels match `postmortem`, or when its
    iid is in `linked_postmortems` (it links a postmortem issue; read for the sampled incidents).
    """
    rows = [i for i in issues if i.get("issue_type") == "incident" and w.contains(parse_time(i.get("created_at")))]
    closed = [i for i in rows if parse_time(i.get("closed_at"))]
    graded = [i for i in rows if _severity(i, severity)]
    classified = [i for i in rows if _classified(i, severity, postmortem)]
    automated = [i for i in rows if automation is not None and automation.search(_author(i)[:200])]
    with_pm = [
        i
        for i in closed
        if postmortem.search(str(i.get("description") or ""))
        or any(postmortem.search(str(lb)) for lb in i.get("labels") or [])
        or i.get("iid") in linked_postmortems
    ]
    severe = [i for i in closed if _is_severe(_severity(i, severity))]
    pm_ids = {id(i) for i in with_pm}
    severe_pm = [i for i in severe if id(i) in pm_ids]
    restore = [
        hours(c, d) * 60
        for i in closed
        if (c := parse_time(i.get("created_at"))) and (d := parse_time(i.get("closed_at"))) and d >= c
    ]
    response: list[float] = []
    for i in rows:
        note = first_notes.get(int(i.get("iid") or 0))
        c = parse_time(i.get("created_at"))
        if note is not None and c is not None and note >= c:
            response.append(hours(c, note) * 60)
    return {
        "window": w.to_json(),
        "incidents": len(rows),
        "closed": len(closed),
        "open": len(rows) - len(closed),
        "all_time": dict(ever) if ever is not None else None,
        "severity_coverage": round(len(graded) / len(rows), 4) if rows else None,
        "severities": dict(sorted(Counter(str(_severity(i, severity)) for i in graded).items())),
        "classified_coverage": round(len(classified) / len(rows), 4) if rows else None,
        "auto_created": len(automated),
        "postmortem_coverage": round(len(with_pm) / len(closed), 4) if closed else None,
        "severe_closed": len(severe),
        "severe_postmortem_coverage": round(len(severe_pm) / len(severe), 4) if severe else None,
        "time_to_restore_minutes": summary(restore),
        "time_to_first_response_minutes": summary(response),
        "response_sample": len(first_notes),
        "sample_iids": [i.get("iid") for i in rows[:5]],
        "method": {
            "severity": "the incident's severity field, else a label matching severity_label_pattern",
            "postmortem": "closed incidents whose description or labels match postmortem_pattern, or that link "
            "an issue whose title or labels match it (issue links, sampled incidents)",
            "severe": "closed incidents of severity 1 or 2 (CRITICAL or HIGH, or a severity label naming 1 or 2)",
            "time_to_restore": "closed_at minus created_at",
            "time_to_first_response": "first non-system note minus created_at, over a sample of the latest incidents",
            "classification": "incidents with a severity or a label other than incident, lifecycle (status::, "
            "workflow::) and postmortem labels",
            "auto_created": "incidents whose author's username matches automation_author_pattern (GitLab's alert bot, "
            "bot and service-account users)",
        },
        "parameters": {
            "severity_label_pattern": severity.pattern,
            "postmortem_pattern": postmortem.pattern,
            "automation_author_pattern": automation.pattern if automation is not None else None,
        },
    }
