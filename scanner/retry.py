"""The one retry policy of every live probe, on tenacity.

Each HTTP stack (httpx for Prometheus and Alertmanager, requests under python-gitlab, urllib3
under the Kubernetes client) retries through `retrying`, so they agree on everything an
operator would ask about:

- **what** is retried: what the client's `transient` predicate says (connection errors,
  timeouts, HTTP 429 and 5xx); nothing else;
- **how often**: at most `retries` times after the first attempt (the source's `retries`);
- **how long between**: the server's Retry-After (seconds or an HTTP date, capped at
  MAX_WAIT_S) when it sent one, else an exponential backoff with full jitter, so the threads
  of a source (and many scanners behind one proxy) do not retry in lockstep;
- **the deadline**: a wait that would run past the source's deadline is not started: the last
  answer (or error) is reported as it is, which says more than "timed out";
- **cancellation**: the wait ends at once when the scan is interrupted (`Cancelled`);
- **logging**: every retry is one debug line on the source's logger, with the reason.

botocore keeps its own retry loop (`standard` mode); see probes/aws/session.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, retry_if_result
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from scanner.probe import ProbeContext
from scanner.ratelimit import retry_after_seconds

__all__ = ["BASE_WAIT_S", "MAX_WAIT_S", "backoff", "retrying"]

T = TypeVar("T")

BASE_WAIT_S = 0.25  # first backoff ceiling; doubles each attempt
MAX_WAIT_S = 30.0  # no single wait is longer, whatever Retry-After asks


def backoff(attempt: int, *, rng: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential backoff after attempt `attempt` (1-based): uniform in
    [0, min(MAX_WAIT_S, BASE_WAIT_S * 2**(attempt-1))]."""
    return rng() * min(MAX_WAIT_S, BASE_WAIT_S * 2.0 ** (attempt - 1))


class _Wait(wait_base):
    """Retry-After when the last answer carried one, else jittered exponential backoff."""

    def __init__(self, retry_after: Callable[[Any], str | None]) -> None:
        self.retry_after = retry_after

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(self.retry_after(outcome.result()))
            if asked is not None:
                return min(asked, MAX_WAIT_S)
        return backoff(state.attempt_number)


class _Stop(stop_base):
    """Stop after `retries` retries, or when the next wait would overrun the deadline."""

    def __init__(self, ctx: ProbeContext, retries: int) -> None:
        self.ctx = ctx
        self.retries = retries

    def __call__(self, state: RetryCallState) -> bool:
        if state.attempt_number > self.retries:
            return True
        return bool(state.upcoming_sleep >= self.ctx.remaining())


def retrying(
    ctx: ProbeContext,
    retries: int,
    *,
    what: str,
    transient_error: Callable[[BaseException], bool],
    transient_answer: Callable[[Any], bool] = lambda _a: False,
    retry_after: Callable[[Any], str | None] = lambda _a: None,
    describe: Callable[[Any], str] = str,
) -> Retrying:
    """A tenacity controller for one request of source `ctx` (use `controller(fn, *args)`).

    `transient_error` picks the exceptions worth another attempt, `transient_answer` the
    answers (e.g. a 503 response); `retry_after` reads an answer's Retry-After header and
    `describe` says in a few words why an answer was retried. When retries run out, the last
    exception is raised and the last answer returned, for the client to map as usual.
    """

    def sleep(seconds: float) -> None:
        ctx.cancel_event.wait(seconds)
        ctx.check()  # interrupted (or out of time) while waiting: stop here

    def log_retry(state: RetryCallState) -> None:
        outcome = state.outcome
        if outcome is None:
            return
        why = (
            f"{type(outcome.exception()).__name__}: {outcome.exception()}"
            if outcome.failed
            else describe(outcome.result())
        )
        ctx.log.debug(
            "%s: retrying in %.2fs (attempt %d of %d): %s",
            what,
            state.upcoming_sleep,
            state.attempt_number + 1,
            retries + 1,
            why[:300],
        )

    def give_up(state: RetryCallState) -> Any:
        assert state.outcome is not None
        return state.outcome.result()  # the last answer, or the last exception raised

    return Retrying(
        stop=_Stop(ctx, retries),
        wait=_Wait(retry_after),
        retry=retry_if_exception(transient_error) | retry_if_result(transient_answer),
        sleep=sleep,
        before_sleep=log_retry,
        retry_error_callback=give_up,
        reraise=True,
    )
