"""A mid-size SaaS team's on-call and observability tools, run adequately but not well.

Served by the loopback APIs of sandbox/ (tests/fidelity.py starts what `loopback()` returns):

- Grafana: infrastructure dashboards (nodes, pods, MySQL) and one product dashboard of signups
  (a stat of today's count over an hourly series); two Grafana-managed threshold alerts sent to one e-mail address;
  no service map, no data links, no dashboard tied to an alert.
- PagerDuty: three services on one single-level escalation policy over one 24x7 schedule, no
  teams; a quarter of the incidents opened by hand; acknowledgements from one to forty minutes,
  resolutions from a few minutes to hours.
- Loki: journal, syslog and container logs, no ingress or access logs; one global retention;
  one alert on a line filter, nothing parsed.
- Sentry: a React app and a Django API reporting errors only (no tracing, no sessions, so no
  Web Vitals or crash-free rates); default e-mail issue alerts; open team membership.
- JSM: an IT desk taking incidents and service requests; a resolution SLA of 4 hours for the
  highest priority and 8 for the rest, missed one time in three; no problem or post-incident
  request types. Outages are reported through the portal at the default priority (Medium) and
  the on-call agent sets Highest on the big ones (8 of 30) at triage, minutes later.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.base import Estate
from sandbox.grafana import GrafanaEstate
from sandbox.grafana.estate import alert_rule, dashboard, datasource, org_users
from sandbox.jsm import JsmAPI, JsmRequest, RequestType, ServiceDesk, Sla
from sandbox.loki import LokiAPI, feed
from sandbox.loopback_estates import (
    GrafanaDemoEstate,
    JsmDemoEstate,
    LokiDemoEstate,
    PagerDutyDemoEstate,
    SentryDemoEstate,
)
from sandbox.pagerduty import Estate as PagerDutyEstate
from sandbox.pagerduty import (
    Shift,
    add_incident,
    escalation_policy,
    escalation_rule,
    integration,
    ref,
    schedule,
    service,
)
from sandbox.sentry import SentryAPI, SentryProjectData

PROM = {"type": "prometheus", "uid": "prom"}
LOKI = {"type": "loki", "uid": "loki"}


def loopback() -> list[Estate]:
    return [
        GrafanaDemoEstate(grafana),
        PagerDutyDemoEstate(pagerduty),
        LokiDemoEstate(loki),
        SentryDemoEstate(sentry),
        JsmDemoEstate(jsm),
    ]


# -- Grafana ----------------------------------------------------------------------------------


def _panel(pid: int, kind: str, title: str, expr: str, ds: dict[str, str] = PROM) -> dict[str, Any]:
    return {"id": pid, "type": kind, "title": title, "datasource": ds, "targets": [{"refId": "A", "expr": expr}]}


def _alert(uid: str, title: str, folder: str, expr: str, threshold: float) -> dict[str, Any]:
    return alert_rule(
        uid, title, folder, "default", expr, "gt", threshold, {}, {"summary": title}, datasource="prom", reducer=None
    )


def grafana() -> GrafanaEstate:
    infra = {"id": 1, "uid": "infra", "title": "Infrastructure"}
    product = {"id": 2, "uid": "product", "title": "Product"}
    nodes = dashboard(
        "node-exporter",
        "Node Exporter Full",
        infra,
        [
            _panel(1, "timeseries", "CPU busy", 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))'),
            _panel(2, "timeseries", "Memory", "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes"),
            _panel(3, "gauge", "Root disk", 'node_filesystem_avail_bytes{mountpoint="/"}'),
        ],
        templating={"list": [{"name": "instance", "type": "query"}]},
    )
    pods = dashboard(
        "k8s-pods",
        "Kubernetes / Pods",
        infra,
        [
            _panel(1, "timeseries", "CPU", "sum by (pod) (rate(container_cpu_usage_seconds_total[5m]))"),
            _panel(2, "timeseries", "Memory", "sum by (pod) (container_memory_working_set_bytes)"),
            _panel(3, "timeseries", "App errors", 'sum(count_over_time({namespace="app"} |= "error" [5m]))', LOKI),
        ],
        templating={"list": [{"name": "namespace", "type": "query"}]},
    )
    mysql = dashboard(
        "mysql",
        "MySQL overview",
        infra,
        [
            _panel(1, "timeseries", "Connections", "mysql_global_status_threads_connected"),
            _panel(2, "timeseries", "Queries", "rate(mysql_global_status_queries[5m])"),
        ],
    )
    signups = dashboard(
        "signups",
        "Signups",
        product,
        [
            _panel(1, "stat", "Signups today", "sum(increase(app_user_signups_total[1d]))"),
            _panel(2, "timeseries", "Signups per hour", "sum(increase(app_user_signups_total[1h]))"),
        ],
    )
    return GrafanaEstate(
        version="10.4.2",
        folders=[infra, product],
        dashboards=[nodes, pods, mysql, signups],
        datasources=[
            datasource(1, "prom", "Prometheus", "prometheus", "http://prometheus:9090", readOnly=False),
            datasource(2, "loki", "Loki", "loki", "http://loki:3100", readOnly=False),
        ],
        alert_rules=[
            _alert(
                "cpu-high",
                "Node CPU high",
                "infra",
                'avg by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))',
                0.9,
            ),
            _alert("mysql-conns", "MySQL connections high", "infra", "mysql_global_status_threads_connected", 400),
        ],
        contact_points=[
            {"uid": "cp1", "name": "ops-mail", "type": "email", "settings": {"addresses": "ops@example.com"}}
        ],
        policy={"receiver": "ops-mail", "group_by": ["grafana_folder", "alertname"]},
        annotations=[],
        users=org_users(["Admin"] + ["Editor"] * 7 + ["Viewer"] * 2),
        teams=[{"id": 1, "name": "ops"}],
        public_dashboards=[],
    )


# -- PagerDuty --------------------------------------------------------------------------------

# (ack seconds or None, resolve seconds, opened by an integration): a quarter opened by hand,
# half acknowledged within two minutes, the rest up to forty; resolutions mostly past ten minutes
INCIDENTS: list[tuple[float | None, float, bool]] = [
    (45, 1500, True), (240, 3600, True), (90, 420, True), (600, 7200, False),
    (70, 2400, True), (None, 900, True), (300, 5400, True), (110, 1800, False),
    (1800, 10800, True), (55, 300, True), (420, 2700, True), (100, 1200, False),
    (2400, 14400, True), (80, 660, True), (180, 3000, True), (60, 1500, False),
    (900, 4800, True), (115, 2100, True), (360, 6000, False), (None, 480, True),
    (75, 1800, True), (1200, 9000, True), (95, 840, False), (150, 2400, True),
]  # fmt: skip


def pagerduty() -> PagerDutyEstate:
    now = datetime.now(UTC).replace(microsecond=0)
    e = PagerDutyEstate()

    default = ref("escalation_policy", "PEP1", "Default")
    e.schedules = [schedule("PSCH1", "Ops on-call", "Europe/Berlin", default)]
    e.shifts = {"PSCH1": [Shift("PU1", 0, 12), Shift("PU2", 12, 12)]}
    services = [("PSVC1", "api"), ("PSVC2", "web"), ("PSVC3", "billing-worker")]
    e.policies = [
        escalation_policy(
            "PEP1",
            "Default",
            2,
            [escalation_rule("R1", 30, ref("schedule", "PSCH1", "Ops on-call"))],
            [ref("service", sid, name) for sid, name in services],
        )
    ]
    e.integrations = {"PI1": integration("PI1", "events_api_v2_inbound_integration", "Alertmanager")}
    for sid, name in services:
        e.services.append(
            service(
                sid,
                name,
                default,
                [ref("events_api_v2_inbound_integration", "PI1", "Alertmanager")],
                auto_resolve_timeout=14400,
            )
        )
    for n, (ack, resolve, by_alert) in enumerate(INCIDENTS):
        sid, name = services[n % 3]
        created = now - timedelta(days=1 + n * 2, hours=(n * 7) % 24)
        add_incident(
            e,
            n + 1,
            created,
            sid,
            name,
            ack_after_s=ack,
            resolve_after_s=resolve,
            trigger_by="integration" if by_alert else "user",
            resolve_by="user" if ack is not None else "timeout",
        )
    return e


# -- Loki -------------------------------------------------------------------------------------

LOKI_STREAMS: list[dict[str, str]] = [
    {"job": "systemd-journal", "unit": "kubelet.service", "host": "node-1"},
    {"job": "systemd-journal", "unit": "containerd.service", "host": "node-2"},
    {"job": "varlogs", "filename": "/var/log/syslog", "host": "node-1"},
    {"namespace": "app", "container": "api", "pod": "api-6f7c9", "app": "api"},
    {"namespace": "app", "container": "web", "pod": "web-58d2b", "app": "web"},
    {"namespace": "app", "container": "worker", "pod": "billing-worker-7b1e", "app": "billing-worker"},
]


def loki() -> LokiAPI:
    rules = [
        {
            "file": "app",
            "name": "app-logs",
            "rules": [
                {
                    "alert": "ApiPanics",
                    "expr": 'sum(count_over_time({app="api"} |= "panic" [5m])) > 0',
                    "for": "1m",
                    "labels": {"severity": "page"},
                    "annotations": {"summary": "the API logs panics"},
                }
            ],
        }
    ]
    config = {
        "auth_enabled": False,
        "compactor": {"working_directory": "/loki/compactor", "retention_enabled": True},
        "limits_config": {"retention_period": "720h"},
    }
    api = LokiAPI(config=config, rule_groups=rules)
    api.runtime = {"overrides": {}}
    api.start()
    feed(api.url, LOKI_STREAMS)
    return api


# -- Sentry -----------------------------------------------------------------------------------

MAIL_ACTION = {"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners"}


def sentry(token: str) -> SentryAPI:
    default_rule = {"id": "1", "name": "Send a notification for new issues", "actions": [MAIL_ACTION]}
    web = SentryProjectData(1, "webapp", "javascript-react", ["frontend"], rules=[{**default_rule, "id": "1"}])
    api_p = SentryProjectData(2, "api", "python-django", ["backend"], rules=[{**default_rule, "id": "2"}])
    alerts = [
        {
            "id": "20",
            "name": "API error spike",
            "dataset": "events",
            "aggregate": "count()",
            "query": "",
            "projects": ["api"],
            "timeWindow": 10,
            "triggers": [{"label": "critical", "alertThreshold": 200, "actions": [{"type": "email"}]}],
        }
    ]
    api = SentryAPI(
        token=token, projects=[web, api_p], integrations=["slack"], metric_alerts=alerts, open_membership=True
    )
    api.start()
    return api


# -- Jira Service Management ------------------------------------------------------------------


def jsm(token: str) -> JsmAPI:
    now = datetime.now(UTC).replace(microsecond=0)
    types = [
        RequestType("1", "1", "Report an outage", "10001", "incident-management"),
        RequestType("2", "1", "Get IT help", "10004", "service-request"),
    ]
    reqs: list[JsmRequest] = []
    for n in range(30):  # resolution goals: 4 hours for the highest priority, 8 for the rest; every third missed
        goal = 240.0 if n % 4 == 0 else 480.0
        slas = [Sla("Time to resolution", [(goal, goal * (1.6 if n % 3 == 2 else 0.4))])]
        # outages are reported through the portal at the default priority (Medium); the on-call
        # agent sets Highest on the big ones at triage, five to twenty-five minutes in
        changes = [(5.0 + (n * 7) % 21, "Medium", "Highest")] if n % 4 == 0 else []
        reqs.append(
            JsmRequest(
                f"OPS-{n + 1}",
                "1",
                "1",
                now - timedelta(days=1 + n * 3, hours=n % 7),
                True,
                slas,
                priority="Highest" if n % 4 == 0 else "Medium",
                priority_changes=changes,
            )
        )
    ongoing = [Sla("Time to resolution", ongoing=(480.0, 300.0))]
    reqs.append(JsmRequest("OPS-99", "1", "1", now - timedelta(hours=5), slas=ongoing, priority="Medium"))
    for n in range(12):
        reqs.append(JsmRequest(f"OPS-{200 + n}", "1", "2", now - timedelta(days=2 + 5 * n), done=n % 4 != 0))
    api = JsmAPI(token=token, desks=[ServiceDesk("1", "OPS", "Ops help desk")], types=types, requests_=reqs)
    api.start()
    return api
