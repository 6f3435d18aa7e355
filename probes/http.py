"""One authenticated, read-only HTTP client per source, shared by every httpx-based probe
(Prometheus, Alertmanager, Grafana, Loki, PagerDuty, Sentry): auth from the environment or files, TLS options, the shared retry policy
(scanner.retry: 429/5xx and transport errors, Retry-After or jittered backoff, never past the
deadline), timeouts from the source deadline, and failures mapped to the toolkit's
CollectError categories (never with a credential in the message).

`JsonClient(..., transport=...)` is the one seam of the httpx-based probes: tests hand in an
`httpx.MockTransport` or a loopback server; production gets the deadline-guarded transport.
"""

from __future__ import annotations

import base64
import codecs
import os
import ssl
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from probes.netguard import (
    CHUNK,
    MAX_BODY,
    BodyTooLarge,
    DeadlineBackend,
    DeadlinePassed,
    OriginRefused,
    check_origin,
    deadline,
    read_body,
    resolve_location,
)
from scanner.config import SourceConfig
from scanner.jsonio import load_json, load_json_stdlib, loads_or
from scanner.probe import CollectError, ProbeContext
from scanner.ratelimit import TokenBucket
from scanner.retry import retrying

if TYPE_CHECKING:  # httpx is imported when a client is made: registering the probes must not load it
    import httpx

__all__ = ["MAX_BODY", "ApiError", "HttpSourceConfig", "JsonClient", "safe_url"]

MAX_REDIRECTS = 5


class HttpSourceConfig(SourceConfig):
    """A source reached over HTTP(S): its base URL and how to authenticate."""

    url: str = Field(pattern=r"^https?://", description="base URL, e.g. http://prometheus:9090 (a path prefix is kept)")
    bearer_token_env: str | None = Field(default=None, description="environment variable holding a bearer token")
    bearer_token_file: str | None = Field(default=None, description="file holding a bearer token")
    basic_auth_env: str | None = Field(default=None, description='environment variable holding "user:password"')
    ca_file: str | None = Field(default=None, description="PEM bundle of the CA(s) that signed the server certificate")
    tls_cert_file: str | None = Field(default=None, description="client certificate (PEM)")
    tls_key_file: str | None = Field(default=None, description="client key (PEM); may be omitted when in tls_cert_file")
    insecure_skip_verify: bool = Field(
        default=False, description="do not verify the server certificate (not recommended)"
    )
    request_timeout_s: float = Field(default=30.0, gt=0, le=600)

    @model_validator(mode="after")
    def _one_auth(self) -> HttpSourceConfig:
        given = [k for k in ("bearer_token_env", "bearer_token_file", "basic_auth_env") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"choose one of {', '.join(given)}")
        if self.tls_key_file and not self.tls_cert_file:
            raise ValueError("tls_key_file needs tls_cert_file")
        return self


ApiError = CollectError  # the toolkit's one failure type, under the name these modules know


