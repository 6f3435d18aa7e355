"""Guards every live probe's HTTP client shares against a hostile or broken server.

- **Origins**: a URL the server hands us (a next-page `Link`, a `Location`) is followed only
  when its scheme, host and port are the configured URL's and its path stays under the
  configured path; anything else is refused, so credentials never travel to another origin.
- **Bodies**: read in chunks with a byte cap checked while reading; gzip/deflate are decoded
  here with the cap applied to the decoded size (a gzip bomb stops at the cap).
- **Deadlines**: one total deadline per request. A server that trickles a byte a second keeps
  every single read under its timeout; the deadline still ends the request. httpx reads through
  `DeadlineBackend` (each socket read's timeout shrinks to the time left); urllib3 connections
  (requests, the Kubernetes client) register their socket and a watchdog thread shuts it down
  when the deadline passes, which wakes a read blocked in the kernel.
- **Pages**: `PageGuard` caps the number of pages and refuses a cursor or link seen before.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import urllib3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = [
    "MAX_BODY",
    "MAX_PAGES",
    "BodyTooLarge",
    "DeadlineBackend",
    "DeadlinePassed",
    "LoopDetected",
    "OriginRefused",
    "PageGuard",
    "begin_deadline",
    "check_origin",
    "deadline",
    "end_deadline",
    "guard_pool_manager",
    "guarded_pool",
    "origin_of",
    "read_body",
    "resolve_location",
]

MAX_BODY = 50_000_000  # decoded bytes of one answer; more is a malformed (or hostile) answer
MAX_PAGES = 2000  # pages of one list; a list longer than this is endless for our purposes
CHUNK = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}

log = logging.getLogger("maturity.netguard")


class OriginRefused(Exception):
    """A link or redirect pointed away from the configured origin; it was not followed."""


class BodyTooLarge(Exception):
    """An answer (after decoding) was longer than the cap, or could not be decoded at all."""


class DeadlinePassed(Exception):
    """A request ran past its total deadline."""


class LoopDetected(Exception):
    """A paginator was handed a cursor or link it had already followed, or too many pages."""


# --- origins ---------------------------------------------------------------------------------


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL, or None when it is not one we would send
    credentials to: userinfo, backslashes, whitespace or control characters are refused outright
    (parsers disagree on them, which is how `http://good\\@evil/` tricks work)."""
    if "\\" in url or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if scheme not in DEFAULT_PORTS or not host or port is None or "@" in parts.netloc:
        return None
    return scheme, host, port


