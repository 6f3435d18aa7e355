"""Query latency of a live Prometheus (prometheus.tsdb api_query_fast_share / api_query_count), read from its
own /metrics: parsed from the exposition text, and read from a real Prometheus."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from probes.http import HttpSourceConfig, JsonClient
from probes.prometheus import live
from sandbox.prometheus import Server, start_prometheus
from scanner.probe import ProbeContext

EXPOSITION = """\
# TYPE prometheus_http_request_duration_seconds histogram
prometheus_http_request_duration_seconds_bucket{handler="/api/v1/query",le="0.4"} 900
prometheus_http_request_duration_seconds_bucket{handler="/api/v1/query",le="1"} 950
prometheus_http_request_duration_seconds_bucket{handler="/api/v1/query",le="+Inf"} 1000
prometheus_http_request_duration_seconds_count{handler="/api/v1/query"} 1000
prometheus_http_request_duration_seconds_bucket{handler="/api/v1/query_range",le="1"} 3000
prometheus_http_request_duration_seconds_bucket{handler="/api/v1/query_range",le="+Inf"} 4000
prometheus_http_request_duration_seconds_count{handler="/api/v1/query_range"} 4000
prometheus_http_request_duration_seconds_bucket{handler="/api/v1/series",le="1"} 0
prometheus_http_request_duration_seconds_count{handler="/api/v1/series"} 99999
# TYPE prometheus_engine_query_duration_seconds summary
prometheus_engine_query_duration_seconds{slice="inner_eval",quantile="0.9"} 0.001
prometheus_engine_query_duration_seconds_count{slice="inner_eval"} 123456
"""


def _own(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for line in text.splitlines():
        m = live._SAMPLE.match(line)
        if m:
            labels = dict(live._LABEL.findall(m.group(2) or ""))
            out.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    return out


def test_share_within_a_second_of_query_and_query_range_only() -> None:
    # (950 + 3000) / 5000: other handlers and rule evaluations (engine summary) are not counted
    share, count = live._query_latency(_own(EXPOSITION))
    assert share == pytest.approx(0.79)
    assert count == 5000


def test_no_api_query_or_no_one_second_bucket_is_null() -> None:
    assert live._query_latency({}) == (None, None)
    zero = "\n".join(
        f'prometheus_http_request_duration_seconds_{s}{{handler="/api/v1/query"{le}}} 0'
        for s, le in (("bucket", ',le="1"'), ("count", ""))
    )
    assert live._query_latency(_own(zero)) == (None, 0)
    custom = EXPOSITION.replace('le="1"}', 'le="2"}')  # a build with other buckets: no exact share
    assert live._query_latency(_own(custom)) == (None, 5000)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root: Path = tmp_path_factory.mktemp("retrieval")
    config = "global: {evaluation_interval: 1s}\nrule_files: [one.yml]\nscrape_configs: []\n"
    rules = {"one.yml": "groups: [{name: g, interval: 1s, rules: [{record: one, expr: vector(1)}]}]\n"}
    server = start_prometheus(root, config, rules)  # the rule appends a sample every second
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_real_prometheus_reports_query_latency(prometheus: Server) -> None:
    for _ in range(5):  # queries through the API count, as rule evaluations do
        httpx.get(prometheus.url + "/api/v1/query", params={"query": "vector(1)"}, timeout=5).raise_for_status()
    for _ in range(50):  # the first evaluation of the recording rule appends the first sample
        if "prometheus_tsdb_head_samples_appended_total" in httpx.get(prometheus.url + "/metrics", timeout=5).text:
            break
        time.sleep(0.1)
    ctx = ProbeContext(source="t", deadline=time.monotonic() + 30, log=logging.getLogger("test.retrieval"))
    with JsonClient(HttpSourceConfig(name="p", probe="prometheus", url=prometheus.url, retries=0), ctx) as client:
        data = live.tsdb(client)
    assert data["api_query_count"] is not None and data["api_query_count"] >= 5
    assert data["api_query_fast_share"] == 1.0  # vector(1) is answered in microseconds
    own = live._metrics(client, {live._APPENDED, "process_start_time_seconds"})
    started = own["process_start_time_seconds"][0][1]
    # a fresh server is under five minutes up: its average says nothing yet
    assert data["samples_appended_per_second"] is None
    rate = live._ingest_rate(own, started + 600)  # the same counters, read as if ten minutes later
    assert rate is not None and rate >= 0


def test_ingest_rate_sums_the_sample_types_over_the_uptime() -> None:
    text = (
        'prometheus_tsdb_head_samples_appended_total{type="float"} 5.4e9\n'
        'prometheus_tsdb_head_samples_appended_total{type="histogram"} 0.6e9\n'
        "process_start_time_seconds 1000\n"
    )
    assert live._ingest_rate(_own(text), 1000 + 3000) == pytest.approx(2e6)  # 6e9 samples in 3000 s
    assert live._ingest_rate(_own(text), 1000 + 60) is None  # a minute up
    assert live._ingest_rate(_own("process_start_time_seconds 1000\n"), 9000) is None  # no counter
    assert live._ingest_rate(_own(text.replace("5.4e9", "NaN").replace("0.6e9", "NaN")), 9000) is None
