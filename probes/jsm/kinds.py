"""Typed evidence kinds of the jsm probe (the fields of `data`, see probes/jsm/normalise.py).

Counts only: no request summary, description, reporter, customer or agent name is kept.
"""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["KINDS", "MODELS"]

KINDS: dict[str, str] = {
    "jsm.service_desk": "a Jira Service Management service desk (project): its request types counted by practice (incident, problem, change, service request, post-incident review)",
    "jsm.requests": "requests created in the window, for the site and per service desk, counted by practice and resolved; problem records and done post-incident reviews whose issue links reach an incident; customers' satisfaction ratings of resolved incidents; change requests carrying a risk grade and an impact, an implementation plan, a test plan and a planned start; incidents' distinct priorities and, for done incidents, whether they closed at the priority they were raised at",
    "jsm.sla": "one SLA metric (e.g. Time to resolution) of one service desk, over its requests of one practice created in the window: goals, completed cycles, share met within goal, ongoing and breached",
}


class Window(KindModel):
    start: str = Field(description="start (ISO 8601, UTC)")
    end: str = Field(description="end (ISO 8601, UTC)")
    days: float = Field(description="length in days")


class ByCategory(KindModel):
    """A count per practice."""

    incident: int = Field(description="incident requests")
    problem: int = Field(description="problem records")
    change: int = Field(description="change requests")
    service_request: int = Field(description="service requests")
    post_incident_review: int = Field(description="post-incident reviews")
    other: int = Field(description="requests of a type with no known practice")


class JsmServiceDesk(KindModel):
    """`jsm.service_desk`."""

    service_desk_id: str = Field(description="service desk id")
    project_key: str | None = Field(description="the Jira project's key")
    project_name: str | None = Field(description="the Jira project's name")
    request_types: int = Field(description="request types of the desk")
    request_types_by_category: ByCategory = Field(description="request types counted by practice")


