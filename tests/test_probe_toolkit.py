"""The probe toolkit: one CollectError, ctx.step, ctx.evidence, and the one retry policy."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

from probes.http import HttpSourceConfig, JsonClient
from scanner.config import ScanConfig, SourceConfig
from scanner.evidence import Evidence
from scanner.probe import (
    CATEGORIES,
    SOURCE_WIDE,
    Cancelled,
    CollectError,
    Probe,
    ProbeContext,
    ProbeRegistry,
    SourceFailure,
)
from scanner.retry import MAX_WAIT_S, backoff, retrying
from scanner.runner import run_sources


def _ctx(seconds: float = 60.0) -> ProbeContext:
    return ProbeContext("src", time.monotonic() + seconds, logging.getLogger("t.toolkit"))


# --- CollectError and its categories -----------------------------------------------------------


def test_categories_are_one_documented_set() -> None:
    assert set(CATEGORIES) == {"unreachable", "unauthorized", "forbidden", "not_found", "timeout", "malformed", "error"}
    assert SOURCE_WIDE <= set(CATEGORIES)
    assert all(CATEGORIES[c] for c in CATEGORIES)  # each says what it means
    with pytest.raises(ValueError, match="not_installed"):
        CollectError("x", "not_installed")  # the Kubernetes probe's old word for a 404


def test_every_client_error_name_is_the_one_collect_error() -> None:
    from probes.aws.session import ApiError as Aws
    from probes.gitlab.http import ApiError as GitLab
    from probes.http import ApiError as Prom
    from probes.kubernetes.client import ApiError as Kube

    assert Aws is GitLab is Kube is Prom is CollectError
    assert issubclass(SourceFailure, CollectError)


# --- ctx.step ----------------------------------------------------------------------------------


def test_a_failed_step_fails_only_its_kinds_with_the_first_reason() -> None:
    ctx = _ctx()
    with ctx.step(("a.one", "a.two"), "reading a"):
        raise CollectError("HTTP 403 Forbidden", "forbidden", 403)
    with ctx.step(("a.two", "b.one")):
        raise CollectError("later", "not_found", 404)
    with ctx.step(("c.one",)):
        pass
    assert set(ctx.failures) == {"a.one", "a.two", "b.one"}
    assert ctx.failures["a.two"].reason == "reading a: HTTP 403 Forbidden"  # the cause, not a consequence
    assert ctx.failures["a.two"].category == "forbidden"
    assert ctx.failures["b.one"].category == "not_found"
    assert ctx.any_failed(["x", "b.one"]) and not ctx.any_failed(["c.one"])


@pytest.mark.parametrize("category", sorted(SOURCE_WIDE))
def test_losing_the_connection_or_the_credentials_fails_the_source(category: str) -> None:
    ctx = _ctx()
    with pytest.raises(SourceFailure) as info, ctx.step(("a.one",)):
        raise CollectError("gone", category, 401)
    assert info.value.category == category and info.value.status == 401
    assert not ctx.failures  # the runner fails every kind of the source, with this reason


def test_step_lets_other_exceptions_through_and_checks_the_deadline_first() -> None:
    ctx = _ctx()
    with pytest.raises(KeyError), ctx.step(("a.one",)):
        raise KeyError("a bug is not a collection failure")
    assert not ctx.failures
    ctx.cancel_event.set()
    ran = False
    with pytest.raises(Cancelled), ctx.step(("a.one",)):
        ran = True
    assert not ran


def test_evidence_is_stamped_with_the_source_and_hashed_once() -> None:
    ctx = _ctx()
    ev = ctx.evidence("a.one", "thing", {"password": "hunter2", "n": 1}, "http://x/api")
    assert ev.source == "src" and ev.data["password"] == "[REDACTED]"
    again = Evidence.make("a.one", "thing", dict(ev.data), ev.origin, collected_at=ev.collected_at)
    assert again.with_source("src").sha256 == ev.sha256  # the runner has nothing left to re-stamp


class _Failing(Probe):
    name = "failing"
    kinds: ClassVar[dict[str, str]] = {"f.one": "one", "f.two": "two"}

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        yield ctx.evidence("f.one", "x", {}, "here")
        raise CollectError("HTTP 404 Not Found", "not_found", 404)


def test_a_collect_error_escaping_collect_fails_the_rest_of_the_source() -> None:
    config = ScanConfig(sources=[SourceConfig(name="s", probe="failing")])
    result = run_sources(config, ProbeRegistry({"failing": _Failing}))
    run = result.sources[0]
    assert run.status == "error" and run.error == "HTTP 404 Not Found"
    assert run.failed == {"f.one": "HTTP 404 Not Found", "f.two": "HTTP 404 Not Found"}
    assert not result.observations["f.one"].observed  # unfinished: never "observed, none"
    assert [e.source for e in result.evidence] == ["s"]  # what came before the failure is kept


# --- the retry policy --------------------------------------------------------------------------


def _answers(*answers: tuple[int, str | None]) -> tuple[list[int], Any]:
    calls: list[int] = []
    it = iter(answers)

    def fn() -> tuple[int, str | None]:
        calls.append(1)
        return next(it)

    return calls, fn


def _policy(ctx: ProbeContext, retries: int) -> Any:
    return retrying(
        ctx,
        retries,
        what="/x",
        transient_error=lambda e: isinstance(e, ConnectionError),
        transient_answer=lambda a: a[0] == 429 or a[0] >= 500,
        retry_after=lambda a: a[1],
        describe=lambda a: f"HTTP {a[0]}",
    )


def test_transient_answers_are_retried_then_the_last_answer_is_returned(caplog: pytest.LogCaptureFixture) -> None:
    calls, fn = _answers((503, "0"), (429, "0"), (503, "0"), (503, "0"))
    with caplog.at_level(logging.DEBUG, logger="t.toolkit"):
        assert _policy(_ctx(), 2)(fn) == (503, "0")
    assert len(calls) == 3  # the first attempt and two retries
    assert [r.getMessage() for r in caplog.records] == [
        "/x: retrying in 0.00s (attempt 2 of 3): HTTP 503",
        "/x: retrying in 0.00s (attempt 3 of 3): HTTP 429",
    ]


def test_success_and_permanent_answers_are_not_retried() -> None:
    for answer in ((200, None), (404, "0")):
        calls, fn = _answers(answer, (200, None))
        assert _policy(_ctx(), 3)(fn) == answer and len(calls) == 1


def test_transient_errors_are_retried_and_the_last_one_raised() -> None:
    calls: list[int] = []

    def fn() -> None:
        calls.append(1)
        raise ConnectionError(f"refused {len(calls)}")

    ctx = _ctx()
    ctx.cancel_event.wait = lambda _s=None: True  # type: ignore[method-assign]  # no real sleeping
    with pytest.raises(ConnectionError, match="refused 2"):
        _policy(ctx, 1)(fn)
    assert len(calls) == 2


def test_a_wait_past_the_deadline_is_not_started() -> None:
    calls, fn = _answers((503, "120"), (200, None))
    assert _policy(_ctx(seconds=5.0), 3)(fn) == (503, "120")  # reported as it is, not slept on
    assert len(calls) == 1


def test_an_interrupted_scan_ends_the_wait() -> None:
    ctx = _ctx()
    calls, fn = _answers((503, "20"), (200, None))
    threading.Timer(0.05, ctx.cancel_event.set).start()
    with pytest.raises(Cancelled):
        _policy(ctx, 3)(fn)
    assert len(calls) == 1


def test_backoff_is_jittered_exponential_and_capped() -> None:
    assert backoff(1, rng=lambda: 1.0) == 0.25 and backoff(3, rng=lambda: 1.0) == 1.0
    assert backoff(30, rng=lambda: 1.0) == MAX_WAIT_S
    assert backoff(3, rng=lambda: 0.0) == 0.0  # full jitter: threads do not retry in lockstep


def test_retry_after_is_capped() -> None:
    from scanner.retry import _Wait

    class State:
        attempt_number = 1

        class outcome:
            failed = False

            @staticmethod
            def result() -> tuple[int, str]:
                return (429, "86400")

    assert _Wait(lambda a: a[1])(State()) == MAX_WAIT_S  # type: ignore[arg-type]


# --- the httpx seam ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "category"),
    [(401, "unauthorized"), (403, "forbidden"), (404, "not_found"), (500, "error"), (418, "error")],
)
def test_the_http_client_maps_statuses_to_the_one_category_set(status: int, category: str) -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(status, stream=httpx.ByteStream(b'{"error": "no"}'))

    cfg = HttpSourceConfig.model_validate({"name": "p", "probe": "prometheus", "url": "http://prom.test", "retries": 0})
    with JsonClient(cfg, _ctx(), transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(CollectError) as info:
            client.get_json("/api/v1/rules")
    assert info.value.category == category and info.value.status == status
    assert seen == ["/api/v1/rules"]


def test_source_config_retries_reach_the_policy() -> None:
    hits: list[int] = []

    def answer(_request: httpx.Request) -> httpx.Response:
        hits.append(1)
        status = 503 if len(hits) < 3 else 200
        return httpx.Response(status, headers={"Retry-After": "0"}, stream=httpx.ByteStream(b'{"ok": true}'))

    cfg = HttpSourceConfig.model_validate({"name": "p", "probe": "prometheus", "url": "http://prom.test", "retries": 2})
    with JsonClient(cfg, _ctx(), transport=httpx.MockTransport(answer)) as client:
        assert client.get_json("/x") == {"ok": True}
    assert len(hits) == 3
    assert SourceConfig.model_fields["retries"].default == 3
