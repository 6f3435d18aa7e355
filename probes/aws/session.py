"""Sessions, clients and the record of every API call the probe makes.

boto3 sessions are not thread-safe but clients are: every client is created up front in the
calling thread (`Clients.prepare`), then handed to worker threads. Each client records the
operations it performs (service:Operation) so tests can compare them with the IAM policy.

Retries are botocore's own `standard` mode (throttling and transient errors, exponential
backoff with jitter, its retry quota), bounded by the source's `retries`; every attempt,
retries included, first takes a token from the source's one TokenBucket in the before-send
hook, so `rate_limit_per_s` holds for the whole source whatever botocore decides. Failures are
the toolkit's CollectError (`classify`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ReadTimeoutError,
)

from probes import netguard
from probes.aws.config import AwsConfig
from probes.netguard import LoopDetected, PageGuard, begin_deadline, end_deadline, guarded_pool
from probes.netguard import current as current_deadline
from scanner.probe import CollectError, ProbeContext
from scanner.ratelimit import TokenBucket

if TYPE_CHECKING:  # boto3 and botocore's client machinery load when a session is made (_session_factory)
    import boto3

__all__ = ["ApiError", "Clients", "classify", "iam_action", "pages", "portable", "whole_pages"]

# The IAM action that authorises an API operation, where it is not simply service:Operation.
_IAM_ACTION = {
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
}
# boto3 service name -> IAM service prefix (where they differ).
_IAM_PREFIX = {
    "elbv2": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "resourcegroupstaggingapi": "tag",
    "monitoring": "cloudwatch",
}

_FORBIDDEN = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "UnauthorizedException",
    "Forbidden",
    "403",
}
_UNAUTHORIZED = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "InvalidAccessKeyId",
}
# The endpoint does not offer the operation (a partition without the service, an emulator).
_NOT_FOUND = {"404", "501", "NotImplemented", "UnknownOperationException", "InvalidAction"}


def iam_action(call: str) -> str:
    """The IAM action for a recorded call such as "elbv2:DescribeLoadBalancers"."""
    service, _, op = call.partition(":")
    name = f"{_IAM_PREFIX.get(service, service)}:{op}"
    return _IAM_ACTION.get(name, name)


# Whether this thread's last attempt ended at its deadline (read by `classify`, same thread).
_attempt = threading.local()


class MalformedAnswer(BotoCoreError):  # type: ignore[misc]  # botocore is untyped
    """A 2xx answer of a JSON API whose body is not JSON (botocore would read it as empty)."""

    fmt = "the answer is not valid JSON"


def _check_json_body(operation_model: Any, response_dict: dict[str, Any], **_kw: Any) -> None:
    """Refuse a broken JSON body before botocore parses it: its JSON parser turns an unparseable
    body into an empty result, which would read as "observed, none" (e.g. no DynamoDB tables).
    An answer cut short by the attempt's deadline is a timeout, whatever its protocol."""
    running = current_deadline()
    if running is not None and running.expired:
        raise ReadTimeoutError(endpoint_url="(the request's total deadline passed)")
    if operation_model.metadata.get("protocol") not in ("json", "rest-json") or operation_model.has_streaming_output:
        return
    body = response_dict.get("body")
    if int(response_dict.get("status_code") or 0) >= 300 or not isinstance(body, bytes) or not body.strip():
        return
    try:
        json.loads(body)
    except ValueError:
        raise MalformedAnswer() from None


class DeadlineCut(BotoCoreError):  # type: ignore[misc]  # botocore is untyped
    """A connection the attempt's deadline shut, raised again where the thread that saw it is gone."""

    fmt = "the request's total deadline passed"


T = TypeVar("T")
R = TypeVar("R")


def portable(fn: Callable[[T], R]) -> Callable[[T], R]:
    """`fn` for a worker thread whose failure another thread classifies: `classify` tells a
    deadline cut from a dropped connection by this thread's last attempt, so the worker names
    it before the exception leaves."""

    def run(x: T) -> R:
        try:
            return fn(x)
        except (HTTPClientError, EndpointConnectionError) as exc:
            if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)) or not getattr(_attempt, "expired", False):
                raise
            raise DeadlineCut() from exc

    return run


ApiError = CollectError  # the toolkit's one failure type, under the name this probe's modules know


