"""A small, well-run Grafana estate in the shapes Grafana's HTTP API answers with.

Two folders; a business dashboard for checkout (orders and payment metrics shown large in stat
panels, service/environment variables, data links, a Mixed panel joining Prometheus and MySQL),
a node dashboard, a service map (node graph); three data sources; two alert rules (one drawn on
the checkout panel); contact points of two types under a severity-routed policy tree;
annotations; users in three roles and two teams.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "GrafanaEstate",
    "alert_rule",
    "basic_permission",
    "dashboard",
    "datasource",
    "default_permissions",
    "org_users",
    "panel",
    "well_run",
]

PROM = {"type": "prometheus", "uid": "prom"}
MYSQL = {"type": "mysql", "uid": "orders-db"}


@dataclass
class GrafanaEstate:
    """What the loopback Grafana serves."""

    version: str = "11.3.0"
    folders: list[dict[str, Any]] = field(default_factory=list)
    dashboards: list[dict[str, Any]] = field(default_factory=list)  # {"dashboard": ..., "meta": ...}
    datasources: list[dict[str, Any]] = field(default_factory=list)
    alert_rules: list[dict[str, Any]] = field(default_factory=list)
    contact_points: list[dict[str, Any]] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=lambda: {"receiver": "grafana-default-email"})
    mute_timings: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    public_dashboards: list[dict[str, Any]] | None = None  # None: an older Grafana (404)
    # Data source permissions by data source uid (GET /api/access-control/datasources/:uid);
    # None: Grafana OSS, which has no such API (404). A uid missing from the map has the
    # defaults a new data source gets: Viewer and Editor may query it, Admin may edit it.
    datasource_permissions: dict[str, list[dict[str, Any]]] | None = None


def panel(pid: int, kind: str, title: str, expr: str, ds: dict[str, str], **extra: Any) -> dict[str, Any]:
    """A dashboard panel with one query (refId A) on the data source `ds`; `extra` adds panel keys."""
    return {
        "id": pid,
        "type": kind,
        "title": title,
        "datasource": ds,
        "targets": [{"refId": "A", "datasource": ds, "expr": expr}],
        **extra,
    }


def dashboard(uid: str, title: str, folder: dict[str, Any], panels: list[Any], **extra: Any) -> dict[str, Any]:
    """A dashboard in `folder` as GET /api/dashboards/uid/:uid answers: its model and meta."""
    model = {"uid": uid, "title": title, "schemaVersion": 39, "version": 7, "panels": panels, "tags": [], **extra}
    meta = {
        "type": "db",
        "slug": uid,
        "url": f"/d/{uid}/{uid}",
        "folderUid": folder["uid"],
        "folderTitle": folder["title"],
        "provisioned": False,
        "version": 7,
        "updated": "2026-01-10T09:00:00Z",
        "canSave": False,
    }
    return {"dashboard": model, "meta": meta}


def datasource(ds_id: int, uid: str, name: str, kind: str, url: str, **fields: Any) -> dict[str, Any]:
    """A data source as GET /api/datasources lists it: proxy access, no credentials, the one with id 1
    the default; `fields` overrides keys (jsonData, readOnly, user, ...)."""
    return {
        "id": ds_id,
        "uid": uid,
        "orgId": 1,
        "name": name,
        "type": kind,
        "access": "proxy",
        "url": url,
        "user": "",
        "database": "",
        "basicAuth": False,
        "isDefault": ds_id == 1,
        "jsonData": {},
        "readOnly": True,
        **fields,
    }


def alert_rule(
    uid: str,
    title: str,
    folder: str,
    group: str,
    expr: str,
    op: str,
    threshold: float,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    *,
    for_: str = "5m",
    datasource: str,
    since: int | None = None,
    reducer: str | None = "last",
    **fields: Any,
) -> dict[str, Any]:
    """A Grafana-managed alert rule as GET /api/v1/provisioning/alert-rules lists it: query A (`expr`
    on the data source uid `datasource`, over the last `since` seconds if given), reduced to one
    value (B), compared with `threshold` by `op` ("gt", "lt", ...) as the condition C, firing once
    it has held `for_`. `fields` adds or overrides keys (updated, noDataState, provenance, ...)."""
    query: dict[str, Any] = {"refId": "A"}
    if since is not None:
        query["relativeTimeRange"] = {"from": since, "to": 0}
    query |= {"datasourceUid": datasource, "model": {"refId": "A", "expr": expr}}
    reduce = {"refId": "B", "type": "reduce", "expression": "A"}
    if reducer is not None:
        reduce["reducer"] = reducer
    return {
        "uid": uid,
        "orgID": 1,
        "folderUID": folder,
        "ruleGroup": group,
        "title": title,
        "condition": "C",
        "data": [
            query,
            {"refId": "B", "datasourceUid": "__expr__", "model": reduce},
            {
                "refId": "C",
                "datasourceUid": "__expr__",
                "model": {
                    "refId": "C",
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [{"evaluator": {"type": op, "params": [threshold]}}],
                },
            },
        ],
        "noDataState": "NoData",
        "execErrState": "Error",
        "for": for_,
        "labels": labels or {},
        "annotations": annotations or {},
        "isPaused": False,
        **fields,
    }


def org_users(roles: list[str], domain: str = "example.com") -> list[dict[str, Any]]:
    """The organisation's users as GET /api/org/users lists them: user1, user2, ... in `roles`."""
    return [
        {"orgId": 1, "userId": i, "login": f"user{i}", "email": f"user{i}@{domain}", "role": role}
        for i, role in enumerate(roles, start=1)
    ]


