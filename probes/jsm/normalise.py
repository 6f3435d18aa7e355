"""JSM API objects -> evidence data (pure functions; the probe does the reading).

A request's practice comes from its request type's `practice` (JSM Cloud's work categories:
incident, problem, change, service request, post-incident review); a type without one takes the
category the config names for its id, else `other`. Durations are JSM's `{"millis": ...}`
objects; times are `{"iso8601": ..., "epochMillis": ...}`.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from probes.jsm.config import CATEGORIES
from probes.oncall import Window, parse_time

__all__ = [
    "Window",
    "by_category",
    "category_of",
    "closed_void",
    "created_at",
    "desk_data",
    "field_ids",
    "filled",
    "is_done",
    "links_an_incident",
    "pregrade",
    "requests_data",
    "sla_data",
]

Obj = Mapping[str, Any]


def category_of(request_type: Obj, overrides: Mapping[str, str]) -> str:
    """The practice of a request type, as one of CATEGORIES."""
    practice = str(request_type.get("practice") or "").lower().replace("_", "-").replace(" ", "-")
    if practice:
        if "post-incident" in practice:  # before "incident": a review is not an incident
            return "post_incident_review"
        for word, cat in (("incident", "incident"), ("problem", "problem"), ("change", "change")):
            if word in practice:
                return cat
        if "request" in practice:
            return "service_request"
    return overrides.get(str(request_type.get("id")), "other")


def by_category(cats: Iterable[str]) -> dict[str, int]:
    counted = Counter(cats)
    return {c: counted.get(c, 0) for c in CATEGORIES}


def desk_data(desk: Obj, type_categories: list[str]) -> dict[str, Any]:
    return {
        "service_desk_id": str(desk.get("id", "")),
        "project_key": _str(desk.get("projectKey")),
        "project_name": _str(desk.get("projectName")),
        "request_types": len(type_categories),
        "request_types_by_category": by_category(type_categories),
    }


def created_at(request: Obj) -> datetime | None:
    d = request.get("createdDate")
    if not isinstance(d, dict):
        return None
    t = parse_time(d.get("iso8601"))
    if t is None and isinstance(d.get("epochMillis"), (int, float)) and not isinstance(d.get("epochMillis"), bool):
        t = datetime.fromtimestamp(d["epochMillis"] / 1000, UTC)
    return t


def is_done(request: Obj) -> bool:
    st = request.get("currentStatus")
    return isinstance(st, dict) and str(st.get("statusCategory", "")).upper() == "DONE"


def links_an_incident(issue: Any, incident_issue_types: set[str]) -> bool:
    """An issue (GET /rest/api/3/issue/{key}?fields=issuelinks) linked to an issue of one of
    the issue types incident request types are based on."""
    fields = issue.get("fields") if isinstance(issue, dict) else None
    links = fields.get("issuelinks") if isinstance(fields, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict):
            continue
        for side in ("inwardIssue", "outwardIssue"):
            other = link.get(side)
            f = other.get("fields") if isinstance(other, dict) else None
            it = f.get("issuetype") if isinstance(f, dict) else None
            if isinstance(it, dict) and str(it.get("id")) in incident_issue_types:
                return True
    return False


MAX_HISTORIES = 1000  # change histories read per issue at most (Jira embeds 100)
MAX_ITEMS = 200  # items read per change history at most; a longer one leaves the incident unmeasured
# a request closed without being handled as an incident: cancelled, a duplicate, declined, won't do
VOID = re.compile(
    r"cancel|duplicat|won.?t\s*(do|fix)|declin|reject|取消|重复|不予|不会(修复|做|处理)|拒绝", re.IGNORECASE
)


def _prio_id(value: Any) -> str | None:
    """A priority id as the history or the issue sends it: "" when null or empty (no priority),
    None when it is not a plain value (unreadable)."""
    if value is None:
        return ""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value).strip()[:64]
    return None


def _item_key(pid: Any, name: Any) -> str | None:
    """A history item's side (`from`/`to`) keyed by the priority's id only: a priority named
    without its id, or an id that is not a plain value, is unreadable (None), never keyed by its
    name, so one priority is never counted twice (once by id, once by name)."""
    key = _prio_id(pid)
    if key is None or (not key and name not in (None, "")):
        return None
    return key


def _history_id(h: Obj) -> int | None:
    v = h.get("id")
    text = str(v).strip() if isinstance(v, (str, int)) and not isinstance(v, bool) else ""
    return int(text) if text.isdigit() and len(text) <= 18 else None


def pregrade(issue: Any) -> tuple[str, bool, bool] | None:
    """An incident's grade when it was raised against its grade now, from
    `GET /rest/api/3/issue/{key}?fields=priority&expand=changelog`: (the initial priority, the
    current priority equals it, the priority was changed at least once). Priorities are keyed by
    id only. The initial priority is the `from` of the earliest priority change in the embedded
    changelog (by the history's `created`; histories created in the same millisecond ordered by
    their numeric `id`), or the current one when it never changed ("": raised without a
    priority). None (not measured) when the changelog is missing, malformed or not complete
    (`total` beyond the histories embedded), when a history holds more than MAX_ITEMS items,
    when a priority is given without a readable id, or when the earliest change cannot be told
    (two histories at the same time without distinct numeric ids): never a guess."""
    fields = issue.get("fields") if isinstance(issue, dict) else None
    if not isinstance(fields, dict):
        return None
    cur = fields.get("priority")
    if cur is None:
        current = ""
    elif isinstance(cur, dict) and _prio_id(cur.get("id")):
        current = str(_prio_id(cur.get("id")))
    else:  # a priority without a readable id
        return None
    log = issue.get("changelog") if isinstance(issue, dict) else None
    if not isinstance(log, dict):
        return None
    hist, total, start = log.get("histories"), log.get("total"), log.get("startAt", 0)
    if not isinstance(hist, list) or len(hist) > MAX_HISTORIES or start not in (0, None):
        return None
    if not isinstance(total, int) or isinstance(total, bool) or total > len(hist):
        return None
    # (when, history position, history id, item position, from, to)
    changes: list[tuple[datetime, int, int | None, int, str, str]] = []
    for pos, h in enumerate(hist):
        items = h.get("items") if isinstance(h, dict) else None
        if not isinstance(h, dict) or not isinstance(items, list) or len(items) > MAX_ITEMS:
            return None
        for n, it in enumerate(items):
            if not isinstance(it, dict):
                continue
            fid, name, ftype = it.get("fieldId"), str(it.get("field") or "").lower(), it.get("fieldtype")
            if fid == "priority" or (fid is None and name == "priority" and ftype == "jira"):
                when = parse_time(h.get("created"))
                old, new = _item_key(it.get("from"), it.get("fromString")), _item_key(it.get("to"), it.get("toString"))
                if when is None or old is None or new is None:
                    return None
                changes.append((when, pos, _history_id(h), n, old, new))
    if not changes:
        return current, bool(current), False
    first = min(c[0] for c in changes)
    tied = [c for c in changes if c[0] == first]
    positions = {c[1] for c in tied}
    if len(positions) > 1:  # histories of the same time: their ids order them, never their place in the list
        ids = {c[1]: c[2] for c in tied}
        if None in ids.values() or len(set(ids.values())) < len(ids):
            return None
        tied.sort(key=lambda c: (c[2] or 0, c[3]))
    else:
        tied.sort(key=lambda c: c[3])
    initial = tied[0][4]
    return initial, bool(initial) and initial == current, True


def closed_void(request: Obj, issue: Any = None) -> bool:
    """A done request closed as cancelled, a duplicate, declined or won't do: by its status's
    name (`currentStatus.status` of the request list) or by its resolution, the `toString` of
    the latest resolution item of the changelog the issue answer embeds (or `fields.resolution`
    when the answer holds it). Such a request was not handled as an incident, so its priority
    says nothing of how it was graded. No extra call: both are already in the answers read."""
    st = request.get("currentStatus")
    name = st.get("status") if isinstance(st, dict) else None
    if isinstance(name, str) and VOID.search(name[:200]):
        return True
    fields = issue.get("fields") if isinstance(issue, dict) else None
    res = fields.get("resolution") if isinstance(fields, dict) else None
    if isinstance(res, dict) and isinstance(res.get("name"), str) and VOID.search(res["name"][:200]):
        return True
    log = issue.get("changelog") if isinstance(issue, dict) else None
    hist = log.get("histories") if isinstance(log, dict) else None
    latest: tuple[datetime, int, int] | None = None
    resolution = None
    for pos, h in enumerate(hist[:MAX_HISTORIES] if isinstance(hist, list) else []):
        items = h.get("items") if isinstance(h, dict) else None
        when = parse_time(h.get("created")) if isinstance(h, dict) else None
        if not isinstance(items, list) or when is None:
            continue
        for it in items[:MAX_ITEMS]:
            if isinstance(it, dict) and (it.get("fieldId") == "resolution" or it.get("field") == "resolution"):
                key = (when, _history_id(h) or 0, pos)
                if latest is None or key > latest:
                    latest, resolution = key, it.get("toString")
    return isinstance(resolution, str) and bool(VOID.search(resolution[:200]))


def requests_data(
    scope: str,
    desk: Obj | None,
    window: Window,
    cats: list[str],
    done_cats: list[str],
    problems: tuple[int, int],
    truncated: bool,
    feedback: tuple[int, int, int] | None = None,
    changes: tuple[int, int, int, int, int, int] | None = None,
    reviews: tuple[int, int] = (0, 0),
    plans: tuple[int, int, int, int, int] | None = None,
) -> dict[str, Any]:
    """`feedback`: resolved incidents whose CSAT feedback was read, of which rated, of which
    rated satisfied (None: the feedback could not be read). `changes`: change requests whose
    risk and impact fields were read, of which with a risk grade, with an impact, with both
    and the distinct risk grades and distinct impacts among them (None: the site has no such
    fields, or they could not be read). `reviews`: post-incident reviews in a done status whose
    issue links were read, of which linked to an incident. `plans`: of the change requests
    read, those with an implementation plan, a test plan, a planned start, all of these and a
    risk grade and an impact (documented), and the distinct implementation plans among them
    (None: the site has no such fields, or they could not be read)."""
    p_plan, p_test, p_sched, p_doc, p_distinct = plans if plans is not None and changes is not None else (None,) * 5
    checked, rated, satisfied = feedback if feedback is not None else (None, None, None)
    c_checked, c_risk, c_impact, c_both, c_grades, c_impacts = changes if changes is not None else (None,) * 6
    return {
        "scope": scope,
        "service_desk_id": str(desk.get("id")) if desk else None,
        "project_key": _str(desk.get("projectKey")) if desk else None,
        "window": window.to_json(),
        "requests": len(cats),
        "by_category": by_category(cats),
        "resolved_by_category": by_category(done_cats),
        "problems_checked": problems[0],
        "problems_linked_to_incidents": problems[1],
        "reviews_checked": reviews[0],
        "reviews_linked_to_incidents": reviews[1],
        "truncated": truncated,
        "incident_feedback_checked": checked,
        "incident_feedback_rated": rated,
        "incident_feedback_satisfied": satisfied,
        "incident_satisfied_ratio": round(satisfied / rated, 4) if rated and satisfied is not None else None,
        "changes_checked": c_checked,
        "changes_with_risk": c_risk,
        "changes_with_impact": c_impact,
        "changes_assessed": c_both,
        "change_risk_grades": c_grades,
        "change_impact_grades": c_impacts,
        "change_assessed_ratio": round(c_both / c_checked, 4) if c_checked and c_both is not None else None,
        "changes_with_plan": p_plan,
        "changes_with_test_plan": p_test,
        "changes_scheduled": p_sched,
        "changes_documented": p_doc,
        "change_plans_distinct": p_distinct,
        "change_documented_ratio": round(p_doc / c_checked, 4) if c_checked and p_doc is not None else None,
    }


def field_ids(fields: Any, names: Iterable[str]) -> list[str]:
    """Ids of the Jira fields (`GET /rest/api/3/field`) whose name is one of `names` (case and
    surrounding spaces ignored), in the answer's order; ids that could not go in a query left out."""
    wanted = {n.strip().casefold() for n in names if n.strip()}
    out: list[str] = []
    for f in fields if isinstance(fields, list) else []:
        if not isinstance(f, dict) or str(f.get("name") or "").strip().casefold() not in wanted:
            continue
        fid = f.get("id")
        if isinstance(fid, str) and re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", fid) and fid not in out:
            out.append(fid)
    return out[:20]


