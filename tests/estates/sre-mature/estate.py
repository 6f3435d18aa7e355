"""A well-run SRE organisation's on-call and observability tools (an online shop of three product
teams: Checkout owns orders and payments, Discovery owns search, Platform owns the clusters).

Served by the loopback APIs of sandbox/ (tests/fidelity.py starts what `loopback()` returns);
the Alertmanager that routes the Prometheus (Mimir) alerts lives in the monitoring repository
(repo/alertmanager.yml).

- Grafana OSS 11: one folder per team (team permissions on the folders are set in Grafana but
  not served by this loopback), business dashboards per product (Orders, Payments funnel,
  Search), a Latency SLOs dashboard with burn rates, a service map (node graph over Tempo's
  service-graph series) whose nodes drill down to a per-service RED dashboard, data links to
  logs and traces; Grafana-managed alerts labelled by team and drawn on their panels, routed by
  a notification policy tree per team to PagerDuty and Slack, with a maintenance mute timing.
  Gap: the Discovery team's zero-results alert has no runbook, and there is no public
  (customer-facing) dashboard.
- PagerDuty: three teams, a service per product (orders, payments, search, platform), team
  escalation policies of two or three levels over follow-the-sun schedules (EMEA, Americas,
  APAC shifts of eight hours); 40 incidents in 80 days, 37 opened by monitoring integrations
  and 3 by people (support escalations), median acknowledgement under two minutes, resolutions
  mostly between ten and forty minutes; status updates to stakeholders on the P1/P2 incidents.
  Gap: the Discovery policy has two levels only and its schedule is two twelve-hour shifts.
- Loki 3 (multi-tenant, tenant `prod` scanned): journal, container, ingress access and
  Kubernetes audit logs; per-stream retention (audit a year, ingress 90 days) and per-tenant
  overrides (staging and CI shorter); ruler alerts that parse json and logfmt lines.
- Sentry: a Next.js storefront and iOS/Android apps sending sessions and transactions (Web
  Vitals, crash-free sessions 99.5-99.9%), two backends with tracing; issue alerts to owners,
  metric alerts on LCP, crash-free rate and API latency, ownership rules with auto-assignment,
  Jira, Slack and PagerDuty integrations, closed team membership, user feedback, an experience
  dashboard. Gap: the iOS project has no ownership rules.
- Jira Service Management: an SRE desk with incident, problem, change, service-request and
  post-incident-review types; incidents under first-response and resolution goals per priority,
  met about 19 times in 20; incidents are raised at a priority P1-P4 (the alert's severity, or
  the on-call's call), three of sixty regraded while the impact became clear; problem records
  linked to their incidents; changes graded by risk and impact (two emergency changes graded by
  risk only); post-incident reviews; CSAT on some requests. (Change approvals are kept in JSM
  but not served by this loopback.)
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.base import Estate
from sandbox.grafana import GrafanaEstate
from sandbox.grafana.estate import alert_rule, dashboard, datasource, org_users, panel
from sandbox.jsm import JsmAPI, JsmRequest, RequestType, ServiceDesk, Sla
from sandbox.jsm.api import IMPACT, RISK
from sandbox.loki import LokiAPI, feed
from sandbox.loopback_estates import GrafanaDemoEstate, JsmDemoEstate, PagerDutyDemoEstate, SentryDemoEstate
from sandbox.pagerduty import Estate as PagerDutyEstate
from sandbox.pagerduty import (
    Shift,
    add_incident,
    add_status_update,
    escalation_policy,
    escalation_rule,
    integration,
    priority,
    ref,
    schedule,
    service,
)
from sandbox.sentry import SentryAPI, SentryProjectData, issue_rule

MIMIR = {"type": "prometheus", "uid": "mimir"}
LOKI = {"type": "loki", "uid": "loki"}
TEMPO = {"type": "tempo", "uid": "tempo"}


def loopback() -> list[Estate]:
    return [
        GrafanaDemoEstate(grafana),
        PagerDutyDemoEstate(pagerduty),
        TenantLoki(),
        SentryDemoEstate(sentry),
        JsmDemoEstate(jsm),
    ]


# -- Grafana ----------------------------------------------------------------------------------


def _panel(pid: int, kind: str, title: str, expr: str, ds: dict[str, str] = MIMIR, **extra: Any) -> dict[str, Any]:
    return panel(pid, kind, title, expr, ds, **extra)


def _links(*links: tuple[str, str]) -> dict[str, Any]:
    return {"defaults": {"links": [{"title": t, "url": u} for t, u in links]}}


def _rule(*args: Any, **kwargs: Any) -> dict[str, Any]:
    rule = alert_rule(
        *args, datasource="mimir", since=3600, updated="2026-10-02T08:00:00Z", provenance="file", **kwargs
    )
    if rule["labels"].get("severity") == "critical":
        rule["noDataState"] = "Alerting"
    return rule


def grafana() -> GrafanaEstate:
    checkout = {"id": 1, "uid": "checkout", "title": "Checkout"}
    discovery = {"id": 2, "uid": "discovery", "title": "Discovery"}
    platform = {"id": 3, "uid": "platform", "title": "Platform"}
    slo = {"id": 4, "uid": "slo", "title": "SLOs"}
    to_service = ("Service overview", "/d/svc-overview/service-overview?var-service=${__field.labels.service}")
    to_logs = (
        "Logs",
        '/explore?left={"datasource":"loki","queries":[{"expr":"{app=\\"${__field.labels.service}\\"}"}]}',
    )
    to_traces = ("Slow traces", '/explore?left={"datasource":"tempo","queries":[{"queryType":"traceqlSearch"}]}')
    env = {"name": "env", "type": "custom", "query": "prod,staging", "current": {"value": "prod"}}
    orders = dashboard(
        "orders",
        "Orders",
        checkout,
        [
            _panel(1, "stat", "Orders per minute", 'sum(rate(shop_orders_created_total{env="$env"}[5m])) * 60'),
            _panel(
                2,
                "stat",
                "Revenue today (EUR)",
                'sum(increase(shop_order_value_euros_total{env="$env"}[1d]))',
            ),
            _panel(
                3,
                "stat",
                "Orders vs same time last week",
                'sum(rate(shop_orders_created_total{env="$env"}[10m])) / sum(rate(shop_orders_created_total{env="$env"}[10m] offset 1w))',
            ),
            _panel(
                4,
                "timeseries",
                "Orders by channel",
                'sum by (channel) (rate(shop_orders_created_total{env="$env"}[5m]))',
            ),
            _panel(
                5,
                "timeseries",
                "orders-api errors by route",
                'sum by (service, route) (rate(http_server_requests_total{service="orders-api",status=~"5.."}[5m]))',
                fieldConfig=_links(to_service, to_logs),
            ),
        ],
        tags=["business", "checkout", "orders"],
        templating={"list": [env]},
        links=[
            {"title": "Payments funnel", "type": "link", "url": "/d/payments-funnel"},
            {"title": "Latency SLOs", "type": "link", "url": "/d/latency-slos"},
            {"title": "Service map", "type": "link", "url": "/d/service-map"},
        ],
    )
    funnel = dashboard(
        "payments-funnel",
        "Payments funnel",
        checkout,
        [
            {
                "id": 1,
                "type": "bargauge",
                "title": "Checkout funnel (last hour)",
                "datasource": MIMIR,
                "targets": [
                    {"refId": "A", "datasource": MIMIR, "expr": "sum(increase(shop_cart_checkout_started_total[1h]))"},
                    {
                        "refId": "B",
                        "datasource": MIMIR,
                        "expr": "sum(increase(payments_authorisation_attempts_total[1h]))",
                    },
                    {
                        "refId": "C",
                        "datasource": MIMIR,
                        "expr": 'sum(increase(payments_authorisations_total{result="approved"}[1h]))',
                    },
                    {"refId": "D", "datasource": MIMIR, "expr": "sum(increase(payments_captured_total[1h]))"},
                ],
            },
            _panel(
                2,
                "stat",
                "Authorisation success",
                'sum(rate(payments_authorisations_total{result="approved"}[15m])) / sum(rate(payments_authorisation_attempts_total[15m]))',
            ),
            _panel(
                3,
                "table",
                "Declines by provider and reason",
                'topk(10, sum by (provider, reason) (increase(payments_authorisations_total{result="declined"}[1h])))',
            ),
            _panel(
                4,
                "timeseries",
                "Provider latency p95",
                "histogram_quantile(0.95, sum by (provider, le) (rate(payments_provider_request_duration_seconds_bucket[5m])))",
                fieldConfig=_links(to_traces),
            ),
        ],
        tags=["business", "checkout", "payments"],
        templating={
            "list": [
                env,
                {"name": "provider", "type": "query", "query": "label_values(payments_authorisations_total, provider)"},
            ]
        },
        links=[{"title": "Orders", "type": "link", "url": "/d/orders"}],
    )
    search = dashboard(
        "search",
        "Search",
        discovery,
        [
            _panel(1, "stat", "Searches per second", "sum(rate(search_queries_total[5m]))"),
            _panel(
                2,
                "stat",
                "Zero-result rate",
                'sum(rate(search_queries_total{results="0"}[15m])) / sum(rate(search_queries_total[15m]))',
            ),
            _panel(
                3,
                "stat",
                "Search to product view",
                "sum(rate(search_result_clicks_total[15m])) / sum(rate(search_queries_total[15m]))",
            ),
            _panel(
                4,
                "timeseries",
                "search-api p95 by endpoint",
                'histogram_quantile(0.95, sum by (service, route, le) (rate(http_server_request_duration_seconds_bucket{service="search-api"}[5m])))',
                fieldConfig=_links(to_service),
            ),
        ],
        tags=["business", "discovery", "search"],
        templating={"list": [env]},
    )
    slos = dashboard(
        "latency-slos",
        "Latency SLOs",
        slo,
        [
            _panel(
                1,
                "stat",
                "Checkout availability, 28 days (objective 99.9%)",
                'sum(rate(http_server_requests_total{service=~"orders-api|payments-api",status!~"5.."}[28d])) / sum(rate(http_server_requests_total{service=~"orders-api|payments-api"}[28d]))',
            ),
            _panel(
                2,
                "gauge",
                "Error budget remaining",
                "1 - (slo:checkout_errors:ratio_rate28d / (1 - 0.999))",
            ),
            _panel(
                3,
                "timeseries",
                "Burn rate (1h and 6h windows)",
                "slo:checkout_errors:ratio_rate1h / (1 - 0.999)",
            ),
            _panel(
                4,
                "timeseries",
                "p99 latency by service against its objective",
                "histogram_quantile(0.99, sum by (service, le) (rate(http_server_request_duration_seconds_bucket[5m])))",
                fieldConfig=_links(to_service, to_traces),
            ),
        ],
        tags=["slo"],
        templating={
            "list": [
                env,
                {"name": "service", "type": "query", "query": "label_values(http_server_requests_total, service)"},
            ]
        },
    )
    service_map = dashboard(
        "service-map",
        "Service map",
        platform,
        [
            {
                "id": 1,
                "type": "nodeGraph",
                "title": "Service graph (Tempo)",
                "datasource": TEMPO,
                "targets": [{"refId": "A", "datasource": TEMPO, "queryType": "serviceMap"}],
                "fieldConfig": _links(to_service),
            },
            _panel(
                2,
                "table",
                "Calls between services",
                "sum by (client, server) (rate(traces_service_graph_request_total[5m]))",
                fieldConfig=_links(to_service),
            ),
        ],
        tags=["platform", "topology"],
    )
    overview = dashboard(
        "svc-overview",
        "Service overview",
        platform,
        [
            _panel(
                1, "timeseries", "Requests", 'sum by (route) (rate(http_server_requests_total{service="$service"}[5m]))'
            ),
            _panel(
                2,
                "timeseries",
                "Errors",
                'sum by (route) (rate(http_server_requests_total{service="$service",status=~"5.."}[5m]))',
                fieldConfig=_links(to_logs),
            ),
            _panel(
                3,
                "timeseries",
                "Duration p95",
                'histogram_quantile(0.95, sum by (route, le) (rate(http_server_request_duration_seconds_bucket{service="$service"}[5m])))',
                fieldConfig=_links(to_traces),
            ),
            _panel(4, "logs", "Error logs", '{app="$service"} | json | level="error"', LOKI),
        ],
        tags=["platform", "red"],
        templating={
            "list": [
                env,
                {"name": "service", "type": "query", "query": "label_values(http_server_requests_total, service)"},
            ]
        },
    )
    nodes = dashboard(
        "k8s-nodes",
        "Kubernetes / Nodes",
        platform,
        [
            _panel(
                1, "timeseries", "CPU utilisation", 'sum by (node) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))'
            ),
            _panel(
                2, "timeseries", "Memory utilisation", "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes"
            ),
            _panel(3, "gauge", "Filesystem free", "node_filesystem_avail_bytes / node_filesystem_size_bytes"),
        ],
        tags=["platform"],
        templating={"list": [{"name": "node", "type": "query"}]},
    )
    nodes["meta"]["provisioned"] = True
    runbook = "https://runbooks.shop.example/"
    rules = [
        _rule(
            "payments-auth-drop",
            "Payment authorisation success below 92%",
            "checkout",
            "payments",
            'sum(rate(payments_authorisations_total{result="approved"}[15m])) / sum(rate(payments_authorisation_attempts_total[15m]))',
            "lt",
            0.92,
            {"severity": "critical", "team": "checkout", "service": "payments"},
            {
                "summary": "Card authorisations succeed less often than usual",
                "runbook_url": runbook + "payments/authorisation-drop",
                "__dashboardUid__": "payments-funnel",
                "__panelId__": "2",
            },
        ),
        _rule(
            "orders-below-last-week",
            "Orders below half of last week",
            "checkout",
            "orders",
            "sum(rate(shop_orders_created_total[10m])) / sum(rate(shop_orders_created_total[10m] offset 1w))",
            "lt",
            0.5,
            {"severity": "critical", "team": "checkout", "service": "orders"},
            {
                "summary": "Orders per minute dropped below half of the same time last week",
                "runbook_url": runbook + "orders/order-drop",
                "__dashboardUid__": "orders",
                "__panelId__": "3",
            },
            for_="10m",
        ),
        _rule(
            "checkout-slo-fast-burn",
            "Checkout error budget burning fast",
            "slo",
            "slo-burn",
            "slo:checkout_errors:ratio_rate1h / (1 - 0.999)",
            "gt",
            14.4,
            {"severity": "critical", "team": "checkout", "service": "orders"},
            {
                "summary": "Checkout would spend 2% of its 28-day error budget within the hour",
                "runbook_url": runbook + "slo/checkout-burn",
                "__dashboardUid__": "latency-slos",
                "__panelId__": "3",
            },
            for_="2m",
        ),
        _rule(
            "checkout-slo-slow-burn",
            "Checkout error budget burning",
            "slo",
            "slo-burn",
            "slo:checkout_errors:ratio_rate6h / (1 - 0.999)",
            "gt",
            6,
            {"severity": "warning", "team": "checkout", "service": "orders"},
            {
                "summary": "Checkout would spend 5% of its error budget within six hours",
                "runbook_url": runbook + "slo/checkout-burn",
                "__dashboardUid__": "latency-slos",
                "__panelId__": "3",
            },
            for_="15m",
        ),
        _rule(
            "search-latency",
            "Search p95 latency above 400 ms",
            "discovery",
            "search",
            'histogram_quantile(0.95, sum by (le) (rate(http_server_request_duration_seconds_bucket{service="search-api"}[5m])))',
            "gt",
            0.4,
            {"severity": "critical", "team": "discovery", "service": "search"},
            {
                "summary": "Search is slow",
                "runbook_url": runbook + "search/latency",
                "__dashboardUid__": "search",
                "__panelId__": "4",
            },
        ),
        _rule(  # the gap: no runbook
            "search-zero-results",
            "Search zero-result rate high",
            "discovery",
            "search",
            'sum(rate(search_queries_total{results="0"}[15m])) / sum(rate(search_queries_total[15m]))',
            "gt",
            0.15,
            {"severity": "warning", "team": "discovery", "service": "search"},
            {"summary": "More searches than usual find nothing (index or synonyms?)"},
            for_="30m",
        ),
        _rule(
            "node-disk-fill",
            "Node filesystem fills within 24 hours",
            "platform",
            "nodes",
            "predict_linear(node_filesystem_avail_bytes[6h], 24 * 3600) / node_filesystem_size_bytes",
            "lt",
            0,
            {"severity": "warning", "team": "platform", "service": "kubernetes"},
            {
                "summary": "A node filesystem is predicted to fill within a day",
                "runbook_url": runbook + "platform/disk-fill",
                "__dashboardUid__": "k8s-nodes",
                "__panelId__": "3",
            },
            for_="1h",
        ),
    ]
    contact_points = [
        {"uid": "pd-checkout", "name": "pagerduty-checkout", "type": "pagerduty", "settings": {"integrationKey": "[REDACTED]", "severity": "critical"}},
        {"uid": "pd-discovery", "name": "pagerduty-discovery", "type": "pagerduty", "settings": {"integrationKey": "[REDACTED]", "severity": "critical"}},
        {"uid": "pd-platform", "name": "pagerduty-platform", "type": "pagerduty", "settings": {"integrationKey": "[REDACTED]", "severity": "critical"}},
        {"uid": "sl-checkout", "name": "slack-checkout", "type": "slack", "settings": {"recipient": "#checkout-alerts", "url": "[REDACTED]"}},
        {"uid": "sl-discovery", "name": "slack-discovery", "type": "slack", "settings": {"recipient": "#discovery-alerts", "url": "[REDACTED]"}},
        {"uid": "sl-platform", "name": "slack-platform", "type": "slack", "settings": {"recipient": "#platform-alerts", "url": "[REDACTED]"}},
        {"uid": "mail-sre", "name": "sre-mail", "type": "email", "settings": {"addresses": "sre@shop.example"}},
    ]  # fmt: skip

    def team_route(team: str) -> dict[str, Any]:
        return {
            "receiver": f"slack-{team}",
            "object_matchers": [["team", "=", team]],
            "group_by": ["alertname", "service"],
            "routes": [
                {
                    "receiver": f"pagerduty-{team}",
                    "object_matchers": [["severity", "=", "critical"]],
                    "continue": True,
                    "mute_time_intervals": [],
                },
                {"receiver": f"slack-{team}", "object_matchers": [["severity", "=~", "critical|warning"]]},
            ],
        }

    now = int(time.time() * 1000)
    day = 86_400_000
    annotations = [
        {
            "id": 1,
            "alertId": 0,
            "dashboardUID": "payments-funnel",
            "panelId": 2,
            "newState": "alerting",
            "type": "alert",
            "time": now - 9 * day,
            "text": "Payment authorisation success below 92%",
            "tags": [],
        },
        {
            "id": 2,
            "alertId": 0,
            "dashboardUID": "latency-slos",
            "panelId": 3,
            "newState": "alerting",
            "type": "alert",
            "time": now - 4 * day,
            "text": "Checkout error budget burning fast",
            "tags": [],
        },
    ] + [
        {
            "id": 10 + n,
            "dashboardUID": "",
            "panelId": 0,
            "type": "annotation",
            "time": now - n * day // 2,
            "text": f"deploy {('orders-api', 'payments-api', 'search-api')[n % 3]} {n + 40}",
            "tags": ["deploy", ("orders-api", "payments-api", "search-api")[n % 3]],
            "login": "argocd",
        }
        for n in range(12)
    ]
    roles = ["Admin"] * 3 + ["Editor"] * 14 + ["Viewer"] * 25
    return GrafanaEstate(
        version="11.3.1",
        folders=[checkout, discovery, platform, slo],
        dashboards=[orders, funnel, search, slos, service_map, overview, nodes],
        datasources=[
            datasource(1, "mimir", "Mimir", "prometheus", "http://mimir-query-frontend.mimir:8080/prometheus"),
            datasource(2, "loki", "Loki", "loki", "http://loki-gateway.loki"),
            datasource(3, "tempo", "Tempo", "tempo", "http://tempo-query-frontend.tempo:3100"),
        ],
        alert_rules=rules,
        contact_points=contact_points,
        policy={
            "receiver": "sre-mail",
            "group_by": ["grafana_folder", "alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [team_route("checkout"), team_route("discovery"), team_route("platform")],
        },
        mute_timings=[
            {
                "name": "platform-maintenance",
                "time_intervals": [{"weekdays": ["tuesday"], "times": [{"start_time": "05:00", "end_time": "06:00"}]}],
            }
        ],
        annotations=annotations,
        users=org_users(roles, "shop.example"),
        teams=[{"id": 1, "name": "checkout"}, {"id": 2, "name": "discovery"}, {"id": 3, "name": "platform"}],
        public_dashboards=[],
        datasource_permissions=None,  # Grafana OSS
    )


# -- PagerDuty --------------------------------------------------------------------------------

# (service index, ack seconds or None, resolve seconds, opened by an integration, priority)
# services: 0 orders, 1 payments, 2 search, 3 platform. 37 of 40 opened by monitoring; median
# acknowledgement ~110 s; two flapping alerts resolved by the integration before anyone acked.
INCIDENTS: list[tuple[int, float | None, float, bool, str]] = [
    (0, 48, 1260, True, "P3"), (1, 95, 2100, True, "P2"), (3, 70, 540, True, "P4"), (2, 130, 1800, True, "P3"),
    (1, 62, 960, True, "P2"), (0, 115, 2700, True, "P3"), (3, 40, 420, True, "P4"), (2, 310, 3300, True, "P3"),
    (1, 85, 4800, True, "P1"), (0, 150, 1500, True, "P3"), (3, None, 240, True, "P4"), (2, 105, 1320, True, "P3"),
    (0, 55, 780, True, "P3"), (1, 240, 6600, False, "P2"), (3, 90, 1140, True, "P4"), (2, 420, 2400, True, "P3"),
    (0, 75, 1980, True, "P2"), (1, 110, 1620, True, "P3"), (3, 38, 300, True, "P4"), (2, 180, 2160, True, "P3"),
    (0, 100, 1440, True, "P3"), (1, 58, 5400, True, "P1"), (3, 125, 900, True, "P4"), (2, 95, 1080, False, "P3"),
    (0, 45, 660, True, "P3"), (1, 135, 2520, True, "P2"), (3, 80, 1260, True, "P4"), (2, 520, 3900, True, "P2"),
    (0, 112, 2040, True, "P3"), (1, 66, 1380, True, "P3"), (3, None, 360, True, "P4"), (2, 160, 1740, True, "P3"),
    (0, 88, 3600, False, "P2"), (1, 52, 840, True, "P3"), (3, 140, 1500, True, "P4"), (2, 220, 2880, True, "P3"),
    (0, 72, 1200, True, "P3"), (1, 118, 1860, True, "P2"), (3, 60, 480, True, "P4"), (2, 190, 2280, True, "P3"),
]  # fmt: skip


def pagerduty() -> PagerDutyEstate:
    now = datetime.now(UTC).replace(microsecond=0)
    e = PagerDutyEstate()
    e.priorities = [priority(f"PP{n}", f"P{n}") for n in range(1, 5)]
    teams = {
        "checkout": ref("team", "PT1", "Checkout"),
        "discovery": ref("team", "PT2", "Discovery"),
        "platform": ref("team", "PT3", "Platform"),
    }
    # follow-the-sun: Dublin 06-14 UTC, Austin 14-22 UTC, Singapore 22-06 UTC
    sun = [Shift("PU{}", 6, 8), Shift("PU{}", 14, 8), Shift("PU{}", 22, 8)]

    def add_schedule(
        sid: str, name: str, policy: tuple[str, str], team: str, users: list[str], shifts: list[Shift]
    ) -> None:
        e.schedules.append(schedule(sid, name, "UTC", ref("escalation_policy", *policy), [teams[team]]))
        e.shifts[sid] = [Shift(u, s.start_hour, s.hours) for u, s in zip(users, shifts, strict=True)]

    add_schedule(
        "PS1", "Checkout primary (follow the sun)", ("PE1", "Checkout"), "checkout", ["PU1", "PU2", "PU3"], sun
    )
    add_schedule(
        "PS2", "Checkout secondary (follow the sun)", ("PE1", "Checkout"), "checkout", ["PU4", "PU5", "PU6"], sun
    )
    add_schedule(
        "PS3",
        "Discovery primary",
        ("PE2", "Discovery"),
        "discovery",
        ["PU7", "PU8"],
        [Shift("", 6, 12), Shift("", 18, 12)],
    )
    add_schedule(
        "PS4", "Platform primary (follow the sun)", ("PE3", "Platform"), "platform", ["PU9", "PU10", "PU11"], sun
    )
    add_schedule(
        "PS5", "Platform secondary (follow the sun)", ("PE3", "Platform"), "platform", ["PU12", "PU13", "PU14"], sun
    )
    add_schedule("PS6", "Engineering managers", ("PE1", "Checkout"), "checkout", ["PU15"], [Shift("", 0, 24)])

    services = [
        ("PSVC1", "orders", "checkout", "PE1", "PI1"),
        ("PSVC2", "payments", "checkout", "PE1", "PI1"),
        ("PSVC3", "search", "discovery", "PE2", "PI2"),
        ("PSVC4", "platform", "platform", "PE3", "PI1"),
    ]

    def svc_refs(policy: str) -> list[dict[str, Any]]:
        return [ref("service", sid, name) for sid, name, _t, p, _i in services if p == policy]

    e.policies = [
        escalation_policy(
            "PE1",
            "Checkout",
            2,
            [
                escalation_rule("R11", 5, ref("schedule", "PS1", "Checkout primary (follow the sun)")),
                escalation_rule("R12", 10, ref("schedule", "PS2", "Checkout secondary (follow the sun)")),
                escalation_rule("R13", 15, ref("schedule", "PS6", "Engineering managers")),
            ],
            svc_refs("PE1"),
            [teams["checkout"]],
        ),
        escalation_policy(
            "PE2",
            "Discovery",
            1,
            [
                escalation_rule("R21", 10, ref("schedule", "PS3", "Discovery primary")),
                escalation_rule("R22", 20, ref("user", "PU16", "Discovery lead")),
            ],
            svc_refs("PE2"),
            [teams["discovery"]],
        ),
        escalation_policy(
            "PE3",
            "Platform",
            2,
            [
                escalation_rule("R31", 5, ref("schedule", "PS4", "Platform primary (follow the sun)")),
                escalation_rule("R32", 10, ref("schedule", "PS5", "Platform secondary (follow the sun)")),
            ],
            svc_refs("PE3"),
            [teams["platform"]],
        ),
    ]
    e.integrations = {
        "PI1": integration(
            "PI1", "events_api_v2_inbound_integration", "Alertmanager", ref("vendor", "PV1", "Prometheus")
        ),
        "PI2": integration("PI2", "events_api_v2_inbound_integration", "Grafana", ref("vendor", "PV2", "Grafana")),
        "PI3": integration("PI3", "generic_events_api_inbound_integration", "Sentry", ref("vendor", "PV3", "Sentry")),
    }
    for sid, name, team, policy, integ in services:
        integrations = [ref("events_api_v2_inbound_integration", integ, e.integrations[integ]["name"])]
        if name in ("orders", "payments"):
            integrations.append(ref("generic_events_api_inbound_integration", "PI3", "Sentry"))
        e.services.append(
            service(
                sid,
                name,
                ref("escalation_policy", policy, policy),
                integrations,
                [teams[team]],
                description=f"{name}: owned by the {team} team",
                acknowledgement_timeout=1800,
                incident_urgency_rule={
                    "type": "use_support_hours" if name == "search" else "constant",
                    "urgency": "high",
                },
            )
        )
    for n, (si, ack, resolve, by_alert, prio) in enumerate(INCIDENTS):
        sid, name, _team, policy, _integ = services[si]
        created = now - timedelta(days=1 + 2 * n, hours=(n * 5) % 24, minutes=n)
        add_incident(
            e,
            n + 1,
            created,
            sid,
            name,
            ack_after_s=ack,
            resolve_after_s=resolve,
            trigger_by="integration" if by_alert else "user",
            resolve_by="user" if ack is not None else "integration",
            urgency="low" if prio == "P4" else "high",
            priority_id=f"PP{prio[1]}",
        )
        e.incidents[-1]["escalation_policy"] = ref("escalation_policy", policy, policy)
        e.incidents[-1]["teams"] = [teams[_team]]
        if prio in ("P1", "P2"):  # stakeholders hear when it starts and when it ends
            start = created + timedelta(seconds=(ack or 60) + 300)
            add_status_update(e, n + 1, start, f"Investigating: {name} degraded; customers may see failed checkouts.")
            end = created + timedelta(seconds=resolve + 600)
            add_status_update(
                e, n + 1, end, f"Resolved: {name} recovered. Postmortem: https://wiki.shop.example/pm/INC-{n + 1}"
            )
    return e


# -- Loki -------------------------------------------------------------------------------------

STREAMS: list[dict[str, str]] = [
    {"job": "systemd-journal", "unit": "kubelet.service", "host": "ip-10-0-1-17", "cluster": "prod-eu"},
    {"job": "systemd-journal", "unit": "containerd.service", "host": "ip-10-0-2-41", "cluster": "prod-eu"},
    {"namespace": "checkout", "container": "orders-api", "pod": "orders-api-6d8f4-x2k9p", "app": "orders-api"},
    {"namespace": "checkout", "container": "payments-api", "pod": "payments-api-5b7c9-q8r2t", "app": "payments-api"},
    {"namespace": "discovery", "container": "search-api", "pod": "search-api-7f9d2-m4n6b", "app": "search-api"},
    {"namespace": "ingress-nginx", "container": "controller", "app": "ingress-nginx", "log_type": "access"},
    {"job": "kube-apiserver-audit", "filename": "/var/log/kubernetes/audit/audit.log", "cluster": "prod-eu"},
]

LOKI_CONFIG: dict[str, Any] = {
    "auth_enabled": True,
    "compactor": {"working_directory": "/var/loki/compactor", "retention_enabled": True, "delete_request_store": "s3"},
    "limits_config": {
        "retention_period": "720h",
        "retention_stream": [
            {"selector": '{job="kube-apiserver-audit"}', "priority": 2, "period": "8760h"},
            {"selector": '{namespace="ingress-nginx"}', "priority": 1, "period": "2160h"},
        ],
    },
    "storage_config": {"tsdb_shipper": {"active_index_directory": "/var/loki/index"}},
}

LOKI_RUNTIME: dict[str, Any] = {
    "overrides": {
        "prod": {"retention_period": "1440h"},
        "staging": {"retention_period": "168h"},
        "ci": {"retention_period": "72h"},
    }
}

LOKI_RULES: list[dict[str, Any]] = [
    {
        "file": "checkout",
        "name": "checkout-logs",
        "rules": [
            {
                "alert": "PaymentsProviderErrors",
                "expr": 'sum by (provider) (count_over_time({namespace="checkout", app="payments-api"} | json | level="error" and provider!="" [5m])) > 20',
                "for": "5m",
                "labels": {"severity": "critical", "team": "checkout"},
                "annotations": {
                    "summary": "payments-api logs provider errors",
                    "runbook_url": "https://runbooks.shop.example/payments/provider-errors",
                },
            }
        ],
    },
    {
        "file": "platform",
        "name": "ingress",
        "rules": [
            {
                "alert": "IngressHigh5xxRatio",
                "expr": 'sum by (host) (rate({namespace="ingress-nginx"} | logfmt | status >= 500 [5m])) / sum by (host) (rate({namespace="ingress-nginx"} | logfmt [5m])) > 0.05',
                "for": "10m",
                "labels": {"severity": "warning", "team": "platform"},
                "annotations": {"summary": "More than 5% of a host's requests fail at the ingress"},
            },
            {
                "record": "ingress:request_time_p95:5m",
                "expr": 'quantile_over_time(0.95, {namespace="ingress-nginx"} | logfmt | unwrap request_time [5m]) by (host)',
            },
        ],
    },
    {
        "file": "security",
        "name": "audit",
        "rules": [
            {
                "alert": "SecretReadByHuman",
                "expr": 'sum(count_over_time({job="kube-apiserver-audit"} | json | objectRef_resource="secrets" and verb="get" and user_username!~"system:.*" [10m])) > 0',
                "labels": {"severity": "warning", "team": "platform"},
                "annotations": {"summary": "A person read a Secret in production"},
            }
        ],
    },
]


class TenantLoki(Estate):
    """The multi-tenant Loki, scanned as the `prod` tenant."""

    name = "loki"

    def __init__(self) -> None:
        self.api: LokiAPI | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        self.api = LokiAPI(config=dict(LOKI_CONFIG), rule_groups=list(LOKI_RULES), multi_tenant=True)
        self.api.runtime = dict(LOKI_RUNTIME)
        self.api.start()
        feed(self.api.url, STREAMS, tenant="prod")
        return [{"name": "loki", "probe": "loki", "url": self.api.url, "tenant": "prod"}]

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None


# -- Sentry -----------------------------------------------------------------------------------

OWNERS_MAIL = {
    "id": "sentry.mail.actions.NotifyEmailAction",
    "targetType": "IssueOwners",
    "fallthroughType": "ActiveMembers",
}
JIRA = {"id": "sentry.integrations.jira.notify_action.JiraCreateTicketAction", "integration": "1"}
SLACK = {
    "id": "sentry.integrations.slack.notify_action.SlackNotifyServiceAction",
    "workspace": "2",
    "channel": "#checkout-alerts",
}


def sentry(token: str) -> SentryAPI:
    web = SentryProjectData(
        1,
        "storefront-web",
        "javascript-nextjs",
        ["checkout", "discovery"],
        sessions=1_450_000,
        crash_free_sessions=0.9991,
        crash_free_users=0.9986,
        perf={
            "count()": 820_000,
            "p75(transaction.duration)": 910.0,
            "p95(transaction.duration)": 2650.0,
            "p75(measurements.lcp)": 2150.0,
            "p75(measurements.inp)": 160.0,
            "p75(measurements.cls)": 0.04,
            "p75(measurements.fcp)": 1300.0,
            "p75(measurements.ttfb)": 420.0,
        },
        rules=[
            issue_rule(
                "1",
                "New issue in production: owners and Jira",
                OWNERS_MAIL,
                JIRA,
                owner="team:1",
                environment="production",
            ),
            issue_rule("2", "Checkout page errors to Slack", SLACK, owner="team:1", environment="production"),
        ],
        ownership="url:*/checkout/* #checkout\nurl:*/search* #discovery\npath:src/checkout/** #checkout\npath:src/search/** #discovery\n",
        auto_assignment="Auto Assign to Issue Owner",
        feedback=41,
    )
    android = SentryProjectData(
        2,
        "shop-android",
        "android",
        ["checkout"],
        sessions=610_000,
        crash_free_sessions=0.9962,
        crash_free_users=0.9948,
        perf={"count()": 150_000, "p75(transaction.duration)": 1150.0, "p95(transaction.duration)": 3400.0},
        rules=[
            issue_rule("3", "New crash: owners and Jira", OWNERS_MAIL, JIRA, owner="team:1", environment="production")
        ],
        ownership="path:com/shop/checkout/** #checkout\npath:com/shop/search/** #discovery\n",
        auto_assignment="Auto Assign to Issue Owner",
        feedback=12,
    )
    ios = SentryProjectData(  # the gap: no ownership rules, new issues go to the whole team
        3,
        "shop-ios",
        "apple-ios",
        ["checkout"],
        sessions=540_000,
        crash_free_sessions=0.9974,
        crash_free_users=0.9961,
        perf={"count()": 130_000, "p75(transaction.duration)": 980.0, "p95(transaction.duration)": 2900.0},
        rules=[
            issue_rule("4", "New crash: owners and Jira", OWNERS_MAIL, JIRA, owner="team:1", environment="production")
        ],
        feedback=9,
    )
    orders = SentryProjectData(
        4,
        "orders-api",
        "python-django",
        ["checkout"],
        perf={"count()": 3_200_000, "p75(transaction.duration)": 85.0, "p95(transaction.duration)": 290.0},
        rules=[issue_rule("5", "New issue: owners", OWNERS_MAIL, owner="team:1", environment="production")],
        ownership="path:orders/payments/** #checkout\n",
        auto_assignment="Auto Assign to Issue Owner",
    )
    search = SentryProjectData(
        5,
        "search-api",
        "go",
        ["discovery"],
        perf={"count()": 5_100_000, "p75(transaction.duration)": 42.0, "p95(transaction.duration)": 210.0},
        rules=[issue_rule("6", "New issue: owners", OWNERS_MAIL, owner="team:2", environment="production")],
        ownership="path:internal/ranking/** #discovery\n",
        auto_assignment="Auto Assign to Issue Owner",
    )
    alerts = [
        {
            "id": "30",
            "name": "Storefront LCP p75 above 3 s",
            "owner": "team:1",
            "dataset": "transactions",
            "aggregate": "p75(measurements.lcp)",
            "query": "transaction.op:pageload",
            "projects": ["storefront-web"],
            "environment": "production",
            "timeWindow": 30,
            "triggers": [
                {"label": "critical", "alertThreshold": 3000, "actions": [{"type": "slack"}]},
                {"label": "warning", "alertThreshold": 2500, "actions": [{"type": "slack"}]},
            ],
        },
        {
            "id": "31",
            "name": "Android crash-free sessions below 99.5%",
            "owner": "team:1",
            "dataset": "metrics",
            "aggregate": "percentage(sessions_crashed, sessions) AS _crash_rate_alert_aggregate",
            "query": "",
            "projects": ["shop-android"],
            "environment": "production",
            "timeWindow": 60,
            "triggers": [{"label": "critical", "alertThreshold": 0.5, "actions": [{"type": "pagerduty"}]}],
        },
        {
            "id": "32",
            "name": "iOS crash-free sessions below 99.5%",
            "owner": "team:1",
            "dataset": "metrics",
            "aggregate": "percentage(sessions_crashed, sessions) AS _crash_rate_alert_aggregate",
            "query": "",
            "projects": ["shop-ios"],
            "environment": "production",
            "timeWindow": 60,
            "triggers": [{"label": "critical", "alertThreshold": 0.5, "actions": [{"type": "pagerduty"}]}],
        },
        {
            "id": "33",
            "name": "Checkout INP p75 above 300 ms",
            "owner": "team:1",
            "dataset": "transactions",
            "aggregate": "p75(measurements.inp)",
            "query": "transaction:/checkout*",
            "projects": ["storefront-web"],
            "environment": "production",
            "timeWindow": 60,
            "triggers": [{"label": "warning", "alertThreshold": 300, "actions": [{"type": "slack"}]}],
        },
        {
            "id": "34",
            "name": "search-api p95 above 400 ms",
            "owner": "team:2",
            "dataset": "transactions",
            "aggregate": "p95(transaction.duration)",
            "query": "",
            "projects": ["search-api"],
            "environment": "production",
            "timeWindow": 10,
            "triggers": [{"label": "critical", "alertThreshold": 400, "actions": [{"type": "slack"}]}],
        },
    ]
    experience = {
        "id": 11,
        "title": "Customer experience",
        "projects": [1, 2, 3],
        "widgets": [
            {
                "title": "Web Vitals p75 by page",
                "displayType": "table",
                "queries": [
                    {
                        "columns": ["transaction"],
                        "aggregates": ["p75(measurements.lcp)", "p75(measurements.inp)", "p75(measurements.cls)"],
                    }
                ],
            },
            {
                "title": "LCP by country and browser",
                "displayType": "table",
                "queries": [{"columns": ["geo.country_code", "browser.name"], "aggregates": ["p75(measurements.lcp)"]}],
            },
            {
                "title": "Crash-free sessions by release",
                "displayType": "line",
                "widgetType": "metrics",
                "queries": [{"columns": ["release"], "aggregates": ["crash_free_rate(session)"]}],
            },
            {
                "title": "Crash-free users by OS version",
                "displayType": "table",
                "widgetType": "metrics",
                "queries": [{"columns": ["os.name", "os.version"], "aggregates": ["crash_free_rate(user)"]}],
            },
        ],
    }
    api = SentryAPI(
        token=token,
        projects=[web, android, ios, orders, search],
        integrations=["jira", "slack", "pagerduty", "github"],
        metric_alerts=alerts,
        dashboards=[experience],
        open_membership=False,
    )
    api.start()
    return api


# -- Jira Service Management ------------------------------------------------------------------

INC, PROB, CHG, REQ, PIR = "10001", "10002", "10003", "10004", "10005"
# (first response, resolution) goals in minutes per priority
GOALS = {"P1": (10.0, 240.0), "P2": (30.0, 480.0), "P3": (120.0, 1440.0), "P4": (480.0, 4320.0)}
# incidents regraded while handled: index -> (the priority raised at, minutes until regraded)
REGRADED = {5: ("P4", 35.0), 26: ("P2", 12.0), 44: ("P4", 50.0)}


def jsm(token: str) -> JsmAPI:
    now = datetime.now(UTC).replace(microsecond=0)
    types = [
        RequestType("1", "1", "Report an incident", INC, "incident-management"),
        RequestType("2", "1", "Record a problem", PROB, "problem-management"),
        RequestType("3", "1", "Request a change", CHG, "change-management"),
        RequestType("4", "1", "Ask the SRE team", REQ, "service-request"),
        RequestType("5", "1", "Post-incident review", PIR, "post-incident-review"),
    ]
    reqs: list[JsmRequest] = []
    breached = {7, 23, 41}  # three of sixty incidents missed their resolution goal
    for n in range(60):
        prio = ("P1", "P2", "P2", "P3", "P3", "P3", "P4", "P4")[n % 8] if n % 13 else "P1"
        fr, ttr = GOALS[prio]
        slas = [
            Sla("Time to first response", [(fr, fr * (0.2 + (n % 5) * 0.1))]),
            Sla("Time to resolution", [(ttr, ttr * (1.25 if n in breached else 0.15 + (n % 7) * 0.1))]),
        ]
        # raised at their priority (the alert's severity, or the on-call's call for the three
        # opened by hand); three regraded while the impact became clear
        raised, after = REGRADED.get(n, (prio, 0.0))
        reqs.append(
            JsmRequest(
                f"SRE-{n + 1}",
                "1",
                "1",
                now - timedelta(days=1 + n * 1.4, hours=n % 9),
                done=True,
                slas=slas,
                csat=(5, 4, 5, None, 5, 4)[n % 6] if n % 3 == 0 else None,
                priority=prio,
                priority_changes=[(after, raised, prio)] if raised != prio else [],
                other_histories=4,  # acknowledged, in progress, waiting, resolved
            )
        )
    reqs.append(
        JsmRequest(
            "SRE-61",
            "1",
            "1",
            now - timedelta(hours=2),
            slas=[Sla("Time to resolution", ongoing=(480.0, 120.0))],
            priority="P2",
        )
    )
    for n in range(7):  # problems behind repeated incidents; two still open with a known error
        links = [(f"SRE-{3 + n * 8}", INC), (f"SRE-{9 + n * 8}", INC)]
        reqs.append(JsmRequest(f"SRE-{200 + n}", "1", "2", now - timedelta(days=4 + 11 * n), done=n >= 2, links=links))
    for n in range(26):  # changes graded by risk and impact before the work; two emergency changes by risk only
        graded = {
            RISK: ("Low", "Low", "Medium", "High")[n % 4],
            IMPACT: ("Minor / Localized", "Moderate / Limited", "Significant / Large")[n % 3],
        }
        if n in (5, 17):
            graded = {RISK: "High"}
        reqs.append(JsmRequest(f"SRE-{300 + n}", "1", "3", now - timedelta(days=2 + 3 * n), done=n > 1, fields=graded))
    for n in range(6):  # reviews of the P1/P2 incidents, linked to them
        reqs.append(
            JsmRequest(
                f"SRE-{400 + n}",
                "1",
                "5",
                now - timedelta(days=3 + 12 * n),
                done=n > 0,
                links=[(f"SRE-{1 + n * 13}", INC)],
            )
        )
    for n in range(30):
        sla = [Sla("Time to resolution", [(960.0, 90.0 + 20 * n)])]
        reqs.append(JsmRequest(f"SRE-{500 + n}", "1", "4", now - timedelta(days=1 + 3 * n), done=n > 2, slas=sla))
    api = JsmAPI(token=token, desks=[ServiceDesk("1", "SRE", "SRE service desk")], types=types, requests_=reqs)
    api.start()
    return api
