"""A loopback Jira Service Management Cloud REST API serving one site, in JSM's wire format.

Lists use JSM's paged envelope (`size`, `start`, `limit` at most 100, `isLastPage`, `values`,
`_links` with `base`, `context`, `self` and `next`/`prev`); auth is basic (`email:api-token`)
or a bearer token (401 with JSM's `errorMessage` body otherwise); `GET /request` shows an agent
every request only with `requestOwnership=ALL_REQUESTS`, lists them by latest activity, most
recent first (Atlassian: "ordered chronologically by the latest activity on each request. For
example, the latest status transition or comment": here the latest of its comment, status moves,
priority changes and resolution, else its creation), with no date filter, and embeds each
request's SLA page with `expand=sla`; `GET /request/{key}/sla` pages a request's SLA records (ongoingCycle,
completedCycles with breached, goalDuration and elapsedTime in millis); the platform API's
`GET /rest/api/3/issue/{key}?fields=issuelinks` gives a request's links (and, named in `fields`,
its custom field values: a select field as an option object `{"self", "value", "id"}` or
null, a rich-text field as a document (ADF), a date-time field as Jira's time string; and its
`priority` as `{"self", "iconUrl", "name", "id"}` or null; with `expand=changelog`, its change
history embedded as `changelog: {"startAt", "maxResults", "total", "histories"}`, each history
`{"id", "author", "created", "items"}` and each item `{"field", "fieldtype", "fieldId", "from",
"fromString", "to", "toString"}` (a priority change: field `priority`, fieldtype `jira`, from/to
the priority ids), oldest first, at most `changelog_page` histories with `total` counting all);
`GET /rest/api/3/field` lists the site's fields (`id`, `key`, `name`, `custom`, `schema`), with
JSM's change fields Change risk and Impact as custom select fields, Implementation plan and Test
plan as text areas and Planned start as a date-time; the experimental
`GET /request/{key}/feedback` (412 without `X-ExperimentalApi: opt-in`) answers a rated
request's CSAT (`type`, `rating` 1..5, `comment`) and 404 for one not rated. Faults (429 with
Retry-After, 5xx, 403) come from the base class; `loop` names list paths that ignore `start`.
Read-only: anything but GET is 405.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sandbox.loopback_api import Answer, LoopbackAPI

__all__ = [
    "IMPACT",
    "PLAN",
    "RISK",
    "START",
    "TEST",
    "TOKEN",
    "JsmAPI",
    "JsmRequest",
    "RequestType",
    "ServiceDesk",
    "Sla",
    "jsm_time",
]

TOKEN = "ATATT-jsm-sandbox-4fQ9"  # noqa: S105 - a fake API token only the sandbox accepts
EMAIL = "scanner@example.com"
MAX_LIMIT = 100
SD = "/rest/servicedeskapi"
RISK, IMPACT = "customfield_10041", "customfield_10004"  # JSM's change fields Change risk and Impact
# JSM's change plan fields: Implementation plan and Test plan (rich text), Planned start (date-time)
PLAN, TEST, START = "customfield_10045", "customfield_10047", "customfield_10048"
_TYPES = {
    "select": ("option", "select"),
    "textarea": ("string", "textarea"),
    "datetime": ("datetime", "datetime"),
}


def _field(fid: str, name: str, system: str | None = None, kind: str = "select") -> dict[str, Any]:
    if system is not None:
        schema: dict[str, Any] = {"type": "string", "system": system}
        return {
            "id": fid,
            "key": fid,
            "name": name,
            "custom": False,
            "orderable": True,
            "navigable": True,
            "searchable": True,
            "clauseNames": [fid],
            "schema": schema,
        }
    n = fid.rsplit("_", 1)[-1]
    schema = {
        "type": _TYPES[kind][0],
        "custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{_TYPES[kind][1]}",
        "customId": int(n),
    }
    return {
        "id": fid,
        "key": fid,
        "name": name,
        "untranslatedName": name,
        "custom": True,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [f"cf[{n}]", name],
        "schema": schema,
    }


FIELDS = [
    _field("summary", "Summary", "summary"),
    _field("issuelinks", "Linked Issues", "issuelinks"),
    _field(RISK, "Change risk"),
    _field(IMPACT, "Impact"),
    _field("customfield_10005", "Urgency"),
    _field(PLAN, "Implementation plan", kind="textarea"),
    _field(TEST, "Test plan", kind="textarea"),
    _field(START, "Planned start", kind="datetime"),
]


def _value(f: dict[str, Any], v: str | None, url: str) -> Any:
    """A custom field's value as `GET /rest/api/3/issue` sends it: a select field's option
    object, a rich-text field's document (ADF, API v3), a date-time field's Jira time; null unset."""
    if not v:
        return None
    custom = str(f.get("schema", {}).get("custom", ""))
    if custom.endswith(":textarea"):
        para = {"type": "paragraph", "content": [{"type": "text", "text": v}]}
        return {"type": "doc", "version": 1, "content": [para]}
    if custom.endswith(":datetime"):
        return v  # e.g. 2026-11-03T22:00:00.000+0000
    return {"self": f"{url}/rest/api/3/customFieldOption/1", "value": v, "id": "1"}


@dataclass
class ServiceDesk:
    id: str
    key: str
    name: str


@dataclass
class RequestType:
    id: str
    desk: str
    name: str
    issue_type: str
    practice: str | None = None


@dataclass
class Sla:
    """One SLA record: completed cycles as (goal minutes, elapsed minutes), maybe one ongoing."""

    name: str
    completed: list[tuple[float, float]] = field(default_factory=list)
    ongoing: tuple[float, float] | None = None


@dataclass
class JsmRequest:
    key: str
    desk: str
    type_id: str
    created: datetime
    done: bool = False
    slas: list[Sla] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (other issue key, its issue type id)
    csat: int | None = None  # the customer's satisfaction rating (1..5), None: not rated
    fields: dict[str, str] = field(default_factory=dict)  # custom field id -> option value, text or Jira time
    priority: str | None = None  # Jira priority name (Highest, High, Medium, Low, Lowest); None: not set
    # the priority's changes, oldest first: (minutes after creation, from, to); the last `to` is `priority`
    priority_changes: list[tuple[float, str | None, str | None]] = field(default_factory=list)
    other_histories: int = 0  # further change histories (status moves) beside the priority's
    commented: datetime | None = None  # when it was last commented on (the comment is never served); None: never


PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")


def _priority_id(name: str | None) -> str | None:
    """Jira's id of a priority: 1-5 for the default scheme's, a 5-digit id for a site's own."""
    if name is None:
        return None
    return str(PRIORITIES.index(name) + 1) if name in PRIORITIES else str(10000 + zlib.crc32(name.encode()) % 90000)


