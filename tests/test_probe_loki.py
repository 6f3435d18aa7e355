"""The loki probe against the loopback Loki API (Debian's `loki` is a genetics program, not
Grafana Loki): streams by log type, ingestion, retention, ruler rules, tenants and faults."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from probes.loki import KINDS, LokiConfig, LokiProbe
from probes.loki.classify import classify_stream, logql_parsers
from probes.loki.collect import parse_duration
from sandbox.loki import feed, sparse, well_run
from sandbox.loopback_api import Fault
from scanner.evidence import Evidence
from scanner.probe import ProbeContext, SourceFailure


def run(url: str, **kw: Any) -> tuple[list[Evidence], ProbeContext]:
    cfg = LokiConfig(name="logs", probe="loki", url=url, retries=2, **kw)
    ctx = ProbeContext(source="logs", deadline=time.monotonic() + 30, log=logging.getLogger("test.loki"))
    probe = LokiProbe()
    ev = [e for e in probe.collect(cfg, ctx) if probe.accepts(e, ctx)]
    return ev, ctx


def by(ev: list[Evidence], kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in ev if e.kind == kind}


def test_classify_and_parse_helpers() -> None:
    assert classify_stream({"job": "systemd-journal", "unit": "sshd.service"}) == "system"
    assert classify_stream({"app": "ingress-nginx", "container": "controller"}) == "access"
    assert classify_stream({"job": "auditd", "filename": "/var/log/audit/audit.log"}) == "audit"
    assert classify_stream({"container": "checkout"}) == "application"
    assert classify_stream({"level": "info"}) == "unclassified"
    assert logql_parsers('{a="b"} | json | logfmt | json') == ["json", "logfmt"]
    assert parse_duration("1w2d") == 216.0 and parse_duration("744h") == 744.0 and parse_duration("bogus") is None


@pytest.mark.slow
def test_well_run_estate_every_kind() -> None:
    api = well_run()
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    assert not ctx.failures and not ctx.warnings
    assert {e.kind for e in ev} == set(KINDS)
    types = by(ev, "loki.log_type")
    assert {k: v["streams"] for k, v in types.items()} == {"access": 1, "application": 2, "audit": 1, "system": 2}
    ing = by(ev, "loki.ingestion")["loki"]
    assert ing["streams_total"] == 6 and ing["lines_per_second"] and ing["lines_per_second"] > 0
    ret = by(ev, "loki.retention")["loki"]
    assert (
        ret["retention_enabled"]
        and ret["stream_periods_hours"] == [2160.0, 8760.0]
        and ret["tenant_periods_hours"] == [336.0]
    )
    rules = by(ev, "loki.rule")
    assert rules["shop/checkout-logs/CheckoutErrorBurst"]["parsers"] == ["json"]
    assert rules["shop/checkout-logs/CheckoutErrorBurst"]["for_seconds"] == 300.0
    burst = rules["shop/checkout-logs/CheckoutErrorBurst"]
    assert burst["has_runbook"] and burst["label_keys"] == ["severity", "team"]
    assert not rules["shop/checkout-logs/shop:http_latency_p95:5m"]["has_runbook"]  # recording: no annotations
    assert all(r.method == "GET" for r in api.requests if r.path != "/loki/api/v1/push")  # read-only


@pytest.mark.slow
def test_sparse_estate_and_disabled_ruler_fails_only_rules() -> None:
    api = sparse()
    api.ruler_enabled = False
    api.runtime = None  # an older Loki without /runtime_config
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    assert set(by(ev, "loki.log_type")) == {"application"}
    assert by(ev, "loki.retention")["loki"]["runtime_config_read"] is False
    assert set(ctx.failures) == {"loki.rule"} and ctx.failures["loki.rule"].category == "not_found"


@pytest.mark.slow
def test_tenant_header_bearer_token_and_401(monkeypatch: pytest.MonkeyPatch) -> None:
    api = well_run(token="loki-SECRET-token")
    api.multi_tenant = True
    monkeypatch.setenv("LOKI_T", "loki-SECRET-token")
    try:
        ev, ctx = run(api.url, tenant="team-a", bearer_token_env="LOKI_T")
        assert not ctx.failures and by(ev, "loki.ingestion")["loki"]["streams_total"] == 6
        assert "loki-SECRET-token" not in repr([dict(e.data) for e in ev])
        monkeypatch.setenv("LOKI_T", "wrong")
        with pytest.raises(SourceFailure) as err:
            run(api.url, tenant="team-a", bearer_token_env="LOKI_T")
        assert err.value.category == "unauthorized"
    finally:
        api.stop()


@pytest.mark.slow
def test_429_with_retry_after_is_honoured_and_500s_fail_only_their_kinds() -> None:
    api = sparse()
    try:
        feed(api.url, [{"job": "varlogs", "filename": "/var/log/syslog"}])
        api.inject(Fault(r"^/loki/api/v1/series$", 429, times=1, retry_after="1"))
        api.inject(Fault(r"^/config$", 500, times=5))
        started = time.monotonic()
        ev, ctx = run(api.url)
        took = time.monotonic() - started
    finally:
        api.stop()
    assert took >= 0.9  # waited as Retry-After asked
    assert set(by(ev, "loki.log_type")) == {"application", "system"}
    assert set(ctx.failures) == {"loki.retention"}
    assert ctx.failures["loki.retention"].category == "error"
