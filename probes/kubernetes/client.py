"""Read-only access to the Kubernetes API through the official client, as raw JSON.

The official client handles kubeconfig, contexts, in-cluster service accounts, TLS and token
refresh. We call its ApiClient with `_preload_content=False` and parse the JSON ourselves, so
the probe sees the same camelCase dicts a manifest has (one derivation serves both) and never
builds typed model objects for thousands of items. Every call is a GET.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from probes import netguard
from probes.netguard import (
    CHUNK,
    BodyTooLarge,
    DeadlinePassed,
    LoopDetected,
    OriginRefused,
    PageGuard,
    check_origin,
    deadline,
    guard_pool_manager,
    read_body,
    resolve_location,
)
from scanner.jsonio import loads_or
from scanner.probe import CollectError, ProbeContext, SourceFailure
from scanner.ratelimit import TokenBucket
from scanner.retry import retrying

if TYPE_CHECKING:
    from kubernetes import client as k8s

__all__ = ["ApiError", "KubeReader", "kube_client", "make_api_client"]


ApiError = CollectError  # the toolkit's one failure type, under the name the probe knows

# HTTP status -> category. 404: the resource or API group is not served by this cluster.
_CATEGORY = {401: "unauthorized", 403: "forbidden", 404: "not_found", 504: "timeout"}


def _http_error(status: int, reason: str) -> CollectError:
    return CollectError(reason, _CATEGORY.get(status, "error"), status)


_CLIENT_LOCK = threading.Lock()
_CLIENT: types.SimpleNamespace | None = None
# The client's package modules whose __init__ imports every API and model class.
_PACKAGES = ("kubernetes", "kubernetes.client", "kubernetes.client.models")


def kube_client() -> types.SimpleNamespace:
    """The parts of the official client the probe uses: `Configuration`, `ApiClient`, the
    `config` loaders and `ConfigException`, imported on first use (a scan without a Kubernetes
    source never loads them).

    `import kubernetes.client` runs the package's __init__, which imports every API and model
    class: 46 MiB resident, the largest share of a scan's module memory. The probe reads raw JSON
    and builds no model, so when no part of `kubernetes` is imported yet, the few modules it
    needs are loaded from their files with those packages stood in for by empty ones (`_lean`,
    about 7 MiB), and every `kubernetes` module is taken out of sys.modules again: a later
    `import kubernetes` anywhere in the process loads the real package, apart from these."""
    global _CLIENT
    with _CLIENT_LOCK:
        if _CLIENT is None:
            _CLIENT = (
                _lean() if not any(m == "kubernetes" or m.startswith("kubernetes.") for m in sys.modules) else None
            )
            if _CLIENT is None:  # already imported (or the lean load failed): the package as it is
                from kubernetes import client as k8s
                from kubernetes import config as k8s_config
                from kubernetes.config.config_exception import ConfigException

                _CLIENT = types.SimpleNamespace(
                    Configuration=k8s.Configuration,
                    ApiClient=k8s.ApiClient,
                    config=k8s_config,
                    ConfigException=ConfigException,
                )
        return _CLIENT


def _lean() -> types.SimpleNamespace | None:
    """Load kubernetes.client.configuration and .api_client and kubernetes.config without the
    package __init__ files (see `kube_client`); None when this client's layout does not allow it."""
    spec = importlib.util.find_spec("kubernetes")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    try:
        stubs = {}
        for name in _PACKAGES:
            stub = types.ModuleType(name)
            stub.__path__ = [str(root.joinpath(*name.split(".")[1:]))]
            sys.modules[name] = stubs[name] = stub
        configuration = importlib.import_module("kubernetes.client.configuration")
        api_client = importlib.import_module("kubernetes.client.api_client")
        # what kubernetes.config imports from the package
        setattr(stubs["kubernetes.client"], "Configuration", configuration.Configuration)  # noqa: B010
        setattr(stubs["kubernetes.client"], "ApiClient", api_client.ApiClient)  # noqa: B010
        config = importlib.import_module("kubernetes.config")
        exception = importlib.import_module("kubernetes.config.config_exception")
        return types.SimpleNamespace(
            Configuration=configuration.Configuration,
            ApiClient=api_client.ApiClient,
            config=config,
            ConfigException=exception.ConfigException,
        )
    except Exception:  # noqa: BLE001 - another layout: the caller imports the package as it is
        return None
    finally:
        for name in [m for m in sys.modules if m == "kubernetes" or m.startswith("kubernetes.")]:
            del sys.modules[name]