class JsmRequests(KindModel):
    """`jsm.requests`."""

    scope: str = Field(description="site (every desk read) or service_desk")
    service_desk_id: str | None = Field(description="the desk's id (null: site)")
    project_key: str | None = Field(description="the desk's project key (null: site)")
    window: Window = Field(description="requests created in this window")
    requests: int = Field(description="requests created in the window")
    by_category: ByCategory = Field(description="requests created in the window, by practice")
    resolved_by_category: ByCategory = Field(description="of which in a done status, by practice")
    problems_checked: int = Field(description="problem records whose issue links were read")
    problems_linked_to_incidents: int = Field(
        description="of those, problems linked to an issue of an incident request type's issue type"
    )
    reviews_checked: int = Field(
        default=0,
        description="post-incident reviews (requests of the post-incident-review practice) created in the window and in a done status, whose issue links were read (at most max_review_lookups)",
    )
    reviews_linked_to_incidents: int = Field(
        default=0,
        description="of those, reviews linked to an issue of an incident request type's issue type: a completed review of a recorded incident",
    )
    truncated: bool = Field(
        description="always false: JSM lists a desk's requests by latest activity with no date filter, so a desk "
        "holding more than max_requests cannot have its window read whole; it yields no item, no site item is "
        "made, and jsm.requests and jsm.sla fail (rules unknown). Kept for reports that set it (lower bounds then)"
    )
    incident_priorities_checked: int | None = Field(
        default=None,
        description="incident requests created in the window whose priority was read (at most max_priority_lookups; null: the issue endpoint refused)",
    )
    incident_priorities: int | None = Field(
        default=None,
        description="distinct priorities among those incidents (1: every incident at one priority, the default left as it is; null: not read)",
    )
    incident_grading_checked: int | None = Field(
        default=None,
        description="done incidents looked up (not closed as cancelled, a duplicate, declined or won't do): their priority and its change history (expand=changelog, in the same call) were read to compare the grade they were raised at with the grade they closed at; one whose call was refused for that issue alone (403, 404, oversized) is counted and unmeasured (null: the issue endpoint refused)",
    )
    incident_grading_unmeasured: int | None = Field(
        default=None,
        description="of those, not measured: the issue call was refused for that issue, or the embedded change history was missing, malformed, not complete (its total beyond the histories sent) or held a history of more than 200 items, a priority came without a readable id, or two histories of the same time had no ids to order them, so the priority they were raised at is not known (never guessed)",
    )
    incident_grading_measured: int | None = Field(
        default=None,
        description="incident_grading_checked - incident_grading_unmeasured: done incidents whose initial priority is known (the sample size of incident_grading_accuracy)",
    )
    incident_grading_kept: int | None = Field(
        default=None,
        description="of the measured, those whose current (closing) priority equals the initial one: the priority before the earliest priority change in the history, or the current one when it never changed (compared by priority id); an incident raised without a priority is never counted here",
    )
    incident_grading_regraded: int | None = Field(
        default=None,
        description="of the measured, those whose priority was changed at least once after they were raised (0 over many incidents: grades nobody revisits, the closing grade may be the initial one left as it is)",
    )
    incident_initial_priorities: int | None = Field(
        default=None,
        description="distinct initial priorities among the measured (raised without a priority not counted; 1: every incident raised at one priority, as a desk's default priority would raise them)",
    )
    incident_initial_top_share: float | None = Field(
        default=None,
        description="share of the measured raised at their own desk's most common initial priority (a default priority is set per project; site: summed over the desks, so one desk raising everything at its default weighs in; raised without a priority counts as one value); near 1: incidents raised at a default and graded, if at all, later (null: none measured)",
    )
    incident_grading_accuracy: float | None = Field(
        default=None,
        description="incident_grading_kept / incident_grading_measured: the share of done incidents closed at the grade they were raised at, the pre-grading accuracy (null: none measured)",
    )
    incident_grading_accuracy_floor: float | None = Field(
        default=None,
        description="incident_grading_kept / incident_grading_checked: the accuracy with every unmeasured incident counted as regraded, the lowest it can be (long histories belong to the most worked incidents, the likeliest to be regraded) (null: none read)",
    )
    incident_grading_desks_unsampled: int | None = Field(
        default=None,
        description="site: desks with done incidents in the window none of which had its grading read (max_priority_lookups spent on the desks read before it, in the list's order); a desk: 1 when so (null: not read)",
    )
    incident_feedback_checked: int | None = Field(
        description="resolved incident requests whose customer-satisfaction feedback was read (at most max_feedback_lookups; null: the feedback endpoint refused)"
    )
    incident_feedback_rated: int | None = Field(description="of those, rated by the customer (CSAT, 1 to 5)")
    incident_feedback_satisfied: int | None = Field(description="of the rated, rated 4 or 5 (satisfied)")
    incident_satisfied_ratio: float | None = Field(
        description="incident_feedback_satisfied / incident_feedback_rated (null: none rated or not read)"
    )
    changes_checked: int | None = Field(
        default=None,
        description="change requests created in the window whose risk and impact fields were read (at most max_change_lookups; null: the site has no field named in change_risk_fields or change_impact_fields, or the field list or an issue was refused)",
    )
    changes_with_risk: int | None = Field(default=None, description="of those, with a change risk grade set")
    changes_with_impact: int | None = Field(default=None, description="of those, with an impact set")
    changes_assessed: int | None = Field(default=None, description="of those, with both a risk grade and an impact set")
    change_risk_grades: int | None = Field(
        default=None,
        description="distinct risk grades among the changes checked (1: every change graded alike, as a field default would grade them)",
    )
    change_impact_grades: int | None = Field(
        default=None,
        description="distinct impacts among the changes checked (1: every change given the same impact, as a field default would)",
    )
    change_assessed_ratio: float | None = Field(
        default=None, description="changes_assessed / changes_checked (null: none checked or not read)"
    )
    changes_with_plan: int | None = Field(
        default=None,
        description="of the changes checked, with an implementation plan filled (null: the site has no field named in change_plan_fields, change_test_fields or change_schedule_fields, or not read)",
    )
    changes_with_test_plan: int | None = Field(
        default=None, description="of the changes checked, with a test plan filled (null: as changes_with_plan)"
    )
    changes_scheduled: int | None = Field(
        default=None, description="of the changes checked, with a planned start set (null: as changes_with_plan)"
    )
    changes_documented: int | None = Field(
        default=None,
        description="of the changes checked, with an implementation plan, a test plan, a planned start, a risk grade and an impact all set (null: as changes_with_plan)",
    )
    change_plans_distinct: int | None = Field(
        default=None,
        description="distinct implementation plans among the changes checked (compared by digest, whitespace and case ignored; 1: one text on every change, as a field default would give) (null: as changes_with_plan)",
    )
    change_documented_ratio: float | None = Field(
        default=None, description="changes_documented / changes_checked (null: none checked or not read)"
    )


class JsmSla(KindModel):
    """`jsm.sla`."""

    name: str = Field(description="the SLA metric's name, e.g. Time to resolution")
    category: str = Field(description="practice of the requests it was measured on")
    service_desk_id: str = Field(description="the service desk whose requests it was measured on")
    project_key: str | None = Field(description="that desk's project key")
    window: Window = Field(description="requests created in this window")
    requests: int = Field(description="requests carrying this SLA")
    goals_minutes: list[float] = Field(description="distinct goal durations, minutes, ascending (at most 10)")
    distinct_goals: int = Field(
        description="distinct goal durations within this desk's SLA (2+: goals graded, e.g. by priority)"
    )
    completed_cycles: int = Field(description="completed cycles: the sample size of met_ratio")
    met: int = Field(description="completed cycles within their goal (not breached)")
    met_ratio: float | None = Field(description="met / completed_cycles (null: no completed cycle)")
    ongoing: int = Field(description="ongoing cycles")
    ongoing_breached: int = Field(description="ongoing cycles already past their goal")
    elapsed_minutes_median: float | None = Field(description="median elapsed time of completed cycles, minutes")


MODELS: dict[str, type[KindModel]] = {
    "jsm.service_desk": JsmServiceDesk,
    "jsm.requests": JsmRequests,
    "jsm.sla": JsmSla,
}