def _priority(name: str | None, url: str) -> dict[str, Any] | None:
    """The issue's `priority` as `GET /rest/api/3/issue` sends it (null when the issue has none)."""
    pid = _priority_id(name)
    if name is None or pid is None:
        return None
    return {
        "self": f"{url}/rest/api/3/priority/{pid}",
        "iconUrl": f"{url}/images/icons/priorities/{name.lower()}.svg",
        "name": name,
        "id": pid,
    }


def jsm_time(t: datetime) -> dict[str, Any]:
    """JSM's date object: ISO 8601 with a +0000 offset, Jira's form, epoch millis, friendly."""
    t = t.astimezone(UTC)
    return {
        "iso8601": t.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "jira": t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "friendly": t.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": int(t.timestamp() * 1000),
    }


def _duration(minutes: float) -> dict[str, Any]:
    return {"millis": int(minutes * 60000), "friendly": f"{int(minutes // 60)}h {int(minutes % 60)}m"}


def _cycle(goal: float, elapsed: float) -> dict[str, Any]:
    return {
        "breached": elapsed > goal,
        "goalDuration": _duration(goal),
        "elapsedTime": _duration(elapsed),
        "remainingTime": _duration(goal - elapsed) if goal >= elapsed else {"millis": int((goal - elapsed) * 60000)},
    }


def _histories(r: JsmRequest) -> list[tuple[datetime, dict[str, Any]]]:
    """A request's change histories, oldest first: the priority's changes, the other histories
    (status moves) and, for a done request, its resolution."""
    hist: list[tuple[datetime, dict[str, Any]]] = []
    for minutes, old, new in r.priority_changes:
        item = {
            "field": "priority",
            "fieldtype": "jira",
            "fieldId": "priority",
            "from": _priority_id(old),
            "fromString": old,
            "to": _priority_id(new),
            "toString": new,
        }
        hist.append((r.created + timedelta(minutes=minutes), item))
    for k in range(r.other_histories):
        item = {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": "10001",
            "fromString": "Waiting for support",
            "to": "10002",
            "toString": "In progress",
        }
        hist.append((r.created + timedelta(minutes=3 + k), item))
    if r.done:
        end = max([t for t, _ in hist] + [r.created]) + timedelta(minutes=30)
        item = {
            "field": "resolution",
            "fieldtype": "jira",
            "fieldId": "resolution",
            "from": None,
            "fromString": None,
            "to": "10000",
            "toString": "Done",
        }
        hist.append((end, item))
    hist.sort(key=lambda h: h[0])
    return hist


