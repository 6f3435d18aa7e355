"""A loopback HTTP proxy that makes a fast local API behave like a remote one.

Every request waits `latency_s` while holding one of `concurrency` slots (what a real API's
per-client concurrency allows), then is forwarded to the upstream server. Requests are counted
and time-stamped at arrival, so benchmarks and tests can compare what a probe asked for with
what it needed. Upstream URLs in response headers (GitLab's `Link`) are rewritten to the proxy.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from sandbox.loopback import serve, shutdown

__all__ = ["LatencyProxy", "Seen"]

_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@dataclass(frozen=True)
class Seen:
    """One forwarded request: when it arrived (monotonic), method, path with query, status."""

    at: float
    method: str
    path: str
    status: int
    total: int | None = None  # X-Total of a paginated answer (GitLab), when there is one
    op: str = ""  # AWS operation (X-Amz-Target or Action=), else ""
    body_digest: str = ""  # to tell repeated identical requests apart from pages


class LatencyProxy:
    """Forward 127.0.0.1:<free port> to `upstream` with latency, a concurrency cap and counting."""

    def __init__(self, upstream: str, *, latency_s: float = 0.0, concurrency: int = 4) -> None:
        u = urlsplit(upstream)
        self.upstream = upstream.rstrip("/")
        self._host, self._port = u.hostname or "127.0.0.1", u.port or 80
        self.latency_s = latency_s
        self.concurrency = concurrency
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._local = threading.local()
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> LatencyProxy:
        """Bind a free loopback port and serve in a daemon thread."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                proxy._forward(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd, self.url = serve(Handler, "latency-proxy")
        return self

    def stop(self) -> None:
        shutdown(self._httpd)
        self._httpd = None

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget what was seen (between runs)."""
        with self._lock:
            self.seen.clear()
            self.max_in_flight = 0

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.seen)

    # -- forwarding --------------------------------------------------------------------------
    def _conn(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=300)
            self._local.conn = conn
        return conn

    def _upstream(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in (1, 2):  # a kept-alive connection the upstream closed: reconnect once
            conn = self._conn()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, resp.getheaders(), data
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _forward(self, h: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP}
        with self._slots:
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                if self.latency_s:
                    time.sleep(self.latency_s)
                try:
                    status, resp_headers, data = self._upstream(h.command, h.path, body, headers)
                except (http.client.HTTPException, OSError):
                    status, resp_headers, data = 502, [("Content-Type", "text/plain")], b"upstream unreachable"
            finally:
                with self._lock:
                    self.in_flight -= 1
        total = next((v for k, v in resp_headers if k.lower() == "x-total"), None)
        with self._lock:
            self.seen.append(
                Seen(
                    arrived,
                    h.command,
                    h.path,
                    status,
                    int(total) if total and total.isdigit() else None,
                    _operation(h.headers.get("X-Amz-Target"), h.path, body, h.headers.get("Authorization") or ""),
                    hashlib.sha256(body or b"").hexdigest()[:16],
                )
            )
        h.send_response(status)
        for k, v in resp_headers:
            if k.lower() in _HOP or k.lower() == "content-length":
                continue
            h.send_header(k, v.replace(self.upstream, self.url))
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)


def _operation(target: str | None, path: str, body: bytes | None, auth: str) -> str:
    """`service:Operation@region` of an AWS request (SigV4 credential scope; the operation from
    X-Amz-Target or Action=; REST calls like S3 keep their method and path); "" otherwise."""
    scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", auth)
    if not scope:
        return ""
    if target:
        op = target.rsplit(".", 1)[-1]
    else:
        m = re.search(rb"(?:^|&)Action=([A-Za-z0-9]+)", body or b"") or re.search(
            rb"[?&]Action=([A-Za-z0-9]+)", path.encode()
        )
        op = m.group(1).decode() if m else path.split("?", 1)[-1].split("&", 1)[0].split("=", 1)[0] or "REST"
    return f"{scope.group(2)}:{op}@{scope.group(1)}"
