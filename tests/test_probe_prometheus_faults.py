"""Faults: unreachable, 401, 403, 5xx, timeout, malformed JSON. The source is reported with its
reason, its kinds are not observed, items that needed them are unknown, never not_met."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probes.alertmanager import AlertmanagerConfig, AlertmanagerProbe
from probes.prometheus import KINDS, PrometheusConfig, PrometheusProbe
from sandbox.prometheus import Exporter, free_port
from scanner.config import ScanConfig, SourceConfig
from scanner.probe import Cancelled, CollectError, Probe, ProbeContext, ProbeRegistry
from scanner.runner import run_sources
from tests.promserver import scan_sources, statuses

J = "application/json"
BUILD = (200, J, json.dumps({"status": "success", "data": {"version": "2.42.0"}}))


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Exporter]:
    pages, kw = request.param
    ex = Exporter(dict(pages), **kw).start()
    yield ex
    ex.stop()


def _run(probe: type[Probe], cfg: SourceConfig) -> Any:
    registry = ProbeRegistry({cfg.probe: probe})
    result = run_sources(ScanConfig(sources=[cfg]), registry)
    return result


def _prom(url: str, **kw: Any) -> PrometheusConfig:
    return PrometheusConfig(**{"name": "prom", "probe": "prometheus", "url": url, "timeout_s": 20, "retries": 1, **kw})


CASES = {
    "unauthorized": ({"*": (401, J, '{"status":"error","error":"unauthorized"}')}, {}),
    "forbidden": ({"*": (403, "text/plain", "forbidden")}, {}),
    "server-error": ({"*": (503, "text/plain", "overloaded")}, {}),
    "malformed": ({"*": (200, J, "{not json")}, {}),
    "timeout": ({"*": BUILD}, {"delay_s": 1.5}),
}
WANT = {
    "unauthorized": "401",
    "forbidden": "403",
    "server-error": "503",
    "malformed": "not JSON",
    "timeout": "timed out",
}


@pytest.mark.parametrize("server", list(CASES.values()), ids=list(CASES), indirect=True)
def test_failed_source_fails_every_kind(server: Exporter, request: pytest.FixtureRequest) -> None:
    case = request.node.callspec.id
    result = _run(PrometheusProbe, _prom(server.url, request_timeout_s=0.5))
    [run] = result.sources
    assert run.status == "error"
    assert WANT[case] in (run.error or ""), run.error
    assert result.evidence == []
    for kind in KINDS:
        assert not result.observations[kind].observed
        assert WANT[case] in (result.observations[kind].reason or "")


def test_unreachable_alertmanager() -> None:
    cfg = AlertmanagerConfig(name="am", probe="alertmanager", url=f"http://127.0.0.1:{free_port()}", timeout_s=10)
    result = _run(AlertmanagerProbe, cfg)
    assert result.sources[0].status == "error"
    assert "cannot connect" in (result.sources[0].error or "")
    assert not result.observations["alertmanager.config"].observed


@pytest.mark.parametrize("server", [({"/api/v1/status/buildinfo": BUILD, "*": (200, J, "[1, 2")}, {})], indirect=True)
def test_malformed_answers_after_connect_fail_kinds_not_source(server: Exporter) -> None:
    result = _run(PrometheusProbe, _prom(server.url))
    [run] = result.sources
    assert run.status == "error"
    for kind in KINDS:
        assert not result.observations[kind].observed, kind


@pytest.mark.parametrize("server", [({"*": (401, J, '{"status":"error"}')}, {})], indirect=True)
def test_401_makes_requirements_unknown_with_reason_never_not_met(server: Exporter, tmp_path: Path) -> None:
    report = scan_sources(tmp_path, [{"name": "prom", "probe": "prometheus", "url": server.url, "retries": 0}])
    src = report["scan"]["sources"][0]
    assert src["status"] == "error" and "401" in src["error"]
    reqs = statuses(report)
    for rid in ("ydt:5.3.1:L1.1", "ydt:5.3.1:L2.4", "ydt:8.1.1:L1.2", "ydt:10.1.1:L2.1"):
        assert reqs[rid]["status"] == "unknown", reqs[rid]
        assert "401" in reqs[rid]["reason"], reqs[rid]["reason"]
    ours = [r for req in reqs.values() for c in req["clauses"] for r in c["rules"] if r["id"].startswith("prometheus.")]
    assert ours and all(r["status"] == "unknown" for r in ours)


TOKEN = "s3cr3t-t0ken-value-123456"


@pytest.mark.parametrize(
    "server",
    [
        (
            {"/api/v1/status/buildinfo": BUILD, "*": (404, J, '{"status":"error","error":"nope"}')},
            {"require_auth": f"Bearer {TOKEN}"},
        )
    ],
    indirect=True,
)
def test_bearer_token_from_env_is_sent_and_never_reported(
    server: Exporter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROM_TOKEN", TOKEN)
    ok = _run(PrometheusProbe, _prom(server.url, bearer_token_env="PROM_TOKEN"))
    # Authenticated: buildinfo passed, the rest answered 404 (kind failures, not a 401 source failure).
    assert "401" not in json.dumps({k: v.reason for k, v in ok.observations.items() if k in KINDS})
    assert "404" in (ok.observations["prometheus.alert_rule"].reason or "")
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    report = scan_sources(
        tmp_path / "scan",
        [{"name": "prom", "probe": "prometheus", "url": server.url, "bearer_token_file": str(token_file)}],
    )
    assert TOKEN not in json.dumps(report)
    denied = _run(PrometheusProbe, _prom(server.url))
    assert "401" in (denied.sources[0].error or "")


@pytest.mark.parametrize(
    "server",
    [({"/api/v1/status/buildinfo": BUILD, "*": (404, J, "{}")}, {"require_auth": "Basic dXNlcjpwYXNz"})],
    indirect=True,
)
def test_basic_auth_from_env(server: Exporter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROM_BASIC", "user:pass")
    result = _run(PrometheusProbe, _prom(server.url, basic_auth_env="PROM_BASIC"))
    assert "404" in (result.observations["prometheus.config"].reason or "")
    monkeypatch.setenv("PROM_BASIC", "no-colon")
    result = _run(PrometheusProbe, _prom(server.url, basic_auth_env="PROM_BASIC"))
    assert result.sources[0].status == "error" and "PROM_BASIC" in (result.sources[0].error or "")


def test_config_rejects_two_auth_methods() -> None:
    with pytest.raises(ValueError, match="choose one"):
        _prom("http://x", bearer_token_env="A", basic_auth_env="B")


def test_deadline_is_respected() -> None:
    ex = Exporter({"*": BUILD}, delay_s=3.0).start()
    try:
        ctx = ProbeContext("p", time.monotonic() + 1.0, logging.getLogger("t"))
        start = time.monotonic()
        with pytest.raises((CollectError, Cancelled)):  # either fails the whole source
            list(PrometheusProbe().collect(_prom(ex.url, retries=0), ctx))
        assert time.monotonic() - start < 3.0
    finally:
        ex.stop()
