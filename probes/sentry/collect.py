"""What the sentry probe reads, one function per part of the API, each returning plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from probes.http import ApiError
from probes.sentry.client import SentryClient

__all__ = [
    "CLIENT_PLATFORM",
    "Performance",
    "dashboards",
    "experience_aggregate",
    "metric_alerts",
    "organization",
    "performance",
    "project_facts",
    "projects",
    "sessions",
    "trace_links",
]

# Browser and mobile SDK platforms: their data is what real users experienced on their devices.
CLIENT_PLATFORM = re.compile(
    r"^(javascript(?!-node)|react-native|android|apple|cocoa|ios|flutter|dart|unity|unreal|electron|capacitor"
    r"|cordova|ionic|xamarin|maui|godot|native-qt)",
    re.I,
)
_EXPERIENCE = re.compile(
    r"(measurements\.(lcp|inp|cls|fcp|fid|ttfb|app_start)|transaction\.duration|span\.duration|apdex|failure_rate"
    r"|crash_free|crash_rate|sessions_crashed|users_crashed|user_misery)",
    re.I,
)
# Aggregates only real users' devices produce: Web Vitals, mobile app starts, frames and display
# times, crash-free or crashed sessions and users, Sentry's performance score. Duration, failure
# rate or apdex are left out here: a backend's transactions have them too.
_CLIENT_EXPERIENCE = re.compile(
    r"(measurements\.(lcp|inp|cls|fcp|fid|ttfb|app_start|frames_|time_to_initial_display|time_to_full_display"
    r"|score)|performance_score)",
    re.I,
)
# Crash-free rates: backend SDKs send server-mode sessions too (review 2026-12-03), so they count
# only on a dashboard filtered to client-side projects alone.
_CRASH_FREE = re.compile(r"(crash_free|crash_rate|sessions_crashed|users_crashed)", re.I)
# Group-by fields that are one dimension at several grains (geo.country_code and geo.region) are
# counted once; the environment (production, staging) is no dimension of users' experience.
_NOT_A_DIMENSION = frozenset({"environment"})
MAX_DASHBOARDS = 50
# Issue-alert actions that open a ticket in a tracker (Jira, GitHub, GitLab, Azure DevOps, ...).
_TICKET_ACTION = re.compile(r"(CreateTicketAction|create_ticket|TicketAction)", re.I)
TRACKERS = frozenset(
    {
        "jira",
        "jira_server",
        "github",
        "github_enterprise",
        "gitlab",
        "vsts",
        "azure_devops",
        "linear",
        "asana",
        "clickup",
        "shortcut",
    }
)


def org_path(org: str) -> str:
    return f"/api/0/organizations/{quote(org, safe='')}"


def experience_aggregate(aggregate: str) -> bool:
    return bool(_EXPERIENCE.search(aggregate or ""))


def organization(client: SentryClient, org: str) -> dict[str, Any]:
    doc = client.get_json(org_path(org) + "/")
    if not isinstance(doc, dict):
        raise ApiError("organization: unexpected answer shape", "malformed")
    open_m = doc.get("openMembership")
    keys: list[str] = []
    for row in client.pages(org_path(org) + "/integrations/"):
        provider: dict[str, Any] = row["provider"] if isinstance(row.get("provider"), dict) else {}
        key = str(provider.get("key") or "")
        if key and row.get("status", "active") == "active" and key not in keys:
            keys.append(key)
    return {
        "slug": str(doc.get("slug") or org),
        "open_membership": open_m if isinstance(open_m, bool) else None,
        "integrations": sorted(keys),
        "issue_trackers": sorted(k for k in keys if k in TRACKERS),
    }


def projects(client: SentryClient, org: str, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in client.pages(org_path(org) + "/projects/"):
        out.append(row)
        if len(out) >= limit:
            break
    return out


def sessions(client: SentryClient, org: str, days: int) -> dict[str, dict[str, Any]]:
    """Release-health totals per project id: sessions, crash-free session and user rates."""
    fields = ["sum(session)", "crash_free_rate(session)", "crash_free_rate(user)"]
    qs = urlencode(
        [
            *(("field", f) for f in fields),
            ("groupBy", "project"),
            ("statsPeriod", f"{days}d"),
            ("interval", "1d"),
            ("project", "-1"),
        ]
    )
    doc = client.get_json(f"{org_path(org)}/sessions/?{qs}")
    groups = doc.get("groups") if isinstance(doc, dict) else None
    if not isinstance(groups, list):
        raise ApiError("sessions: unexpected answer shape (groups)", "malformed")
    out: dict[str, dict[str, Any]] = {}
    for g in groups:
        if isinstance(g, dict) and isinstance(g.get("by"), dict) and isinstance(g.get("totals"), dict):
            out[str(g["by"].get("project"))] = g["totals"]
    return out


PERF_FIELDS = [
    "project",
    "count()",
    "p75(transaction.duration)",
    "p95(transaction.duration)",
    "p75(measurements.lcp)",
    "p75(measurements.inp)",
    "p75(measurements.cls)",
]


INP = "p75(measurements.inp)"
ROWS_PER_PAGE = 100  # Sentry refuses a larger per_page (400 "Invalid per_page value. Cannot exceed 100.")
# Discover over several projects needs the organisation feature `global-views` (a plan feature);
# without it Sentry answers 400 with this detail (sentry/api/bases/organization_events.py).
GLOBAL_VIEWS_REFUSED = "You cannot view events from multiple projects"


@dataclass
class Performance:
    """Discover figures per project slug, and the projects whose figures could not be read
    (slug -> why): theirs are unknown, never "no transactions"."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    per_project: bool = False  # global views refused: one query per project


