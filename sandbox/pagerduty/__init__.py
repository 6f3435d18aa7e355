"""A loopback PagerDuty REST API v2 that serves an `Estate` faithfully, for tests and the demo.

Wire format as PagerDuty documents it: `Authorization: Token token=...` (401 with PagerDuty's
error body otherwise), classic pagination (`offset`, `limit` at most 100, `more`, `total`
null unless `total=true`), list envelopes named after the resource (`{"services": [...]}`),
`include[]=integrations` expanding a service's integration references, `since`/`until` on
incidents and log entries, an incident's full log (`GET /incidents/{id}/log_entries`, with the
status updates sent to its subscribers, which the overview listing leaves out), `GET /priorities` (most severe first), an incident's `priority`
object (null when it has none), and a schedule rendered over `since`/`until` (its
`final_schedule.rendered_schedule_entries` and `rendered_coverage_percentage`). For fault tests,
`Fault`s answer a path with an error (403, 429 with Retry-After, 500) a number of times, and
`loop` makes a list ignore `offset`. Read-only: anything but GET is 405.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.loopback import serve, shutdown

__all__ = ["Estate", "Fault", "PagerDutyAPI", "add_status_update", "priority", "well_run_estate"]

TOKEN = "pd-sandbox-token-u+7Qx"  # noqa: S105 - a fake token only the sandbox accepts; what the sandbox accepts; tests put it in the env var
MAX_LIMIT = 100


@dataclass
class Fault:
    path: str  # regex searched in the request path
    status: int
    times: int = 1
    retry_after: str | None = None


@dataclass
class Shift:
    """A recurring on-call shift of a schedule: every day from `start_hour` for `hours`."""

    user: str
    start_hour: int
    hours: int


@dataclass
class Estate:
    services: list[dict[str, Any]] = field(default_factory=list)
    integrations: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    shifts: dict[str, list[Shift]] = field(default_factory=dict)  # schedule id -> daily shifts
    incidents: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    priorities: list[dict[str, Any]] = field(default_factory=list)  # most severe first, as listed
    # status updates sent to subscribers: in an incident's full log, not in the overview listing
    status_updates: list[dict[str, Any]] = field(default_factory=list)


def priority(pid: str, name: str) -> dict[str, Any]:
    """A priority as `GET /priorities` lists it."""
    return {"id": pid, "type": "priority", "summary": name, "name": name, "description": "", "color": "a8171c"}


def _ts(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref(kind: str, oid: str, summary: str) -> dict[str, Any]:
    return {
        "id": oid,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"https://api.pagerduty.com/{kind}s/{oid}",
    }


def well_run_estate(now: datetime | None = None, *, incidents: int = 30) -> Estate:
    """Two services fed by Prometheus, two-level policies on 24x7 schedules, fast responses."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    e = Estate()
    e.schedules = [
        {
            "id": "PSCH1",
            "type": "schedule",
            "name": "Primary",
            "summary": "Primary",
            "time_zone": "UTC",
            "escalation_policies": [_ref("escalation_policy", "PEP1", "Shop")],
            "users": [],
            "teams": [],
        },
        {
            "id": "PSCH2",
            "type": "schedule",
            "name": "Secondary",
            "summary": "Secondary",
            "time_zone": "UTC",
            "escalation_policies": [_ref("escalation_policy", "PEP1", "Shop")],
            "users": [],
            "teams": [],
        },
    ]
    e.shifts = {
        "PSCH1": [Shift("PU1", 0, 12), Shift("PU2", 12, 12)],
        "PSCH2": [Shift("PU3", 0, 24)],
    }
    e.policies = [
        {
            "id": "PEP1",
            "type": "escalation_policy",
            "name": "Shop",
            "summary": "Shop",
            "num_loops": 1,
            "escalation_rules": [
                {"id": "R1", "escalation_delay_in_minutes": 10, "targets": [_ref("schedule", "PSCH1", "Primary")]},
                {"id": "R2", "escalation_delay_in_minutes": 15, "targets": [_ref("schedule", "PSCH2", "Secondary")]},
            ],
            "services": [_ref("service", "PSVC1", "checkout"), _ref("service", "PSVC2", "search")],
            "teams": [_ref("team", "PT1", "Shop")],
        },
    ]
    e.integrations = {
        "PI1": {
            "id": "PI1",
            "type": "events_api_v2_inbound_integration",
            "name": "Alertmanager",
            "vendor": {"id": "PV1", "type": "vendor_reference", "summary": "Prometheus"},
        },
        "PI2": {"id": "PI2", "type": "events_api_v2_inbound_integration", "name": "Alertmanager", "vendor": None},
    }
    for sid, name, integ in (("PSVC1", "checkout", "PI1"), ("PSVC2", "search", "PI2")):
        e.services.append(
            {
                "id": sid,
                "type": "service",
                "name": name,
                "summary": name,
                "status": "active",
                "escalation_policy": _ref("escalation_policy", "PEP1", "Shop"),
                "teams": [_ref("team", "PT1", "Shop")],
                "integrations": [_ref("events_api_v2_inbound_integration", integ, "Alertmanager")],
                "acknowledgement_timeout": 1800,
                "auto_resolve_timeout": None,
                "incident_urgency_rule": {"type": "constant", "urgency": "high"},
                "alert_creation": "create_alerts_and_incidents",
            }
        )
    for n in range(incidents):
        created = now - timedelta(days=1 + n * 2, minutes=n)
        svc = e.services[n % 2]
        add_incident(e, n + 1, created, svc["id"], svc["name"], ack_after_s=40 + n, resolve_after_s=240 + 5 * n)
    # the bigger incidents get a resolution notice to their subscribers (stakeholders)
    for n in (k for k in (1, 4, 9) if k <= incidents):
        inc = e.incidents[n - 1]
        done = datetime.fromisoformat(inc["resolved_at"].replace("Z", "+00:00"))
        add_status_update(
            e, n, done + timedelta(minutes=10), "Resolved: checkout errors stopped; cause and follow-ups in the review."
        )
    return e


