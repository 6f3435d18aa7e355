"""Typed evidence kinds of the pagerduty probe (the fields of `data`, see probes/pagerduty/normalise.py)."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["KINDS", "MODELS"]

KINDS: dict[str, str] = {
    "pagerduty.service": "a PagerDuty service: status, escalation policy (levels joined), teams, integrations feeding it, ack and auto-resolve timeouts, urgency rule",
    "pagerduty.escalation_policy": "an escalation policy: levels, what each level targets (schedules, users), delays, loops, teams, services using it, and its first level's on-call coverage over the next coverage_days",
    "pagerduty.schedule": "an on-call schedule: coverage of its final layer (with overrides) over the next coverage_days, gaps, people on call, whether an active service's policy uses it",
    "pagerduty.incident_stats": "incidents created in the window, for the account and per service: time to acknowledge and to resolve (n, median, p90, p95), share opened by integrations, share resolved by automation, the major incidents' (the most severe priority's) time to resolve, and status updates sent to subscribers after resolution",
}


class Window(KindModel):
    """The time window a figure covers."""

    start: str = Field(description="start (ISO 8601, UTC)")
    end: str = Field(description="end (ISO 8601, UTC)")
    days: float = Field(description="length in days")


class Timing(KindModel):
    """Durations in minutes: sample size, median, p90 and p95 (nearest rank); null when empty."""

    n: int = Field(description="sample size")
    median: float | None = Field(description="median, minutes (null: empty sample)")
    p90: float | None = Field(description="90th percentile, minutes (null: empty sample)")
    p95: float | None = Field(description="95th percentile, minutes (null: empty sample)")


class Integration(KindModel):
    type: str = Field(description="integration type, e.g. events_api_v2_inbound_integration")
    vendor: str | None = Field(description="the vendor PagerDuty names (Prometheus, Datadog, ...), null: none")


class PagerdutyService(KindModel):
    """`pagerduty.service`."""

    service_id: str = Field(description="PagerDuty id")
    name: str = Field(description="service name")
    status: str | None = Field(description="active, warning, critical, maintenance or disabled")
    active: bool = Field(description="status is not disabled")
    escalation_policy_id: str | None = Field(description="id of its escalation policy")
    escalation_levels: int | None = Field(description="levels of its escalation policy (null: policies not read)")
    escalation_target_sets: int | None = Field(
        description="distinct target sets across its policy's levels (2+: escalates to someone else; null: policies not read)"
    )
    first_level_on_call: bool | None = Field(
        description="the policy's first level targets a schedule or a person (null: policies not read)"
    )
    teams: int = Field(description="teams the service belongs to")
    integration_count: int = Field(description="inbound integrations (monitoring tools, email, Events API)")
    integrations: list[Integration] = Field(description="the integrations, type and vendor (at most 50)")
    acknowledgement_timeout_s: int | None = Field(description="re-trigger after this long acknowledged (null: off)")
    auto_resolve_timeout_s: int | None = Field(description="auto-resolve after this long open (null: off)")
    urgency: str | None = Field(
        description="high or low (constant), or the rule type (severity_based, use_support_hours)"
    )


class PagerdutyEscalationPolicy(KindModel):
    """`pagerduty.escalation_policy`."""

    policy_id: str = Field(description="PagerDuty id")
    name: str = Field(description="policy name")
    levels: int = Field(description="escalation rules (levels)")
    levels_with_targets: int = Field(description="levels that notify someone (a schedule or a user)")
    schedule_levels: int = Field(description="levels targeting at least one on-call schedule")
    distinct_level_targets: int = Field(
        description="distinct target sets across the levels that notify someone (2+: a real second line)"
    )
    first_level_targets: int = Field(description="targets of the first level")
    delays_minutes: list[int] = Field(description="escalation delay of each level, minutes")
    num_loops: int = Field(description="times the policy repeats after its last level")
    teams: int = Field(description="teams the policy belongs to")
    services: int = Field(description="services using the policy")
    active_services: int | None = Field(description="services using it that are not disabled (null: services not read)")
    first_level_coverage_ratio: float | None = Field(
        description="share of the next coverage_days someone on the first level is on call: the union of its schedules' shifts, 1 when it names a person (null: schedules not rendered)"
    )
    first_level_longest_gap_minutes: float | None = Field(
        description="longest stretch with nobody on the first level, minutes (null: schedules not rendered)"
    )


class PagerdutySchedule(KindModel):
    """`pagerduty.schedule`."""

    schedule_id: str = Field(description="PagerDuty id")
    name: str = Field(description="schedule name")
    time_zone: str | None = Field(description="the schedule's time zone")
    window: Window = Field(description="the window the coverage was rendered over (from now, coverage_days)")
    coverage_ratio: float | None = Field(description="share of the window someone is on call (0..1)")
    gaps: int = Field(description="uncovered stretches longer than a minute")
    longest_gap_minutes: float = Field(description="longest uncovered stretch, minutes (0: none)")
    reported_coverage_percent: float | None = Field(
        description="PagerDuty's own rendered_coverage_percentage of the final layer (null: not sent)"
    )
    on_call_people: int = Field(description="distinct people on call in the window")
    layers: int = Field(description="schedule layers")
    escalation_policies: int = Field(description="escalation policies using the schedule")
    in_use: bool | None = Field(
        description="a policy of an active service targets this schedule (null: services or policies not read)"
    )


class PagerdutyIncidentStats(KindModel):
    """`pagerduty.incident_stats`."""

    scope: str = Field(description="account (every incident) or service")
    service_id: str | None = Field(description="the service's id (null: account)")
    service: str | None = Field(description="the service's name (null: account)")
    window: Window = Field(description="incidents created in this window")
    incidents: int = Field(description="incidents created in the window")
    high_urgency: int = Field(description="of which high urgency")
    acknowledged: int = Field(description="incidents a person acknowledged")
    resolved: int = Field(description="incidents resolved")
    resolved_by_person: int = Field(
        description="of which a person resolved (the incident's last_status_change_by, else its resolve log entry's agent, is a user)",
    )
    time_to_ack_minutes: Timing = Field(
        description="created to a person's first response (acknowledgement, or resolution without one); a page the auto-resolve timeout closed unanswered counts with its open time"
    )
    time_to_resolve_minutes: Timing = Field(description="created to resolved, every resolved incident")
    time_to_resolve_handled_minutes: Timing = Field(
        description="created to resolved, incidents a person acknowledged or resolved (received and worked on; includes an alert that cleared, or timed out, after an acknowledgement)"
    )
    time_to_resolve_by_person_minutes: Timing = Field(
        description="created to resolved, incidents a person resolved (not those an integration or the auto-resolve timeout resolved, acknowledged or not)"
    )
    high_urgency_time_to_ack_minutes: Timing = Field(
        description="time to a person's first response (as time_to_ack_minutes), high-urgency incidents"
    )
    high_urgency_time_to_resolve_by_person_minutes: Timing = Field(
        description="time to resolve, high-urgency incidents a person resolved (as time_to_resolve_by_person_minutes)"
    )
    triggers_seen: int = Field(description="incidents whose trigger log entry was read")
    from_integration_ratio: float | None = Field(
        description="share of those opened by an integration or automation, not a person (null: none seen)"
    )
    auto_resolved: int = Field(description="resolved by an integration or automation with no person acknowledging")
    auto_resolved_ratio: float | None = Field(description="auto_resolved / resolved (null: none resolved)")
    timeout_resolved: int = Field(description="closed by the service's auto-resolve timeout (nobody handled them)")
    escalated_ratio: float | None = Field(description="share of incidents escalated past the first level")
    sample_incidents: list[str] = Field(description="numbers of up to five incidents counted, for an auditor")
    priorities_defined: int | None = Field(
        description="priority levels the account defines (GET /priorities; null: not read, e.g. the Priorities feature is not on the plan)"
    )
    top_priority: str | None = Field(description="name of the most severe priority (null: none defined or not read)")
    with_priority: int = Field(description="incidents carrying a priority (their current one)")
    priority_coverage: float | None = Field(
        default=None, description="with_priority / incidents: the share graded by priority (null: no incident)"
    )
    top_priority_incidents: int = Field(description="of which carrying the most severe priority: the major incidents")
    top_priority_share: float | None = Field(
        description="top_priority_incidents / incidents: how selective the top grade is (null: no incident)"
    )
    top_priority_open: int = Field(description="major incidents still open at the scan")
    top_priority_time_to_resolve_minutes: Timing = Field(
        description="created to resolved, major incidents, whoever resolved them; one still open counts with its age at the scan (a lower bound)"
    )
    status_updates_checked: int | None = Field(
        description="resolved incidents whose full log (GET /incidents/{id}/log_entries) was read for status updates, at most max_status_update_lookups, major and high-urgency ones first (null: not read or refused)"
    )
    status_updated: int | None = Field(
        description="of which with a status update (status_update_log_entry: a message sent to the incident's subscribers, the stakeholders) (null: not read)"
    )
    status_updated_after_resolution: int | None = Field(
        description="of which with a status update sent at or after the incident's last resolution: a notice after the incident (null: not read)"
    )


MODELS: dict[str, type[KindModel]] = {
    "pagerduty.service": PagerdutyService,
    "pagerduty.escalation_policy": PagerdutyEscalationPolicy,
    "pagerduty.schedule": PagerdutySchedule,
    "pagerduty.incident_stats": PagerdutyIncidentStats,
}