def classify(exc: Exception, what: str) -> ApiError:
    """Turn a botocore error into a short reason and a failure category."""
    if isinstance(exc, ApiError):  # already classified (e.g. a paginator loop found by `pages`)
        return ApiError(f"{what}: {exc.reason}", exc.category)
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "error")
        if code in _FORBIDDEN:
            return ApiError(f"{what}: access denied ({code})", "forbidden")
        if code in _UNAUTHORIZED:
            return ApiError(f"{what}: credentials rejected ({code})", "unauthorized")
        if code in _NOT_FOUND:
            return ApiError(f"{what}: not supported by this endpoint ({code})", "not_found")
        if code == "500":  # emulators answer an operation they lack with a bare 500
            return ApiError(f"{what}: not supported by this endpoint or failing ({code})", "error")
        if code in {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}:
            return ApiError(f"{what}: throttled after retries ({code})", "error")
        return ApiError(f"{what}: {code}", "error")
    if isinstance(exc, NoCredentialsError):
        return ApiError(f"{what}: no AWS credentials found", "unauthorized")
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)):
        return ApiError(f"{what}: timed out", "timeout")
    if isinstance(exc, DeadlineCut) or (
        isinstance(exc, (HTTPClientError, EndpointConnectionError)) and getattr(_attempt, "expired", False)
    ):
        # The deadline shut the socket: botocore sees a closed connection, but it was our cut.
        return ApiError(f"{what}: timed out (the request's total deadline passed)", "timeout")
    if isinstance(exc, MalformedAnswer):
        return ApiError(f"{what}: {exc}", "malformed")
    if isinstance(exc, EndpointConnectionError):
        return ApiError(f"{what}: endpoint unreachable", "unreachable")
    if isinstance(exc, BotoCoreError):
        return ApiError(f"{what}: {type(exc).__name__}", "error")
    return ApiError(f"{what}: {type(exc).__name__}", "error")


ClientFactory = Callable[[str, str], Any]


class Clients:
    """Clients per (service, region), created up front, each recording its calls."""

    def __init__(self, cfg: AwsConfig, ctx: ProbeContext, factory: ClientFactory | None = None) -> None:
        self.cfg = cfg
        self.ctx = ctx
        self.calls: set[str] = set()
        self._lock = threading.Lock()
        # One bucket for every thread and client of this source; waiting ends on cancel.
        self._bucket = TokenBucket(cfg.rate_limit_per_s, sleep=ctx.cancel_event.wait) if cfg.rate_limit_per_s else None
        self._clients: dict[tuple[str, str], Any] = {}
        self._factory = factory or self._session_factory()

    def _session_factory(self) -> ClientFactory:
        import boto3  # here, not at import: registering the probes must not load boto3 (~25 MiB)
        import botocore.session
        from botocore.config import Config

        cfg = self.cfg
        core = botocore.session.Session()
        if cfg.credentials_file:
            core.set_config_variable("credentials_file", str(cfg.resolve(cfg.credentials_file)))
        if cfg.config_file:
            core.set_config_variable("config_file", str(cfg.resolve(cfg.config_file)))
        if cfg.profile:
            core.set_config_variable("profile", cfg.profile)
        session = boto3.Session(botocore_session=core)
        if cfg.role_arn:
            session = self._assume_role(session)
        bc = Config(
            retries={"mode": "standard", "total_max_attempts": cfg.retries + 1},  # initial call included
            connect_timeout=min(cfg.connect_timeout_s, self.ctx.remaining()),
            read_timeout=min(cfg.read_timeout_s, self.ctx.remaining()),
            user_agent_extra="maturity-scanner",
        )

        def make(service: str, region: str) -> Any:
            return session.client(service, region_name=region, endpoint_url=cfg.endpoint_url, config=bc)

        return make

    def _assume_role(self, base: boto3.Session) -> boto3.Session:
        """Exchange the base credentials for the role's (one STS call, made here, once)."""
        import boto3

        cfg = self.cfg
        sts = base.client("sts", region_name=cfg.global_region, endpoint_url=cfg.endpoint_url)
        kw: dict[str, Any] = {"RoleArn": cfg.role_arn, "RoleSessionName": cfg.session_name}
        if cfg.external_id:
            kw["ExternalId"] = cfg.external_id
        self.ctx.count_request()
        try:
            creds = sts.assume_role(**kw)["Credentials"]
        except Exception as exc:
            raise classify(exc, "sts:AssumeRole") from exc
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def prepare(self, service: str, region: str) -> Any:
        """Create (in the calling thread) and remember the client for (service, region)."""
        key = (service, region)
        if key not in self._clients:
            client = self._factory(service, region)
            events = client.meta.events
            events.register("before-parameter-build", self._on_call)
            events.register("before-send", self._on_send)
            events.register("before-parse", _check_json_body)
            events.register("needs-retry", self._end_attempt)  # after each attempt, body read and parsed
            events.register("after-call", self._end_attempt)
            events.register("after-call-error", self._end_attempt)
            _guard_http_session(client)
            self._clients[key] = client
        return self._clients[key]

    def get(self, service: str, region: str) -> Any:
        return self._clients[(service, region)]

    def _on_call(self, model: Any, **_kw: Any) -> None:
        # before-parameter-build fires for every call, stubbed or not (before-call may be
        # answered by an earlier handler and never reach this one).
        name = f"{model.service_model.service_name}:{model.name}"
        with self._lock:
            self.calls.add(name)

    def _on_send(self, request: Any = None, event_name: str = "", **_kw: Any) -> None:
        self.ctx.check()
        if self._bucket is not None:
            self._bucket.acquire(self.ctx.remaining())
            self.ctx.check()  # interrupted while waiting for a token
        self.ctx.count_request()
        # One total deadline per attempt (send, read, parse): a server trickling a byte within
        # every read timeout still cannot hold the call past connect + read timeout.
        end_deadline()
        _attempt.expired = False
        begin_deadline(min(self.cfg.connect_timeout_s + self.cfg.read_timeout_s, self.ctx.remaining()))
        # botocore retries inside one call; say so in our own log (its logger may be quietened).
        attempt = ((getattr(request, "context", None) or {}).get("retries") or {}).get("attempt", 1)
        if attempt > 1:
            op = event_name.removeprefix("before-send.")
            self.ctx.log.debug("retrying %s (attempt %d of %d)", op, attempt, self.cfg.retries + 1)

    @staticmethod
    def _end_attempt(**_kw: Any) -> None:
        ended = end_deadline()
        if ended is not None:
            _attempt.expired = ended.expired


