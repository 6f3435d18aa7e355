"""What the sentry probe reads, one function per part of the API, each returning plain data."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from probes.http import ApiError
from probes.sentry.client import SentryClient

__all__ = [
    "CLIENT_PLATFORM",
    "experience_aggregate",
    "metric_alerts",
    "organization",
    "performance",
    "project_facts",
    "projects",
    "sessions",
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


def performance(client: SentryClient, org: str, days: int) -> dict[str, dict[str, Any]]:
    """Transaction figures and Web Vitals per project slug, from the Discover events API.

    A Sentry older than INP (2024) refuses that field with a 400: the query is asked again
    without it, and INP stays null.
    """
    fields = list(PERF_FIELDS)
    for _ in range(2):
        qs = urlencode(
            [
                *(("field", f) for f in fields),
                ("query", "event.type:transaction"),
                ("statsPeriod", f"{days}d"),
                ("project", "-1"),
                ("sort", "-count()"),
                ("per_page", "100"),
            ]
        )
        try:
            doc = client.get_json(f"{org_path(org)}/events/?{qs}")
            break
        except ApiError as exc:
            if exc.status != 400 or "p75(measurements.inp)" not in fields:
                raise
            fields.remove("p75(measurements.inp)")
    rows = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        raise ApiError("events: unexpected answer shape (data)", "malformed")
    return {str(r.get("project")): r for r in rows if isinstance(r, dict)}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def project_facts(
    client: SentryClient,
    org: str,
    row: dict[str, Any],
    health: dict[str, Any] | None,
    perf: dict[str, Any] | None,
    days: int,
) -> dict[str, Any]:
    """One project's data: details (teams), issue alert rules, ownership, user feedback, figures."""
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
    perf = perf or {}
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
        "transactions": int(perf["count()"]) if _num(perf.get("count()")) is not None else 0,
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
            }
        )
    return out
