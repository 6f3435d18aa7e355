"""Read-only access to the Kubernetes API through the official client, as raw JSON.

The official client handles kubeconfig, contexts, in-cluster service accounts, TLS and token
refresh. We call its ApiClient with `_preload_content=False` and parse the JSON ourselves, so
the probe sees the same camelCase dicts a manifest has (one derivation serves both) and never
builds typed model objects for thousands of items. Every call is a GET.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.config.config_exception import ConfigException
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
from scanner.probe import ProbeContext, SourceFailure
from scanner.ratelimit import TokenBucket, retry_after_seconds

__all__ = ["ApiError", "KubeReader", "make_api_client"]


class ApiError(Exception):
    """A request that failed after retries: `status` (0 for transport errors) and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    @property
    def category(self) -> str:
        return {401: "unauthorized", 403: "forbidden", 404: "not_installed", 0: "unreachable"}.get(
            self.status, "timeout" if self.status == 504 else "error"
        )


def make_api_client(kubeconfig: str | None, context: str | None, in_cluster: bool) -> k8s.ApiClient:
    """An ApiClient for a kubeconfig (path + context) or the pod's service account."""
    cfg = k8s.Configuration()
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
    api = k8s.ApiClient(configuration=cfg)
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
        """One GET returning a JSON object; raises ApiError after retries.

        The request goes through the client's own urllib3 pool (its TLS and auth settings,
        token refresh included) but never follows a redirect, has one total deadline and reads
        its body, error answers included, with a cap on the decoded size.
        """
        attempt = 0
        while True:
            self.ctx.check()
            if self.bucket is not None:
                self.bucket.acquire(self.ctx.remaining())
            self.ctx.count_request()
            try:
                status, headers, raw = self._fetch(path, list(query or []), min(60.0, self.ctx.remaining()))
            except (HTTPError, OSError, DeadlinePassed) as exc:
                # Say "timed out" when it did: the auditor reads this reason on every unknown item.
                timed_out = isinstance(exc, DeadlinePassed) or any(
                    # MaxRetryError wraps the real error; a refused connect is not a timeout
                    isinstance(e, (TimeoutError, Urllib3Timeout)) and not isinstance(e, NewConnectionError)
                    for e in (exc, getattr(exc, "reason", None))
                )
                why = "request timed out" if timed_out else f"cannot reach the API server: {type(exc).__name__}"
                if attempt < self.retries:
                    attempt += 1
                    self._backoff(attempt, None, why)
                    continue
                raise ApiError(504 if timed_out else 0, why) from None
            except BodyTooLarge as exc:
                raise ApiError(-1, f"{path}: {exc}") from None
            if 300 <= status < 400:
                target = resolve_location(self.host + path, headers.get("Location"))
                try:
                    check_origin(target, self.host, what="redirect", logger=self.ctx.log)
                except OriginRefused as exc:
                    raise ApiError(status, str(exc)) from None
                raise ApiError(status, f"HTTP {status}: the API server redirected {path}; not followed")
            if not 200 <= status <= 299:
                if (status == 429 or status >= 500) and attempt < self.retries:
                    attempt += 1
                    self._backoff(attempt, headers.get("Retry-After"), _status_reason(status, raw))
                    continue
                raise ApiError(status, _status_reason(status, raw))
            try:
                doc = json.loads(raw)
            except (ValueError, TypeError, RecursionError):
                raise ApiError(-1, f"malformed JSON from {path}") from None
            if not isinstance(doc, dict):
                raise ApiError(-1, f"unexpected JSON from {path}")
            return doc

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

    def _backoff(self, attempt: int, retry_after: str | None, why: str) -> None:
        delay = min(30.0, 0.2 * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto
        asked = retry_after_seconds(retry_after)
        if asked is not None:
            delay = max(delay, min(60.0, asked))
        if delay >= self.ctx.remaining():
            raise ApiError(504, f"{why}; gave up retrying: the source deadline is near")
        self.ctx.log.debug("retrying in %.2fs (attempt %d of %d): %s", delay, attempt, self.retries, why)
        end = time.monotonic() + delay
        while time.monotonic() < end:
            self.ctx.check()
            time.sleep(min(0.1, end - time.monotonic()) if end > time.monotonic() else 0)

    def list_all(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following `continue` tokens to the end (a token seen
        before, or more than MAX_PAGES pages, is an error: the server is looping)."""
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
                raise ApiError(-1, f"malformed list from {path}: no items")
            for item in items:
                if isinstance(item, dict):
                    yield item
            meta = page.get("metadata") if isinstance(page.get("metadata"), dict) else {}
            assert isinstance(meta, dict)
            token = str(meta.get("continue") or "")
            if not token:
                return
            try:
                guard.next(token)
            except LoopDetected as exc:
                self.ctx.log.warning("%s", exc)
                raise ApiError(-1, str(exc)) from None
