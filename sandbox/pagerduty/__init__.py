"""A loopback PagerDuty REST API v2 that serves an `Estate` faithfully, for tests and the demo.

Wire format as PagerDuty documents it: `Authorization: Token token=...` (401 with PagerDuty's
error body otherwise), classic pagination (`offset`, `limit` at most 100, `more`, `total`
null unless `total=true`), list envelopes named after the resource (`{"services": [...]}`),
`include[]=integrations` expanding a service's integration references, `since`/`until` on
incidents and log entries, an incident's `last_status_change_at`/`last_status_change_by` (a
user for a person's resolution or acknowledgement, the service for an integration's or the
auto-resolve timeout's), an incident's full log (`GET /incidents/{id}/log_entries`, with the
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
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.loopback import serve, shutdown
from sandbox.pagerduty.estate import (
    Estate,
    Fault,
    Shift,
    _ref,
    _ts,
    add_incident,
    add_status_update,
    escalation_policy,
    escalation_rule,
    integration,
    priority,
    ref,
    schedule,
    service,
    well_run_estate,
)

__all__ = [
    "Estate",
    "Fault",
    "PagerDutyAPI",
    "Shift",
    "add_incident",
    "add_status_update",
    "escalation_policy",
    "escalation_rule",
    "integration",
    "priority",
    "ref",
    "schedule",
    "service",
    "well_run_estate",
]

TOKEN = "pd-sandbox-token-u+7Qx"  # noqa: S105 - a fake token only the sandbox accepts; what the sandbox accepts; tests put it in the env var
MAX_LIMIT = 100


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