def filled(issue: Any, ids: Iterable[str], limit: int = 100) -> str | None:
    """The value of the first of the fields `ids` of a `GET /rest/api/3/issue/{key}` answer that
    holds one (a select option's value, a text, a number), bounded; None when none does (null,
    empty text, an empty list or object)."""
    fields = issue.get("fields") if isinstance(issue, dict) else None
    if not isinstance(fields, dict):
        return None
    for fid in ids:
        v = fields.get(fid)
        if isinstance(v, dict) and v.get("type") == "doc":  # a rich-text field: API v3 sends a document (ADF)
            v = adf_text(v)
        elif isinstance(v, dict):
            v = v.get("value", v.get("name"))
        if isinstance(v, list):
            v = [x for x in v if x not in (None, "", {})]
        if isinstance(v, str):
            v = v.strip()
        if v not in (None, "", [], {}):
            return str(v)[:limit]
    return None


def adf_text(doc: Any, limit: int = 4000) -> str:
    """The plain text of an Atlassian Document Format node (its `text` leaves joined by spaces),
    bounded in depth and length; empty when the document holds no text."""
    parts: list[str] = []
    stack: list[tuple[Any, int]] = [(doc, 0)]
    size = 0
    while stack and size < limit:
        node, depth = stack.pop()
        if not isinstance(node, dict) or depth > 20:
            continue
        text = node.get("text")
        if isinstance(text, str) and text.strip():
            parts.append(text.strip())
            size += len(text)
        content = node.get("content")
        if isinstance(content, list):
            stack.extend((c, depth + 1) for c in reversed(content[:200]))
    return " ".join(parts)[:limit]