def make_api_client(kubeconfig: str | None, context: str | None, in_cluster: bool) -> k8s.ApiClient:
    """An ApiClient for a kubeconfig (path + context) or the pod's service account.

    The official client is imported here, when a cluster is scanned, and without its API and
    model classes (`kube_client`): a scan without a Kubernetes source carries none of it."""
    client = kube_client()
    k8s_config, ConfigException = client.config, client.ConfigException

    cfg = client.Configuration()
    try:
        if in_cluster:
            k8s_config.load_incluster_config(client_configuration=cfg)
        else:
            k8s_config.load_kube_config(
                config_file=kubeconfig, context=context, client_configuration=cfg, persist_config=False
            )
    except (ConfigException, OSError, ValueError, TypeError) as exc:
        # The loader's messages name files and contexts, not credentials.
        raise SourceFailure(f"cannot load Kubernetes credentials: {exc}", category="unauthorized") from exc
    cfg.retries = 0  # we retry ourselves, honouring Retry-After and the source deadline
    api = client.ApiClient(configuration=cfg)
    guard_pool_manager(api.rest_client.pool_manager, no_redirects=True)
    return api


def _status_reason(status: int, body: bytes) -> str:
    """The API's Status message when there is one (it names resource and verb, never secrets)."""
    try:
        doc = json.loads(body or b"{}")
        if isinstance(doc, dict) and doc.get("message"):
            return f"HTTP {status}: {str(doc['message'])[:300]}"
    except (ValueError, TypeError, RecursionError):
        pass
    return f"HTTP {status} {_REASONS.get(status, '')}".strip()