def _events_path(org: str, fields: list[str], days: int, project: str) -> str:
    qs = urlencode(
        [
            *(("field", f) for f in fields),
            ("query", "event.type:transaction"),
            ("statsPeriod", f"{days}d"),
            ("project", project),
            ("sort", "-count()"),
            ("per_page", str(ROWS_PER_PAGE)),
        ]
    )
    return f"{org_path(org)}/events/?{qs}"


def global_views_refused(exc: ApiError) -> bool:
    return exc.status == 400 and GLOBAL_VIEWS_REFUSED in exc.reason


def performance(client: SentryClient, org: str, days: int, projects: list[dict[str, Any]]) -> Performance:
    """Transaction figures and Web Vitals per project slug, from the Discover events API, for
    the `projects` read.

    One query over every project (`project=-1`), sorted by count and followed page by page
    (100 rows a page) for at most one page per 100 projects read, plus one: every project has at
    most one row. Rows left behind a next page not read make the projects not seen unknown.
    A Sentry older than INP (2024) refuses that field with a 400: the query is asked again
    without it, and INP stays null. An organisation without `global-views` is refused any
    query over several projects: each project is then asked alone (see `_per_project`).
    """
    fields = list(PERF_FIELDS)
    max_pages = len(projects) // ROWS_PER_PAGE + 2
    while True:
        try:
            rows, complete = client.data_pages(_events_path(org, fields, days, "-1"), max_pages)
            break
        except ApiError as exc:
            if global_views_refused(exc):
                return _per_project(client, org, days, projects, fields)
            if exc.status != 400 or INP not in fields:
                raise
            fields.remove(INP)
    out = Performance({str(r.get("project")): r for r in rows})
    if not complete:
        why = f"Discover rows after the first {len(rows)} not read ({max_pages} pages)"
        out.unknown = {s: why for s in (str(p.get("slug") or "") for p in projects) if s not in out.rows}
    return out


