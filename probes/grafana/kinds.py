"""Typed evidence kinds of the grafana probe. Rules' `data.*` paths are checked against these."""

from __future__ import annotations

from pydantic import Field

from probes.gitops.kinds import Dashboard
from scanner.probe import KindModel

__all__ = ["MODELS"]


class Instance(KindModel):
    """`grafana.instance`: the Grafana server and how much of it was read."""

    version: str = Field(description="Grafana version (/api/health)")
    database_ok: bool = Field(description="/api/health reports its database ok")
    dashboards: int = Field(description="dashboards the token can see (/api/search)")
    dashboards_read: int = Field(description="dashboards whose JSON model was read (at most max_dashboards)")
    folders: int = Field(description="folders the token can see")
    public_dashboards: int | None = Field(
        description="dashboards shared publicly (no login); null: this Grafana has no public-dashboard API"
    )


class LiveDashboard(Dashboard):
    """`grafana.dashboard`: a dashboard read from Grafana's API, with the same facts as
    `gitops.dashboard` (one classifier for both) and what only the server knows."""

    source: str = Field(description="grafana_api")
    folder: str = Field(description="folder title (General: the root)")
    provisioned: bool = Field(description="loaded from provisioning files (kept as code) rather than saved in the UI")
    version: int | None = Field(description="the dashboard's version number (saves)")
    updated: str | None = Field(description="when it was last saved (ISO 8601)")
    data_links: int = Field(description="panel data links (click a value to open the detail view)")
    mixed_datasource: bool = Field(
        description="a panel uses Grafana's Mixed data source (queries from several sources)"
    )
    datasource_count: int = Field(
        description="distinct data sources the panels query (built-in, Mixed and variable markers left out)"
    )
    mixed_panel_sources: int = Field(
        description="most distinct data sources one Mixed panel queries together (0: no Mixed panel)"
    )
    ml_forecast_panels: int = Field(
        default=0,
        description="panels charting a Grafana ML forecast (a `<metric>:predicted` series: the learned prediction and its upper and lower bounds)",
    )


class Datasource(KindModel):
    """`grafana.datasource`: a configured data source (never its URL, user or secrets)."""

    name: str = Field(description="data source name")
    type: str = Field(description="plugin type: prometheus, loki, elasticsearch, mysql, cloudwatch, ...")
    is_default: bool = Field(description="the default data source of new panels")
    read_only: bool = Field(description="provisioned from files: cannot be edited in the UI")
    query_roles: list[str] | None = Field(
        default=None,
        description="basic roles (Viewer, Editor, Admin) allowed to query it; null: its permissions were not readable (Grafana OSS has no data source permissions; Enterprise or Cloud, with datasources.permissions:read)",
    )
    query_grants: int | None = Field(
        default=None,
        description="users, teams and service accounts granted query or edit on it one by one (managed permissions); null: not readable",
    )


class AlertRule(KindModel):
    """`grafana.alert_rule`: a Grafana-managed alert rule (alerting provisioning API)."""

    title: str = Field(description="rule title")
    folder_uid: str = Field(description="folder the rule is kept in")
    rule_group: str = Field(description="evaluation group")
    recording: bool = Field(description="a recording rule (writes a series) rather than an alert")
    paused: bool = Field(description="evaluation is paused")
    for_s: float | None = Field(description="pending period, seconds (null: unreadable)")
    expression_types: list[str] = Field(
        description="server-side expression types in the rule (threshold, classic_conditions, math, reduce, ...)"
    )
    compares_threshold: bool = Field(
        description="the rule's condition compares a value with a threshold (a threshold or classic condition, or a comparison in a math expression)"
    )
    datasource_types: list[str] = Field(description="types of the data sources its queries read")
    promql: str = Field(
        default="",
        description="the PromQL of its queries to Prometheus-type data sources (Prometheus, Mimir, Amazon Managed Prometheus), one a line, at most 2000 characters ('': none)",
    )
    business_metrics: list[str] = Field(
        default_factory=list,
        description="metric names that PromQL reads which are not platform or self-monitoring series (prometheus_, kube_, node_, up, ...; the classifier of prometheus.alert_rule), at most 20",
    )
    label_keys: list[str] = Field(description="label names (values are kept only for severity)")
    severity: str | None = Field(description="the severity or priority label's value")
    runbook: bool = Field(description="a runbook_url annotation is set")
    summary: bool = Field(description="a summary or description annotation is set")
    dashboard_uid: str | None = Field(
        description="the dashboard whose panel shows this rule's state (__dashboardUid__)"
    )
    panel_linked: bool = Field(
        description="the rule is tied to a panel (__panelId__): its state is drawn on that graph"
    )
    no_data_state: str = Field(description="state when the query returns no data (NoData, Alerting, OK, KeepLast)")
    exec_err_state: str = Field(description="state when evaluation fails (Error, Alerting, OK, KeepLast)")


class Notification(KindModel):
    """`grafana.notification`: contact points by integration type and the notification policy tree."""

    contact_points: int = Field(description="contact point integrations")
    integration_types: list[str] = Field(description="integration types in use (email, slack, pagerduty, webhook, ...)")
    integration_type_count: int = Field(description="distinct integration types")
    routed_integration_types: list[str] = Field(
        description="integration types of the contact points the policy tree routes to (the unconfigured default e-mail left out)"
    )
    routed_integration_type_count: int = Field(description="distinct routed integration types")
    default_receiver: str = Field(description="the root policy's contact point")
    routes: int = Field(description="nested notification policies (all depths)")
    max_depth: int = Field(description="deepest nesting of policies (0: the root only)")
    group_by: list[str] = Field(description="the root policy's grouping labels")
    matcher_labels: list[str] = Field(description="label names the nested policies match on")
    mute_timings: int | None = Field(description="mute timings defined (null: not readable)")


class Annotations(KindModel):
    """`grafana.annotations`: how many events were marked on graphs in the window (counts only)."""

    window_days: int = Field(description="window length, days")
    alert: int = Field(description="alert state changes drawn on panels in the window")
    manual: int = Field(description="annotations added by people or by API (deploys, incidents) in the window")
    tagged: int = Field(description="manual annotations carrying at least one tag")
    dashboards_annotated: int = Field(description="distinct dashboards with an annotation in the window")
    capped: bool = Field(description="a count reached the per-query limit: the true figure is higher")


class Access(KindModel):
    """`grafana.access`: who can see and change dashboards, as counts only (never names)."""

    users: int = Field(description="users of the organisation")
    roles: dict[str, int] = Field(description="users per organisation role (Admin, Editor, Viewer, None)")
    distinct_roles: int = Field(description="organisation roles that have at least one user")
    teams: int = Field(description="teams")


MODELS: dict[str, type[KindModel]] = {
    "grafana.instance": Instance,
    "grafana.dashboard": LiveDashboard,
    "grafana.datasource": Datasource,
    "grafana.alert_rule": AlertRule,
    "grafana.notification": Notification,
    "grafana.annotations": Annotations,
    "grafana.access": Access,
}
