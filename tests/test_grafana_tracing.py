"""grafana.tracing.trace-dashboards from what the grafana probe reads of the loopback Grafana API:
a Tempo data source and a dashboard with a Traces panel decide the tracing clauses; the well-run
estate's metrics-only service map (a nodeGraph over Prometheus) does not."""

from __future__ import annotations

import logging
import time

import pytest

from probes.grafana import GrafanaConfig, GrafanaProbe
from sandbox.grafana import GrafanaAPI, GrafanaEstate, well_run
from scanner.probe import ProbeContext
from tests.ruletable import Row, evaluate

TOKEN = "glsa_TESTtokenTESTtokenTEST_0123abcd"
ENV = "MATURITY_TEST_GRAFANA_TOKEN"
RULE = "grafana.tracing.trace-dashboards"
TEMPO = {"type": "tempo", "uid": "tempo"}


def _with_tempo() -> GrafanaEstate:
    estate = well_run()
    estate.datasources.append(
        {"id": 9, "uid": "tempo", "orgId": 1, "name": "Tempo", "type": "tempo", "access": "proxy",
         "url": "http://tempo:3200", "isDefault": False, "jsonData": {}, "readOnly": True}
    )  # fmt: skip
    panel = {"id": 1, "type": "traces", "title": "Slow checkouts", "datasource": TEMPO,
             "targets": [{"refId": "A", "datasource": TEMPO, "queryType": "traceql",
                          "query": '{resource.service.name="checkout" && duration > 2s}'}]}  # fmt: skip
    folder = estate.folders[0]
    estate.dashboards.append(
        {
            "dashboard": {"uid": "traces", "title": "Checkout traces", "schemaVersion": 39, "version": 2,
                          "panels": [panel], "tags": []},
            "meta": {"type": "db", "slug": "traces", "url": "/d/traces/traces", "folderUid": folder["uid"],
                     "folderTitle": folder["title"], "provisioned": False, "version": 2,
                     "updated": "2026-01-10T09:00:00Z", "canSave": False},
        }
    )  # fmt: skip
    return estate


def _rows(estate: GrafanaEstate, monkeypatch: pytest.MonkeyPatch) -> list[Row]:
    monkeypatch.setenv(ENV, TOKEN)
    server = GrafanaAPI(estate, token=TOKEN)
    server.start()
    try:
        cfg = GrafanaConfig(name="graf", probe="grafana", url=server.url, bearer_token_env=ENV)
        ctx = ProbeContext(source="graf", deadline=time.monotonic() + 60, log=logging.getLogger("test.grafana"))
        probe = GrafanaProbe()
        evidence = [e for e in probe.collect(cfg, ctx) if probe.accepts(e, ctx)]
    finally:
        server.stop()
    assert not ctx.failures
    wanted = ("grafana.dashboard", "grafana.datasource")
    return [(e.kind, e.subject, dict(e.data)) for e in evidence if e.kind in wanted]


@pytest.mark.slow
def test_tempo_dashboard_decides_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _rows(_with_tempo(), monkeypatch)
    traces = next(d for k, s, d in rows if k == "grafana.dashboard" and s.endswith("traces"))
    assert "tempo" in traces["datasources"] and "traces" in traces["panel_types"]
    assert evaluate(RULE, rows).status == "met"


@pytest.mark.slow
def test_metrics_only_service_map_is_not_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    result = evaluate(RULE, _rows(well_run(), monkeypatch))
    assert result.status == "unknown" and result.reason_code == "nothing_in_scope"
