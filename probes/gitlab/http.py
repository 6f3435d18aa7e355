"""python-gitlab behind one seam: bounded retries, rate limit, deadlines and request counting.

python-gitlab does the REST work (auth headers, pagination by Link header, keyset or offset,
error classes). Its own retry loop sleeps without regard to the scan deadline and retries up
to 10 times, so it is switched off and `_Session` retries instead, by the shared policy
(scanner.retry): at most `retries` times on 429/5xx/connection errors, waiting Retry-After
(seconds or an HTTP date) or a jittered exponential backoff, never past the source's
deadline, and interruptible by a cancelled scan. Failures are the toolkit's CollectError.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import gitlab
import gitlab.exceptions
import requests
import urllib3
from requests.adapters import HTTPAdapter

from probes import netguard
from probes.gitlab.config import GitLabConfig
from probes.gitlab.ids import ApiError, encode_id
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
from scanner.probe import ProbeContext
from scanner.ratelimit import TokenBucket
from scanner.retry import retrying

__all__ = ["Api", "ApiError", "encode_id", "environ_proxy"]

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
NO_RETRY: dict[str, Any] = {"obey_rate_limit": False, "retry_transient_errors": False, "max_retries": 0}


class _GuardedAdapter(HTTPAdapter):
    """An adapter whose connections honour the request deadline (see probes.netguard)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        guard_pool_manager(self.poolmanager)
        self._proxy_lock = threading.Lock()

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """The proxy's connection manager, guarded like the direct one (made once, under a lock)."""
        with self._proxy_lock:
            made = proxy in self.proxy_manager
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            if not made:
                guard_pool_manager(manager)
        return manager


class _Answer(requests.Response):
    """A response whose JSON (pages of deployments, merge requests, ...) is decoded by orjson
    wherever that gives exactly the value requests' own `json()` would; else by requests."""

    def json(self, **kwargs: Any) -> Any:
        if kwargs or (self.encoding or "utf-8").lower() not in ("utf-8", "utf8"):
            return super().json(**kwargs)
        return loads_or(self.content, lambda: requests.Response.json(self))


def environ_proxy(url: str) -> dict[str, str]:
    """The proxy the environment names for `url` (HTTP(S)_PROXY, ALL_PROXY, less NO_PROXY), as
    requests would choose it for each request, resolved once: {scheme: proxy URL} or {}."""
    scheme = urlsplit(url).scheme
    found = requests.utils.get_environ_proxies(url)
    proxy = found.get(scheme) or found.get("all")
    if not proxy:
        return {}
    if urlsplit(proxy).scheme.lower() not in ("http", "https"):  # socks needs PySocks: say so, early
        raise ApiError(f"the {scheme} proxy in the environment is not an http(s):// proxy", "error")
    return {scheme: proxy}


