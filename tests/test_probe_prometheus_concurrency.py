"""The prometheus probe's steps and PromQL queries run at once within the source's limits (issue
22): the same requests and the same evidence in the same order as one at a time, never more in
flight than `concurrency`, and never faster than `rate_limit_per_s`. Real Prometheus and
Alertmanagers (the well-run demo estate) behind the counting proxy of the benchmarks."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from bench.estate.proxy import LatencyProxy
from probes.prometheus import PrometheusConfig, PrometheusProbe
from sandbox.prometheus import Started
from scanner.probe import ProbeContext
from tests.promserver import start_well, stop

pytestmark = pytest.mark.slow

# Kinds whose facts do not move while the estate runs (counters, series counts and the data span do).
STABLE = {"prometheus.alert_rule", "prometheus.recording_rule", "prometheus.config", "prometheus.runtime"}


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LatencyProxy]:
    started: Started = start_well(tmp_path_factory.mktemp("prom-conc"))
    proxy = LatencyProxy(started.prometheus.url, latency_s=0.03, concurrency=8).start()
    yield proxy
    proxy.stop()
    stop(started)


def _collect(proxy: LatencyProxy, **kw: Any) -> tuple[list[tuple[str, str, Any]], ProbeContext]:
    cfg = PrometheusConfig(name="prom", probe="prometheus", url=proxy.url, **kw)
    ctx = ProbeContext(source="prom", deadline=time.monotonic() + 60, log=logging.getLogger("test.prom"))
    proxy.reset()
    items = [(e.kind, e.subject, e.data) for e in PrometheusProbe().collect(cfg, ctx)]
    assert not ctx.failures, ctx.failures
    return items, ctx


def _stable(items: list[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    live = ("health", "last_error")
    return [(k, s, {f: v for f, v in d.items() if f not in live}) for k, s, d in items if k in STABLE]


def test_steps_and_queries_run_at_once_with_the_same_requests_and_evidence(proxied: LatencyProxy) -> None:
    one_by_one, ctx1 = _collect(proxied, concurrency=1)
    assert proxied.max_in_flight == 1
    requests1 = Counter((s.method, s.path) for s in proxied.seen)
    pooled, ctx4 = _collect(proxied, concurrency=4)
    assert 2 <= proxied.max_in_flight <= 4
    requests4 = Counter((s.method, s.path) for s in proxied.seen)
    assert requests4 == requests1 and ctx4.requests == ctx1.requests  # nothing asked twice or left out
    assert sum(1 for s in proxied.seen if s.path == "/metrics") == 1  # two steps need it: read once
    assert [(k, s) for k, s, _ in pooled] == [(k, s) for k, s, _ in one_by_one]  # fixed order
    # A rule's evaluation health may change between the two collections (the server evaluates on
    # its own clock): everything else about the stable kinds must be identical.
    assert _stable(pooled) == _stable(one_by_one)
    kinds = {k for k, _, _ in pooled}
    assert {"prometheus.slo", "prometheus.alertmanagers", "prometheus.exporters"} <= kinds


def test_rate_limit_holds_across_concurrent_steps(proxied: LatencyProxy) -> None:
    rate = 25.0
    _collect(proxied, concurrency=4, rate_limit_per_s=rate)
    stamps = sorted(s.at for s in proxied.seen)
    assert len(stamps) > 15
    assert stamps[-1] - stamps[0] >= 0.8 * (len(stamps) - 1) / rate  # never faster than the budget
