"""Serving on loopback: the one way the sandbox's HTTP servers start and stop.

The loopback Kubernetes and GitLab APIs, the sandbox exporter and the benchmark proxy all run a
threaded `http.server` on a free 127.0.0.1 port in a daemon thread; this module does that once.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["serve", "shutdown"]


def serve(
    handler: type[BaseHTTPRequestHandler], name: str, *, server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer
) -> tuple[ThreadingHTTPServer, str]:
    """Start `handler` on a free loopback port in a daemon thread; return the server and its URL."""
    httpd = server_class(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.request_queue_size = 128  # benchmarks open many connections at once
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def shutdown(httpd: ThreadingHTTPServer | None) -> None:
    """Stop serving and close the socket (a None server is already stopped)."""
    if httpd is not None:
        httpd.shutdown()
        httpd.server_close()
