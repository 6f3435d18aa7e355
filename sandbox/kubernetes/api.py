"""A loopback Kubernetes API server for the demo and the tests.

It speaks enough of the real REST API, faithfully, for a read-only client: discovery
(`/api`, `/apis`, APIResourceList per group version), list and get for core and group
resources, cluster-wide and per namespace, `<Kind>List` bodies with `metadata.resourceVersion`,
`limit`/`continue` pagination with opaque tokens (410 Gone for a bad one), and `Status` bodies
for errors. Resources can be marked forbidden (403) and groups left uninstalled (404).

It records every request (method, path, query) so tests can compare what a client asked for
with what an RBAC role grants, it refuses (and records) any request for Secrets, and it can
inject latency and 429/5xx faults. Objects come from YAML fixtures (sandbox/kubernetes/estate).

The API surface and discovery bodies are in sandbox.kubernetes.surface, fixtures and kubeconfig files
in sandbox.kubernetes.fixtures; this module serves and re-exports what callers import from it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.kubernetes.fixtures import default_estate_dir, load_objects, write_kubeconfig
from sandbox.kubernetes.surface import SURFACE, ApiResource, group_doc, group_list, resource_list, status_body
from sandbox.loopback import serve, shutdown

__all__ = [
    "SURFACE",
    "ApiResource",
    "Fault",
    "KubeApiServer",
    "RecordedRequest",
    "default_estate_dir",
    "load_objects",
    "write_kubeconfig",
]


# (name, value, description) of the PriorityClasses kube-apiserver creates at start-up.
_SYSTEM_PRIORITY_CLASSES = (
    (
        "system-node-critical",
        2000001000,
        "Used for system critical pods that must not be moved from their current node.",
    ),
    (
        "system-cluster-critical",
        2000000000,
        "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
    ),
)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: Mapping[str, str]


@dataclass
class Fault:
    """Answer `status` (429, 500, 503, ...) to requests whose path matches, `times` times."""

    path_regex: str
    status: int
    times: int = 1
    retry_after: float | None = None
    hits: int = 0


class KubeApiServer:
    """Serve `objects` on http://127.0.0.1:<free port>. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]],
        *,
        installed: Iterable[str] | None = None,
        forbidden: Iterable[str] = (),
        token: str | None = None,
        latency_s: float = 0.0,
        surface: Iterable[ApiResource] = SURFACE,
        builtin_priority_classes: bool = True,
    ) -> None:
        """`installed`: optional API groups served (default: those with objects).
        `forbidden`: "plural.group" (core: "plural") entries answered 403; "*" forbids all.
        `builtin_priority_classes`: add the two PriorityClasses every API server creates at start
        (system-cluster-critical, system-node-critical) unless the objects define them."""
        self.surface = list(surface)
        self.objects: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for obj in objects:
            self.add(obj)
        if builtin_priority_classes:
            self._add_system_priority_classes()
        optional_with_objects = {r.group for r in self.surface if r.optional and self.objects.get((r.group, r.plural))}
        self.installed = set(installed) if installed is not None else optional_with_objects
        self.forbidden = set(forbidden)
        self.token = token
        self.latency_s = latency_s
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self.secret_requests: list[RecordedRequest] = []
        self.resource_version = 1000
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ setup

    def _resource_for(self, obj: Mapping[str, Any]) -> ApiResource | None:
        gv, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
        group = gv.rpartition("/")[0]
        return next((r for r in self.surface if r.group == group and r.kind == kind), None)

    def add(self, obj: Mapping[str, Any]) -> None:
        """Add one object (it must be of a kind in the surface)."""
        res = self._resource_for(obj)
        if res is None:
            raise ValueError(f"no resource serves {obj.get('apiVersion')} {obj.get('kind')}")
        o = copy.deepcopy(dict(obj))
        meta = o.setdefault("metadata", {})
        if res.namespaced:
            meta.setdefault("namespace", "default")
        name = f"{meta.get('namespace', '')}/{meta.get('name', '')}/{res.kind}"
        meta.setdefault(
            "uid",
            hashlib.sha256(name.encode()).hexdigest()[:8]
            + "-0000-4000-8000-"
            + hashlib.sha256(name.encode()).hexdigest()[:12],
        )
        meta.setdefault("resourceVersion", "1")
        meta.setdefault("creationTimestamp", "2024-01-01T00:00:00Z")
        self.objects.setdefault((res.group, res.plural), []).append(o)

    def _add_system_priority_classes(self) -> None:
        """The classes kube-apiserver creates at start-up (pkg/apis/scheduling SystemPriorityClasses)."""
        res = next((r for r in self.surface if r.group == "scheduling.k8s.io" and r.plural == "priorityclasses"), None)
        if res is None:
            return
        have = {o["metadata"].get("name") for o in self.objects.get((res.group, res.plural), [])}
        for name, value, description in _SYSTEM_PRIORITY_CLASSES:
            if name not in have:
                self.add(
                    {
                        "apiVersion": res.group_version,
                        "kind": res.kind,
                        "metadata": {"name": name},
                        "value": value,
                        "globalDefault": False,
                        "preemptionPolicy": "PreemptLowerPriority",
                        "description": description,
                    }
                )

    def inject_fault(self, path_regex: str, status: int, times: int = 1, retry_after: float | None = None) -> Fault:
        f = Fault(path_regex, status, times, retry_after)
        with self._lock:
            self.faults.append(f)
        return f

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
            self.secret_requests.clear()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> KubeApiServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One segment per response: without these, Nagle plus delayed ACK cost ~40 ms a request.
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

            def do_PUT(self) -> None:
                server._handle(self, "PUT")

            def do_PATCH(self) -> None:
                server._handle(self, "PATCH")

            def do_DELETE(self) -> None:
                server._handle(self, "DELETE")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd, _url = serve(Handler, "kubeapi")
        return self

    def stop(self) -> None:
        shutdown(self._httpd)
        self._httpd = None

    def __enter__(self) -> KubeApiServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP

    def _send(
        self, h: BaseHTTPRequestHandler, code: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        raw = json.dumps(body, separators=(",", ":")).encode()
        h.send_response(code)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.send_header("Audit-Id", hashlib.sha256(raw).hexdigest()[:16])
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        req = RecordedRequest(method, parts.path, query)
        length = int(h.headers.get("Content-Length") or 0)
        if length:
            h.rfile.read(length)
        with self._lock:
            self.requests.append(req)
        if self.latency_s:
            time.sleep(self.latency_s)
        if self.token is not None and h.headers.get("Authorization") != f"Bearer {self.token}":
            self._send(h, 401, status_body(401, "Unauthorized", "Unauthorized"))
            return
        fault = self._fault_for(parts.path)
        if fault is not None:
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            reason = "TooManyRequests" if fault.status == 429 else "InternalError"
            self._send(h, fault.status, status_body(fault.status, reason, f"injected fault {fault.status}"), headers)
            return
        if "/secrets" in parts.path.lower() or parts.path.rstrip("/").endswith("/secrets"):
            with self._lock:
                self.secret_requests.append(req)
            self._send(
                h,
                403,
                status_body(
                    403, "Forbidden", "secrets is forbidden: this server never serves secrets", {"kind": "secrets"}
                ),
            )
            return
        if method != "GET":
            self._send(
                h, 405, status_body(405, "MethodNotAllowed", f"{method} is not supported by this read-only server")
            )
            return
        code, body = self._route(parts.path, query)
        self._send(h, code, body)

    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if f.hits < f.times and re.search(f.path_regex, path):
                    f.hits += 1
                    return f
        return None

    # ------------------------------------------------------------------ routing

    def _groups(self) -> dict[str, list[str]]:
        """Served API groups (core is "") and their versions."""
        out: dict[str, list[str]] = {}
        for r in self.surface:
            if r.optional and r.group not in self.installed:
                continue
            versions = out.setdefault(r.group, [])
            if r.version not in versions:
                versions.append(r.version)
        return out

    def _route(self, path: str, query: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        groups = self._groups()
        if path == "/api":
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
            }
        if path == "/apis":
            return 200, group_list(groups)
        m = re.fullmatch(r"/api/(?P<v>[^/]+)(?P<rest>/.*)?", path) or re.fullmatch(
            r"/apis/(?P<g>[^/]+)/(?P<v>[^/]+)(?P<rest>/.*)?", path
        )
        if m is None:
            if re.fullmatch(r"/apis/[^/]+", path):
                g = path.split("/")[2]
                if g in groups and g:
                    return 200, group_doc(g, groups[g])
            return 404, status_body(404, "NotFound", "the server could not find the requested resource")
        group, version, rest = m.groupdict().get("g") or "", m.group("v"), m.group("rest") or ""
        if group not in groups or version not in groups[group]:
            return 404, status_body(404, "NotFound", "the server could not find the requested resource")
        if rest in ("", "/"):
            return 200, resource_list(self.surface, group, version)
        segs = [s for s in rest.split("/") if s]
        namespace: str | None = None
        if len(segs) >= 3 and segs[0] == "namespaces":
            namespace, segs = segs[1], segs[2:]
        elif segs[0] == "namespaces" and len(segs) == 2:
            segs = ["namespaces", segs[1]]
        res = next((r for r in self.surface if r.group == group and r.version == version and r.plural == segs[0]), None)
        if res is None or len(segs) > 2:
            return 404, status_body(404, "NotFound", "the server could not find the requested resource")
        verb = "get" if len(segs) == 2 else "list"
        if self._is_forbidden(res):
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            what = f"{res.plural}.{res.group}" if res.group else res.plural
            msg = f'{what} is forbidden: User "system:serviceaccount:maturity:scanner" cannot {verb} resource "{res.plural}" in API group "{res.group}" {scope}'
            return 403, status_body(403, "Forbidden", msg, {"group": res.group, "kind": res.plural})
        items = [
            o
            for o in self.objects.get((res.group, res.plural), [])
            if namespace is None or o["metadata"].get("namespace") == namespace
        ]
        if verb == "get":
            found = next((o for o in items if o["metadata"].get("name") == segs[1]), None)
            if found is None:
                return 404, status_body(
                    404, "NotFound", f'{res.plural} "{segs[1]}" not found', {"name": segs[1], "kind": res.plural}
                )
            return 200, {"kind": res.kind, "apiVersion": res.group_version, **copy.deepcopy(found)}
        return self._list(res, items, query, path)

    def _is_forbidden(self, res: ApiResource) -> bool:
        key = f"{res.plural}.{res.group}" if res.group else res.plural
        return "*" in self.forbidden or key in self.forbidden

    def _list(
        self, res: ApiResource, items: list[dict[str, Any]], query: Mapping[str, str], path: str
    ) -> tuple[int, dict[str, Any]]:
        start = 0
        rv = str(self.resource_version)
        token = query.get("continue") or ""
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
                start, rv = int(state["start"]), str(state["rv"])
                if state["path"] != hashlib.sha256(path.encode()).hexdigest()[:16] or start < 0:
                    raise ValueError("token for another list")
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                return 410, status_body(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                )
        limit_raw = query.get("limit") or "0"
        limit = int(limit_raw) if limit_raw.isdigit() else 0
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        page = items[start:end]
        meta: dict[str, Any] = {"resourceVersion": rv}
        if end < len(items):
            state = {"rv": rv, "start": end, "path": hashlib.sha256(path.encode()).hexdigest()[:16]}
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
            meta["remainingItemCount"] = len(items) - end
        out_items = []
        for o in page:
            item = copy.deepcopy(o)
            if not res.optional:  # built-in list items omit kind and apiVersion, CRD items keep them
                item.pop("kind", None)
                item.pop("apiVersion", None)
            out_items.append(item)
        return 200, {"kind": f"{res.kind}List", "apiVersion": res.group_version, "metadata": meta, "items": out_items}

    def request_paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]