def safe_url(url: str) -> str:
    """scheme://host[:port]/path of a URL: never userinfo, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _auth_headers(cfg: HttpSourceConfig) -> dict[str, str]:
    if cfg.bearer_token_env:
        token = os.environ.get(cfg.bearer_token_env, "").strip()
        if not token:
            raise ApiError(f"environment variable {cfg.bearer_token_env} is not set", "unauthorized")
        return {"Authorization": f"Bearer {token}"}
    if cfg.bearer_token_file:
        try:
            token = cfg.resolve(cfg.bearer_token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ApiError(
                f"cannot read bearer_token_file: {exc.strerror or type(exc).__name__}", "unauthorized"
            ) from exc
        return {"Authorization": f"Bearer {token}"}
    if cfg.basic_auth_env:
        pair = os.environ.get(cfg.basic_auth_env, "")
        if not pair.strip():  # the same words as for every other unset credential variable
            raise ApiError(f"environment variable {cfg.basic_auth_env} is not set", "unauthorized")
        if ":" not in pair:
            raise ApiError(f'environment variable {cfg.basic_auth_env} must hold "user:password"', "unauthorized")
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    return {}


def _tls(cfg: HttpSourceConfig) -> ssl.SSLContext | bool:
    if cfg.insecure_skip_verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=str(cfg.resolve(cfg.ca_file)) if cfg.ca_file else None)
    if cfg.tls_cert_file:
        key = str(cfg.resolve(cfg.tls_key_file)) if cfg.tls_key_file else None
        ctx.load_cert_chain(str(cfg.resolve(cfg.tls_cert_file)), key)
    return ctx


def _guarded_transport(verify: ssl.SSLContext | bool) -> httpx.HTTPTransport:
    """httpx's transport, its sockets read through DeadlineBackend (httpx 0.28 has no public
    way to pass a network backend, so the pool is rebuilt with the same TLS context)."""
    import httpcore
    import httpx

    transport = httpx.HTTPTransport(verify=verify, trust_env=False)
    ssl_ctx = verify if isinstance(verify, ssl.SSLContext) else None
    transport._pool = httpcore.ConnectionPool(ssl_context=ssl_ctx, network_backend=DeadlineBackend())
    return transport


def _charset(headers: httpx.Headers) -> str:
    for part in headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip('"'):
            try:
                return codecs.lookup(value.strip('"')).name
            except LookupError:
                break
    return "utf-8"


class JsonClient:
    """GET JSON (or text) from one source with its auth, retries and deadline."""

    def __init__(
        self, cfg: HttpSourceConfig, ctx: ProbeContext, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        import httpx  # here, not at import: it loads rich, pygments and click when installed

        self.cfg = cfg
        self.ctx = ctx
        self.base = cfg.url.rstrip("/")
        try:
            verify = _tls(cfg)
        except (OSError, ssl.SSLError) as exc:
            raise ApiError(
                f"TLS files could not be loaded: {type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}", "error"
            ) from exc
        if transport is None:
            transport = _guarded_transport(verify)
        self.client = httpx.Client(
            headers={"Accept": "application/json", "Accept-Encoding": "gzip, identity", **_auth_headers(cfg)},
            verify=verify,
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )
        self._bucket = TokenBucket(cfg.rate_limit_per_s) if cfg.rate_limit_per_s else None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> JsonClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _throttle(self) -> None:
        if self._bucket is not None:
            self._bucket.acquire(self.ctx.remaining())

    def get_text(self, path: str, params: dict[str, str] | None = None) -> str:
        """The body of GET base+path; raises CollectError with a category on any failure."""
        headers, body = self.get_answer(path, params)
        return body.decode(_charset(headers), errors="replace")

    def get_answer(
        self, path: str, params: dict[str, str] | None = None, *, url: str | None = None
    ) -> tuple[httpx.Headers, bytes]:
        """Headers and body of a successful GET of base+path (or of `url`, a next-page link the
        caller has checked is on this origin; `path` then only names it in reasons).

        Each attempt has one total deadline (a trickling server cannot hold it longer), the
        body is read with a cap on its decoded size, and a redirect is followed only within the
        configured origin and path (the credentials never go anywhere else).
        """
        url = url or self.base + path
        for _hop in range(MAX_REDIRECTS + 1):
            status, headers, body = self._attempts(path, url, params)
            if 300 <= status < 400 and headers.get("location"):
                target = resolve_location(url, headers.get("location"))
                try:
                    check_origin(target, self.base, what="redirect", logger=self.ctx.log)
                except OriginRefused as exc:
                    raise ApiError(f"{path}: {exc}", "error", status) from None
                url, params = target, None
                continue
            if status == 401:
                raise ApiError(
                    f"{path}: HTTP 401 Unauthorized (check the source's credentials)", "unauthorized", status
                )
            if status == 403:
                raise ApiError(f"{path}: HTTP 403 Forbidden", "forbidden", status)
            if status == 404:
                raise ApiError(f"{path}: HTTP 404 Not Found", "not_found", status)
            if status >= 300:
                extra = " (rate limited; retries exhausted)" if status == 429 else self._api_error(body)
                raise ApiError(f"{path}: HTTP {status}{extra}", "error", status)
            return headers, body
        raise ApiError(f"{path}: more than {MAX_REDIRECTS} redirects", "error")

    def _attempts(self, path: str, url: str, params: dict[str, str] | None) -> tuple[int, httpx.Headers, bytes]:
        """One GET under the shared retry policy; transport failures mapped to CollectError."""
        import httpx

        controller = retrying(
            self.ctx,
            self.cfg.retries,
            what=path,
            transient_error=lambda e: isinstance(e, (httpx.TransportError, DeadlinePassed)),
            transient_answer=lambda a: a[0] == 429 or a[0] >= 500,
            retry_after=lambda a: a[1].get("Retry-After"),
            describe=lambda a: f"HTTP {a[0]}",
        )
        started = time.monotonic()
        try:
            answer: tuple[int, httpx.Headers, bytes] = controller(self._attempt, url, params)
        except (httpx.TimeoutException, DeadlinePassed) as exc:
            took = time.monotonic() - started
            raise ApiError(f"{path}: timed out after {took:.1f}s", "timeout") from exc
        except BodyTooLarge as exc:
            raise ApiError(f"{path}: {exc}", "malformed") from None
        except httpx.TransportError as exc:
            raise ApiError(
                f"{path}: cannot connect to {safe_url(self.base)}: {type(exc).__name__}", "unreachable"
            ) from exc
        return answer

    def _attempt(self, url: str, params: dict[str, str] | None) -> tuple[int, httpx.Headers, bytes]:
        self.ctx.check()
        self._throttle()
        self.ctx.count_request()
        timeout = min(self.cfg.request_timeout_s, self.ctx.remaining())
        with deadline(timeout) as dl:
            return self._fetch(url, params, timeout, dl.at)

    def _fetch(
        self, url: str, params: dict[str, str] | None, timeout: float, until: float
    ) -> tuple[int, httpx.Headers, bytes]:
        """One GET: status, headers and the capped, decoded body (read before the deadline)."""
        with self.client.stream("GET", url, params=params, timeout=timeout) as resp:
            body = read_body(
                resp.iter_raw(CHUNK), encoding=resp.headers.get("content-encoding"), cap=MAX_BODY, until=until
            )
            return resp.status_code, resp.headers, body

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """Parsed JSON of GET base+path; unparseable JSON is a `malformed` ApiError.

        A UTF-8 body goes to the fast decoder as bytes; whatever it does not take, and any other
        charset, is decoded as text (bad bytes replaced) and parsed as before."""
        headers, body = self.get_answer(path, params)
        charset = _charset(headers)

        def as_text() -> Any:
            return load_json_stdlib(body.decode(charset, errors="replace"))

        try:  # a 100k-deep answer is malformed here, not a RecursionError
            return loads_or(body, as_text) if charset == "utf-8" else load_json(body.decode(charset, errors="replace"))
        except ValueError as exc:
            raise ApiError(f"{path}: the answer is not JSON", "malformed") from exc

    @staticmethod
    def _api_error(body: bytes) -> str:
        """Prometheus puts a one-line reason in `error`; keep a bounded bit of it."""
        try:
            doc = load_json(body)
        except ValueError:
            return ""
        err = doc.get("error") if isinstance(doc, dict) else None
        if isinstance(err, str):
            return ": " + err[:200]
        return ""
