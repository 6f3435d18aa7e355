"""A small base for the sandbox's loopback JSON APIs (Loki, Sentry, Grafana): serving, bearer/basic
auth, injected faults (429 with Retry-After, 5xx, 403) and a record of every request.

A subclass implements `route(method, path, query, headers, body)` and raises `Answer` for
anything but a plain 200 JSON answer. Credentials are compared, never recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.loopback import serve, shutdown

__all__ = ["Answer", "Fault", "LoopbackAPI", "Recorded"]


@dataclass
class Fault:
    """Answer requests whose path matches `path` (regex) with `status`, `times` times."""

    path: str
    status: int
    times: int = 1
    retry_after: str | int | None = None
    body: Any = None  # JSON-able, or bytes sent as they are


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    auth: str  # ok | none | bad


class Answer(Exception):
    """A non-200 answer (or one with headers or a text body) raised from a route."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass(kw_only=True)  # keyword-only, so a subclass may add required positional fields
class LoopbackAPI:
    """Serve `route` on 127.0.0.1:<free port>. `token` None: no authentication asked."""

    token: str | None = None
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    name: str = "loopback-api"
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                api._handle(self)

            def do_POST(self) -> None:
                api._handle(self)

            def _refuse(self) -> None:
                api._send(self, 405, {"detail": "Method not allowed"}, {})

            do_PUT = do_DELETE = do_PATCH = _refuse

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server, self.url = serve(Handler, self.name)
        return self.url

    def stop(self) -> None:
        shutdown(self._server)
        self._server = None

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.faults.clear()

    # -- to override ---------------------------------------------------------------------------
    def route(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> Any:
        raise Answer(404, {"detail": "not found"})

    def unauthorized(self) -> Answer:
        return Answer(401, {"detail": "Authentication credentials were not provided."})

    def check_auth(self, header: str, path: str) -> str:
        if self.token is None:
            return "ok"
        if not header:
            return "none"
        return "ok" if header in (f"Bearer {self.token}", f"Basic {self.token}") else "bad"

    # -- plumbing -------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        auth = self.check_auth(h.headers.get("Authorization") or "", parts.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(min(length, 10_000_000)) if length else b""
        headers: dict[str, str] = {}
        try:
            self._fault(parts.path)
            if auth != "ok":
                raise self.unauthorized()
            status, answer = 200, self.route(h.command, parts.path, query, h.headers, body)
        except Answer as done:
            status, answer, headers = done.status, done.body, done.headers
        with self._lock:
            self.requests.append(Recorded(h.command, parts.path, query, status, auth))
        self._send(h, status, answer, headers)

    def _fault(self, path: str) -> None:
        with self._lock:
            for f in self.faults:
                if f.times > 0 and re.search(f.path, path):
                    f.times -= 1
                    headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
                    raise Answer(f.status, f.body if f.body is not None else {"detail": f"HTTP {f.status}"}, headers)

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]) -> None:
        if isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            raw = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)


def now_ns() -> int:
    return time.time_ns()