class _Session(requests.Session):
    """A requests session that counts, paces, times out and retries every request, and sends
    nothing (above all not the token) anywhere but the configured GitLab."""

    def __init__(self, ctx: ProbeContext, cfg: GitLabConfig) -> None:
        super().__init__()
        self._ctx = ctx
        self._retries = cfg.retries
        self._timeout = cfg.request_timeout_s
        self.base = cfg.url.rstrip("/") + "/api/v4"  # python-gitlab asks nothing outside its API
        self.graphql_url = cfg.url.rstrip("/") + "/api/graphql"  # the one URL outside it: read-only queries
        # The environment is read here, once: requests would re-read the proxy variables (and
        # .netrc, whose credentials must never be sent) on every request. The proxy applies to
        # the one origin this session talks to (every other URL is refused below).
        self.trust_env = False
        self.proxies = environ_proxy(self.base)
        self.headers["Accept-Encoding"] = "gzip, identity"
        # One bucket for every thread of this source; waiting for a token ends on cancel.
        self._bucket = TokenBucket(cfg.rate_limit_per_s, sleep=ctx.cancel_event.wait) if cfg.rate_limit_per_s else None
        adapter = _GuardedAdapter(pool_connections=2, pool_maxsize=max(4, cfg.concurrency * 2))
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def _throttle(self) -> None:
        if self._bucket is not None:
            self._bucket.acquire()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        url = url.decode() if isinstance(url, bytes) else url
        if url == self.graphql_url and str(method).upper() == "POST":  # Api.graphql, its fixed queries only
            resp = self._attempts(method, url, *args, **{**kwargs, "allow_redirects": False, "stream": True})
            if resp.is_redirect:
                raise requests.TooManyRedirects("a redirect from the GraphQL endpoint is not followed")
            return resp
        check_origin(url, self.base, what="next-page link or request", logger=self._ctx.log)
        # requests would follow a redirect itself, carrying PRIVATE-TOKEN (it strips only
        # Authorization) to wherever it points: redirects are followed here, by origin.
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        hops = 0
        while True:
            resp = self._attempts(method, url, *args, **kwargs)
            location = resp.headers.get("Location")
            if not (resp.is_redirect and location):
                return resp
            target = resolve_location(url, location)
            resp.close()
            check_origin(target, self.base, what="redirect", logger=self._ctx.log)
            hops += 1
            if hops > MAX_REDIRECTS:
                raise requests.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")
            url, kwargs["params"] = target, None

    def _attempts(self, method: str | bytes, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        controller = retrying(
            self._ctx,
            self._retries,
            what=f"{method!s} {url.split('?')[0]}",
            transient_error=lambda e: isinstance(e, (requests.ConnectionError, requests.Timeout)),
            transient_answer=lambda r: r.status_code in RETRY_STATUS,
            retry_after=lambda r: r.headers.get("Retry-After"),
            describe=lambda r: f"HTTP {r.status_code}",
        )
        resp: requests.Response = controller(self._attempt, method, url, *args, **kwargs)
        return resp

    def _attempt(self, method: str | bytes, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        self._ctx.check()
        self._throttle()
        self._ctx.count_request()
        kwargs["timeout"] = min(float(kwargs.get("timeout") or self._timeout), self._ctx.remaining())
        return self._one(method, url, *args, **kwargs)

    def _one(self, method: str | bytes, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        """One request under one total deadline, its body read with a cap on the decoded size."""
        with deadline(float(kwargs["timeout"])) as dl:
            try:
                resp = super().request(method, url, *args, **kwargs)
                try:
                    body = read_body(
                        resp.raw.stream(CHUNK, decode_content=False),
                        encoding=resp.headers.get("Content-Encoding"),
                        until=dl.at,
                    )
                except BaseException:
                    resp.raw.close()  # a half-read answer's connection is never reused
                    raise
            except DeadlinePassed as exc:
                raise requests.Timeout(str(exc)) from None
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                if dl.expired:
                    raise requests.Timeout("the request deadline passed") from None
                if isinstance(exc, requests.RequestException):
                    raise
                raise requests.ConnectionError(type(exc).__name__) from None
        if dl.expired:  # a socket shut at the deadline can look like a short, complete answer
            raise requests.Timeout("the request deadline passed")
        # The body is already decoded: requests must not decode it again.
        resp.headers.pop("Content-Encoding", None)
        resp._content = body
        resp._content_consumed = True  # type: ignore[attr-defined]
        resp.__class__ = _Answer
        resp.close()  # the body was read to its end: this returns the connection to the pool
        return resp


def _credential(cfg: GitLabConfig) -> dict[str, Any]:
    if cfg.token_env:
        token = os.environ.get(cfg.token_env, "").strip()
        if not token:
            raise ApiError(f"environment variable {cfg.token_env} is not set", "unauthorized")
        return {"private_token": token}
    if cfg.job_token_env:
        token = os.environ.get(cfg.job_token_env, "").strip()
        if not token:
            raise ApiError(f"environment variable {cfg.job_token_env} is not set", "unauthorized")
        return {"job_token": token}
    if cfg.token_file:
        try:
            token = cfg.resolve(cfg.token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ApiError(f"cannot read token_file: {exc.strerror or type(exc).__name__}", "unauthorized") from exc
        if not token:
            raise ApiError("token_file is empty", "unauthorized")
        return {"private_token": token}
    return {}


class Api:
    """The few read-only calls the probe makes, with errors mapped to ApiError."""

    def __init__(self, cfg: GitLabConfig, ctx: ProbeContext) -> None:
        self.cfg = cfg
        self.ctx = ctx
        self.session = _Session(ctx, cfg)
        self.gl = gitlab.Gitlab(
            cfg.url.rstrip("/"),
            **_credential(cfg),
            session=self.session,
            timeout=cfg.request_timeout_s,
            ssl_verify=str(cfg.resolve(cfg.ca_file)) if cfg.ca_file else True,
            per_page=cfg.per_page,
            keep_base_url=True,  # a misconfigured external_url must not send page 2 elsewhere
            user_agent="maturity-scanner (read-only)",
        )

    def close(self) -> None:
        self.session.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """One JSON object."""
        with _mapped(path):
            return self.gl.http_get(path, query_data=params or {}, **NO_RETRY)

    def raw(self, path: str, params: dict[str, Any] | None = None) -> bytes | None:
        """A raw file's bytes, or None when it does not exist (404)."""
        try:
            with _mapped(path):
                resp = self.gl.http_get(path, query_data=params or {}, raw=True, streamed=False, **NO_RETRY)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return resp.content if isinstance(resp, requests.Response) else str(resp).encode()

    def first_page(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Only the first page of a list endpoint (for bounded samples)."""
        with _mapped(path):
            rows = self.gl.http_list(path, query_data=params or {}, get_all=False, **NO_RETRY)
        return [r for r in rows if isinstance(r, dict)]

    def count(self, path: str, params: dict[str, Any] | None = None) -> int | None:
        """How many items a list endpoint holds, from the X-Total header of a one-item page (None:
        GitLab left the header out, as it does above 10,000 rows, or sent something else)."""
        with _mapped(path):
            resp = self.gl.http_request("get", path, query_data={**(params or {}), "per_page": 1}, **NO_RETRY)
        total = str(resp.headers.get("X-Total") or "").strip()
        return int(total) if total.isdigit() and len(total) <= 12 else None

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of one GraphQL query (POST /api/graphql; callers pass fixed, read-only queries)."""
        with _mapped("/graphql"):
            answer = self.gl.http_post(
                self.session.graphql_url, post_data={"query": query, "variables": variables}, **NO_RETRY
            )
        if not isinstance(answer, dict):
            raise ApiError("/graphql: expected a JSON object", "malformed")
        errors = answer.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
            raise ApiError(f"/graphql: {str(first.get('message') or 'query refused')[:200]}", "error")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise ApiError("/graphql: the answer has no data", "malformed")
        return data

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following the Link header to the last page.

        Each next link must stay on the configured origin (the session refuses it otherwise);
        a link seen before or more than MAX_PAGES pages end the list as an error.
        """
        guard = PageGuard(path.split("?")[0], netguard.MAX_PAGES)  # read at run time: tests lower it
        url, query = path, {"per_page": self.cfg.per_page, **(params or {})}
        with _mapped(path):
            guard.page()
            while True:
                resp = self.gl.http_request("get", url, query_data=query, **NO_RETRY)
                rows = resp.json()
                if not isinstance(rows, list):
                    raise ApiError(f"{path}: expected a list of objects", "malformed")
                for item in rows:
                    if not isinstance(item, dict):
                        raise ApiError(f"{path}: expected a list of objects", "malformed")
                    yield item
                nxt = (resp.links.get("next") or {}).get("url")
                if not nxt:
                    return
                guard.next(nxt)
                url, query = nxt, {}


class _mapped:
    """Turn python-gitlab and requests exceptions into ApiError with a short, secret-free reason."""

    def __init__(self, path: str) -> None:
        self.path = path.split("?")[0]

    def __enter__(self) -> None:
        return None

    def __exit__(self, et: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, ApiError):
            return
        if isinstance(exc, OriginRefused):
            raise ApiError(f"{self.path}: {exc}", "error") from None
        if isinstance(exc, (LoopDetected, BodyTooLarge)):
            raise ApiError(f"{self.path}: {exc}", "malformed") from None
        if isinstance(exc, requests.TooManyRedirects):
            raise ApiError(f"{self.path}: too many redirects", "error") from None
        if isinstance(exc, gitlab.exceptions.GitlabAuthenticationError):
            raise ApiError(f"{self.path}: HTTP 401 Unauthorized: the token was refused", "unauthorized", 401) from None
        if isinstance(exc, gitlab.exceptions.GitlabParsingError):
            raise ApiError(f"{self.path}: the answer is not valid JSON", "malformed") from None
        if isinstance(exc, gitlab.exceptions.GitlabHttpError):
            code = exc.response_code or 0
            category = {401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(code, "error")
            message = str(exc.error_message)[:200] if exc.error_message else ""
            message = message.removeprefix(str(code)).strip()  # GitLab's messages repeat the code
            extra = (
                " (rate limited; retries exhausted)"
                if code == 429
                else " (server error; retries exhausted)"
                if code >= 500
                else ""
            )
            raise ApiError(f"{self.path}: HTTP {code} {message}{extra}".rstrip(), category, code) from None
        if isinstance(exc, requests.Timeout):
            raise ApiError(f"{self.path}: request timed out", "timeout") from None
        if isinstance(exc, requests.ConnectionError):
            raise ApiError(f"{self.path}: cannot connect to GitLab", "unreachable") from None
        if isinstance(exc, RecursionError):  # json on a 100k-deep answer: that answer is malformed
            raise ApiError(f"{self.path}: the answer is nested too deeply", "malformed") from None
        if isinstance(exc, (ValueError, TypeError)):
            raise ApiError(f"{self.path}: unexpected answer ({type(exc).__name__})", "malformed") from None
