"""The grafana probe against the loopback Grafana API (sandbox/grafana): facts, paging, faults."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from probes.grafana import KINDS, GrafanaConfig, GrafanaProbe
from probes.grafana.facts import (
    alert_rule_facts,
    datasource_permission_facts,
    live_dashboard_facts,
    notification_facts,
)
from probes.prometheus.values import duration_s
from sandbox.grafana import Fault, GrafanaAPI, well_run
from scanner.evidence import Evidence
from scanner.probe import ProbeContext, SourceFailure

TOKEN = "glsa_TESTtokenTESTtokenTEST_0123abcd"
ENV = "MATURITY_TEST_GRAFANA_TOKEN"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[GrafanaAPI]:
    monkeypatch.setenv(ENV, TOKEN)
    server = GrafanaAPI(well_run(), token=TOKEN)
    server.start()
    yield server
    server.stop()


def run(api: GrafanaAPI, **kw: Any) -> tuple[list[Evidence], ProbeContext]:
    cfg = GrafanaConfig(
        **{"name": "graf", "probe": "grafana", "url": api.url, "bearer_token_env": ENV, "retries": 2, **kw}
    )
    ctx = ProbeContext(source="graf", deadline=time.monotonic() + 60, log=logging.getLogger("test.grafana"))
    probe = GrafanaProbe()
    evidence = [e for e in probe.collect(cfg, ctx) if probe.accepts(e, ctx)]
    return evidence, ctx


def by(evidence: list[Evidence], kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in evidence if e.kind == kind}


@pytest.mark.slow
def test_collects_every_kind_with_the_estates_facts(api: GrafanaAPI) -> None:
    ev, ctx = run(api, page_size=1)  # one item per page: every list is read page by page
    assert not ctx.failures and not ctx.warnings
    assert {e.kind for e in ev} == set(KINDS)
    dashboards = by(ev, "grafana.dashboard")
    assert set(dashboards) == {"dashboards/checkout", "dashboards/nodes", "dashboards/service-map"}
    checkout = dashboards["dashboards/checkout"]
    assert checkout["category"] == "business" and checkout["folder"] == "Shop"
    assert checkout["highlighted_application_metrics"] == [
        "orders_created_total",
        "payment_attempts_total",
        "payment_failures_total",
    ]
    assert checkout["mixed_datasource"] and checkout["datasource_count"] == 2 and checkout["mixed_panel_sources"] == 2
    assert checkout["data_links"] == 1 and checkout["variable_count"] == 2
    assert dashboards["dashboards/nodes"]["category"] == "infrastructure"
    assert dashboards["dashboards/nodes"]["provisioned"] is True
    assert "nodeGraph" in dashboards["dashboards/service-map"]["panel_types"]
    assert by(ev, "grafana.instance")["grafana"] == {
        "version": "11.3.0",
        "database_ok": True,
        "dashboards": 3,
        "dashboards_read": 3,
        "folders": 2,
        "public_dashboards": 1,
    }
    rules = by(ev, "grafana.alert_rule")
    payments = rules["alert-rules/shop/checkout/payment-errors"]
    assert payments["compares_threshold"] and payments["panel_linked"] and payments["runbook"]
    assert payments["datasource_types"] == ["prometheus"] and payments["for_s"] == 300.0
    assert rules["alert-rules/platform/nodes/disk-low"]["compares_threshold"]  # "$A < 0.1" in a math expression
    # the PromQL of Prometheus-type queries, and the series that are not the platform's
    assert payments["promql"] == "sum(rate(payment_failures_total[5m])) / sum(rate(payment_attempts_total[5m]))"
    assert payments["business_metrics"] == ["payment_attempts_total", "payment_failures_total"]
    assert rules["alert-rules/platform/nodes/disk-low"]["business_metrics"] == []
    note = by(ev, "grafana.notification")["notification-policies"]
    assert note["integration_types"] == ["email", "slack"] and note["matcher_labels"] == ["severity"]
    assert note["routed_integration_types"] == ["email", "slack"]
    assert by(ev, "grafana.annotations")["annotations"]["alert"] == 1
    assert by(ev, "grafana.access")["organisation"] == {
        "users": 6,
        "roles": {"Admin": 1, "Editor": 2, "Viewer": 3},
        "distinct_roles": 3,
        "teams": 2,
    }
    sources = by(ev, "grafana.datasource")
    assert sources["datasources/Orders DB"]["query_roles"] == ["Admin"]  # the shop team only
    assert sources["datasources/Orders DB"]["query_grants"] == 1
    assert sources["datasources/Prometheus"]["query_roles"] == ["Admin", "Editor", "Viewer"]
    assert sources["datasources/Prometheus"]["query_grants"] == 0
    text = json.dumps([e.data for e in ev])
    for secret in ("example.com", "grafana_ro", "http://prometheus", TOKEN, "user1"):
        assert secret not in text  # no contact, user, data source URL or credential in evidence
    assert all(r.query for r in api.requests if r.path == "/api/search")  # paging asked explicitly


@pytest.mark.slow
def test_grafana_oss_leaves_data_source_permissions_unknown(api: GrafanaAPI) -> None:
    api.estate.datasource_permissions = None  # OSS: /api/access-control/datasources/:uid is 404
    ev, ctx = run(api)
    assert not ctx.failures and not ctx.warnings
    sources = by(ev, "grafana.datasource")
    assert len(sources) == 3 and all(d.get("query_roles") is None for d in sources.values())
    asked = [r.path for r in api.requests if r.path.startswith("/api/access-control/")]
    assert len(asked) == 1  # the first 404 says the API is absent: not asked again per data source


@pytest.mark.slow
def test_a_failing_permission_read_keeps_the_data_sources(api: GrafanaAPI) -> None:
    api.inject(Fault(path="^/api/access-control/", status=500, times=10))
    ev, ctx = run(api, retries=0)
    assert "grafana.datasource" not in ctx.failures
    assert any("permissions left unread" in w for w in ctx.warnings)
    assert len(by(ev, "grafana.datasource")) == 3


def test_data_source_permissions_keep_roles_and_counts_only() -> None:
    facts = datasource_permission_facts(
        [
            {"builtInRole": "Viewer", "actions": ["datasources:read"], "permission": ""},  # read, not query
            {"builtInRole": "Editor", "actions": ["datasources:query"], "permission": "Query"},
            {"isManaged": True, "teamId": 4, "team": "payments", "permission": "Query"},
            {"isManaged": True, "userId": 9, "userLogin": "alice", "permission": "Edit"},
            {"isManaged": False, "userId": 1, "roleName": "fixed:datasources:reader", "permission": "Edit"},
            "not an entry",
        ]
    )
    assert facts == {"query_roles": ["Editor"], "query_grants": 2}
    assert "alice" not in json.dumps(facts) and "payments" not in json.dumps(facts)


@pytest.mark.slow
def test_a_server_ignoring_page_fails_only_the_dashboards(api: GrafanaAPI) -> None:
    api.ignore_page = True
    ev, ctx = run(api, page_size=1)
    assert ctx.failures["grafana.dashboard"].category == "malformed"
    assert "pagination loop" in ctx.failures["grafana.dashboard"].reason
    assert "grafana.instance" in ctx.failures
    assert {e.kind for e in ev} >= {"grafana.alert_rule", "grafana.notification", "grafana.datasource"}


@pytest.mark.slow
def test_a_viewer_token_fails_only_the_admin_reads(api: GrafanaAPI) -> None:
    api.role = "Viewer"
    ev, ctx = run(api)
    forbidden = {k for k, f in ctx.failures.items() if f.category == "forbidden"}
    assert forbidden == {"grafana.access", "grafana.alert_rule", "grafana.notification", "grafana.datasource"}
    assert len(by(ev, "grafana.dashboard")) == 3  # a Viewer still reads every dashboard


@pytest.mark.slow
def test_a_refused_token_fails_the_source(api: GrafanaAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "glsa_wrong")
    with pytest.raises(SourceFailure) as caught:
        run(api)
    assert caught.value.category == "unauthorized" and TOKEN not in str(caught.value)


@pytest.mark.slow
def test_rate_limited_answers_are_retried_after_retry_after(api: GrafanaAPI) -> None:
    api.inject(Fault(path="^/api/datasources$", status=429, times=1, retry_after=1))
    api.inject(Fault(path="^/api/annotations$", status=503, times=5))
    started = time.monotonic()
    ev, ctx = run(api)
    assert time.monotonic() - started >= 1.0  # the server's Retry-After was honoured
    assert len(by(ev, "grafana.datasource")) == 3
    assert ctx.failures["grafana.annotations"].category == "error"  # retries exhausted: that kind only
    assert "grafana.dashboard" not in ctx.failures


@pytest.mark.slow
def test_a_dashboard_that_is_not_a_dashboard_fails_the_kind(api: GrafanaAPI) -> None:
    api.inject(Fault(path="^/api/dashboards/uid/nodes$", status=200, times=1, body=[1, 2]))
    ev, ctx = run(api)
    assert ctx.failures["grafana.dashboard"].category == "malformed"
    assert not by(ev, "grafana.dashboard")  # nothing half-collected


def test_durations_and_alert_rule_shapes() -> None:
    assert duration_s("1h30m") == 5400 and duration_s("0s") == 0 and duration_s("soon") is None
    classic = {
        "title": "Legacy",
        "data": [
            {"refId": "A", "datasourceUid": "x", "model": {}},
            {
                "refId": "B",
                "datasourceUid": "-100",
                "model": {"type": "classic_conditions", "conditions": [{"evaluator": {"type": "gt", "params": [1]}}]},
            },
        ],
        "annotations": {"__dashboardUid__": "d"},
    }
    facts = alert_rule_facts(classic, {})
    assert facts["compares_threshold"] and facts["datasource_types"] == ["unknown"]
    assert facts["dashboard_uid"] == "d" and not facts["panel_linked"]  # no __panelId__: not drawn on a panel
    math_only = alert_rule_facts(
        {"data": [{"datasourceUid": "__expr__", "model": {"type": "math", "expression": "$A * 2"}}]}, {}
    )
    assert not math_only["compares_threshold"]


def test_notification_tree_is_walked_and_contact_settings_dropped() -> None:
    policy = {
        "receiver": "default",
        "routes": [
            {
                "receiver": "a",
                "matchers": ["team=shop"],
                "routes": [{"receiver": "b", "object_matchers": [["severity", "=", "page"]]}],
            }
        ],
    }
    facts = notification_facts([{"type": "pagerduty", "settings": {"integrationKey": "SECRET"}}, "junk"], policy, None)
    assert facts["routes"] == 2 and facts["max_depth"] == 2 and facts["matcher_labels"] == ["severity", "team"]
    assert facts["contact_points"] == 1 and "SECRET" not in json.dumps(facts)


def test_only_routed_and_configured_contact_points_count_as_channels() -> None:
    points = [
        {"name": "grafana-default-email", "type": "email", "settings": {"addresses": "<example@email.com>"}},
        {"name": "chat", "type": "slack", "settings": {"url": "x"}},
        {"name": "pager", "type": "pagerduty", "settings": {"integrationKey": "k"}},  # no policy routes here
    ]
    policy = {"receiver": "grafana-default-email", "routes": [{"receiver": "chat"}]}
    facts = notification_facts(points, policy, None)
    assert facts["integration_type_count"] == 3
    assert facts["routed_integration_types"] == ["slack"] and facts["routed_integration_type_count"] == 1
    assert "example@email.com" not in json.dumps(facts)


def test_sources_count_as_joined_only_inside_a_mixed_panel() -> None:
    mixed = {"uid": "-- Mixed --"}
    panels: list[dict[str, Any]] = [
        # A legacy name on the panel and a uid on its query are one source, not two.
        {
            "type": "timeseries",
            "datasource": "Prometheus",
            "targets": [{"datasource": {"uid": "p1"}, "expr": "orders_total"}],
        },
        {"type": "timeseries", "datasource": {"uid": "l1", "type": "loki"}, "targets": [{"expr": '{app="shop"}'}]},
    ]
    model = {"title": "shop", "panels": panels}
    facts = live_dashboard_facts({"dashboard": model, "meta": {}}, {})
    assert facts["datasource_count"] == 3 and facts["mixed_panel_sources"] == 0
    panels.append(
        {
            "type": "timeseries",
            "datasource": mixed,
            "targets": [
                {"datasource": {"uid": "p1"}, "expr": "orders_total"},
                {"datasource": {"uid": "m1"}, "rawSql": "select 1"},
            ],
        }
    )
    assert live_dashboard_facts({"dashboard": model, "meta": {}}, {})["mixed_panel_sources"] == 2


def test_a_tempo_service_map_counts_as_a_query() -> None:
    panel = {
        "type": "nodeGraph",
        "datasource": {"type": "tempo", "uid": "t1"},
        "targets": [{"queryType": "serviceMap"}],
    }
    facts = live_dashboard_facts({"dashboard": {"title": "map", "panels": [panel]}, "meta": {}}, {})
    assert facts["queries"] == 1 and facts["panel_types"] == ["nodeGraph"]


def test_a_grafana_ml_forecast_panel_counts_as_a_baseline() -> None:
    ml = {"type": "prometheus", "uid": "grafanacloud-ml-metrics"}
    panels = [
        {
            "type": "timeseries",
            "datasource": {"type": "datasource", "uid": "-- Mixed --"},
            "targets": [
                {"datasource": {"uid": "prom"}, "expr": "sum(rate(http_requests_total[5m]))"},
                {"datasource": ml, "expr": 'request_rate:predicted{ml_forecast=~"yhat_lower|yhat_upper"}'},
            ],
        },
        {"type": "timeseries", "datasource": {"uid": "prom"}, "targets": [{"expr": "job:predicted_total:rate5m"}]},
        {"type": "timeseries", "datasource": ml, "targets": [{"expr": "request_rate:predicted"}]},
    ]
    facts = live_dashboard_facts({"dashboard": {"uid": "d", "panels": panels}, "meta": {}}, {})
    assert facts["ml_forecast_panels"] == 2  # a recording rule named *:predicted_total is no forecast
    plain = live_dashboard_facts({"dashboard": {"uid": "d", "panels": panels[1:2]}, "meta": {}}, {})
    assert plain["ml_forecast_panels"] == 0


def test_alert_rule_promql_only_from_prometheus_type_sources() -> None:
    rule = {
        "title": "orders",
        "data": [
            {"refId": "A", "datasourceUid": "mimir", "model": {"expr": "sum(rate(shop_orders_total[5m])) / up"}},
            {"refId": "B", "datasourceUid": "db", "model": {"rawSql": "SELECT count(*) FROM orders"}},
            {"refId": "C", "datasourceUid": "logs", "model": {"expr": 'sum(rate({app="shop"} |= "error" [5m]))'}},
            {"refId": "D", "datasourceUid": "__expr__", "model": {"type": "threshold", "expression": "A"}},
        ],
    }
    facts = alert_rule_facts(rule, {"mimir": "prometheus", "db": "mysql", "logs": "loki"})
    assert facts["promql"] == "sum(rate(shop_orders_total[5m])) / up"  # LogQL and SQL are not PromQL
    assert facts["business_metrics"] == ["shop_orders_total"]  # `up` is the platform's
    assert alert_rule_facts({"data": []}, {})["promql"] == ""
