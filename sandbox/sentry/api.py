"""A loopback Sentry REST API (/api/0/) serving one organisation, in Sentry's wire format.

Lists are cursor-paginated with Sentry's Link header (`<url>; rel="previous"; results="false";
cursor="0:0:1", <url>; rel="next"; results="true"; cursor="0:100:0"`), both links always sent;
the bearer token is checked (401 {"detail": ...}); 403 and 404 carry Sentry's `detail` bodies;
faults (429 with Retry-After) come from the base class. Discover (`/events/`) pages the same
way at `per_page` (400 above 100), sorts by `-count()` when asked, and refuses a query over
several projects when `global_views` is off, as Sentry does. The estate is plain data: projects
with their release-health totals, Discover rows, rules, ownership and feedback, and custom
dashboards (the list, led by the prebuilt "default-overview", and each one's details).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sandbox.loopback_api import Answer, LoopbackAPI

__all__ = ["SentryAPI", "SentryProjectData"]


@dataclass
class SentryProjectData:
    id: int
    slug: str
    platform: str
    teams: list[str] = field(default_factory=list)
    sessions: int = 0
    crash_free_sessions: float | None = None
    crash_free_users: float | None = None
    perf: dict[str, Any] = field(default_factory=dict)  # Discover row without "project"
    rules: list[dict[str, Any]] = field(default_factory=list)
    ownership: str = ""
    auto_assignment: str = "Turn off Auto-Assignment"
    feedback: int = 0
    traces: list[str] = field(default_factory=list)  # trace ids of its transactions in the last day


@dataclass
class SentryAPI(LoopbackAPI):
    name: str = "sentry-api"
    org: str = "acme"
    open_membership: bool = False
    integrations: list[str] = field(default_factory=list)
    projects: list[SentryProjectData] = field(default_factory=list)
    metric_alerts: list[dict[str, Any]] = field(default_factory=list)
    dashboards: list[dict[str, Any]] = field(default_factory=list)  # details: id, title, widgets
    page_size: int = 100
    inp_supported: bool = True
    trace_queries: bool = True  # False: Discover refuses grouping by trace (400), as a restricted plan may
    # False: the organisation lacks the `global-views` feature: Discover over more than one
    # project is refused (400), as Sentry does (sentry/api/bases/organization_events.py)
    global_views: bool = True
    refused_projects: set[int] = field(default_factory=set)  # Discover answers 403 when one is named

    def unauthorized(self) -> Answer:
        return Answer(401, {"detail": "Invalid token"})

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> Any:
        if method != "GET":
            raise Answer(405, {"detail": 'Method "POST" not allowed.'})
        d = re.fullmatch(r"/api/0/organizations/([^/]+)/dashboards/([^/]+)/", path)
        if d:
            dash = next((x for x in self.dashboards if str(x.get("id")) == d.group(2)), None)
            if d.group(1) != self.org or dash is None:
                raise Answer(404, {"detail": "The requested resource does not exist"})
            return self._dashboard(dash)
        o = re.fullmatch(r"/api/0/organizations/([^/]+)/(?:([a-z-]+)/)?", path)
        if o:
            if o.group(1) != self.org:
                raise Answer(404, {"detail": "The requested resource does not exist"})
            return self._org(o.group(2) or "", path, query)
        p = re.fullmatch(r"/api/0/projects/([^/]+)/([^/]+)/(?:([a-z-]+)/)?", path)
        if p:
            proj = next((x for x in self.projects if x.slug == p.group(2)), None)
            if p.group(1) != self.org or proj is None:
                raise Answer(404, {"detail": "The requested resource does not exist"})
            return self._project(proj, p.group(3) or "", path, query)
        raise Answer(404, {"detail": "The requested resource does not exist"})

    def _page(
        self, rows: list[Any], path: str, query: dict[str, list[str]], size: int | None = None, wrap: Any = None
    ) -> Any:
        """One page of `rows` from the `cursor` offset, `size` a page (the server's page size by
        default), with Sentry's Link header; `wrap` turns the page into the answer's body."""
        cursor = query.get("cursor", ["0:0:0"])[0]
        try:
            offset = int(cursor.split(":")[1])
        except (IndexError, ValueError):
            raise Answer(400, {"detail": "Invalid cursor parameter."}) from None
        size = size or self.page_size
        chunk = rows[offset : offset + size]
        rest = [(k, x) for k, v in query.items() if k != "cursor" for x in v]  # field=... repeats

        def link(c: str) -> str:
            return f"{self.url}{path}?{urlencode([*rest, ('cursor', c)])}"

        prev_c, next_c = f"0:{max(0, offset - size)}:1", f"0:{offset + size}:0"
        header = (
            f'<{link(prev_c)}>; rel="previous"; results="{"true" if offset > 0 else "false"}"; cursor="{prev_c}", '
            f'<{link(next_c)}>; rel="next"; results="{"true" if offset + size < len(rows) else "false"}"; cursor="{next_c}"'
        )
        raise Answer(200, chunk if wrap is None else wrap(chunk), {"Link": header})

    def _discover_scope(self, query: dict[str, list[str]]) -> tuple[set[str], int]:
        """The project ids a Discover query names (all for none or -1) and its per_page, refused
        as Sentry refuses them: more than one project without global views, per_page above 100."""
        asked = {i for i in query.get("project", []) if i != "-1"}
        ids = asked or {str(p.id) for p in self.projects}
        if not self.global_views and len(ids) > 1:
            raise Answer(400, {"detail": "You cannot view events from multiple projects."})
        if asked & {str(x) for x in self.refused_projects}:  # named alone: -1 means those readable
            raise Answer(403, {"detail": "You do not have permission to perform this action."})
        try:
            per_page = int(query.get("per_page", ["100"])[0])
        except ValueError:
            raise Answer(400, {"detail": "Invalid per_page parameter."}) from None
        if per_page > 100:
            raise Answer(400, {"detail": "Invalid per_page value. Cannot exceed 100."})
        return ids, max(1, per_page)

    def _org(self, sub: str, path: str, query: dict[str, list[str]]) -> Any:
        if sub == "":
            return {
                "id": "1",
                "slug": self.org,
                "name": self.org.title(),
                "openMembership": self.open_membership,
                "features": [],
            }
        if sub == "projects":
            rows = [
                {
                    "id": str(p.id),
                    "slug": p.slug,
                    "name": p.slug,
                    "platform": p.platform,
                    "isMember": True,
                    "hasAccess": True,
                }
                for p in self.projects
            ]
            return self._page(rows, path, query)
        if sub == "integrations":
            rows = [
                {"id": str(i + 1), "name": k, "provider": {"key": k, "name": k.title()}, "status": "active"}
                for i, k in enumerate(self.integrations)
            ]
            return self._page(rows, path, query)
        if sub == "sessions":
            fields = query.get("field", [])
            groups = []
            for p in self.projects:
                totals = {
                    "sum(session)": p.sessions,
                    "crash_free_rate(session)": p.crash_free_sessions,
                    "crash_free_rate(user)": p.crash_free_users,
                }
                groups.append({"by": {"project": p.id}, "totals": {f: totals.get(f) for f in fields}, "series": {}})
            return {
                "start": "2026-01-01T00:00:00Z",
                "end": "2026-01-15T00:00:00Z",
                "intervals": [],
                "groups": groups,
                "query": "",
            }
        if sub == "events":
            fields = query.get("field", [])
            ids, per_page = self._discover_scope(query)
            if "trace" in fields or "trace:" in query.get("query", [""])[0]:
                if not self.trace_queries:
                    raise Answer(400, {"detail": "Invalid query. trace is not a valid field"})
                return self._traces(fields, path, query, ids, per_page)
            if not self.inp_supported and "p75(measurements.inp)" in fields:
                raise Answer(400, {"detail": "Invalid query. measurements.inp is not a valid field"})
            data = []
            for p in self.projects:
                if p.perf and str(p.id) in ids:
                    row = {f: p.perf.get(f) for f in fields}
                    row["project"] = p.slug
                    data.append(row)
            if query.get("sort", [""])[0] == "-count()":
                data.sort(key=lambda r: -(r.get("count()") or 0))
            meta = {"fields": {f: "number" for f in fields}, "units": {}}
            return self._page(data, path, query, per_page, wrap=lambda chunk: {"data": chunk, "meta": meta})
        if sub == "alert-rules":
            rows = [
                {
                    "comparisonDelta": None,
                    "detectionType": "static",
                    "sensitivity": None,
                    "seasonality": None,
                    "thresholdType": 0,
                    "resolveThreshold": None,
                    **r,
                }
                for r in self.metric_alerts
            ]
            return self._page(rows, path, query)
        if sub == "dashboards":
            prebuilt = {"id": "default-overview", "title": "General", "dateCreated": "", "createdBy": None}
            rows = [
                {
                    "id": str(x["id"]),
                    "title": x["title"],
                    "dateCreated": "2026-01-02T00:00:00Z",
                    "createdBy": {"id": "1", "name": "Admin"},
                    "widgetDisplay": [w.get("displayType", "line") for w in x.get("widgets", [])],
                    "widgetPreview": [
                        {"displayType": w.get("displayType", "line"), "layout": w.get("layout")}
                        for w in x.get("widgets", [])
                    ],
                    "permissions": None,
                    "isFavorited": False,
                }
                for x in self.dashboards
            ]
            return self._page([prebuilt, *rows], path, query)
        raise Answer(404, {"detail": "The requested resource does not exist"})

    def _traces(self, fields: list[str], path: str, query: dict[str, list[str]], ids: set[str], per_page: int) -> Any:
        """Discover over transactions of the `project` ids asked (all when none or -1), restricted
        to `trace:[id,...]` when the query says so, grouped by the plain fields asked (`trace`,
        `project`, or both: one row per distinct value or pair) with `count()`; sorted by `-count()` when asked (else by the grouped values),
        `per_page` rows a page behind Sentry's cursor Link header."""
        search = query.get("query", [""])[0]
        m = re.search(r"trace:\[([0-9a-f,]*)\]", search)
        if "trace:" in search and not m:
            raise Answer(400, {"detail": "Invalid query. Parse error at 'trace:' (column 24)."})
        wanted = set(m.group(1).split(",")) if m else None
        group = [f for f in fields if f in ("trace", "project")]
        counts: dict[tuple[str, ...], int] = {}
        for p in self.projects:
            if str(p.id) not in ids:
                continue
            for t in p.traces:
                if wanted is None or t in wanted:
                    key = tuple(t if f == "trace" else p.slug for f in group)
                    counts[key] = counts.get(key, 0) + 1
        keys = sorted(counts)
        if query.get("sort", [""])[0] == "-count()":
            keys.sort(key=lambda k: -counts[k])
        data = []
        for k in keys:
            row: dict[str, Any] = dict(zip(group, k, strict=True))
            if "count()" in fields:
                row["count()"] = counts[k]
            data.append(row)
        meta = {"fields": {f: "integer" if "(" in f else "string" for f in fields}, "units": {}}
        return self._page(data, path, query, per_page, wrap=lambda chunk: {"data": chunk, "meta": meta})

    def _dashboard(self, x: dict[str, Any]) -> Any:
        """A custom dashboard's details as Sentry answers them (widgets with their queries)."""
        widgets = []
        for i, w in enumerate(x.get("widgets", [])):
            queries = [
                {
                    "id": f"{i}{j}",
                    "name": "",
                    "fields": [*q.get("columns", []), *q.get("aggregates", [])],
                    "aggregates": q.get("aggregates", []),
                    "columns": q.get("columns", []),
                    "fieldAliases": [],
                    "conditions": q.get("conditions", ""),
                    "orderby": "",
                    "widgetId": str(i),
                    "onDemand": [],
                    "isHidden": False,
                    "selectedAggregate": None,
                }
                for j, q in enumerate(w.get("queries", []))
            ]
            widgets.append(
                {
                    "id": str(i),
                    "title": w.get("title", ""),
                    "description": None,
                    "displayType": w.get("displayType", "line"),
                    "thresholds": None,
                    "interval": "5m",
                    "dateCreated": "2026-01-02T00:00:00Z",
                    "dashboardId": str(x["id"]),
                    "queries": queries,
                    "limit": None,
                    "widgetType": w.get("widgetType", "transaction-like"),
                    "layout": w.get("layout", {"x": 0, "y": 0, "w": 2, "h": 2, "minH": 2}),
                }
            )
        return {
            "id": str(x["id"]),
            "title": x["title"],
            "dateCreated": "2026-01-02T00:00:00Z",
            "createdBy": {"id": "1", "name": "Admin"},
            "widgets": widgets,
            "projects": x.get("projects", []),
            "filters": {},
            "period": "14d",
            "permissions": None,
            "isFavorited": False,
        }

    def _project(self, p: SentryProjectData, sub: str, path: str, query: dict[str, list[str]]) -> Any:
        if sub == "":
            teams = [{"id": str(i), "slug": t, "name": t} for i, t in enumerate(p.teams)]
            return {
                "id": str(p.id),
                "slug": p.slug,
                "name": p.slug,
                "platform": p.platform,
                "teams": teams,
                "status": "active",
            }
        if sub == "rules":
            return self._page(p.rules, path, query)
        if sub == "ownership":
            return {
                "raw": p.ownership or None,
                "fallthrough": True,
                "autoAssignment": p.auto_assignment,
                "codeownersAutoSync": True,
                "isActive": True,
                "dateCreated": None,
                "lastUpdated": None,
            }
        if sub == "user-feedback":
            rows = [
                {
                    "id": str(i),
                    "name": "user",
                    "email": "redacted@example.com",
                    "comments": "slow checkout",
                    "dateCreated": "2026-01-02T00:00:00Z",
                }
                for i in range(p.feedback)
            ]
            return self._page(rows, path, query)
        raise Answer(404, {"detail": "The requested resource does not exist"})
