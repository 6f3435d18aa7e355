"""A loopback Grafana HTTP API that serves a `GrafanaEstate` in Grafana's wire format.

What it speaks, as Grafana does: `/api/health` without credentials; everything else needs
`Authorization: Bearer <service account token>` (401 `{"message": "Unauthorized"}` otherwise);
page-numbered lists (`page` from 1 with `limit` on /api/search and /api/folders, `perpage` with
a `totalCount` envelope on the org-user and team searches); one capped page of annotations
(`limit`, filtered by `type` and the `from`/`to` window in epoch milliseconds); 404
`{"message": "Dashboard not found"}`; a Viewer token (`role="Viewer"`) refused with 403 on the
admin-only reads; injected faults (429 with Retry-After, 500, bad bodies). Read-only: any
method but GET is 405. Every request is recorded without its credentials.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.grafana.estate import GrafanaEstate, well_run
from sandbox.loopback import serve, shutdown

__all__ = ["Fault", "GrafanaAPI", "GrafanaEstate", "well_run"]

ADMIN_ONLY = re.compile(r"^/api/(org/users|teams/search|v1/provisioning/|datasources)")


@dataclass
class Fault:
    """Answer requests whose path matches `path` (regex) with `status`, `times` times."""

    path: str
    status: int
    times: int = 1
    retry_after: int | None = None
    body: Any = None  # JSON-able, or bytes sent as they are


class _Done(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _int(query: dict[str, list[str]], key: str, default: int) -> int:
    try:
        return int(query.get(key, [str(default)])[0])
    except ValueError:
        return default


@dataclass
class GrafanaAPI:
    """Serve `estate` on 127.0.0.1:<free port>; `url` is set by `start`."""

    estate: GrafanaEstate
    token: str
    role: str = "Admin"  # the token's organisation role: a Viewer is refused the admin-only reads
    ignore_page: bool = False  # a broken server that answers page 1 whatever is asked
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (path, query, status)
    url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                api._handle(self)

            def _refuse(self) -> None:
                api._send(self, 405, {"message": "Method Not Allowed"}, {})

            do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server, self.url = serve(Handler, "grafana-api")
        return self.url

    def stop(self) -> None:
        shutdown(self._server)
        self._server = None

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def _fault(self, path: str) -> None:
        with self._lock:
            for f in self.faults:
                if f.times > 0 and re.search(f.path, path):
                    f.times -= 1
                    headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
                    raise _Done(f.status, f.body if f.body is not None else {"message": "injected"}, headers)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        status, body, headers = 200, None, {}
        try:
            self._fault(path)
            if path == "/api/health":
                raise _Done(200, {"commit": "abc123", "database": "ok", "version": self.estate.version})
            if (h.headers.get("Authorization") or "") != f"Bearer {self.token}":
                raise _Done(401, {"message": "Unauthorized"})
            if self.role != "Admin" and ADMIN_ONLY.match(path):
                raise _Done(
                    403,
                    {
                        "accessErrorId": "ACE0000000001",
                        "message": "You'll need additional permissions to perform this action.",
                        "title": "Access denied",
                    },
                )
            body = self._route(path, query)
        except _Done as done:
            status, body, headers = done.status, done.body, done.headers
        with self._lock:
            self.requests.append((path, parts.query, status))
        self._send(h, status, body, headers)

    def _page(self, rows: list[Any], query: dict[str, list[str]], size_key: str, default: int) -> list[Any]:
        size = max(1, _int(query, size_key, default))
        page = 1 if self.ignore_page else max(1, _int(query, "page", 1))
        return rows[(page - 1) * size : page * size]

    def _route(self, path: str, query: dict[str, list[str]]) -> Any:
        e = self.estate
        if path == "/api/search":
            hits: list[dict[str, Any]] = []
            for d in e.dashboards:
                m, meta = d["dashboard"], d["meta"]
                hits.append(
                    {
                        "id": len(hits) + 1,
                        "uid": m["uid"],
                        "title": m["title"],
                        "uri": f"db/{m['uid']}",
                        "url": meta["url"],
                        "slug": m["uid"],
                        "type": "dash-db",
                        "tags": m.get("tags", []),
                        "isStarred": False,
                        "folderUid": meta["folderUid"],
                        "folderTitle": meta["folderTitle"],
                        "sortMeta": 0,
                    }
                )
            return self._page(hits, query, "limit", 1000)
        if path == "/api/folders":
            return self._page(e.folders, query, "limit", 1000)
        if path == "/api/dashboards/public-dashboards":
            if e.public_dashboards is None:
                raise _Done(404, {"message": "Not found"})
            return {
                "publicDashboards": e.public_dashboards,
                "totalCount": len(e.public_dashboards),
                "page": 1,
                "perPage": 1,
            }
        if path.startswith("/api/dashboards/uid/"):
            uid = unquote(path.rsplit("/", 1)[1])
            for d in e.dashboards:
                if d["dashboard"]["uid"] == uid:
                    return d
            raise _Done(404, {"message": "Dashboard not found"})
        if path == "/api/datasources":
            return e.datasources
        if path == "/api/v1/provisioning/alert-rules":
            return e.alert_rules
        if path == "/api/v1/provisioning/contact-points":
            return e.contact_points
        if path == "/api/v1/provisioning/policies":
            return e.policy
        if path == "/api/v1/provisioning/mute-timings":
            return e.mute_timings
        if path == "/api/annotations":
            kind = query.get("type", [""])[0]
            start, end = _int(query, "from", 0), _int(query, "to", 2**62)
            rows = [a for a in e.annotations if (not kind or a.get("type") == kind) and start <= a["time"] <= end]
            return rows[: _int(query, "limit", 100)]
        if path == "/api/org/users/search":
            rows = self._page(e.users, query, "perpage", 1000)
            return {
                "totalCount": len(e.users),
                "orgUsers": rows,
                "page": _int(query, "page", 1),
                "perPage": _int(query, "perpage", 1000),
            }
        if path == "/api/teams/search":
            rows = self._page(e.teams, query, "perpage", 1000)
            return {
                "totalCount": len(e.teams),
                "teams": rows,
                "page": _int(query, "page", 1),
                "perPage": _int(query, "perpage", 1000),
            }
        raise _Done(404, {"message": "Not found"})

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
