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

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

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
    return k8s.ApiClient(configuration=cfg)


def _status_reason(exc: ApiException) -> str:
    """The API's Status message when there is one (it names resource and verb, never secrets)."""
    try:
        body = json.loads(exc.body or "{}")
        if isinstance(body, dict) and body.get("message"):
            return f"HTTP {exc.status}: {str(body['message'])[:300]}"
    except (ValueError, TypeError):
        pass
    return f"HTTP {exc.status} {exc.reason or ''}".strip()


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
    ) -> None:
        self.api = api
        self.ctx = ctx
        self.retries = retries
        self.page_size = page_size
        # One bucket for every thread reading this source: lists are read concurrently.
        self.bucket = TokenBucket(rate_limit_per_s) if rate_limit_per_s else None

    @property
    def host(self) -> str:
        return str(self.api.configuration.host).rstrip("/")

    def get(self, path: str, query: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """One GET returning a JSON object; raises ApiError after retries."""
        attempt = 0
        while True:
            self.ctx.check()
            if self.bucket is not None:
                self.bucket.acquire(self.ctx.remaining())
            self.ctx.count_request()
            try:
                resp = self.api.call_api(
                    path,
                    "GET",
                    query_params=list(query or []),
                    header_params={"Accept": "application/json"},
                    auth_settings=["BearerToken"],
                    _preload_content=False,
                    _request_timeout=min(60.0, self.ctx.remaining()),
                )
                raw = resp.data
            except ApiException as exc:
                status = int(exc.status or 0)
                if (status == 429 or status >= 500) and attempt < self.retries:
                    attempt += 1
                    self._backoff(attempt, (exc.headers or {}).get("Retry-After"), _status_reason(exc))
                    continue
                raise ApiError(status, _status_reason(exc)) from None
            except (HTTPError, OSError) as exc:
                # Say "timed out" when it did: the auditor reads this reason on every unknown item.
                timed_out = any(  # MaxRetryError wraps the real error; a refused connect is not a timeout
                    isinstance(e, (TimeoutError, Urllib3Timeout)) and not isinstance(e, NewConnectionError)
                    for e in (exc, getattr(exc, "reason", None))
                )
                why = "request timed out" if timed_out else f"cannot reach the API server: {type(exc).__name__}"
                if attempt < self.retries:
                    attempt += 1
                    self._backoff(attempt, None, why)
                    continue
                raise ApiError(504 if timed_out else 0, why) from None
            try:
                doc = json.loads(raw)
            except (ValueError, TypeError):
                raise ApiError(-1, f"malformed JSON from {path}") from None
            if not isinstance(doc, dict):
                raise ApiError(-1, f"unexpected JSON from {path}")
            return doc

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
        """Every item of a list endpoint, following `continue` tokens to the end."""
        token = ""
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
