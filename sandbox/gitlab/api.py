"""A loopback GitLab REST API v4 server that serves a `History` faithfully.

It speaks the wire format python-gitlab and real clients see: offset pagination with X-Page,
X-Per-Page, X-Next-Page, X-Prev-Page, X-Total, X-Total-Pages and a Link header (rel next, prev,
first, last) whose host is the server's own URL; keyset pagination (Link rel="next" only) on
`GET /projects?pagination=keyset` (both in `sandbox.gitlab.paging`); the 401/403/404 bodies
GitLab sends; PRIVATE-TOKEN, Bearer and JOB-TOKEN authentication; and, for fault and load tests,
injected errors (e.g. 429 with Retry-After, 500) and per-request latency. Every request is
recorded (without credentials).
Read-only: anything but GET/HEAD is 405, except POST /api/graphql, which answers the one query
the probe sends (incident timeline events, `sandbox.gitlab.graphql`) and refuses mutations.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.gitlab.graphql import graphql_answer
from sandbox.gitlab.history import History, ProjectHistory
from sandbox.gitlab.paging import keyset_page, offset_page
from sandbox.gitlab.query import filter_rows as _filter
from sandbox.gitlab.query import norm as _norm
from sandbox.gitlab.query import one as _one
from sandbox.gitlab.query import order_rows as _order
from sandbox.loopback import serve, shutdown

__all__ = ["Fault", "GitLabAPI", "RecordedRequest"]


@dataclass
class Fault:
    """Answer requests whose path matches `path` with `status`, `times` times (then serve normally)."""

    path: str  # regex searched in the path (without /api/v4)
    status: int
    times: int = 1
    retry_after: int | None = None
    body: Any = None  # JSON-able, or bytes sent as they are (e.g. malformed JSON)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    auth: str  # which credential style was used: private-token | bearer | job-token | none | bad
    at: float = 0.0  # time.monotonic() when the answer was sent


class _Done(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class GitLabAPI:
    """Serve `history` on 127.0.0.1:<free port>; `url` is set by `start`."""

    history: History
    token: str
    latency_s: float = 0.0
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> str:
        """Bind a free loopback port, serve in a daemon thread, return the base URL."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls

            def do_GET(self) -> None:
                api._handle(self)

            def do_HEAD(self) -> None:
                api._handle(self)

            def _refuse(self) -> None:
                api._send(self, 405, {"message": "405 Method Not Allowed"}, {})

            def do_POST(self) -> None:
                if urlsplit(self.path).path == "/api/graphql":
                    api._handle_graphql(self)
                else:
                    self._refuse()

            do_PUT = do_DELETE = do_PATCH = _refuse

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server, self.url = serve(Handler, "gitlab-api")
        return self.url

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        shutdown(self._server)
        self._server = None

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear(self) -> None:
        """Forget recorded requests and pending faults."""
        with self._lock:
            self.requests.clear()
            self.faults.clear()

    # -- request handling --------------------------------------------------------------------
    def _auth(self, h: BaseHTTPRequestHandler) -> str:
        if h.headers.get("PRIVATE-TOKEN") is not None:
            return "private-token" if h.headers.get("PRIVATE-TOKEN") == self.token else "bad"
        if h.headers.get("JOB-TOKEN") is not None:
            return "job-token" if h.headers.get("JOB-TOKEN") == self.token else "bad"
        auth = h.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            return "bearer" if auth[7:] == self.token else "bad"
        return "none"

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        auth = self._auth(h)
        status: int = 200
        body: Any = None
        headers: dict[str, str] = {}
        if self.latency_s:
            time.sleep(self.latency_s)
        try:
            if not path.startswith("/api/v4/"):
                raise _Done(404, {"message": "404 Not Found"})
            rel = path[len("/api/v4") :]
            self._fault(rel, parts.query)
            if auth in ("none", "bad"):
                raise _Done(401, {"message": "401 Unauthorized"})
            body, headers = self._route(rel, query)
        except _Done as done:
            status, body, headers = done.status, done.body, done.headers
        with self._lock:
            self.requests.append(RecordedRequest(h.command, path, query, status, auth, time.monotonic()))
        self._send(h, status, body, headers)

    def _handle_graphql(self, h: BaseHTTPRequestHandler) -> None:
        auth = self._auth(h)
        size = int(h.headers.get("Content-Length") or 0)
        # The body is read before any answer: left in the socket, it would be read as the next request.
        raw = h.rfile.read(size) if 0 < size <= 100_000 else b""
        try:
            self._fault("/graphql")
            if auth == "bad":  # GitLab refuses a bad token; no token only hides private projects
                raise _Done(401, {"errors": [{"message": "Invalid token"}]})
            if size > 100_000:
                h.close_connection = True
                raise _Done(413, {"errors": [{"message": "Query too large"}]})
            try:
                request = json.loads(raw or b"{}")
            except ValueError:
                raise _Done(400, {"errors": [{"message": "Invalid JSON"}]}) from None
            status, body = 200, graphql_answer(self.history, request, visible=auth != "none")
        except _Done as done:
            status, body = done.status, done.body
            headers = done.headers
        else:
            headers = {}
        with self._lock:
            self.requests.append(RecordedRequest("POST", "/api/graphql", {}, status, auth, time.monotonic()))
        self._send(h, status, body, headers)

    def _fault(self, rel: str, query: str = "") -> None:
        with self._lock:
            for f in self.faults:
                # `path` is searched in the path, or in path?query (a fault for one call's parameters)
                if f.times > 0 and (re.search(f.path, rel) or (query and re.search(f.path, f"{rel}?{query}"))):
                    f.times -= 1
                    headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
                    default = {429: "Retry later", 500: "500 Internal Server Error", 403: "403 Forbidden"}.get(
                        f.status, str(f.status)
                    )
                    raise _Done(f.status, f.body if f.body is not None else {"message": default}, headers)

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
        if isinstance(body, str) and headers.get("Content-Type", "").startswith("text/"):
            raw = body.encode()
        else:
            raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
            headers.setdefault("Content-Type", "application/json")
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(raw)

    # -- routes ------------------------------------------------------------------------------
    def _route(self, rel: str, q: dict[str, list[str]]) -> tuple[Any, dict[str, str]]:
        routes: list[tuple[str, Callable[..., tuple[Any, dict[str, str]]]]] = [
            (r"^/projects$", self._projects),
            (r"^/groups/([^/]+)$", self._group),
            (r"^/groups/([^/]+)/projects$", self._group_projects),
            (r"^/projects/([^/]+)$", self._project),
            (
                r"^/projects/([^/]+)/(environments|protected_environments|protected_branches|approval_rules|deployments|pipelines|merge_requests|issues|releases)$",
                self._collection,
            ),
            (r"^/projects/([^/]+)/merge_requests/(\d+)/approvals$", self._approvals),
            (r"^/projects/([^/]+)/merge_requests/(\d+)$", self._merge_request),
            (r"^/projects/([^/]+)/integrations$", self._integrations),
            (r"^/projects/([^/]+)/hooks$", self._hooks),
            (r"^/projects/([^/]+)/wikis$", self._wikis),
            (r"^/projects/([^/]+)/events$", self._events),
            (r"^/projects/([^/]+)/templates/(issues|merge_requests)$", self._templates),
            (r"^/projects/([^/]+)/issues/(\d+)/notes$", self._notes),
            (r"^/projects/([^/]+)/issues/(\d+)/links$", self._issue_links),
            (r"^/projects/([^/]+)/issues_statistics$", self._issue_stats),
            (r"^/projects/([^/]+)/repository/files/(.+)/raw$", self._raw_file),
            (r"^/projects/([^/]+)/dora/metrics$", self._dora),
        ]
        for pattern, fn in routes:
            m = re.match(pattern, rel)
            if m:
                return fn(rel, q, *(unquote(g) for g in m.groups()))
        raise _Done(404, {"message": "404 Not Found"})

    def _p(self, key: str) -> ProjectHistory:
        p = self.history.project(key)
        if p is None:
            raise _Done(404, {"message": "404 Project Not Found"})
        return p

    def _group(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        g = self.history.group(key)
        if g is None:
            raise _Done(404, {"message": "404 Group Not Found"})
        return g, {}

    def _group_projects(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        g = self.history.group(key)
        if g is None:
            raise _Done(404, {"message": "404 Group Not Found"})
        sub = _one(q, "include_subgroups") == "true"
        rows = [
            p.project
            for p in self.history.projects
            if p.project["namespace"]["full_path"] == g["full_path"]
            or (sub and p.project["namespace"]["full_path"].startswith(g["full_path"] + "/"))
        ]
        rows.sort(key=lambda r: r["id"])
        return self._page(rel, q, rows)

    def _projects(self, rel: str, q: dict[str, list[str]]) -> tuple[Any, dict[str, str]]:
        rows = sorted((p.project for p in self.history.projects), key=lambda r: r["id"])
        if _one(q, "pagination") != "keyset":
            return self._page(rel, q, rows)
        if _one(q, "order_by") not in (None, "id"):
            raise _Done(405, {"message": "405 Method Not Allowed"})  # what GitLab answers for unsupported keyset orders
        return keyset_page(f"{self.url}/api/v4{rel}", q, rows)

    def _project(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        return self._p(key).project, {}

    def _collection(self, rel: str, q: dict[str, list[str]], key: str, what: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        if what in ("protected_environments", "approval_rules"):
            rows = getattr(p, what)
            if rows is None:
                raise _Done(403, {"message": "403 Forbidden"})
            return self._page(rel, q, rows)
        rows = list(getattr(p, what))
        if what == "deployments":
            rows = _filter(rows, q, env=lambda r: r["environment"]["name"], time_field="updated_at")
            rows = _order(rows, q, default="id")
        elif what == "pipelines":
            rows = _filter(rows, q, time_field="updated_at")
            rows = _order(rows, q, default="id", default_sort="desc")
        elif what == "merge_requests":
            rows = _filter(rows, q, time_field="updated_at")
            rows = _order(rows, q, default="created_at", default_sort="desc")
        elif what == "issues":
            if _one(q, "issue_type"):
                rows = [r for r in rows if r["issue_type"] == _one(q, "issue_type")]
            rows = _filter(rows, q, time_field="updated_at")
            rows = _order(rows, q, default="created_at", default_sort="desc")
        elif what == "releases":
            rows = _order(rows, q, default="released_at", default_sort="desc")
        return self._page(rel, q, rows)

    def _approvals(self, rel: str, q: dict[str, list[str]], key: str, iid: str) -> tuple[Any, dict[str, str]]:
        a = self._p(key).approvals.get(int(iid))
        if a is None:
            raise _Done(404, {"message": "404 Not found"})
        return a, {}

    def _merge_request(self, rel: str, q: dict[str, list[str]], key: str, iid: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        mr = next((m for m in p.merge_requests if m["iid"] == int(iid)), None)
        if mr is None:
            raise _Done(404, {"message": "404 Not found"})
        # The single-MR answer adds what the list leaves out, among it changes_count (a string).
        return {**mr, "changes_count": p.mr_changes.get(int(iid)), "user_notes_count": 0}, {}

    def _integrations(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        if p.integrations is None:
            raise _Done(403, {"message": "403 Forbidden"})
        return p.integrations, {}  # not paginated: every active integration at once

    def _hooks(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        if p.hooks is None:
            raise _Done(403, {"message": "403 Forbidden"})
        return self._page(rel, q, p.hooks)

    def _wikis(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        return self._p(key).wiki, {}  # "Get all wiki pages": the list API is not paginated

    def _events(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        """Project activity, newest first, filtered by `action` and `after` (a date, exclusive)."""
        rows = list(self._p(key).events)
        action, after = _one(q, "action"), _one(q, "after")
        if action:
            rows = [r for r in rows if r.get("action_name") == action]
        if after:
            rows = [r for r in rows if _norm(r["created_at"])[:10] > after]
        return self._page(rel, q, sorted(rows, key=lambda r: str(r["created_at"]), reverse=True))

    def _templates(self, rel: str, q: dict[str, list[str]], key: str, what: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        names = p.issue_templates if what == "issues" else []
        return self._page(rel, q, [{"key": n, "name": n} for n in names])

    def _notes(self, rel: str, q: dict[str, list[str]], key: str, iid: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        if int(iid) not in p.notes:
            raise _Done(404, {"message": "404 Issue Not Found"})
        rows = _order(list(p.notes[int(iid)]), q, default="created_at", default_sort="desc")
        return self._page(rel, q, rows)

    def _issue_links(self, rel: str, q: dict[str, list[str]], key: str, iid: str) -> tuple[Any, dict[str, str]]:
        # GitLab answers the whole list, unpaginated, oldest link first; 404 for an unknown issue.
        p = self._p(key)
        if not any(r["iid"] == int(iid) for r in p.issues):
            raise _Done(404, {"message": "404 Issue Not Found"})
        return list(p.issue_links.get(int(iid), [])), {}

    def _issue_stats(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        # GitLab declares no issue_type parameter on issues_statistics (lib/api/issues.rb,
        # issues_stats_params) and Grape drops undeclared ones: every type is counted.
        rows = list(self._p(key).issues)
        closed = sum(1 for r in rows if r["state"] == "closed")
        return {"statistics": {"counts": {"all": len(rows), "closed": closed, "opened": len(rows) - closed}}}, {}

    def _raw_file(self, rel: str, q: dict[str, list[str]], key: str, file_path: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        if file_path in p.files:
            return p.files[file_path].encode(), {"Content-Type": "text/plain; charset=utf-8"}
        if file_path != (p.project.get("ci_config_path") or ".gitlab-ci.yml") or p.ci_yaml is None:
            raise _Done(404, {"message": "404 File Not Found"})
        return p.ci_yaml.encode(), {"Content-Type": "text/plain; charset=utf-8"}

    def _dora(self, rel: str, q: dict[str, list[str]], key: str) -> tuple[Any, dict[str, str]]:
        p = self._p(key)
        if p.dora is None:
            raise _Done(403, {"message": "403 Forbidden"})
        metric = _one(q, "metric") or ""
        if metric not in p.dora:
            raise _Done(400, {"message": "metric does not have a valid value"})
        return [{"date": _one(q, "start_date"), "value": p.dora[metric]}], {}

    # -- pagination --------------------------------------------------------------------------
    def _page(self, rel: str, q: dict[str, list[str]], rows: list[dict[str, Any]]) -> tuple[Any, dict[str, str]]:
        return offset_page(f"{self.url}/api/v4{rel}", q, rows)