def _prefix(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    return path + "/"


def check_origin(url: str, base: str, *, what: str, logger: logging.Logger | None = None) -> None:
    """Raise OriginRefused (after logging one line) unless `url` is on `base`'s origin and under
    its path. `what` names the link ("next-page link", "redirect")."""
    want = origin_of(base)
    got = origin_of(url)
    path = urlsplit(url).path if got is not None else ""
    dots = any(seg in ("..", ".") or seg.lower() in ("%2e%2e", "%2e", ".%2e", "%2e.") for seg in path.split("/"))
    if got is not None and got == want and not dots and (path + "/").startswith(_prefix(base)):
        return
    shown = f"{got[0]}://{got[1]}:{got[2]}" if got else "an unparseable or userinfo-bearing URL"
    where = f"{want[0]}://{want[1]}:{want[2]}{_prefix(base)}" if want else base
    message = f"refused to follow a {what} to {shown}: credentials and requests stay with {where}"
    (logger or log).warning("%s", message)
    raise OriginRefused(message)


def resolve_location(current: str, location: str | None) -> str:
    """The absolute URL a Location header points to (relative to the request's URL)."""
    return urljoin(current, location or "")


# --- bodies ----------------------------------------------------------------------------------


class _Decoder:
    """gzip/deflate/identity into `buf`, never holding more than `cap` + one step of output."""

    STEP = 1 << 20  # decoded bytes per zlib call: zlib builds its output in blocks and joins
    # them, so one call asked for the whole cap briefly needs twice the cap (a 50 MB gzip bomb
    # cost 100 MB); a 1 MiB step keeps the transient small whatever the compression ratio.

    def __init__(self, encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise BodyTooLarge(f"unsupported Content-Encoding {encoding!r}")
        self._z = zlib.decompressobj(47) if codings else None  # 47: gzip or zlib header, auto

    def feed(self, data: bytes, buf: bytearray, cap: int) -> None:
        """Append `data`, decoded, to `buf`; BodyTooLarge as soon as `buf` would pass `cap`."""
        if self._z is None:
            if len(buf) + len(data) > cap:
                raise BodyTooLarge(f"answer larger than {cap} bytes")
            buf += data
            return
        while data:
            try:
                buf += self._z.decompress(data, min(self.STEP, cap - len(buf) + 1))
            except zlib.error:  # a corrupt stream is a malformed answer, like one too long
                raise BodyTooLarge("the answer's compressed encoding is corrupt") from None
            if len(buf) > cap:
                raise BodyTooLarge("decoded answer exceeds the cap")
            data = self._z.unconsumed_tail  # input left over because the step was full


def read_body(
    chunks: Iterable[bytes],
    *,
    encoding: str | None,
    cap: int = MAX_BODY,
    until: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """Join raw (still encoded) chunks, decoding and counting as they arrive: raises
    BodyTooLarge as soon as the decoded size passes `cap`, DeadlinePassed past `until`."""
    decoder = _Decoder(encoding)
    buf = bytearray()
    for chunk in chunks:
        if until is not None and clock() > until:
            raise DeadlinePassed("the answer took longer than the request deadline")
        decoder.feed(chunk, buf, cap)
    return bytes(buf)


# --- deadlines -------------------------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + max(0.0, seconds)
        self.expired = False
        self.socks: list[socket.socket] = []
        self.lock = threading.Lock()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def add(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self.lock:
            if self.expired:
                _shut(sock)
            else:
                self.socks.append(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            socks, self.socks = self.socks, []
        for s in socks:
            _shut(s)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_local = threading.local()
_active: set[_Deadline] = set()
_active_lock = threading.Lock()
_watchdog: threading.Thread | None = None


def _watch() -> None:
    while True:
        time.sleep(0.05)
        now = time.monotonic()
        with _active_lock:
            due = [d for d in _active if d.at <= now and not d.expired]
        for d in due:
            d.expire()


def _start_watchdog() -> None:
    global _watchdog  # one watchdog thread per process, started on first use
    with _active_lock:
        if _watchdog is None:
            _watchdog = threading.Thread(target=_watch, name="netguard-watchdog", daemon=True)
            _watchdog.start()


def current() -> _Deadline | None:
    """The deadline of the request this thread is making, if any."""
    return getattr(_local, "deadline", None)


def begin_deadline(seconds: float) -> _Deadline:
    """Start a deadline for this thread's requests (for clients whose request is not one block
    of our code, e.g. botocore's send and parse; pair with `end_deadline`)."""
    _start_watchdog()
    d = _Deadline(seconds)
    _local.deadline = d
    with _active_lock:
        _active.add(d)
    return d


def end_deadline() -> _Deadline | None:
    """End this thread's deadline started by `begin_deadline`; returns it (None if none)."""
    d = current()
    if d is not None:
        with _active_lock:
            _active.discard(d)
        _local.deadline = None
    return d


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[_Deadline]:
    """Bound everything this thread does over the network inside the block to `seconds` in total.

    Sockets used meanwhile by guarded urllib3 pools are shut down when it passes (the blocked
    read then fails); httpx reads through DeadlineBackend see their timeouts shrink to the
    time left. The caller checks `.expired` to tell a deadline from a broken connection.
    """
    _start_watchdog()
    d = _Deadline(seconds)
    outer = current()
    _local.deadline = d
    with _active_lock:
        _active.add(d)
    try:
        yield d
    finally:
        with _active_lock:
            _active.discard(d)
        _local.deadline = outer


def _bounded(timeout: float | None) -> float | None:
    d = current()
    if d is None:
        return timeout
    left = d.remaining()
    if left <= 0:
        d.expired = True
        raise httpcore.ReadTimeout("the request deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.SyncBackend):
    """httpcore's socket backend whose every read and write ends at the thread's deadline."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        inner = super().connect_tcp(host, port, _bounded(timeout), local_address, socket_options)
        return _DeadlineStream(inner)


class _RegistersSocket:
    """Mixed into a urllib3 connection class: each request hands the socket to the deadline."""

    sock: socket.socket | None

    def request(self, *args: Any, **kwargs: Any) -> Any:
        if self.sock is None:
            self.connect()  # type: ignore[attr-defined]  # the connection class's
        d = current()
        if d is not None:
            d.add(self.sock)
        return super().request(*args, **kwargs)  # type: ignore[misc]


_guarded: dict[type, type] = {}


def guarded_pool(pool_cls: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    """A subclass of a urllib3 pool class whose connections register with the deadline."""
    if pool_cls not in _guarded:
        conn = type(f"Guarded{pool_cls.ConnectionCls.__name__}", (_RegistersSocket, pool_cls.ConnectionCls), {})
        _guarded[pool_cls] = type(f"Guarded{pool_cls.__name__}", (pool_cls,), {"ConnectionCls": conn})
    return _guarded[pool_cls]


def guard_pool_manager(pm: urllib3.PoolManager, *, no_redirects: bool = False) -> None:
    """Make `pm`'s connections honour the thread's deadline; with `no_redirects`, return 3xx
    answers to the caller instead of following them (the caller decides, by origin)."""
    pm.pool_classes_by_scheme = {
        scheme: guarded_pool(cls) for scheme, cls in (pm.pool_classes_by_scheme or {}).items()
    } or {"http": guarded_pool(HTTPConnectionPool), "https": guarded_pool(HTTPSConnectionPool)}
    if no_redirects:
        urlopen = pm.urlopen

        def urlopen_no_redirect(method: str, url: str, redirect: bool = True, **kw: Any) -> Any:
            return urlopen(method, url, redirect=False, **kw)

        pm.urlopen = urlopen_no_redirect  # type: ignore[method-assign]


# --- pagination ------------------------------------------------------------------------------


class PageGuard:
    """Counts the pages of one list and remembers its cursors: a cursor (continue token, next
    link) seen before, or more than `max_pages` pages, raises LoopDetected."""

    def __init__(self, what: str, max_pages: int = MAX_PAGES) -> None:
        self.what = what
        self.max_pages = max_pages
        self.pages = 0
        self._seen: set[str] = set()

    def next(self, cursor: str) -> None:
        """Record that the next page is asked with `cursor`."""
        if cursor in self._seen:
            raise LoopDetected(f"{self.what}: the server repeated a page cursor (pagination loop); stopped")
        self._seen.add(cursor)
        self.page()

    def page(self) -> None:
        self.pages += 1
        if self.pages > self.max_pages:
            raise LoopDetected(f"{self.what}: more than {self.max_pages} pages; stopped (endless pagination?)")
