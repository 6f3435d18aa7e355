"""Pure aggregation of a project's GitLab incidents: grading, postmortems, response and restore times.

Like probes/gitlab/stats.py, every figure carries its sample size, window, method and parameters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from probes.gitlab.window import Obj, Window, hours, parse_time, summary

__all__ = ["incident_feedback", "incident_stats", "postmortems_shown", "untyped_incidents"]


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


# A scoped postmortem label counts only when its value says the review is finished
# (postmortem::done), never a lifecycle step (::required, ::in-progress, ::scheduled, ::yes).
_COMPLETE_VALUE = re.compile(
    r"(?i)^(done|complete|completed|published|reviewed|closed|finished|已完成|完成|已复盘|已发布|已评审)$"
)
# An unscoped label counts only when it says so too (postmortem-done, RCA complete, 复盘已完成).
_COMPLETE_WORD = re.compile(r"(?i)\b(done|complete|completed|published|reviewed|finished)\b|已完成|已复盘|已发布")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_BREAKS = re.compile(r"[_:\-]+")
MAX_SHARED = 3  # incidents of one project a linked postmortem issue may stand for (one outage, a few alerts)
MIN_DESCRIPTION = 200  # characters a linked postmortem issue's description must hold, template stripped
_TEMPLATE = re.compile(
    r"^[ \t]*#{1,6}[^\n]*$"  # headings
    r"|^[ \t]*([-*+]|\d+\.)?[ \t]*(\[[ xX]?\])?[ \t]*[*_]*[^\n:]{0,60}:[*_]*[ \t]*$"  # "**Impact:**" alone
    r"|^[ \t]*([-*+]|\d+\.)[ \t]*(\[[ xX]?\])?[ \t]*$",  # empty list items and checkboxes
    re.MULTILINE,
)


def _words(text: str) -> str:
    """The text with `_`, `-`, `::` and CamelCase turned into word breaks (NeedsPostmortem, no_postmortem)."""
    return _BREAKS.sub(" ", _CAMEL.sub(" ", text))


def _label_state(label: Any, pattern: re.Pattern[str], negation: re.Pattern[str]) -> str | None:
    """What a label says of a postmortem: "done" (finished), "named" (names one, says nothing of
    its state: a bare `postmortem`, which an incident template's quick action adds at creation),
    "open" (required, in progress, waived ...) or None (not about a postmortem)."""
    if not isinstance(label, str) or pattern.search(label[:300]) is None:
        return None
    text = label[:300]
    if negation.search(_words(text)) is not None:
        return "open"
    key, scoped, value = text.rpartition("::")
    if scoped and pattern.search(key) is not None:
        return "done" if _COMPLETE_VALUE.match(_words(value).strip()) else "open"
    return "done" if _COMPLETE_WORD.search(_words(value if scoped else text)) else "named"


def _substance(description: Any) -> int:
    """Characters of a description once template comments, headings and empty items are stripped
    (a length only: the text is never kept)."""
    if not isinstance(description, str):
        return 0
    text, kept, at = description[:20000], [], 0
    while (start := text.find("<!--", at)) >= 0:  # HTML comments (template hints), in one pass
        kept.append(text[at:start])
        end = text.find("-->", start + 4)
        at = len(text) if end < 0 else end + 3
    kept.append(text[at:])
    return len(re.sub(r"\s+", "", _TEMPLATE.sub("", "".join(kept))))


def _link_key(r: Mapping[str, Any]) -> Any:
    if isinstance(r.get("id"), int):
        return r["id"]
    if isinstance(r.get("iid"), int):
        return (r.get("project_id"), r["iid"])
    return ("title", str(r.get("title") or "")[:300])


def _names_postmortem(r: Mapping[str, Any], pattern: re.Pattern[str], negation: re.Pattern[str]) -> bool:
    """A linked issue is a postmortem when its title starts with the word (Postmortem: ..., RCA -
    ..., [复盘] ...) or a label says the review is finished (postmortem::done), and neither its
    title nor a label says it is wanted, waived, a follow-up or a template. A bare label is not
    enough: follow-ups of a review often carry it."""
    states = {_label_state(lb, pattern, negation) for lb in r.get("labels") or []}
    title = r.get("title")
    text = title[:300] if isinstance(title, str) else ""
    if "open" in states or negation.search(_words(text)) is not None:
        return False
    m = pattern.search(text)
    return (m is not None and m.start() <= 3) or "done" in states


def postmortems_shown(
    closed: Sequence[Obj],
    links: Mapping[int, Sequence[Obj]] | None,
    *,
    pattern: re.Pattern[str],
    negation: re.Pattern[str],
    automation: re.Pattern[str] | None = None,
) -> tuple[int, int]:
    """(checked, with a postmortem) over the closed incidents whose issue links were read.

    A postmortem is shown by
    - a label on the incident saying a review is finished (postmortem::done, postmortem-done),
      and none saying it is not (postmortem::required, NeedsPostmortem); a bare `postmortem` label
      does not count: an incident template's quick action adds it at creation; or
    - a linked issue that is a postmortem (_names_postmortem), closed (an open one is a review not
      yet done), opened at or after the incident (an older one is an earlier incident's review,
      linked as context), linked from at most MAX_SHARED of the project's incidents read (one
      shared "postmortem process" issue is no review of each), and with content: a description
      of MIN_DESCRIPTION characters once template comments and headings are stripped, or a note
      on an issue not opened by automation (an empty bot-made issue closed with its incident is
      no review).
    The incident's description is never read for it, nor any text kept.
    """
    if links is None:
        return 0, 0
    shared: Counter[Any] = Counter()
    for rows in links.values():
        shared.update({_link_key(r) for r in rows if isinstance(r, Mapping)})

    def review(r: Any, opened: datetime) -> bool:
        if not isinstance(r, Mapping) or r.get("state") != "closed":
            return False
        created = parse_time(r.get("created_at"))
        if created is None or created < opened or shared[_link_key(r)] > MAX_SHARED:
            return False
        if not _names_postmortem(r, pattern, negation):
            return False
        notes = r.get("user_notes_count")
        human = not (automation is not None and automation.search(_author(r)[:200]))
        return _substance(r.get("description")) >= MIN_DESCRIPTION or (human and isinstance(notes, int) and notes >= 1)

    checked = linked = 0
    for i in closed:
        iid = i.get("iid")
        if not isinstance(iid, int) or iid not in links:
            continue
        checked += 1
        states = {_label_state(lb, pattern, negation) for lb in i.get("labels") or []}
        labelled = "done" in states and "open" not in states
        opened = parse_time(i.get("created_at"))
        if labelled or (opened is not None and any(review(r, opened) for r in links[iid])):
            linked += 1
    return checked, linked


def untyped_incidents(issues: Iterable[Obj], w: Window, label: re.Pattern[str]) -> set[int]:
    """iids of plain issues (issue_type issue) opened in the window whose label marks an incident
    (`label`: incident, outage ...): incidents recorded the pre-13.x way, outside the incident type."""
    return {
        i["iid"]
        for i in issues
        if i.get("issue_type") == "issue"
        and isinstance(i.get("iid"), int)
        and w.contains(parse_time(i.get("created_at")))
        and any(isinstance(lb, str) and label.search(lb[:300]) for lb in i.get("labels") or [])
    }


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
    links: Mapping[int, Sequence[Obj]] | None = None,
    links_note: str | None = None,
    link_pattern: re.Pattern[str] | None = None,
    negation: re.Pattern[str] | None = None,
    stale_days: int = 14,
    incident_label: re.Pattern[str] | None = None,
) -> dict[str, Any]:
    """Incidents opened in the window: grading, postmortems, response and restore times.

    An incident has a postmortem (`postmortem_coverage`) when its description or labels match
    `postmortem`, or when its iid is in `linked_postmortems` (it links a postmortem issue; read
    for the sampled incidents). The stricter `postmortem_linked_*` figures read only labels and
    linked issues (`links`: iid -> the issues linked to it, for the closed incidents read; None
    when they could not be read), see postmortems_shown. `stale_open`: incidents opened in the
    window more than `stale_days` before its end and still open. `open_before_window`: incidents
    open now (`ever`, counted from the issues list) less those opened in the window and still open: incidents
    opened before the window and never closed (None without `ever`). `untyped_incidents`: plain
    issues in `issues` labelled as an incident (`incident_label`), see untyped_incidents.
    """
    issues_seen = list(issues)
    rows = [i for i in issues_seen if i.get("issue_type") == "incident" and w.contains(parse_time(i.get("created_at")))]
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
    readable = links is not None and link_pattern is not None and negation is not None
    checked, linked = (
        postmortems_shown(closed, links, pattern=link_pattern, negation=negation, automation=automation)
        if link_pattern is not None and negation is not None
        else (0, 0)
    )
    stale_before = w.end - timedelta(days=stale_days)
    stale = [
        i
        for i in rows
        if not parse_time(i.get("closed_at")) and (t := parse_time(i.get("created_at"))) and t <= stale_before
    ]
    still_open = len(rows) - len(closed)
    opened_now = (ever or {}).get("opened")
    before = max(0, opened_now - still_open) if isinstance(opened_now, int) else None
    untyped = untyped_incidents(issues_seen, w, incident_label) if incident_label is not None else set()
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
        "open": still_open,
        "open_before_window": before,
        "untyped_incidents": len(untyped),
        "all_time": dict(ever) if ever is not None else None,
        "severity_coverage": round(len(graded) / len(rows), 4) if rows else None,
        "severities": dict(sorted(Counter(str(_severity(i, severity)) for i in graded).items())),
        "classified_coverage": round(len(classified) / len(rows), 4) if rows else None,
        "auto_created": len(automated),
        "postmortem_coverage": round(len(with_pm) / len(closed), 4) if closed else None,
        "postmortem_linked_checked": checked if readable else None,
        "postmortem_linked": linked if readable else None,
        "postmortem_linked_unchecked": len(closed) - checked if readable else None,
        "postmortem_linked_coverage": round(linked / checked, 4) if readable and checked else None,
        "postmortem_linked_note": None if readable else (links_note or "issue links not read")[:300],
        "stale_open": len(stale),
        "stale_days": stale_days,
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
            "postmortem_linked": "closed incidents (latest first, up to incident_link_limit) whose issue links were "
            "read: a label on the incident saying the review is finished (postmortem::done; a bare postmortem label "
            "does not count), or a closed linked issue naming a postmortem (postmortem_link_pattern at the start "
            "of its title, or a label; not postmortem_negation_pattern), opened at or after the incident, linked "
            f"from at most {MAX_SHARED} incidents of the project, with {MIN_DESCRIPTION} characters of description "
            "beyond the template or a note on an issue not opened by automation; never the incident's description",
            "open_before_window": "incidents open now (the issues list's total) less those opened in the window still open",
            "untyped_incidents": "plain issues opened in the window with a label matching incident_label_pattern",
            "stale_open": "incidents opened in the window, more than stale_days before its end, still open",
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
            "postmortem_link_pattern": link_pattern.pattern if link_pattern is not None else None,
            "postmortem_negation_pattern": negation.pattern if negation is not None else None,
            "incident_label_pattern": incident_label.pattern if incident_label is not None else None,
            "automation_author_pattern": automation.pattern if automation is not None else None,
        },
    }


MAX_NAMED = 10  # projects named in gitlab.incident_feedback for an auditor


def incident_feedback(shares: Sequence[tuple[str, Mapping[str, Any]]], w: Window, cfg: Any) -> dict[str, Any]:
    """The source's incidents in the window over every project read together (gitlab.incident_feedback).

    `shares`: each project and its figures, every one read (the probe fails the kind otherwise).
    Counts only: which projects fall short is named (paths, at most MAX_NAMED), never an
    incident's title or text.
    """

    def total(key: str) -> int:
        return sum(int(s.get(key) or 0) for _, s in shares)

    def known(key: str) -> int | None:
        """The sum, or None when a project could not tell (its all-time statistics or its issue
        listing were not read): "none" cannot be summed over a gap."""
        return None if any(not isinstance(s.get(key), int) for _, s in shares) else total(key)

    closed, checked, linked = total("closed"), total("postmortem_linked_checked"), total("postmortem_linked")
    incidents = total("incidents")
    short = sorted(
        p
        for p, s in shares
        if int(s.get("postmortem_linked_unchecked") or 0)
        or int(s.get("postmortem_linked") or 0) < int(s.get("postmortem_linked_checked") or 0)
        or int(s.get("stale_open") or 0)
        or s.get("open_before_window") != 0
        or s.get("untyped_incidents") != 0
    )
    return {
        "window": w.to_json(),
        "projects": len(shares),
        "projects_with_incidents": sum(1 for _, s in shares if int(s.get("incidents") or 0)),
        "incidents": incidents,
        "closed": closed,
        "open": incidents - closed,
        "open_share": round((incidents - closed) / incidents, 4) if incidents else None,
        "checked": checked,
        "unchecked": total("postmortem_linked_unchecked"),
        "linked": linked,
        "linked_coverage": round(linked / checked, 4) if checked else None,
        "stale_open": total("stale_open"),
        "stale_days": cfg.incident_stale_days,
        "open_before_window": known("open_before_window"),
        "untyped_incidents": known("untyped_incidents"),
        "link_limit": cfg.incident_link_limit,
        "short_projects": short[:MAX_NAMED],
        "method": "sums over every project read of gitlab.incident_stats' postmortem_linked_checked, "
        "postmortem_linked, postmortem_linked_unchecked, stale_open, open_before_window and untyped_incidents "
        "(null when a project could not tell); when a project's incidents or their "
        "issue links could not be read, or projects were found beyond max_projects, the kind fails instead",
    }
