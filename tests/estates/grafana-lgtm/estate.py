"""A mid-sized media company's self-hosted Grafana "LGTM" stack (a streaming site and iOS/Android
apps; three teams: Playback owns the player and playback API, Accounts owns sign-up and login,
Platform owns the Kubernetes clusters and the monitoring stack).

Served by the loopback APIs of sandbox/ (tests/fidelity.py starts what `loopback()` returns); the
Prometheus configuration, its recording rules and alert rules live in the platform team's small
monitoring repository (repo/). The Alertmanager that receives the Prometheus alerts is installed
from Helm values kept elsewhere, and Opsgenie (paged by Grafana) was not scanned.

- Grafana OSS 10.4: a folder per team (Playback, Accounts, Platform); infrastructure dashboards
  imported from grafana.com (Node Exporter Full, Kubernetes pods through kube-state-metrics,
  NGINX ingress), two business dashboards (Plays per minute by platform, Sign-ups by channel) and
  a Playback API service dashboard with a logs panel; env/platform/instance variables; data
  sources Prometheus, Loki and Tempo (Tempo is only used from Explore: no trace panel, no data
  links, no derived fields). Grafana-managed alert rules: the playback ones carry team labels and
  runbooks, the node and sign-up ones do not; Slack per team, Opsgenie for critical playback
  alerts and a catch-all ops mailbox, under a notification policy tree routed by team. No mute
  timings, no public dashboards, no reporting. 26 users in three roles, three teams.
- Loki 3.1, single tenant behind the gateway: container logs of the services and the ingress-nginx
  access log (no system journal, no audit log); one global 14-day retention, no per-stream or
  per-tenant retention; ingestion rate limits; two ruler alerts (one with a runbook).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from sandbox.base import Estate
from sandbox.grafana import GrafanaEstate
from sandbox.grafana.estate import alert_rule, dashboard, datasource, org_users, panel
from sandbox.loki import LokiAPI, feed
from sandbox.loopback_estates import GrafanaDemoEstate, LokiDemoEstate

PROM = {"type": "prometheus", "uid": "prometheus"}
LOKI = {"type": "loki", "uid": "loki"}


def loopback() -> list[Estate]:
    return [GrafanaDemoEstate(grafana), LokiDemoEstate(loki)]


# -- Grafana ----------------------------------------------------------------------------------


def _panel(pid: int, kind: str, title: str, expr: str, ds: dict[str, str] = PROM, **extra: Any) -> dict[str, Any]:
    return panel(pid, kind, title, expr, ds, **extra)


_rule = partial(alert_rule, datasource="prometheus", since=1800, updated="2026-09-14T10:20:00Z", provenance="")


def grafana() -> GrafanaEstate:
    playback = {"id": 1, "uid": "playback", "title": "Playback"}
    accounts = {"id": 2, "uid": "accounts", "title": "Accounts"}
    platform = {"id": 3, "uid": "platform", "title": "Platform"}
    env = {"name": "env", "type": "custom", "query": "prod,staging", "current": {"value": "prod"}}
    plays = dashboard(
        "plays",
        "Plays per minute",
        playback,
        [
            _panel(1, "stat", "Plays per minute", 'sum(rate(player_play_started_total{env="$env"}[5m])) * 60'),
            _panel(
                2,
                "stat",
                "Playback start failures",
                'sum(rate(player_play_failed_total{env="$env"}[5m])) / sum(rate(player_play_started_total{env="$env"}[5m]))',
            ),
            _panel(
                3,
                "timeseries",
                "Plays per minute by platform",
                'sum by (platform) (rate(player_play_started_total{env="$env", platform=~"$platform"}[5m])) * 60',
            ),
            _panel(
                4,
                "timeseries",
                "Rebuffering ratio by platform",
                'sum by (platform) (rate(player_rebuffer_seconds_total{platform=~"$platform"}[5m])) / sum by (platform) (rate(player_watch_seconds_total{platform=~"$platform"}[5m]))',
            ),
        ],
        tags=["business", "playback"],
        templating={
            "list": [
                env,
                {"name": "platform", "type": "custom", "query": "web,ios,android,tv", "includeAll": True},
            ]
        },
    )
    signups = dashboard(
        "signups",
        "Sign-ups",
        accounts,
        [
            _panel(1, "stat", "Sign-ups today", 'sum(increase(accounts_signups_total{env="$env"}[1d]))'),
            _panel(
                2,
                "timeseries",
                "Sign-ups by channel",
                'sum by (channel) (rate(accounts_signups_total{env="$env"}[15m]))',
            ),
            _panel(
                3,
                "timeseries",
                "Login errors",
                'sum(rate(http_requests_total{service="accounts-api", route="/login", code=~"5.."}[5m]))',
            ),
        ],
        tags=["business", "accounts"],
        templating={"list": [env]},
    )
    playback_api = dashboard(
        "playback-api",
        "Playback API",
        playback,
        [
            _panel(
                1,
                "timeseries",
                "Requests by route",
                'sum by (route) (rate(http_requests_total{service="playback-api"}[5m]))',
            ),
            _panel(
                2,
                "timeseries",
                "5xx ratio",
                'sum(rate(http_requests_total{service="playback-api", code=~"5.."}[5m])) / sum(rate(http_requests_total{service="playback-api"}[5m]))',
            ),
            _panel(
                3,
                "timeseries",
                "p95 latency",
                'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="playback-api"}[5m])))',
            ),
            _panel(4, "logs", "Error logs", '{namespace="playback", app="playback-api"} |= "error"', LOKI),
        ],
        tags=["playback"],
    )
    node_full = dashboard(
        "rYdddlPWk",
        "Node Exporter Full",
        platform,
        [
            _panel(
                1,
                "gauge",
                "CPU Busy",
                '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle", instance="$node"}[5m])))',
            ),
            _panel(
                2,
                "gauge",
                "RAM Used",
                '100 * (1 - node_memory_MemAvailable_bytes{instance="$node"} / node_memory_MemTotal_bytes{instance="$node"})',
            ),
            _panel(
                3,
                "timeseries",
                "Disk space used",
                '100 - node_filesystem_avail_bytes{instance="$node"} * 100 / node_filesystem_size_bytes{instance="$node"}',
            ),
            _panel(4, "timeseries", "Network traffic", 'rate(node_network_receive_bytes_total{instance="$node"}[5m])'),
        ],
        tags=["linux", "node-exporter"],
        templating={"list": [{"name": "node", "type": "query", "query": "label_values(node_uname_info, instance)"}]},
        gnetId=1860,
    )
    node_full["meta"]["provisioned"] = True
    pods = dashboard(
        "k8s-pods",
        "Kubernetes / Pods",
        platform,
        [
            _panel(
                1, "stat", "Pods not ready", 'sum(kube_pod_status_ready{condition="false", namespace=~"$namespace"})'
            ),
            _panel(
                2,
                "timeseries",
                "Container restarts",
                'sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace=~"$namespace"}[1h]))',
            ),
            _panel(
                3,
                "timeseries",
                "CPU by pod",
                'sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=~"$namespace", container!=""}[5m]))',
            ),
        ],
        tags=["kubernetes"],
        templating={
            "list": [{"name": "namespace", "type": "query", "query": "label_values(kube_pod_info, namespace)"}]
        },
        gnetId=15760,
    )
    pods["meta"]["provisioned"] = True
    ingress = dashboard(
        "nginx-ingress",
        "NGINX Ingress controller",
        platform,
        [
            _panel(
                1,
                "stat",
                "Controller request volume",
                "round(sum(irate(nginx_ingress_controller_requests[2m])), 0.001)",
            ),
            _panel(
                2,
                "timeseries",
                "Ingress success rate",
                'sum by (ingress) (rate(nginx_ingress_controller_requests{status!~"[4-5].*"}[2m])) / sum by (ingress) (rate(nginx_ingress_controller_requests[2m]))',
            ),
        ],
        tags=["nginx"],
        gnetId=9614,
    )
    ingress["meta"]["provisioned"] = True
    runbook = "https://wiki.reelbox.example/ops/runbooks/"
    rules = [
        _rule(
            "plays-drop",
            "Plays per minute below 40% of last week",
            "playback",
            "playback-business",
            "sum(rate(player_play_started_total[10m])) / sum(rate(player_play_started_total[10m] offset 1w))",
            "lt",
            0.4,
            {"severity": "critical", "team": "playback"},
            {
                "summary": "Far fewer plays than at the same time last week",
                "runbook_url": runbook + "plays-drop",
                "__dashboardUid__": "plays",
                "__panelId__": "1",
            },
            for_="10m",
        ),
        _rule(
            "play-start-failures",
            "Playback start failures above 5%",
            "playback",
            "playback-business",
            "sum(rate(player_play_failed_total[5m])) / sum(rate(player_play_started_total[5m]))",
            "gt",
            0.05,
            {"severity": "critical", "team": "playback"},
            {
                "summary": "Players fail to start streams",
                "runbook_url": runbook + "play-start-failures",
                "__dashboardUid__": "plays",
                "__panelId__": "2",
            },
        ),
        _rule(
            "playback-api-latency",
            "Playback API p95 above 1.5 s",
            "playback",
            "playback-api",
            'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="playback-api"}[5m])))',
            "gt",
            1.5,
            {"severity": "warning", "team": "playback"},
            {"summary": "playback-api is slow", "runbook_url": runbook + "playback-api-latency"},
        ),
        _rule(  # no labels, no runbook: goes to the catch-all mailbox
            "signups-stalled",
            "No sign-ups for 30 minutes",
            "accounts",
            "accounts",
            "sum(increase(accounts_signups_total[30m]))",
            "lt",
            1,
            {},
            {"summary": "Nobody signed up in half an hour"},
            for_="0s",
        ),
        _rule(  # community-style infrastructure alert, no labels, no runbook
            "node-cpu-high",
            "Node CPU above 90%",
            "platform",
            "nodes",
            '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
            "gt",
            90,
            {},
            {"summary": "{{ $labels.instance }} is busy"},
            for_="15m",
        ),
        _rule(
            "node-disk-low",
            "Node disk below 10% free",
            "platform",
            "nodes",
            'min by (instance, mountpoint) (node_filesystem_avail_bytes{fstype!="tmpfs"} / node_filesystem_size_bytes{fstype!="tmpfs"})',
            "lt",
            0.1,
            {"severity": "warning", "team": "platform"},
            {"summary": "{{ $labels.instance }} {{ $labels.mountpoint }} is nearly full"},
            for_="10m",
        ),
    ]
    contact_points = [
        {"uid": "og-playback", "name": "opsgenie-playback", "type": "opsgenie", "settings": {"apiKey": "[REDACTED]", "apiUrl": "https://api.eu.opsgenie.com/v2/alerts"}},
        {"uid": "sl-playback", "name": "slack-playback", "type": "slack", "settings": {"recipient": "#playback-alerts", "url": "[REDACTED]"}},
        {"uid": "sl-platform", "name": "slack-platform", "type": "slack", "settings": {"recipient": "#platform-alerts", "url": "[REDACTED]"}},
        {"uid": "mail-ops", "name": "ops-mail", "type": "email", "settings": {"addresses": "ops@reelbox.example"}},
    ]  # fmt: skip
    policy = {
        "receiver": "ops-mail",
        "group_by": ["grafana_folder", "alertname"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
        "routes": [
            {
                "receiver": "slack-playback",
                "object_matchers": [["team", "=", "playback"]],
                "routes": [
                    {
                        "receiver": "opsgenie-playback",
                        "object_matchers": [["severity", "=", "critical"]],
                        "continue": True,
                    },
                    {"receiver": "slack-playback", "object_matchers": [["severity", "=~", "critical|warning"]]},
                ],
            },
            {"receiver": "slack-platform", "object_matchers": [["team", "=", "platform"]]},
        ],
    }
    now = int(time.time() * 1000)
    day = 86_400_000
    annotations = [
        {
            "id": 1,
            "alertId": 0,
            "dashboardUID": "plays",
            "panelId": 2,
            "newState": "alerting",
            "type": "alert",
            "time": now - 6 * day,
            "text": "Playback start failures above 5%",
            "tags": [],
        },
        {
            "id": 2,
            "alertId": 0,
            "dashboardUID": "plays",
            "panelId": 2,
            "newState": "normal",
            "type": "alert",
            "time": now - 6 * day + 1_500_000,
            "text": "Playback start failures above 5%",
            "tags": [],
        },
    ]
    roles = ["Admin"] * 2 + ["Editor"] * 9 + ["Viewer"] * 15
    return GrafanaEstate(
        version="10.4.6",
        folders=[playback, accounts, platform],
        dashboards=[plays, signups, playback_api, node_full, pods, ingress],
        datasources=[
            datasource(
                1,
                "prometheus",
                "Prometheus",
                "prometheus",
                "http://prometheus-server.monitoring:9090",
                jsonData={"timeInterval": "30s"},
            ),
            datasource(2, "loki", "Loki", "loki", "http://loki-gateway.monitoring"),
            datasource(3, "tempo", "Tempo", "tempo", "http://tempo.monitoring:3100"),
        ],
        alert_rules=rules,
        contact_points=contact_points,
        policy=policy,
        mute_timings=[],
        annotations=annotations,
        users=org_users(roles, "reelbox.example"),
        teams=[{"id": 1, "name": "playback"}, {"id": 2, "name": "accounts"}, {"id": 3, "name": "platform"}],
        public_dashboards=[],
        datasource_permissions=None,  # Grafana OSS
    )


# -- Loki -------------------------------------------------------------------------------------

STREAMS: list[dict[str, str]] = [
    {"namespace": "playback", "container": "playback-api", "pod": "playback-api-7c9f8-2xkqd", "app": "playback-api"},
    {"namespace": "playback", "container": "manifest-svc", "pod": "manifest-svc-5d6b7-p9w2m", "app": "manifest-svc"},
    {"namespace": "accounts", "container": "accounts-api", "pod": "accounts-api-6f4c2-l7h3n", "app": "accounts-api"},
    {"namespace": "web", "container": "web-frontend", "pod": "web-frontend-84bd5-c2r8v", "app": "web-frontend"},
    {"namespace": "catalog", "container": "catalog-api", "pod": "catalog-api-59a1e-t6j4s", "app": "catalog-api"},
    {"namespace": "ingress-nginx", "container": "controller", "app": "ingress-nginx", "log_type": "access"},
]

LOKI_CONFIG: dict[str, Any] = {
    "auth_enabled": False,
    "compactor": {"working_directory": "/var/loki/compactor", "retention_enabled": True, "delete_request_store": "s3"},
    "limits_config": {
        "retention_period": "336h",
        "ingestion_rate_mb": 8,
        "ingestion_burst_size_mb": 16,
        "max_query_series": 5000,
    },
    "schema_config": {
        "configs": [
            {
                "from": "2024-04-01",
                "store": "tsdb",
                "object_store": "s3",
                "schema": "v13",
                "index": {"prefix": "index_", "period": "24h"},
            }
        ]
    },
    "storage_config": {
        "tsdb_shipper": {"active_index_directory": "/var/loki/index", "cache_location": "/var/loki/cache"}
    },
}

LOKI_RULES: list[dict[str, Any]] = [
    {
        "file": "playback",
        "name": "playback-logs",
        "rules": [
            {
                "alert": "PlaybackApiErrorLogs",
                "expr": 'sum(count_over_time({namespace="playback", app="playback-api"} | json | level="error" [5m])) > 50',
                "for": "5m",
                "labels": {"severity": "warning", "team": "playback"},
                "annotations": {
                    "summary": "playback-api logs many errors",
                    "runbook_url": "https://wiki.reelbox.example/ops/runbooks/playback-api-errors",
                },
            }
        ],
    },
    {
        "file": "platform",
        "name": "ingress",
        "rules": [
            {
                "alert": "IngressUpstream5xx",
                "expr": 'sum by (host) (rate({namespace="ingress-nginx"} | json | status >= 500 [5m])) / sum by (host) (rate({namespace="ingress-nginx"} | json [5m])) > 0.05',
                "for": "10m",
                "labels": {"severity": "warning"},
                "annotations": {"summary": "More than 5% of a host's requests fail at the ingress"},
            }
        ],
    },
]


def loki() -> LokiAPI:
    api = LokiAPI(config=dict(LOKI_CONFIG), rule_groups=list(LOKI_RULES))
    api.runtime = {"overrides": {}}
    api.start()
    feed(api.url, STREAMS)
    return api