def _millis(value: Any) -> float | None:
    m = value.get("millis") if isinstance(value, dict) else None
    return float(m) if isinstance(m, (int, float)) and not isinstance(m, bool) else None


@dataclass
class _Acc:
    requests: int = 0
    goals: set[float] | None = None
    completed: int = 0
    met: int = 0
    ongoing: int = 0
    ongoing_breached: int = 0
    elapsed: list[float] | None = None


def sla_data(
    samples: Iterable[tuple[Mapping[str, Any], str, list[dict[str, Any]]]], window: Window
) -> list[tuple[str, dict[str, Any]]]:
    """Per (service desk, SLA name, practice): goals, completed cycles met within goal, ongoing
    cycles. `samples` holds each in-window request's desk, practice and SLA records.

    Goals are kept per desk: an SLA of the same name on two desks is two configurations, and
    goals that differ between desks say nothing about grading by incident level."""
    acc: dict[tuple[str, str, str], _Acc] = {}
    desks: dict[str, Mapping[str, Any]] = {}
    for desk, cat, slas in samples:
        did = str(desk.get("id"))
        desks.setdefault(did, desk)
        for sla in slas:
            name = str(sla.get("name") or sla.get("id") or "")[:120]
            if not name:
                continue
            a = acc.setdefault((did, name, cat), _Acc(goals=set(), elapsed=[]))
            a.requests += 1
            cycles = [c for c in sla.get("completedCycles") or [] if isinstance(c, dict)]
            ongoing = sla.get("ongoingCycle")
            for c in [*cycles, *([ongoing] if isinstance(ongoing, dict) else [])]:
                g = _millis(c.get("goalDuration"))
                if g is not None and a.goals is not None:
                    a.goals.add(round(g / 60000, 2))
            for c in cycles:
                a.completed += 1
                a.met += 0 if c.get("breached") is True else 1
                e = _millis(c.get("elapsedTime"))
                if e is not None and a.elapsed is not None:
                    a.elapsed.append(e / 60000)
            if isinstance(ongoing, dict):
                a.ongoing += 1
                a.ongoing_breached += 1 if ongoing.get("breached") is True else 0
    out = []
    for (did, name, cat), a in sorted(acc.items()):
        goals = sorted(a.goals or ())
        key = _str(desks[did].get("projectKey"))
        out.append(
            (
                f"sla/{key or did}/{name}/{cat}",
                {
                    "name": name,
                    "category": cat,
                    "service_desk_id": did,
                    "project_key": key,
                    "window": window.to_json(),
                    "requests": a.requests,
                    "goals_minutes": goals[:10],
                    "distinct_goals": len(goals),
                    "completed_cycles": a.completed,
                    "met": a.met,
                    "met_ratio": round(a.met / a.completed, 4) if a.completed else None,
                    "ongoing": a.ongoing,
                    "ongoing_breached": a.ongoing_breached,
                    "elapsed_minutes_median": round(statistics.median(a.elapsed), 2) if a.elapsed else None,
                },
            )
        )
    return out


def _str(v: Any) -> str | None:
    return str(v)[:200] if v is not None else None