def _guard_http_session(client: Any) -> None:
    """Let botocore's urllib3 connections honour the attempt's deadline (see probes.netguard).

    botocore keeps its pool classes on its HTTP session; a client without one (a stub in tests)
    is left as it is.
    """
    session = getattr(getattr(client, "_endpoint", None), "http_session", None)
    classes = getattr(session, "_pool_classes_by_scheme", None)
    manager = getattr(session, "_manager", None)
    if not isinstance(classes, dict) or manager is None:
        return
    guarded = {scheme: guarded_pool(cls) for scheme, cls in classes.items()}
    session._pool_classes_by_scheme = guarded  # type: ignore[union-attr]
    manager.pool_classes_by_scheme = guarded


# Operations whose default page is smaller than the largest the API accepts.
MAX_PAGE_SIZE: dict[str, int] = {
    "describe_alarms": 100,
    "describe_auto_scaling_groups": 100,
    "select_resource_config": 100,
    # Any parameter makes ListBuckets name each bucket's region (BucketRegion); 10,000 is its
    # largest page and the default it applies once a parameter is given.
    "list_buckets": 10000,
}


def pages(client: Any, op: str, key: str, **kw: Any) -> Iterator[Any]:
    """Every element of list `key` of operation `op`, page after page (see `whole_pages`)."""
    for page in whole_pages(client, op, **kw):
        yield from page.get(key) or []


def whole_pages(client: Any, op: str, **kw: Any) -> Iterator[dict[str, Any]]:
    """Every answer of operation `op`: through its paginator when it has one, else by following
    NextToken / NextPageToken to the end. A token seen before or more than MAX_PAGES pages is a
    malformed answer (botocore's paginator refuses only a token repeated at once)."""
    guard = PageGuard(op, netguard.MAX_PAGES)  # read at run time: tests lower it
    try:
        guard.page()
        if client.can_paginate(op):
            size = MAX_PAGE_SIZE.get(op)  # the API's largest page: fewer round trips than its default
            extra = {"PaginationConfig": {"PageSize": size}} if size and "PaginationConfig" not in kw else {}
            it = client.get_paginator(op).paginate(**kw, **extra)
            # botocore refuses a token repeated at once, not a cycle (a, b, a): remember them all.
            token_of = getattr(it, "_get_next_token", None)
            for page in it:
                yield page
                nxt = token_of(page) if token_of is not None else {}
                if any(v is not None for v in nxt.values()):
                    guard.next(json.dumps(nxt, sort_keys=True, default=str))
            return
        token: tuple[str, str] | None = None
        while True:
            resp = getattr(client, op)(**kw, **(dict([token]) if token else {}))
            yield resp
            token = next(((k, resp[k]) for k in ("NextPageToken", "NextToken") if resp.get(k)), None)
            if token is None:
                return
            guard.next(str(token[1]))
    except LoopDetected as exc:
        raise ApiError(str(exc), "malformed") from None