def _last_activity(r: JsmRequest) -> datetime:
    """When the request was last active, as JSM orders its request list: the latest of its
    change histories (status moves, priority changes, resolution) and its last comment; its
    creation when none."""
    times = [r.created, *(t for t, _ in _histories(r))]
    return max([*times, r.commented] if r.commented is not None else times)


@dataclass
class JsmAPI(LoopbackAPI):
    name: str = "jsm-api"
    email: str = EMAIL
    desks: list[ServiceDesk] = field(default_factory=list)
    types: list[RequestType] = field(default_factory=list)
    requests_: list[JsmRequest] = field(default_factory=list)
    sla_page: int = 50  # SLA records embedded per request (expand=sla) before isLastPage=false
    changelog_page: int = 100  # change histories embedded per issue (expand=changelog) at most
    loop: set[str] = field(default_factory=set)
    site_fields: list[dict[str, Any]] = field(default_factory=lambda: [dict(f) for f in FIELDS])

    def check_auth(self, header: str, path: str) -> str:
        if self.token is None:
            return "ok"
        if not header:
            return "none"
        basic = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        return "ok" if header in (f"Basic {basic}", f"Bearer {self.token}") else "bad"

    def unauthorized(self) -> Answer:
        return Answer(
            401, {"errorMessage": "Client must be authenticated to access this resource.", "i18nErrorMessage": None}
        )

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> Any:
        if method != "GET":
            raise Answer(405, {"errorMessage": "Method Not Allowed"})
        if path == f"{SD}/servicedesk":
            rows = [
                {
                    "id": d.id,
                    "projectId": str(10000 + i),
                    "projectName": d.name,
                    "projectKey": d.key,
                    "_links": {"self": f"{self.url}{SD}/servicedesk/{d.id}"},
                }
                for i, d in enumerate(self.desks)
            ]
            return self._page(rows, path, query)
        m = re.fullmatch(rf"{SD}/servicedesk/([^/]+)/requesttype", path)
        if m:
            if not any(d.id == m.group(1) for d in self.desks):
                raise Answer(404, {"errorMessage": "The service desk does not exist."})
            rows = [self._type(t) for t in self.types if t.desk == m.group(1)]
            return self._page(rows, path, query)
        if path == f"{SD}/request":
            return self._requests(path, query)
        m = re.fullmatch(rf"{SD}/request/([^/]+)/sla", path)
        if m:
            r = self._request(m.group(1))
            return self._page([self._sla(s, i) for i, s in enumerate(r.slas)], path, query)
        m = re.fullmatch(rf"{SD}/request/([^/]+)/feedback", path)
        if m:
            if headers.get("X-ExperimentalApi") != "opt-in":
                raise Answer(412, {"errorMessage": "This API is experimental; opt in with X-ExperimentalApi."})
            r = self._request(m.group(1))
            if r.csat is None:
                raise Answer(404, {"errorMessage": "No feedback found for this request."})
            return {"type": "csat", "rating": r.csat, "comment": {"body": "private comment"}}
        if path == "/rest/api/3/field":
            return self.site_fields
        m = re.fullmatch(r"/rest/api/3/issue/([^/]+)", path)
        if m:
            r = self._request(m.group(1))
            wanted = ",".join(query.get("fields", ["*all"])).split(",")
            values: dict[str, Any] = {
                "issuelinks": [self._link(r, k, t, i) for i, (k, t) in enumerate(r.links)],
                "priority": _priority(r.priority, self.url),
            }
            for f in self.site_fields:
                if f.get("custom"):
                    values[f["id"]] = _value(f, r.fields.get(f["id"]), self.url)
            issue: dict[str, Any] = {
                "id": r.key,
                "key": r.key,
                "fields": {k: v for k, v in values.items() if "*all" in wanted or k in wanted},
            }
            if "changelog" in ",".join(query.get("expand", [])).split(","):
                issue["changelog"] = self._changelog(r)
            return issue
        raise Answer(404, {"errorMessage": "Not Found"})

    def _changelog(self, r: JsmRequest) -> dict[str, Any]:
        """The issue's change history as `expand=changelog` embeds it (_histories): at most
        `changelog_page` histories, `total` counting all."""
        hist = _histories(r)
        page = hist[: self.changelog_page]
        author = {"accountId": "5b10a2844c20165700ede21g", "displayName": "Private Person", "active": True}
        return {
            "startAt": 0,
            "maxResults": len(page),
            "total": len(hist),
            "histories": [
                {
                    "id": str(10100 + i),
                    "author": author,
                    "created": t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                    "items": [item],
                }
                for i, (t, item) in enumerate(page)
            ],
        }

    def _request(self, key: str) -> JsmRequest:
        for r in self.requests_:
            if r.key == key:
                return r
        raise Answer(404, {"errorMessage": "The request does not exist or you do not have permission to see it."})

    def _type(self, t: RequestType) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": t.id,
            "name": t.name,
            "description": f"Raise a {t.name.lower()}",
            "helpText": "",
            "issueTypeId": t.issue_type,
            "serviceDeskId": t.desk,
            "portalId": t.desk,
            "groupIds": ["1"],
            "_links": {"self": f"{self.url}{SD}/servicedesk/{t.desk}/requesttype/{t.id}"},
        }
        if t.practice is not None:
            row["practice"] = t.practice
        return row

    def _sla(self, s: Sla, i: int) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": str(i + 1),
            "name": s.name,
            "completedCycles": [{**_cycle(g, e), "startTime": jsm_time(datetime.now(UTC))} for g, e in s.completed],
            "_links": {"self": f"{self.url}{SD}/request/x/sla/{i + 1}"},
        }
        if s.ongoing is not None:
            row["ongoingCycle"] = {**_cycle(*s.ongoing), "paused": False, "withinCalendarHours": True}
        return row

    def _link(self, r: JsmRequest, key: str, issue_type: str, i: int) -> dict[str, Any]:
        other = {
            "id": key,
            "key": key,
            "fields": {"summary": "private summary", "issuetype": {"id": issue_type, "name": issue_type}},
        }
        return {
            "id": str(i + 1),
            "type": {"name": "Problem/Incident", "inward": "is caused by", "outward": "causes"},
            "outwardIssue": other,
        }

    def _requests(self, path: str, query: dict[str, list[str]]) -> Any:
        desk = query.get("serviceDeskId", [None])[0]
        if query.get("requestOwnership", ["OWNED_REQUESTS"])[0] != "ALL_REQUESTS":
            rows: list[dict[str, Any]] = []  # the agent raised none of them
        else:
            expand = ",".join(query.get("expand", [])).split(",")
            rows = []
            for r in sorted(self.requests_, key=_last_activity, reverse=True):  # most recently active first
                if desk is not None and r.desk != desk:
                    continue
                row: dict[str, Any] = {
                    "_expands": [
                        "participant",
                        "status",
                        "sla",
                        "requestType",
                        "serviceDesk",
                        "attachment",
                        "action",
                        "comment",
                    ],
                    "issueId": str(10000 + self.requests_.index(r)),
                    "issueKey": r.key,
                    "summary": f"Customer summary for {r.key}",
                    "requestTypeId": r.type_id,
                    "serviceDeskId": r.desk,
                    "createdDate": jsm_time(r.created),
                    "reporter": {
                        "accountId": "5b10a2844c20165700ede21g",
                        "displayName": "Private Person",
                        "emailAddress": "private@example.com",
                    },
                    "currentStatus": {
                        "status": "Resolved" if r.done else "In progress",
                        "statusCategory": "DONE" if r.done else "INDETERMINATE",
                    },
                }
                if "sla" in expand:
                    slas = [self._sla(s, i) for i, s in enumerate(r.slas)]
                    page = slas[: self.sla_page]
                    row["sla"] = {
                        "size": len(page),
                        "start": 0,
                        "limit": self.sla_page,
                        "isLastPage": len(slas) <= self.sla_page,
                        "values": page,
                    }
                rows.append(row)
        return self._page(rows, path, query)

    def _page(self, rows: list[Any], path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        try:
            start = 0 if path in self.loop else int(query.get("start", ["0"])[0])
            limit = min(MAX_LIMIT, int(query.get("limit", ["50"])[0]))
        except ValueError:
            raise Answer(400, {"errorMessage": "start and limit must be numbers"}) from None
        chunk = rows[start : start + limit]
        last = path not in self.loop and start + limit >= len(rows)
        rest = {k: v[0] for k, v in query.items() if k not in ("start", "limit")}
        links: dict[str, Any] = {
            "base": f"{self.url}/rest/servicedeskapi",
            "context": "",
            "self": f"{self.url}{path}?{urlencode({**rest, 'start': start, 'limit': limit})}",
        }
        if not last:
            links["next"] = f"{self.url}{path}?{urlencode({**rest, 'start': start + limit, 'limit': limit})}"
        if start > 0:
            links["prev"] = f"{self.url}{path}?{urlencode({**rest, 'start': max(0, start - limit), 'limit': limit})}"
        return {
            "_expands": [],
            "size": len(chunk),
            "start": start,
            "limit": limit,
            "isLastPage": last,
            "values": chunk,
            "_links": links,
        }
