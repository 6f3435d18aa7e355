"""Hostile HTTP servers on loopback, for tests: they answer the way an attacker (or a broken
proxy) would, and they stop by themselves.

Every server is bounded: it answers at most `max_requests` requests (then 503), a trickle
stops after `max_seconds`, an endless body after `max_bytes`; `stop()` ends it at once. A
`Recorder` server stands in for "another origin": it answers anything with 200 "{}" and keeps
every request's headers, so a test can prove no credential reached it.

Behaviours (`Hostile(behaviour=...)`):
  huge          200 with an endless body (no Content-Length), up to max_bytes
  gzip_bomb     200, Content-Encoding: gzip, a small body that inflates to `bomb_bytes`
  trickle       the status line and headers one byte every `trickle_s` (never finishing in time)
  trickle_body  headers at once, then the body one byte every `trickle_s`
  json          `routes[path]` answered as JSON (the base of the pagination behaviours below)
  Pagination is written into the JSON answers by `page` (a callable of path, query and request
  count returning (body, headers)); see `endless_kube`, `cyclic_kube`, `gitlab_links`.
  redirect      302 to `location` for every request
  raw           200 with `body` as application/json for every request (deep or odd JSON)
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.loopback import serve, shutdown

__all__ = ["Hostile", "Recorder", "cyclic_kube", "endless_kube", "gitlab_links", "gzip_bomb"]

PageFn = Callable[[str, dict[str, list[str]], int], tuple[Any, dict[str, str]]]


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A gzip stream of `decoded_bytes` zero bytes (about 1000 times smaller)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    out = bytearray()
    left = decoded_bytes
    while left > 0:
        n = min(left, len(block))
        out += z.compress(block[:n])
        left -= n
    out += z.flush()
    return bytes(out)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-answer is the point of these servers


@dataclass
class Hostile:
    """One hostile server; `url` once started."""

    behaviour: str
    max_requests: int = 200
    max_seconds: float = 30.0
    max_bytes: int = 400_000_000
    bomb_bytes: int = 300_000_000
    trickle_s: float = 0.2
    location: str = ""
    body: bytes = b""
    page: PageFn | None = None
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""
    _httpd: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _bomb: bytes = b""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Hostile:
        if self.behaviour == "gzip_bomb":
            self._bomb = gzip_bomb(self.bomb_bytes)
        self._httpd, self.url = serve(_handler(self), f"hostile-{self.behaviour}", server_class=_QuietServer)
        return self

    def stop(self) -> None:
        self._stop.set()
        shutdown(self._httpd)
        self._httpd = None

    def __enter__(self) -> Hostile:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def _record(self, path: str, headers: dict[str, str]) -> int:
        with self._lock:
            self.requests.append((path, headers))
            return len(self.requests)


class Recorder(Hostile):
    """Another origin: answers 200 "[]" or "{}" and records what reached it."""

    def __init__(self) -> None:
        super().__init__(behaviour="record")


def endless_kube(path: str, query: dict[str, list[str]], n: int) -> tuple[Any, dict[str, str]]:
    """A Kubernetes list whose `continue` token is new on every page, forever."""
    return _kube_page(path, f"tok-{n}", n)


def cyclic_kube(path: str, query: dict[str, list[str]], n: int) -> tuple[Any, dict[str, str]]:
    """A Kubernetes list whose `continue` tokens go a, b, a, b, ..."""
    cursor = (query.get("continue") or [""])[0]
    return _kube_page(path, "b" if cursor == "a" else "a", n)


def _kube_page(path: str, token: str, n: int) -> tuple[Any, dict[str, str]]:
    if path in ("/api", "/apis") or not path.startswith("/api"):
        return {"kind": "APIVersions", "versions": ["v1"], "groups": []}, {}
    item = {"metadata": {"name": f"ns-{n}", "uid": f"u{n}"}}
    return {"kind": "List", "items": [item], "metadata": {"continue": token}}, {}


def gitlab_links(next_url: Callable[[str, int], str | None]) -> PageFn:
    """A GitLab list whose Link rel="next" is `next_url(server_url_placeholder, n)`."""

    def page(path: str, query: dict[str, list[str]], n: int) -> tuple[Any, dict[str, str]]:
        nxt = next_url(path, n)
        headers = {"Link": f'<{nxt}>; rel="next"'} if nxt else {}
        return [{"id": n, "name": f"item-{n}"}], headers

    return page


def _handler(server: Hostile) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # AWS query and JSON APIs POST: read the body, answer alike
            length = int(self.headers.get("Content-Length") or 0)
            if 0 < length <= 1 << 20:
                self.rfile.read(length)
            self.do_GET()

        def do_GET(self) -> None:
            n = server._record(self.path, {k: v for k, v in self.headers.items()})
            if n > server.max_requests or server._stop.is_set():
                self._send(503, b"request budget of the hostile server spent", close=True)
                return
            started = time.monotonic()
            b = server.behaviour
            try:
                if b == "record":
                    body = b"[]" if "/projects" in self.path or "/groups" in self.path else b"{}"
                    self._send(200, body)
                elif b == "huge":
                    self._endless(started)
                elif b == "gzip_bomb":
                    self._send(200, server._bomb, {"Content-Encoding": "gzip"})
                elif b == "trickle":
                    self._trickle(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Pad: " * 10_000, started
                    )
                elif b == "trickle_body":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    self._trickle(b'{"status": "success", "data": "' + b"x" * 999_000, started)
                elif b == "redirect":
                    self._send(302, b"", {"Location": server.location})
                elif b == "raw":
                    self._send(200, server.body, {"Content-Type": "application/json"})
                elif b == "json" and server.page is not None:
                    parts = urlsplit(self.path)
                    doc, headers = server.page(parts.path, parse_qs(parts.query), n)
                    self._send(200, json.dumps(doc).encode(), {"Content-Type": "application/json", **headers})
                else:
                    self._send(404, b"{}")
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass  # the client gave up: exactly what a bounded client does

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, close: bool = False) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def _endless(self, started: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b'{"pad": "' + b"a" * (1 << 20)
            sent = 0
            while sent < server.max_bytes and not server._stop.is_set():
                if time.monotonic() - started > server.max_seconds:
                    break
                self.wfile.write(chunk)
                sent += len(chunk)

        def _trickle(self, payload: bytes, started: float) -> None:
            self.close_connection = True
            for i in range(len(payload)):
                if server._stop.is_set() or time.monotonic() - started > server.max_seconds:
                    return
                self.wfile.write(payload[i : i + 1])
                self.wfile.flush()
                server._stop.wait(server.trickle_s)

    return Handler
