"""A loopback exporter for the tests and the demo: fixed pages in the Prometheus text format,
optionally slow, behind a token, or stamped with the scrape time."""

from __future__ import annotations

import http.server
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.loopback import serve, shutdown

__all__ = ["TEXT", "Exporter", "exporter_pages", "stamped"]


class _Handler(http.server.BaseHTTPRequestHandler):
    pages: Mapping[str, tuple[int, str, str]] = {}
    delay_s: float = 0.0
    require_auth: str | None = None
    stamp: bool = False

    def do_GET(self) -> None:
        if self.delay_s:
            time.sleep(self.delay_s)
        page = self.pages.get(self.path.split("?", 1)[0]) or self.pages.get("*") or (404, "text/plain", "not found\n")
        if self.require_auth is not None and self.headers.get("Authorization") != self.require_auth:
            page = (401, "application/json", '{"status":"error","error":"unauthorized"}')
        status, ctype, body = page
        if self.stamp and status == 200 and ctype.startswith("text/plain"):
            body = stamped(body, int(time.time() * 1000))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        # remote_write receiver stand-in: accept and drop.
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts in fault tests) is not an error worth a traceback."""


@dataclass
class Exporter:
    """A loopback HTTP server answering fixed pages: path -> (status, content type, body)."""

    pages: dict[str, tuple[int, str, str]]
    delay_s: float = 0.0
    require_auth: str | None = None  # the exact Authorization header to accept; others get 401
    # Each sample carries the time of the scrape: Prometheus then writes no staleness markers
    # when a scrape fails (a loaded test machine can miss a 1 s scrape timeout), so the series
    # stay queryable for the lookback window instead of vanishing until the next good scrape.
    stamp: bool = False
    port: int = 0
    _server: http.server.ThreadingHTTPServer | None = field(default=None, repr=False)

    def start(self) -> Exporter:
        handler = type(
            "Handler",
            (_Handler,),
            {"pages": self.pages, "delay_s": self.delay_s, "require_auth": self.require_auth, "stamp": self.stamp},
        )
        server, _url = serve(handler, "exporter", server_class=_Server)
        self._server, self.port = server, int(server.server_address[1])
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        shutdown(self._server)
        self._server = None


TEXT = "text/plain; version=0.0.4"


def stamped(text: str, ms: int) -> str:
    """Exposition text with `ms` (milliseconds since the epoch) after every sample's value."""
    lines = text.splitlines()
    return "".join(
        (line if not line.strip() or line.startswith("#") else f"{line.rstrip()} {ms}") + "\n" for line in lines
    )


def exporter_pages(folder: Path) -> dict[str, tuple[int, str, str]]:
    """Every `<name>.prom` in `folder/exporter/` served at `/<name>` (`probe.prom` at /probe)."""
    return {
        "/" + p.stem.replace("__", "/"): (200, TEXT, p.read_text(encoding="utf-8"))
        for p in sorted((folder / "exporter").glob("*.prom"))
    }