def _per_project(
    client: SentryClient, org: str, days: int, projects: list[dict[str, Any]], fields: list[str]
) -> Performance:
    """One Discover query per project (`project=<id>`, one page: one row at most), as many as
    the projects read. A project Sentry refuses (400, 403, 404) or answers with something
    malformed is unknown; the others stand."""
    out = Performance(per_project=True)
    for p in projects:
        slug, pid = str(p.get("slug") or ""), str(p.get("id") or "")
        if not pid.isdigit():
            out.unknown[slug] = "no project id to ask Discover for"
            continue
        while True:
            try:
                rows, _ = client.data_pages(_events_path(org, fields, days, pid), 1)
            except ApiError as exc:
                if exc.status == 400 and INP in fields and not global_views_refused(exc):
                    fields.remove(INP)
                    continue
                if exc.status in (400, 403, 404) or exc.category == "malformed":
                    out.unknown[slug] = f"Discover refused the project alone (HTTP {exc.status or exc.category})"
                    break
                raise
            row = next((r for r in rows if str(r.get("project")) == slug), None)
            if row is not None:
                out.rows[slug] = row
            break
    return out


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def project_facts(
    client: SentryClient,
    org: str,
    row: dict[str, Any],
    health: dict[str, Any] | None,
    perf: dict[str, Any] | None,
    days: int,
    perf_known: bool = True,
) -> dict[str, Any]:
    """One project's data: details (teams), issue alert rules, ownership, user feedback, figures.
    `perf`: its Discover row (None: no transactions); `perf_known` False: the row could not be
    read, and the performance figures are null (unknown), never zero."""
    slug = str(row.get("slug") or "")
    base = f"/api/0/projects/{quote(org, safe='')}/{quote(slug, safe='')}"
    detail = client.get_json(base + "/")
    if not isinstance(detail, dict):
        raise ApiError(f"project {slug}: unexpected answer shape", "malformed")
    rules = list(client.pages(base + "/rules/"))
    ticket = sum(
        1
        for r in rules
        if any(isinstance(a, dict) and _TICKET_ACTION.search(str(a.get("id", ""))) for a in r.get("actions") or [])
    )
    ownership = client.get_json(base + "/ownership/")
    raw = str(ownership.get("raw") or "") if isinstance(ownership, dict) else ""
    auto = ownership.get("autoAssignment") if isinstance(ownership, dict) else None
    feedback = client.get_json(base + "/user-feedback/", {"per_page": "100"})
    platform = detail.get("platform") or row.get("platform")
    perf = (perf or {}) if perf_known else {}
    lcp, inp, cls = (_num(perf.get(f"p75(measurements.{m})")) for m in ("lcp", "inp", "cls"))
    health = health or {}
    teams = detail.get("teams")
    return {
        "slug": slug,
        "platform": str(platform) if platform else None,
        "client_side": bool(platform and CLIENT_PLATFORM.match(str(platform)))
        or any(v is not None for v in (lcp, inp, cls)),
        "teams": len(teams) if isinstance(teams, list) else 0,
        "window_days": days,
        "sessions": int(health["sum(session)"]) if _num(health.get("sum(session)")) is not None else 0,
        "crash_free_sessions": _num(health.get("crash_free_rate(session)")),
        "crash_free_users": _num(health.get("crash_free_rate(user)")),
        "transactions": (int(perf["count()"]) if _num(perf.get("count()")) is not None else 0) if perf_known else None,
        "p75_duration_ms": _num(perf.get("p75(transaction.duration)")),
        "p95_duration_ms": _num(perf.get("p95(transaction.duration)")),
        "lcp_p75_ms": lcp,
        "inp_p75_ms": inp,
        "cls_p75": cls,
        "issue_alert_rules": len(rules),
        "ticket_rules": ticket,
        "ownership_rules": sum(1 for line in raw.splitlines() if line.strip() and not line.strip().startswith("#")),
        # Sentry answers "Auto Assign to Issue Owner", "Auto Assign to Suspect Commits" or "Turn off Auto-Assignment"
        "auto_assignment": isinstance(auto, str) and auto.lower().startswith("auto assign"),
        "feedback_reports": len(feedback) if isinstance(feedback, list) else 0,
    }


