"""Typed evidence kinds of the sentry probe: one model per kind, the fields of `data`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["MODELS"]


class SentryOrganization(KindModel):
    """`sentry.organization`: the organisation's access model and its installed integrations."""

    slug: str = Field(description="the organisation slug")
    open_membership: bool | None = Field(
        description="any member may join any team and read every project (null: not shown)"
    )
    projects: int = Field(description="projects read")
    integrations: list[str] = Field(
        description="provider keys of the installed integrations (jira, github, slack, ...)"
    )
    issue_trackers: list[str] = Field(
        description="the integrations that are issue trackers (tickets can be created and synced)"
    )


class SentryProject(KindModel):
    """`sentry.project`: one project with its experience figures over the window."""

    slug: str = Field(description="the project slug")
    platform: str | None = Field(description="the platform Sentry records (javascript-react, android, python, ...)")
    client_side: bool = Field(description="a browser or mobile app: by platform, or because browser Web Vitals arrive")
    teams: int = Field(description="teams the project is assigned to (access is granted per team)")
    window_days: int = Field(description="the window of the figures, in days")
    sessions: int | None = Field(description="release-health sessions in the window (null: not read)")
    crash_free_sessions: float | None = Field(description="crash-free session rate, 0..1 (null: no sessions)")
    crash_free_users: float | None = Field(description="crash-free user rate, 0..1 (null: no sessions)")
    transactions: int | None = Field(description="performance transactions in the window (null: not read)")
    p75_duration_ms: float | None = Field(description="75th percentile transaction duration, ms")
    p95_duration_ms: float | None = Field(description="95th percentile transaction duration, ms")
    lcp_p75_ms: float | None = Field(description="Web Vitals: 75th percentile Largest Contentful Paint, ms")
    inp_p75_ms: float | None = Field(description="Web Vitals: 75th percentile Interaction to Next Paint, ms")
    cls_p75: float | None = Field(description="Web Vitals: 75th percentile Cumulative Layout Shift")
    issue_alert_rules: int = Field(description="issue alert rules of the project")
    ticket_rules: int = Field(description="issue alert rules whose actions create a ticket in an issue tracker")
    ownership_rules: int = Field(description="lines of the project's ownership rules (path/url/tag -> owner)")
    auto_assignment: bool = Field(description="issues are auto-assigned to their owners")
    feedback_reports: int = Field(description="user feedback reports in the first page read (at most 100)")


class SentryMetricAlert(KindModel):
    """`sentry.metric_alert`: a metric alert rule (thresholds on errors, transactions, sessions)."""

    name: str = Field(description="the rule's name")
    dataset: str = Field(description="events | transactions | generic_metrics | sessions | metrics | spans ...")
    aggregate: str = Field(description="the aggregate watched, e.g. p75(measurements.lcp), crash_free_rate(session)")
    query: str = Field(description="the filter the rule applies (bounded)")
    projects: list[str] = Field(description="project slugs the rule watches")
    experience: bool = Field(
        description="the aggregate measures user experience: Web Vitals, transaction duration, apdex, failure rate, crash-free rate, user misery"
    )
    client_side: bool = Field(description="one of its projects is a browser or mobile app")
    triggers: int = Field(description="thresholds (critical/warning) defined")
    actions: int = Field(description="notification actions across its triggers")
    detection_type: str | None = Field(
        default=None,
        description="how thresholds are set: static | percent (change against the same metric comparison_minutes earlier) | dynamic (anomaly detection trained on the metric's history); null: not shown",
    )
    comparison_minutes: int | None = Field(
        default=None, description="for percent alerts, how far back the comparison period lies, in minutes"
    )
    history_baseline: bool | None = Field(
        default=None,
        description="the threshold is judged against the metric's own history (percent change or anomaly detection); null: not shown",
    )


class SentryDashboard(KindModel):
    """`sentry.dashboard`: a custom dashboard users built, and what its widgets chart of real users' experience."""

    id: str = Field(description="the dashboard's id")
    title: str = Field(description="the dashboard's title")
    widgets: int = Field(description="widgets on the dashboard")
    experience_widgets: int = Field(
        description="widgets charting an aggregate only real users' devices produce: Web Vitals, app start, frames, performance score; crash-free rates only on a dashboard filtered to client-side projects alone (backends send server-mode sessions too)"
    )
    experience_dimensions: list[str] = Field(
        description="distinct fields the experience widgets group or tabulate by (browser.name, geo.country_code, release, ...; environment left out), at most 20"
    )
    experience_dimension_count: int = Field(
        description="how many distinct dimensions those fields make, uncapped: fields of one family count once (geo.country_code and geo.region, or user.geo.*, are one: geo; browser.name and browser.version one: browser)"
    )


class SentryTraceLinks(KindModel):
    """`sentry.trace_links`: whether traces real users start in browser or mobile apps continue into backend projects."""

    window_hours: int = Field(description="how far back the traces were read, in hours")
    client_traces: int | None = Field(
        description="distinct traces with a transaction of a client-side project read (at most 50; null: the query was refused)"
    )
    linked_traces: int | None = Field(
        description="of those, traces that also hold a transaction of a backend (non-client) project, every backend project read asked, 100 a query (null: not read, or rows left behind a next page)"
    )
    linked_projects: list[str] = Field(
        description="the backend projects those traces reach (slugs, sorted), at most 20, so not a count"
    )


MODELS: dict[str, type[KindModel]] = {
    "sentry.organization": SentryOrganization,
    "sentry.project": SentryProject,
    "sentry.metric_alert": SentryMetricAlert,
    "sentry.dashboard": SentryDashboard,
    "sentry.trace_links": SentryTraceLinks,
}