def basic_permission(role: str, permission: str) -> dict[str, Any]:
    """One basic role's entry in a data source's permission list, as Grafana lists it."""
    actions = ["datasources:read", "datasources:query"]
    if permission == "Edit":
        actions += ["datasources:write", "datasources:delete"]
    return {
        "id": {"Viewer": 1, "Editor": 2, "Admin": 3}.get(role, 4),
        "roleName": f"managed:builtins:{role.lower()}:permissions",
        "isManaged": True,
        "isInherited": False,
        "isServiceAccount": False,
        "builtInRole": role,
        "actions": actions,
        "permission": permission,
    }


def default_permissions() -> list[dict[str, Any]]:
    """What a new data source allows: Viewer and Editor query, Admin edits."""
    return [basic_permission("Viewer", "Query"), basic_permission("Editor", "Query"), basic_permission("Admin", "Edit")]


def well_run() -> GrafanaEstate:
    """The estate a well-run platform team would show."""
    shop = {"id": 1, "uid": "shop", "title": "Shop"}
    platform = {"id": 2, "uid": "platform", "title": "Platform"}
    checkout = dashboard(
        "checkout",
        "Checkout",
        shop,
        [
            panel(1, "stat", "panel 1", 'sum(rate(orders_created_total{env="$env"}[5m]))', PROM),
            panel(
                2,
                "stat",
                "panel 2",
                "sum(rate(payment_failures_total[5m])) / sum(rate(payment_attempts_total[5m]))",
                PROM,
            ),
            panel(
                3,
                "timeseries",
                "panel 3",
                'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="$service"}[5m])))',
                PROM,
                fieldConfig={
                    "defaults": {
                        "links": [{"title": "Traces", "url": "/d/traces?var-service=${__field.labels.service}"}]
                    }
                },
            ),
            {
                "id": 4,
                "type": "table",
                "datasource": {"type": "datasource", "uid": "-- Mixed --"},
                "targets": [
                    {"refId": "A", "datasource": PROM, "expr": "sum by (sku) (rate(orders_created_total[1h]))"},
                    {"refId": "B", "datasource": MYSQL, "rawSql": "SELECT sku, stock FROM inventory"},
                ],
            },
        ],
        tags=["business", "checkout"],
        templating={"list": [{"name": "env", "type": "custom"}, {"name": "service", "type": "query"}]},
        links=[{"title": "Payments", "type": "link", "url": "/d/payments"}],
    )
    nodes = dashboard(
        "nodes",
        "Node exporter",
        platform,
        [
            panel(1, "timeseries", "panel 1", 'rate(node_cpu_seconds_total{mode!="idle"}[5m])', PROM),
            panel(2, "gauge", "panel 2", "node_filesystem_avail_bytes / node_filesystem_size_bytes", PROM),
        ],
        templating={"list": [{"name": "instance", "type": "query"}]},
    )
    nodes["meta"]["provisioned"] = True
    topology = dashboard(
        "service-map",
        "Service map",
        platform,
        [panel(1, "nodeGraph", "panel 1", "traces_service_graph_request_total", PROM)],
    )
    now = int(time.time() * 1000)
    return GrafanaEstate(
        folders=[shop, platform],
        dashboards=[checkout, nodes, topology],
        datasources=[
            datasource(1, "prom", "Prometheus", "prometheus", "http://prometheus:9090"),
            datasource(2, "loki", "Loki", "loki", "http://loki:3100"),
            datasource(
                3,
                "orders-db",
                "Orders DB",
                "mysql",
                "orders-db:3306",
                user="grafana_ro",
                database="orders",
                readOnly=False,
            ),
        ],
        alert_rules=[
            {
                "id": 1,
                **alert_rule(
                    "payment-errors",
                    "Payment failure ratio high",
                    "shop",
                    "checkout",
                    "sum(rate(payment_failures_total[5m])) / sum(rate(payment_attempts_total[5m]))",
                    "gt",
                    0.05,
                    {"severity": "critical", "team": "shop"},
                    {
                        "summary": "Payments failing",
                        "runbook_url": "https://wiki.example.com/rb/payments",
                        "__dashboardUid__": "checkout",
                        "__panelId__": "2",
                    },
                    datasource="prom",
                    since=600,
                    updated="2026-01-10T09:00:00Z",
                    provenance="api",
                ),
            },
            {
                "id": 2,
                "uid": "disk-low",
                "orgID": 1,
                "folderUID": "platform",
                "ruleGroup": "nodes",
                "title": "Disk almost full",
                "condition": "B",
                "data": [
                    {
                        "refId": "A",
                        "datasourceUid": "prom",
                        "model": {"refId": "A", "expr": "node_filesystem_avail_bytes / node_filesystem_size_bytes"},
                    },
                    {
                        "refId": "B",
                        "datasourceUid": "__expr__",
                        "model": {"refId": "B", "type": "math", "expression": "$A < 0.1"},
                    },
                ],
                "noDataState": "OK",
                "execErrState": "Error",
                "for": "15m",
                "labels": {"severity": "warning", "team": "platform"},
                "annotations": {"summary": "Disk low", "runbook_url": "https://wiki.example.com/rb/disk-low"},
                "isPaused": False,
            },
        ],
        contact_points=[
            {"uid": "cp1", "name": "ops-email", "type": "email", "settings": {"addresses": "ops@example.com"}},
            {"uid": "cp2", "name": "ops-slack", "type": "slack", "settings": {"url": "[REDACTED]"}},
        ],
        policy={
            "receiver": "ops-email",
            "group_by": ["grafana_folder", "alertname"],
            "routes": [{"receiver": "ops-slack", "object_matchers": [["severity", "=", "critical"]], "routes": []}],
        },
        mute_timings=[{"name": "weekends", "time_intervals": [{"weekdays": ["saturday", "sunday"]}]}],
        annotations=[
            {
                "id": 1,
                "alertId": 0,
                "dashboardUID": "checkout",
                "panelId": 2,
                "newState": "alerting",
                "type": "alert",
                "time": now - 3_600_000,
                "text": "",
                "tags": [],
            },
            {
                "id": 2,
                "dashboardUID": "checkout",
                "panelId": 0,
                "type": "annotation",
                "time": now - 7_200_000,
                "text": "deploy checkout v1.4",
                "tags": ["deploy"],
                "login": "ci-bot",
            },
        ],
        users=org_users(["Admin", "Editor", "Editor", "Viewer", "Viewer", "Viewer"]),
        teams=[{"id": 1, "name": "shop"}, {"id": 2, "name": "platform"}],
        public_dashboards=[{"uid": "pub1", "dashboardUid": "checkout", "isEnabled": True}],
        # Enterprise: the orders database is queried by the shop team only.
        datasource_permissions={
            "orders-db": [
                {
                    "id": 7,
                    "roleName": "managed:teams:1:permissions",
                    "isManaged": True,
                    "isInherited": False,
                    "isServiceAccount": False,
                    "team": "shop",
                    "teamId": 1,
                    "teamAvatarUrl": "/avatar/1",
                    "actions": ["datasources:read", "datasources:query"],
                    "permission": "Query",
                },
                basic_permission("Admin", "Edit"),
            ]
        },
    )