def metric_alerts(client: SentryClient, org: str, client_side: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in client.pages(org_path(org) + "/alert-rules/"):
        triggers = [t for t in r.get("triggers") or [] if isinstance(t, dict)]
        projects_of = [str(p) for p in r.get("projects") or []]
        aggregate = str(r.get("aggregate") or "")
        out.append(
            {
                "name": str(r.get("name") or r.get("id") or ""),
                "dataset": str(r.get("dataset") or ""),
                "aggregate": aggregate,
                "query": str(r.get("query") or "")[:500],
                "projects": projects_of,
                "experience": experience_aggregate(aggregate),
                "client_side": any(p in client_side for p in projects_of),
                "triggers": len(triggers),
                "actions": sum(len(t.get("actions") or []) for t in triggers),
                **_baseline(r),
            }
        )
    return out


def _baseline(rule: dict[str, Any]) -> dict[str, Any]:
    """How the rule's thresholds are set: `detectionType` is "static", "percent" (change against
    the same metric `comparisonDelta` minutes earlier) or "dynamic" (anomaly detection trained on
    the metric's history); Sentry versions before detectionType give only `comparisonDelta`."""
    dtype = rule.get("detectionType")
    delta = _num(rule.get("comparisonDelta"))
    if not (isinstance(dtype, str) and dtype):
        # no detectionType: a comparison delta means percent change; an explicit null delta, static
        dtype = "percent" if delta else ("static" if "comparisonDelta" in rule else None)
    return {
        "detection_type": dtype,
        "comparison_minutes": int(delta) if delta else None,
        "history_baseline": dtype in ("percent", "dynamic") if dtype else None,
    }


MAX_TRACES = 50
MAX_LINKED_PROJECTS = 20
# Project ids named in one Discover query; the backend projects are asked in groups of this many.
PROJECTS_PER_QUERY = 100


def _trace_path(org: str, fields: list[str], search: str, ids: list[str], period: str, per_page: int) -> str:
    qs = urlencode(
        [
            *(("field", f) for f in fields),
            ("query", search),
            *(("project", i) for i in ids),
            ("statsPeriod", period),
            ("sort", "-count()"),
            ("per_page", str(per_page)),
        ]
    )
    return f"{org_path(org)}/events/?{qs}"


def trace_links(
    client: SentryClient, org: str, client_ids: list[str], other_ids: list[str], hours: int = 24
) -> dict[str, Any]:
    """Whether traces started by real users continue into backend projects: the ids of up to
    MAX_TRACES traces with a transaction of a client-side project in the last `hours` (Discover,
    grouped by trace), then, for the backend projects (every one read, PROJECTS_PER_QUERY ids a
    query), which of those traces hold one of their transactions (grouped by trace alone: one row
    a trace, at most MAX_TRACES rows, so one page of 100 holds them all) and which projects they
    reach (grouped by project: one row a project named, at most 100). Rows left behind a next page
    make `linked_traces` null (unknown), never lower. A Sentry that refuses a query (400 on the
    search syntax, 403, 404) leaves the figures null."""
    out: dict[str, Any] = {
        "window_hours": hours,
        "client_traces": None,
        "linked_traces": None,
        "linked_projects": [],
    }
    if not client_ids:
        out["client_traces"] = 0
        return out
    period = f"{hours}h"
    search = "event.type:transaction has:trace"
    first = _trace_path(org, ["trace", "count()"], search, client_ids[:PROJECTS_PER_QUERY], period, MAX_TRACES)
    linked: set[str] = set()
    reached: set[str] = set()
    complete = True
    try:
        doc = client.get_json(first)
        rows = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(rows, list):
            raise ApiError("events: unexpected answer shape (data)", "malformed")
        traces = [
            str(r["trace"]) for r in rows if isinstance(r, dict) and re.fullmatch(r"[0-9a-f]{32}", str(r.get("trace")))
        ]
        traces = list(dict.fromkeys(traces))[:MAX_TRACES]
        out["client_traces"] = len(traces)
        if not traces or not other_ids:
            out["linked_traces"] = 0
            return out
        wanted = set(traces)
        search = f"event.type:transaction trace:[{','.join(traces)}]"
        for at in range(0, len(other_ids), PROJECTS_PER_QUERY):
            ids = other_ids[at : at + PROJECTS_PER_QUERY]
            if linked < wanted:  # every trace joined already: no group can add one
                found, done = client.data_pages(
                    _trace_path(org, ["trace", "count()"], search, ids, period, ROWS_PER_PAGE), 1
                )
                complete = complete and done
                linked |= {str(r.get("trace")) for r in found} & wanted
            if linked and len(reached) < MAX_LINKED_PROJECTS:
                found, _ = client.data_pages(
                    _trace_path(org, ["project", "count()"], search, ids, period, ROWS_PER_PAGE), 1
                )
                reached |= {str(r["project"])[:100] for r in found if r.get("project")}
    except ApiError as exc:
        if exc.status in (400, 403, 404):
            out["client_traces"] = None
            return out
        raise
    out["linked_traces"] = len(linked) if complete else None
    out["linked_projects"] = sorted(reached)[:MAX_LINKED_PROJECTS]
    return out


def _widget_facts(widget: dict[str, Any], client_only: bool) -> tuple[bool, list[str]]:
    """Whether a widget charts a client-side experience aggregate, and the fields it groups by.
    `client_only`: the dashboard is filtered to client-side projects alone (crash-free rates count)."""
    queries = [q for q in widget.get("queries") or [] if isinstance(q, dict)]
    aggregates: list[str] = []
    columns: list[str] = []
    for q in queries:
        fields = [str(f) for f in q.get("fields") or [] if isinstance(f, str)]
        aggs = [str(a) for a in q.get("aggregates") or [] if isinstance(a, str)]
        cols = q.get("columns")
        aggregates += aggs or [f for f in fields if "(" in f]
        # Older widgets carry only `fields` (Sentry answers `columns: []` and `aggregates: []` for
        # them): the plain ones (no function, no equation) are the columns.
        group = cols if isinstance(cols, list) and (cols or aggs) else [f for f in fields if "(" not in f]
        columns += [str(c) for c in group if isinstance(c, str) and c and not c.startswith("equation|")]
    experience = any(_CLIENT_EXPERIENCE.search(a) or (client_only and _CRASH_FREE.search(a)) for a in aggregates)
    return experience, columns


def dimension(column: str) -> str | None:
    """The dimension a group-by field splits experience by: the field's first segment, with
    user.geo.* read as geo.* (geo.country_code and geo.region are one dimension, browser.name and
    browser.version another); None for the environment."""
    c = column.strip()
    if c.startswith("user.geo."):
        c = c[len("user.") :]
    if c.startswith("tags["):
        return c
    head = c.split(".", 1)[0]
    return None if not head or head in _NOT_A_DIMENSION else head


def dashboards(client: SentryClient, org: str, client_ids: set[str] | None = None) -> list[dict[str, Any]]:
    """The organisation's custom dashboards (at most MAX_DASHBOARDS) with their experience widgets.

    The list also names Sentry's prebuilt ones (id "default-overview"): only numeric ids, which
    users created, are read in detail (Sentry's prebuilt Insights dashboards have numeric ids but
    no stored widgets). `client_ids`: ids of the client-side projects; crash-free rates count as
    experience only on a dashboard filtered to those projects alone.
    """
    out: list[dict[str, Any]] = []
    for row in client.pages(org_path(org) + "/dashboards/"):
        did = str(row.get("id") or "")
        if not did.isdigit():
            continue
        try:
            doc = client.get_json(f"{org_path(org)}/dashboards/{did}/")
        except ApiError as exc:
            if exc.status == 404:  # deleted between the list and now
                continue
            raise
        if not isinstance(doc, dict):
            raise ApiError(f"dashboard {did}: unexpected answer shape", "malformed")
        widgets = [w for w in doc.get("widgets") or [] if isinstance(w, dict)]
        scope = doc.get("projects")
        scope_ids = {str(p) for p in scope} if isinstance(scope, list) else set()
        client_only = bool(scope_ids) and bool(client_ids) and scope_ids <= (client_ids or set())
        exp = 0
        dims: list[str] = []
        for w in widgets:
            experience, columns = _widget_facts(w, client_only)
            if experience:
                exp += 1
                dims += [c for c in columns if c not in dims and dimension(c)]
        out.append(
            {
                "id": did,
                "title": str(doc.get("title") or row.get("title") or did)[:200],
                "widgets": len(widgets),
                "experience_widgets": exp,
                "experience_dimensions": dims[:20],
                "experience_dimension_count": len({dimension(c) for c in dims}),
            }
        )
        if len(out) >= MAX_DASHBOARDS:
            break
    return out
