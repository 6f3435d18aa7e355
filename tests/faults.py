"""A fault-injecting reverse proxy on loopback, placed in front of a real (or loopback) server.

The probe under test is pointed at the proxy instead of the server. Every request is forwarded
unchanged (method, path, query, headers including Host and signatures, body) and recorded;
a request that matches an injected `Fault` gets the fault instead: an HTTP status with a body
and headers (401, 403, 500, 429 + Retry-After), a malformed 200 answer, a body cut short, or no
answer within the client's timeout. Faults can skip the first N matches and stop after M, so
"only the second page" or "once, then recover" are one line each.

Hostile answers (issue 15) are faults too: an endless body ("huge"), a gzip bomb, a body that
drips a byte at a time ("trickle"), and "rewrite": the request is forwarded (changed by
`forward`, e.g. with its page cursor removed) and the real answer changed by `transform` (e.g. a
page cursor that never ends or cycles, a next link to another origin). Each is bounded: an
endless body stops at `max_bytes`, a trickle after `delay_s`.

"Connection refused" needs no proxy: point the source at a loopback port nothing listens on
(`refused_url`).
"""

from __future__ import annotations

import functools
import http.client
import http.server
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Fault", "FaultProxy", "Seen", "refused_url"]

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


@dataclass(frozen=True)
class Seen:
    """One request as the proxy saw it, and what it did with it."""

    method: str
    path: str  # path and query, as sent
    headers: dict[str, str]
    body: bytes
    fault: str | None  # the injected fault's name, or None when forwarded

    def key(self) -> str:
        """What identifies a request across retries (signatures and dates left out)."""
        target = next((v for k, v in self.headers.items() if k.lower() == "x-amz-target"), "")  # AWS JSON APIs
        return f"{self.method} {self.path} {target} {self.body.decode('utf-8', 'replace')}"

    @property
    def text(self) -> str:
        """Method, path, headers and body as one string, for matching."""
        head = "\n".join(f"{k.lower()}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.path}\n{head}\n\n{self.body.decode('utf-8', 'replace')}"


@dataclass
class Fault:
    """What to do to requests whose text matches `pattern` (a regex over `Seen.text`).

    kind: "status" (answer `status` with `body`/`headers`), "malformed" (200 with a body that is
    not what the client expects), "truncated" (the real answer, cut in half after announcing its
    full length), "timeout" (hold the request for `delay_s`, then drop it), "huge" (200 with an
    endless body, up to `max_bytes`), "gzip_bomb" (200, gzip, inflating to `max_bytes`),
    "trickle" (200, then one byte every 0.1 s for `delay_s`), "rewrite" (see module docstring).
    """

    name: str
    pattern: str
    kind: str = "status"
    status: int = 500
    body: bytes | Callable[[Seen], tuple[bytes, dict[str, str]]] = b"injected fault"
    headers: dict[str, str] = field(default_factory=dict)
    skip: int = 0  # let this many matching requests through first
    times: int | None = None  # then fault this many (None: every one after)
    delay_s: float = 5.0
    max_bytes: int = 200_000_000
    forward: Callable[[Seen], tuple[str, bytes]] | None = None  # rewrite: (path, body) to send upstream
    transform: Callable[[Seen, int, dict[str, str], bytes, int], tuple[int, dict[str, str], bytes]] | None = None
    matched: int = 0
    injected: int = 0

    def applies(self, seen_text: str) -> bool:
        if not re.search(self.pattern, seen_text, re.S | re.M):
            return False
        self.matched += 1
        if self.matched <= self.skip:
            return False
        if self.times is not None and self.injected >= self.times:
            return False
        self.injected += 1
        return True


@functools.cache
def _bomb(decoded: int) -> bytes:
    """A gzip body of `decoded` zero bytes (about a thousand times smaller)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block, out = bytes(1 << 20), bytearray()
    for _ in range(decoded // len(block)):
        out += z.compress(block)
    return bytes(out + z.flush())


def refused_url(scheme: str = "http") -> str:
    """A loopback URL on a port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that hung up on a held or cut answer is expected here


class FaultProxy:
    """Forward to `upstream` (http://host:port[/prefix]); inject faults; record every request."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms delayed-ACK stalls

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _any(self) -> None:
                proxy._handle(self)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = _any

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # faults ----------------------------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        for f in faults:
            if f.kind == "gzip_bomb":
                # Built (and cached) now: compressing 200 MB takes seconds on a loaded machine,
                # which the client would otherwise see as a timeout rather than a bomb.
                _bomb(f.max_bytes)
        with self._lock:
            self.faults.extend(faults)

    def reset(self) -> None:
        """No faults, no recorded requests."""
        with self._lock:
            self.faults.clear()
            self.seen.clear()

    def injected(self) -> int:
        return sum(f.injected for f in self.faults)

    def max_attempts(self, pattern: str) -> int:
        """The most times one identical request matching `pattern` was sent (retries + 1)."""
        counts: dict[str, int] = {}
        for s in self.seen:
            if re.search(pattern, s.text, re.S | re.M):
                counts[s.key()] = counts.get(s.key(), 0) + 1
        return max(counts.values(), default=0)

    # the proxy -------------------------------------------------------------------------------

    def _handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {k: v for k, v in h.headers.items()}
        probe = Seen(h.command, h.path, headers, body, None)
        with self._lock:
            fault = next((f for f in self.faults if f.applies(probe.text)), None)
            self.seen.append(Seen(h.command, h.path, headers, body, fault.name if fault else None))
        if fault is not None and fault.kind == "timeout":
            self._stop.wait(fault.delay_s)  # hold it past the client's timeout, then drop it
            h.close_connection = True
            return
        if fault is not None and fault.kind in ("huge", "gzip_bomb", "trickle"):
            self._hostile(h, fault)
            return
        if fault is not None and fault.kind == "rewrite":
            assert fault.forward is not None and fault.transform is not None
            path, body = fault.forward(probe)
            try:
                status, got, payload = self._forward(h.command, path, headers, body)
            except OSError:
                self._reply(h, 502, {"Content-Type": "text/plain"}, b"upstream unreachable")
                return
            status, out, payload = fault.transform(probe, status, dict(got), payload, fault.injected)
            self._reply(h, status, out, payload)
            return
        if fault is not None and fault.kind in ("status", "malformed"):
            if callable(fault.body):
                payload, extra = fault.body(probe)
            else:
                payload, extra = fault.body, {}
            status = 200 if fault.kind == "malformed" else fault.status
            self._reply(h, status, {**fault.headers, **extra}, payload)
            return
        try:
            status, out_headers, payload = self._forward(h.command, h.path, headers, body)
        except OSError:
            self._reply(h, 502, {"Content-Type": "text/plain"}, b"upstream unreachable")
            return
        if fault is not None and fault.kind == "truncated":
            h.send_response(status)
            for k, v in out_headers:
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(payload[: max(1, len(payload) // 2)])
            h.wfile.flush()
            h.close_connection = True
            return
        self._reply(h, status, dict(out_headers), payload)

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The upstream's answer, its own URL in Link/Location headers replaced by the proxy's
        (as a reverse proxy with the upstream's external URL set to it does): the client sees
        one origin, and following its links never bypasses the proxy."""
        status, got, payload = self._forward_raw(method, path, headers, body)
        host = next((v for k, v in headers.items() if k.lower() == "host"), None)
        if host:
            own = f"http://{self.upstream_host}:{self.upstream_port}"
            got = [
                (k, v.replace(own, f"http://{host}")) if k.lower() in ("link", "location") else (k, v) for k, v in got
            ]
        return status, got, payload

    def _forward_raw(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            # Content-Length is recomputed: a rewrite may have changed the body.
            fwd = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP | {"content-length"}}
            conn.request(method, path, body=body or None, headers=fwd)
            resp = conn.getresponse()
            payload = resp.read()
            keep = [
                (k, v)
                for k, v in resp.getheaders()
                if k.lower() not in HOP_BY_HOP | {"content-length", "date", "server"}
            ]
            return resp.status, keep, payload
        finally:
            conn.close()

    def _hostile(self, h: http.server.BaseHTTPRequestHandler, fault: Fault) -> None:
        h.close_connection = True
        try:
            if fault.kind == "gzip_bomb":
                self._reply(
                    h, 200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, _bomb(fault.max_bytes)
                )
                return
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Connection", "close")
            if fault.kind == "trickle":
                h.send_header("Content-Length", "100000")
            h.end_headers()
            if fault.kind == "huge":  # no length: the body ends when we hang up
                chunk, sent = b'{"data": "' + b"x" * (1 << 20), 0
                while sent < fault.max_bytes and not self._stop.is_set():
                    h.wfile.write(chunk)
                    sent += len(chunk)
                return
            until = time.monotonic() + fault.delay_s
            while time.monotonic() < until and not self._stop.is_set():
                h.wfile.write(b" ")
                h.wfile.flush()
                self._stop.wait(0.1)
        except OSError:
            return  # the client gave up, as a bounded client does

    @staticmethod
    def _reply(h: http.server.BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes) -> None:
        h.send_response(status)
        for k, v in headers.items():
            if k.lower() not in HOP_BY_HOP | {"content-length"}:
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(payload)