def add_status_update(e: Estate, number: int, at: datetime, message: str) -> None:
    """A status update on incident `number` (`POST /incidents/{id}/status_updates` writes a
    `status_update_log_entry` with its message into the incident's log)."""
    iid = f"PINC{number}"
    inc = next(i for i in e.incidents if i["id"] == iid)
    e.status_updates.append(
        {
            "id": f"S{number}-{len(e.status_updates) + 1}",
            "type": "status_update_log_entry",
            "summary": "Status update sent",
            "created_at": _ts(at),
            "incident": _ref("incident", iid, inc["summary"]),
            "service": inc["service"],
            "agent": _ref("user", "PU1", "Ada"),
            "channel": {"type": "web_trigger"},
            "message": message,
        }
    )


def add_incident(
    e: Estate,
    number: int,
    created: datetime,
    service_id: str,
    service_name: str,
    *,
    ack_after_s: float | None,
    resolve_after_s: float | None,
    trigger_by: str = "integration",
    resolve_by: str = "user",
    urgency: str = "high",
    priority_id: str | None = None,
) -> None:
    """An incident and its overview log entries (trigger, acknowledge, resolve)."""
    iid = f"PINC{number}"
    ref = _ref("incident", iid, f"[#{number}] something broke")
    svc_ref = _ref("service", service_id, service_name)
    user = _ref("user", "PU1", "Ada")
    integ = _ref("events_api_v2_inbound_integration", "PI1", "Alertmanager")
    status = "resolved" if resolve_after_s is not None else ("acknowledged" if ack_after_s is not None else "triggered")
    inc: dict[str, Any] = {
        "id": iid,
        "type": "incident",
        "incident_number": number,
        "title": "something broke",
        "summary": ref["summary"],
        "created_at": _ts(created),
        "status": status,
        "urgency": urgency,
        "service": svc_ref,
        "escalation_policy": _ref("escalation_policy", "PEP1", "Shop"),
        "assignments": [],
        "acknowledgements": [],
        "last_status_change_at": _ts(created),
        "priority": None,
    }
    for p in e.priorities:
        if p["id"] == priority_id:
            inc["priority"] = {**_ref("priority", p["id"], p["summary"]), "type": "priority", "name": p["name"]}
    if resolve_after_s is not None:
        inc["resolved_at"] = _ts(created + timedelta(seconds=resolve_after_s))
    e.incidents.append(inc)
    agent = integ if trigger_by == "integration" else user
    e.log_entries.append(
        {
            "id": f"T{number}",
            "type": "trigger_log_entry",
            "created_at": _ts(created),
            "incident": ref,
            "service": svc_ref,
            "agent": agent,
            "channel": {"type": "api"},
        }
    )
    if ack_after_s is not None:
        e.log_entries.append(
            {
                "id": f"A{number}",
                "type": "acknowledge_log_entry",
                "created_at": _ts(created + timedelta(seconds=ack_after_s)),
                "incident": ref,
                "service": svc_ref,
                "agent": user,
                "channel": {"type": "website"},
            }
        )
    if resolve_after_s is not None:
        by = {"user": (user, "website"), "integration": (integ, "api"), "timeout": (svc_ref, "timeout")}[resolve_by]
        e.log_entries.append(
            {
                "id": f"R{number}",
                "type": "resolve_log_entry",
                "created_at": _ts(created + timedelta(seconds=resolve_after_s)),
                "incident": ref,
                "service": svc_ref,
                "agent": by[0],
                "channel": {"type": by[1]},
            }
        )


