"""Typed evidence kinds of the alertmanager probe (live and from files): one model per kind.

Rules' `data.*` paths are checked against these models (`maturity rules lint`), and every item
a probe yields is validated by them (`Probe.accepts`, called by the runner). Derived from
probes/alertmanager/normalise.py (shared by the live probe and the file parser) and
probes/alertmanager/__init__.py (status, silences).
"""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["MODELS"]

_DURATION = ", seconds, inherited from the parent route (null: not a valid duration)"


class InhibitRule(KindModel):
    """An inhibit rule: alerts matching `source` mute alerts matching `target`."""

    source: list[str] = Field(description="matchers of the inhibiting alerts (source_matchers, source_match[_re])")
    target: list[str] = Field(description="matchers of the muted alerts (target_matchers, target_match[_re])")
    equal: list[str] = Field(description="labels that must be equal in both")


class Route(KindModel):
    """One route of the tree, with what it inherits applied."""

    path: str = Field(description="where it sits in the tree (route.0.1: the second child of the first child)")
    depth: int = Field(description="depth in the tree (the root is 0)")
    receiver: str = Field(description="receiver, inherited when unset")
    matchers: list[str] = Field(description="its matchers (matchers, match, match_re), as text")
    continue_: bool = Field(alias="continue", description="continue: true (siblings are tried too)")
    group_by: list[str] = Field(description="labels alerts are grouped by, inherited when unset")
    group_wait_s: float | None = Field(description="group_wait" + _DURATION)
    group_interval_s: float | None = Field(description="group_interval" + _DURATION)
    repeat_interval_s: float | None = Field(description="repeat_interval" + _DURATION)
    mute_time_intervals: list[str] = Field(description="time intervals when it is muted")
    active_time_intervals: list[str] = Field(description="time intervals when it is active")


class AlertmanagerConfig(KindModel):
    """`alertmanager.config`: the routing tree flattened, receivers summed up, inhibition, time intervals."""

    receiver: str = Field(description="the root route's receiver")
    group_by: list[str] = Field(description="the root route's group_by")
    group_wait_s: float | None = Field(description="the root's group_wait, seconds (30 when unset)")
    group_interval_s: float | None = Field(description="the root's group_interval, seconds (300 when unset)")
    repeat_interval_s: float | None = Field(description="the root's repeat_interval, seconds (14400 when unset)")
    routes: list[Route] = Field(description="every route below the root, depth first")
    routes_count: int = Field(description="routes below the root")
    max_depth: int = Field(description="depth of the deepest route")
    severity_routes: int = Field(description="routes matching on a severity or priority label")
    severity_receivers: list[str] = Field(description="receivers of those routes")
    owner_routes: int = Field(
        description="routes sending alerts chosen by identity (alertname, team, service ...; not severity alone, "
        "ancestors' matchers included) to a receiver other than the root's that notifies someone"
    )
    owner_receivers: list[str] = Field(description="receivers of those routes")
    continue_routes: int = Field(description="routes with continue: true")
    route_matcher_labels: list[str] = Field(description="label names the routes match on")
    receivers_count: int = Field(description="receivers defined")
    integration_types: list[str] = Field(description="integration types any receiver uses (email, slack, webhook, ...)")
    integration_type_count: int = Field(description="distinct integration types")
    paging_types: list[str] = Field(
        description="paging paths: pager integrations (pagerduty, opsgenie, wechat, sns, ...) and webhooks to "
        "DingTalk, Feishu, WeCom or an on-call tool"
    )
    webhook_targets: list[str] = Field(
        description="what webhooks reach: dingtalk, feishu, wecom, oncall, automation or other (never the URL)"
    )
    automation_receivers: list[str] = Field(description="routed receivers whose webhook reaches an automation tool")
    cross_object_inhibit_rules: int = Field(
        description="inhibit rules relating different alerts (source and target name different alerts, alertname not "
        "equal) on a label other than instance/job (node, host, cluster, namespace, service)"
    )
    target_keyed_inhibit_rules: int = Field(
        default=0,
        description="inhibit rules relating different alerts whose equal holds only instance/job: the scrape target, "
        "one exporter unless relabelling sets instance to the host",
    )
    receivers_without_integrations: list[str] = Field(description="receivers that notify nobody")
    inhibit_rules: list[InhibitRule] = Field(description="inhibit rules")
    inhibit_rules_count: int = Field(description="inhibit rules")
    time_intervals: list[str] = Field(description="named time intervals (time_intervals, mute_time_intervals)")
    routes_with_time_intervals: int = Field(description="routes with mute or active time intervals")
    templates: int = Field(description="notification template file patterns")


class AlertmanagerReceiver(KindModel):
    """`alertmanager.receiver`: a receiver and how it notifies."""

    name: str = Field(description="receiver name")
    integration_types: list[str] = Field(description="integration types it uses (email, slack, webhook, ...)")
    integrations: dict[str, int] = Field(description="integrations per type")
    webhook_targets: list[str] = Field(
        description="what its webhooks reach: dingtalk, feishu, wecom, oncall, automation or other (never the URL)"
    )
    paging_types: list[str] = Field(description="its paging paths (pager integrations and paging webhooks)")
    paging: bool = Field(description="uses a paging path (pagerduty, opsgenie, wechat, a DingTalk/on-call webhook ...)")
    send_resolved: bool = Field(description="some integration sends resolved notifications")
    routed: bool = Field(description="some route (or the root) sends to it")


class AlertmanagerStatus(KindModel):
    """`alertmanager.status`: version, uptime and cluster status (live only)."""

    version: str = Field(description="Alertmanager version")
    uptime: str = Field(description="when it started, as the server reports it")
    cluster_status: str = Field(description="cluster status (ready, settling, disabled)")
    peers: int = Field(description="cluster peers, itself included")
    ha: bool = Field(description="two or more peers in an enabled cluster")


class AlertmanagerSilence(KindModel):
    """`alertmanager.silence`: counts of silences only, never who silenced what (live only)."""

    active: int = Field(description="active silences")
    pending: int = Field(description="silences not started yet")
    expired: int = Field(description="expired silences still listed")
    total: int = Field(description="silences listed")
    active_longer_than_7d: int = Field(description="active silences that last longer than seven days")
    active_without_comment: int = Field(description="active silences without a comment")


MODELS: dict[str, type[KindModel]] = {
    "alertmanager.config": AlertmanagerConfig,
    "alertmanager.receiver": AlertmanagerReceiver,
    "alertmanager.status": AlertmanagerStatus,
    "alertmanager.silence": AlertmanagerSilence,
}