_REASONS = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class KubeReader:
    """GET JSON from the API server with retries, deadlines and request accounting.

    Safe to share between threads (the ApiClient's urllib3 pool is; the rate limit is a shared
    token bucket).
    """

    def __init__(
        self,
        api: k8s.ApiClient,
        ctx: ProbeContext,
        *,
        retries: int,
        page_size: int,
        rate_limit_per_s: float | None = None,
        max_pages: int | None = None,
    ) -> None:
        self.api = api
        self.max_pages = max_pages or netguard.MAX_PAGES  # read at run time: tests lower it
        self.ctx = ctx
        self.retries = retries
        self.page_size = page_size
        # One bucket for every thread reading this source: lists are read concurrently.
        self.bucket = TokenBucket(rate_limit_per_s) if rate_limit_per_s else None

    @property
    def host(self) -> str:
        return str(self.api.configuration.host).rstrip("/")

    def get(self, path: str, query: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """One GET returning a JSON object; raises CollectError after retries.

        The request goes through the client's own urllib3 pool (its TLS and auth settings,
        token refresh included) but never follows a redirect, has one total deadline and reads
        its body, error answers included, with a cap on the decoded size. Retries follow the
        shared policy (scanner.retry).
        """
        controller = retrying(
            self.ctx,
            self.retries,
            what=path,
            transient_error=lambda e: isinstance(e, (HTTPError, OSError, DeadlinePassed)),
            transient_answer=lambda a: a[0] == 429 or a[0] >= 500,
            retry_after=lambda a: a[1].get("Retry-After"),
            describe=lambda a: _status_reason(a[0], a[2]),
        )
        try:
            status, headers, raw = controller(self._attempt, path, list(query or []))
        except (HTTPError, OSError, DeadlinePassed) as exc:
            # Say "timed out" when it did: the auditor reads this reason on every unknown item.
            timed_out = isinstance(exc, DeadlinePassed) or any(
                # MaxRetryError wraps the real error; a refused connect is not a timeout
                isinstance(e, (TimeoutError, Urllib3Timeout)) and not isinstance(e, NewConnectionError)
                for e in (exc, getattr(exc, "reason", None))
            )
            if timed_out:
                raise CollectError("request timed out", "timeout", 504) from None
            raise CollectError(f"cannot reach the API server: {type(exc).__name__}", "unreachable", 0) from None
        except BodyTooLarge as exc:
            raise CollectError(f"{path}: {exc}", "malformed") from None
        if 300 <= status < 400:
            target = resolve_location(self.host + path, headers.get("Location"))
            try:
                check_origin(target, self.host, what="redirect", logger=self.ctx.log)
            except OriginRefused as exc:
                raise CollectError(str(exc), "error", status) from None
            raise CollectError(f"HTTP {status}: the API server redirected {path}; not followed", "error", status)
        if not 200 <= status <= 299:
            raise _http_error(status, _status_reason(status, raw))
        try:
            doc = loads_or(raw, lambda: json.loads(raw))  # orjson where it gives json's value
        except (ValueError, TypeError, RecursionError):
            raise CollectError(f"malformed JSON from {path}", "malformed") from None
        if not isinstance(doc, dict):
            raise CollectError(f"unexpected JSON from {path}", "malformed")
        return doc

    def _attempt(self, path: str, query: list[tuple[str, str]]) -> tuple[int, Any, bytes]:
        self.ctx.check()
        if self.bucket is not None:
            self.bucket.acquire(self.ctx.remaining())
        self.ctx.count_request()
        return self._fetch(path, query, min(60.0, self.ctx.remaining()))

    def _fetch(self, path: str, query: list[tuple[str, str]], timeout: float) -> tuple[int, Any, bytes]:
        """One GET under one total deadline: status, headers, capped decoded body."""
        headers: dict[str, str] = {"Accept": "application/json", "Accept-Encoding": "gzip, identity"}
        headers["User-Agent"] = str(self.api.user_agent or "maturity-scanner")
        self.api.update_params_for_auth(headers, query, ["BearerToken"])
        url = self.host + path + ("?" + urlencode(query) if query else "")
        with deadline(timeout) as dl:
            try:
                resp = self.api.rest_client.pool_manager.request(
                    "GET", url, headers=headers, preload_content=False, redirect=False, retries=False, timeout=timeout
                )
                try:
                    body = read_body(
                        resp.stream(CHUNK, decode_content=False),
                        encoding=resp.headers.get("Content-Encoding"),
                        until=dl.at,
                    )
                except BaseException:
                    resp.close()  # a half-read answer's connection is never reused
                    raise
                finally:
                    resp.release_conn()
            except (HTTPError, OSError) as exc:
                if dl.expired:
                    raise DeadlinePassed("the request deadline passed") from exc
                raise
        if dl.expired:  # a socket shut at the deadline can look like a short, complete answer
            raise DeadlinePassed("the request deadline passed")
        return int(resp.status), resp.headers, body

    def list_all(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following `continue` tokens to the end (a token seen
        before, or more than MAX_PAGES pages, is an error: the server is looping)."""
        for page in self.list_pages(path):
            yield from page

    def list_pages(self, path: str) -> Iterator[list[dict[str, Any]]]:
        """The items of a list endpoint page by page, as `list_all` reads them (a page is
        yielded before the next is asked for, so a caller can fold it and let it go)."""
        token = ""
        guard = PageGuard(path, self.max_pages)
        guard.page()
        while True:
            query = [("limit", str(self.page_size))]
            if token:
                query.append(("continue", token))
            page = self.get(path, query)
            items = page.get("items")
            if not isinstance(items, list):
                raise CollectError(f"malformed list from {path}: no items", "malformed")
            meta = page.get("metadata") if isinstance(page.get("metadata"), dict) else {}
            assert isinstance(meta, dict)
            token = str(meta.get("continue") or "")
            del page, meta  # only the items live on, in the caller's hands
            yield [item for item in items if isinstance(item, dict)]
            if not token:
                return
            try:
                guard.next(token)
            except LoopDetected as exc:
                self.ctx.log.warning("%s", exc)
                raise CollectError(str(exc), "malformed") from None