def _time(q: dict[str, list[str]], key: str) -> datetime | None:
    v = q.get(key, [None])[0]
    return datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None


def render(shifts: list[Shift], since: datetime, until: datetime) -> list[dict[str, Any]]:
    """The final layer's entries over [since, until): each daily shift, clipped."""
    out: list[dict[str, Any]] = []
    day = since.replace(hour=0, minute=0, second=0)
    while day < until:
        for s in shifts:
            a = day + timedelta(hours=s.start_hour)
            b = a + timedelta(hours=s.hours)
            a, b = max(a, since), min(b, until)
            if a < b:
                out.append({"start": _ts(a), "end": _ts(b), "user": _ref("user", s.user, s.user)})
        day += timedelta(days=1)
    return sorted(out, key=lambda x: x["start"])


class PagerDutyAPI:
    """Serve an Estate on loopback: `with PagerDutyAPI(estate) as api: api.url`."""

    def __init__(self, estate: Estate, *, token: str = TOKEN) -> None:
        self.estate = estate
        self.token = token
        self.faults: list[Fault] = []
        self.loop: set[str] = set()
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.url = ""

    def __enter__(self) -> PagerDutyAPI:
        self.httpd, self.url = serve(self._handler(), "pagerduty-api")
        return self

    def __exit__(self, *_exc: object) -> None:
        shutdown(self.httpd)
        self.httpd = None

    def _fault(self, path: str) -> Fault | None:
        with self.lock:
            self.requests.append(path)
            for f in self.faults:
                if f.times > 0 and re.search(f.path, path):
                    f.times -= 1
                    return f
        return None

    def answer(self, path: str, q: dict[str, list[str]]) -> tuple[int, Any]:
        e = self.estate
        lists: dict[str, tuple[str, list[dict[str, Any]]]] = {
            "/services": ("services", [self._service(s, q) for s in e.services]),
            "/escalation_policies": ("escalation_policies", e.policies),
            "/schedules": ("schedules", e.schedules),
            "/incidents": ("incidents", self._between(e.incidents, q)),
            "/log_entries": ("log_entries", self._between(e.log_entries, q)),
            "/priorities": ("priorities", e.priorities),
        }
        if path in lists:
            key, items = lists[path]
            return 200, self._page(key, items, q, loop=path in self.loop)
        m = re.fullmatch(r"/incidents/([A-Z0-9]+)/log_entries", path)
        if m:
            if not any(i["id"] == m.group(1) for i in e.incidents):
                return 404, {"error": {"message": "Not Found", "code": 2100}}
            mine = self._between([x for x in e.log_entries + e.status_updates if x["incident"]["id"] == m.group(1)], q)
            mine.sort(key=lambda x: x["created_at"], reverse=True)  # newest first, as PagerDuty lists them
            return 200, self._page("log_entries", mine, q, loop=path in self.loop)
        m = re.fullmatch(r"/schedules/([A-Z0-9]+)", path)
        if m:
            for s in e.schedules:
                if s["id"] == m.group(1):
                    return 200, {"schedule": self._rendered(s, q)}
        return 404, {"error": {"message": "Not Found", "code": 2100}}

    def _service(self, s: dict[str, Any], q: dict[str, list[str]]) -> dict[str, Any]:
        if "integrations" not in q.get("include[]", []):
            return s
        full = [self.estate.integrations.get(i["id"], i) for i in s.get("integrations", [])]
        return {**s, "integrations": full}

    @staticmethod
    def _between(items: list[dict[str, Any]], q: dict[str, list[str]]) -> list[dict[str, Any]]:
        since, until = _time(q, "since"), _time(q, "until")
        out = []
        for i in items:
            t = datetime.fromisoformat(i["created_at"].replace("Z", "+00:00"))
            if (since is None or t >= since) and (until is None or t < until):
                out.append(i)
        return out

    def _rendered(self, s: dict[str, Any], q: dict[str, list[str]]) -> dict[str, Any]:
        since = _time(q, "since") or datetime.now(UTC)
        until = _time(q, "until") or since + timedelta(days=7)
        entries = render(self.estate.shifts.get(s["id"], []), since, until)
        covered = sum(
            (
                datetime.fromisoformat(x["end"].replace("Z", "+00:00"))
                - datetime.fromisoformat(x["start"].replace("Z", "+00:00"))
            ).total_seconds()
            for x in entries
        )
        pct = round(100 * min(1.0, covered / max(1.0, (until - since).total_seconds())), 2)
        layer = {"name": "Layer 1", "rendered_schedule_entries": entries, "rendered_coverage_percentage": pct}
        return {
            **s,
            "schedule_layers": [layer],
            "overrides_subschedule": {"rendered_schedule_entries": []},
            "final_schedule": {"name": "Final Schedule", **{k: v for k, v in layer.items() if k != "name"}},
        }

    @staticmethod
    def _page(key: str, items: list[dict[str, Any]], q: dict[str, list[str]], *, loop: bool) -> dict[str, Any]:
        offset = 0 if loop else int(q.get("offset", ["0"])[0])
        limit = min(MAX_LIMIT, int(q.get("limit", ["25"])[0]))
        page = items[offset : offset + limit]
        more = loop or offset + limit < len(items)
        total = len(items) if q.get("total", ["false"])[0] == "true" else None
        return {key: page, "limit": limit, "offset": offset, "more": more, "total": total}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_a: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                q = parse_qs(parts.query)
                if self.headers.get("Authorization") != f"Token token={api.token}":
                    self._send(401, {"error": {"message": "Unauthorized", "code": 2006}})
                    return
                fault = api._fault(parts.path)
                if fault is not None:
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                    message = {403: "Access Denied", 429: "Rate Limit Exceeded"}.get(fault.status, "Internal Error")
                    self._send(fault.status, {"error": {"message": message, "code": 2010}}, headers)
                    return
                status, body = api.answer(parts.path, q)
                self._send(status, body)

            def do_POST(self) -> None:
                self._send(405, {"error": {"message": "read-only sandbox"}})

        return Handler
