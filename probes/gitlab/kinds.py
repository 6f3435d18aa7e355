"""Typed evidence kinds of the gitlab probe: one model per kind, the fields of `data`.

Rules' `data.*` paths are checked against these models (`maturity rules lint`), and every item
the probe yields is validated by them (`Probe.accepts`, called by the runner). Keep them exact:
a field the probe emits that the model lacks fails the probe's tests. Derived from
probes/gitlab/activity.py, project.py, stats.py, incident_stats.py and dora.py; `gitlab.project`
is in probes/gitlab/kinds_project.py, the shared window and summaries in kinds_common.py.
"""

from __future__ import annotations

from pydantic import Field

from probes.gitlab.kinds_common import PROJECT, SAMPLE_IDS, MethodSummary, Summary, Window
from probes.gitlab.kinds_project import GitlabProject
from scanner.probe import KindModel

__all__ = ["MODELS"]


class DeploymentStatsMethod(KindModel):
    """How each figure of `gitlab.deployment_stats` was computed, in words."""

    success_rate: str = Field(description="how success_rate was computed")
    version_success_rate: str = Field(description="how version_success_rate was computed")
    rollbacks: str = Field(description="how rollbacks were counted")
    lead_time: str = Field(description="how the commit-to-deploy lead time was measured")


class GitlabDeploymentStats(KindModel):
    """`gitlab.deployment_stats`: deployments to one production environment in the window."""

    project: str = Field(description=PROJECT)
    environment: str = Field(description="the production environment's name")
    tier: str | None = Field(description="the environment's tier as GitLab reports it (null: none)")
    window: Window = Field(description="the window the figures cover")
    deployments: int = Field(description="deployments finished in the window")
    successful: int = Field(description="successful deployments")
    failed: int = Field(description="failed deployments")
    canceled: int = Field(description="deployments neither successful nor failed (canceled, skipped)")
    per_day: float = Field(description="successful deployments per day")
    per_working_day: float = Field(description="successful deployments per working day (Monday to Friday)")
    per_week: float = Field(description="successful deployments per week")
    per_month: float = Field(description="successful deployments per 30 days")
    active_days: int = Field(description="days with at least one successful deployment")
    active_working_day_ratio: float = Field(description="share of working days with a successful deployment")
    active_week_ratio: float = Field(description="share of weeks with a successful deployment")
    active_month_ratio: float = Field(description="share of 30-day periods with a successful deployment")
    median_per_active_day: float = Field(description="median successful deployments on a day with any")
    max_gap_days: float | None = Field(description="longest gap between successful deployments, days (null: none)")
    success_rate: float | None = Field(description="success / (success + failed) (null: none finished)")
    versions: int = Field(description="distinct versions (shas) attempted")
    version_success_rate: float | None = Field(
        description="share of attempted versions with no failed attempt and no rollback from them (null: none)"
    )
    rollbacks: int = Field(description="successful redeployments of a sha production had already run (rollbacks)")
    by_pipeline_ratio: float | None = Field(description="share of deployments made by a CI job (null: none)")
    by_automation_ratio: float | None = Field(
        None,
        description="share of deployments made by a CI job or recorded by an automation account, e.g. an Argo CD sync (null: none)",
    )
    lead_time_commit_to_deploy_hours: Summary = Field(description="commit created to deployment finished, hours")
    sample_ids: list[int | None] = Field(description=SAMPLE_IDS)
    method: DeploymentStatsMethod = Field(description="how each figure was computed")


class ChangeFailureParameters(KindModel):
    """Parameters the change failure rate depends on."""

    failure_window_hours: float = Field(description="hours after a deployment an incident or hotfix counts against it")
    hotfix_pattern: str = Field(description="regular expression naming a hotfix, revert or rollback")


class ChangeFailureRate(KindModel):
    """The change failure rate with its parts."""

    value: float | None = Field(description="failed changes / deployments (null: no deployments)")
    failed_changes: int = Field(description="changes that failed outright or were followed by a failure")
    deployments: int = Field(
        description="production changes in the window: successful deployments other than rollback re-deploys, "
        "plus failed deployments"
    )
    rollbacks_excluded: int | None = Field(
        None, description="successful re-deploys of an earlier version, not counted as changes"
    )
    causes: dict[str, int] = Field(
        description="failed changes by cause (incident, rollback, hotfix, failed_deployment)"
    )
    sample_ids: list[int | None] = Field(description=SAMPLE_IDS)
    method: str = Field(description="how the figure was computed, in words")
    parameters: ChangeFailureParameters = Field(description="parameters the figure depends on")


class DeploymentFrequency(KindModel):
    """Deployment frequency over the window."""

    per_day: float = Field(description="successful production deployments per day")
    per_week: float = Field(description="successful production deployments per week")
    deployments: int = Field(description="successful production deployments in the window")
    method: str = Field(description="how the figure was computed, in words")


class DoraApiParameters(KindModel):
    """The query sent to GitLab's DORA API."""

    start_date: str = Field(description="first day asked for")
    end_date: str = Field(description="last day asked for")
    interval: str = Field(description="aggregation interval asked for")
    environment_tiers: str = Field(alias="environment_tiers[]", description="environment tier asked for")


class DoraApi(KindModel):
    """GitLab's own DORA figures, or why there are none."""

    available: bool = Field(description="the instance answered (GitLab Ultimate)")
    metrics: dict[str, float | None] | None = Field(
        None, description="GitLab's value per metric over the window (absent when not available)"
    )
    parameters: DoraApiParameters | None = Field(None, description="the query sent (absent when not available)")
    reason: str | None = Field(None, description="why the figures are not available (absent when they are)")


class GitlabDora(KindModel):
    """`gitlab.dora`: a project's four DORA keys over its production environments."""

    project: str = Field(description=PROJECT)
    production_environments: list[str] = Field(description="production environments whose deployments were read")
    window: Window = Field(description="the window the figures cover")
    deployment_frequency: DeploymentFrequency = Field(description="deployment frequency")
    lead_time_for_changes_hours: MethodSummary = Field(description="lead time for changes, hours")
    change_failure_rate: ChangeFailureRate = Field(description="change failure rate")
    time_to_restore_hours: MethodSummary = Field(description="time to restore service (incidents), hours")
    gitlab_api: DoraApi = Field(description="GitLab's own DORA API figures beside ours")


class GitlabEnvironment(KindModel):
    """`gitlab.environment`: an environment of a project."""

    project: str = Field(description=PROJECT)
    name: str = Field(description="the environment's name")
    tier: str | None = Field(description="tier GitLab assigns (production, staging, testing, development, other)")
    state: str | None = Field(description="available, stopping or stopped")
    production: bool = Field(description="counts as production (tier or the configured name pattern)")
    protected: bool | None = Field(description="a protected environment (null: protection could not be read)")
    deploy_access: list[str] = Field(description="who may deploy to it (protected environments)")
    required_approvals: int = Field(description="approvals a deployment needs (all rules together)")
    approval_rules: int = Field(description="deployment approval rules")


class IncidentAllTime(KindModel):
    """Incident counts over the project's whole history (X-Total of the issues list filtered to incidents)."""

    all: int = Field(description="incidents ever opened")
    closed: int = Field(description="incidents closed")
    opened: int = Field(description="incidents open now")


class IncidentMethod(KindModel):
    """How each figure of `gitlab.incident_stats` was computed, in words."""

    severity: str = Field(description="how an incident's severity was read")
    postmortem: str = Field(description="how a postmortem was recognised")
    postmortem_linked: str | None = Field(
        None, description="how a postmortem was recognised for postmortem_linked_* (labels and linked issues only)"
    )
    stale_open: str | None = Field(None, description="how a stale open incident was recognised")
    open_before_window: str | None = Field(
        None, description="how incidents opened before the window and still open were counted"
    )
    untyped_incidents: str | None = Field(None, description="how a plain issue recorded as an incident was recognised")
    severe: str | None = Field(None, description="how a severe (severity 1-2) incident was recognised")
    time_to_restore: str = Field(description="how time to restore was measured")
    time_to_first_response: str = Field(description="how time to first response was measured")
    classification: str | None = Field(None, description="how a classified incident was recognised")
    auto_created: str | None = Field(None, description="how an incident opened by automation was recognised")


class IncidentParameters(KindModel):
    """Patterns the incident figures depend on."""

    severity_label_pattern: str = Field(description="regular expression of a severity label")
    postmortem_pattern: str = Field(description="regular expression that marks a postmortem")
    postmortem_link_pattern: str | None = Field(
        None, description="regular expression of a label or linked issue title that names a postmortem"
    )
    postmortem_negation_pattern: str | None = Field(
        None, description="regular expression of a label or title saying the postmortem is missing, wanted or waived"
    )
    incident_label_pattern: str | None = Field(
        None, description="regular expression of a label that marks a plain issue as an incident"
    )
    automation_author_pattern: str | None = Field(
        None, description="regular expression of the usernames that open incidents automatically"
    )


class IncidentTimeline(KindModel):
    """What the sampled incidents' timeline events show (GraphQL incident timeline)."""

    readable: bool = Field(description="the timelines could be read")
    sampled: int = Field(description="incidents whose timeline was read (the first-response sample)")
    measured: int = Field(
        description='of those, timelines tagging a clock start and both "Cause identified" and "Response initiated"'
    )
    measured_share: float | None = Field(description="measured / sampled (null: no timeline read)")
    cause_and_response_minutes: Summary = Field(
        description='clock start ("Impact detected", else "Start time") to the later of the two tags, minutes'
    )
    method: str = Field(description="how the figure was measured, in words")
    note: str | None = Field(description="why the timelines could not be read")


class IncidentFollowUps(KindModel):
    """Issues linked from the sampled incidents (issue links API): follow-up work tracked."""

    readable: bool = Field(description="the incidents' issue links could be read")
    sampled: int = Field(description="incidents whose links were read (the first-response sample)")
    with_follow_up: int | None = Field(
        description=(
            "of those, incidents linking at least one follow-up: an issue whose type is given and is not"
            " incident, opened at or after the incident (null: not readable)"
        )
    )
    follow_up_issues: int | None = Field(description="follow-up issues linked from them (null: not readable)")
    follow_ups_closed: int | None = Field(description="of those, closed (null: not readable)")
    architecture_follow_ups: int | None = Field(
        None,
        description="of those, labelled as architecture work (architecture_label_pattern; null: not readable)",
    )
    with_architecture_follow_up: int | None = Field(
        None,
        description="sampled incidents linking at least one such architecture follow-up (null: not readable)",
    )
    note: str | None = Field(description="why the links could not be read")


class GitlabIncidentStats(KindModel):
    """`gitlab.incident_stats`: a project's incidents in the window."""

    project: str = Field(description=PROJECT)
    window: Window = Field(description="the window the figures cover")
    incidents: int = Field(description="incidents opened in the window")
    closed: int = Field(description="of those, closed")
    open: int = Field(description="of those, still open")
    all_time: IncidentAllTime | None = Field(description="counts over all time (null: statistics not readable)")
    severity_coverage: float | None = Field(description="share of incidents with a severity (null: no incidents)")
    severities: dict[str, int] = Field(description="incidents by severity")
    classified_coverage: float | None = Field(
        None,
        description="share of incidents classified by a severity or a type/service/cause label (null: no incidents)",
    )
    auto_created: int | None = Field(
        None, description="incidents opened by automation (alert integration, bot or service account)"
    )
    postmortem_coverage: float | None = Field(
        description="share of closed incidents with a postmortem (null: none closed)"
    )
    postmortem_linked_checked: int | None = Field(
        None,
        description=(
            "closed incidents whose issue links were read (latest first, up to incident_link_limit; null:"
            " the links could not be read)"
        ),
    )
    postmortem_linked: int | None = Field(
        None,
        description=(
            "of those, with a postmortem shown by a label on the incident or by the title or a label of a"
            " closed linked issue (postmortem_link_pattern, not postmortem_negation_pattern); never by the"
            " description (null: links not read)"
        ),
    )
    postmortem_linked_unchecked: int | None = Field(
        None, description="closed incidents whose links were not read (the incident_link_limit cut; null: not read)"
    )
    postmortem_linked_coverage: float | None = Field(
        None,
        description="postmortem_linked / postmortem_linked_checked: over the incidents read only (null: none read)",
    )
    postmortem_linked_note: str | None = Field(None, description="why the issue links could not be read")
    stale_open: int | None = Field(
        None, description="incidents opened in the window more than stale_days before its end and still open"
    )
    open_before_window: int | None = Field(
        None,
        description=(
            "incidents opened before the window and still open: all_time.opened (the issues list's total) less"
            " `open` (null: the statistics could not be read)"
        ),
    )
    untyped_incidents: int | None = Field(
        None,
        description=(
            "plain issues (issue_type issue) opened in the window in the incident listing whose label matches"
            " incident_label_pattern (gitlab.incident_feedback adds the closed ones of the issue listing)"
        ),
    )
    stale_days: int | None = Field(None, description="the age after which an open incident counts as stale (days)")
    severe_closed: int | None = Field(None, description="closed incidents of severity 1 or 2")
    severe_postmortem_coverage: float | None = Field(
        None, description="share of closed severity 1-2 incidents with a postmortem (null: none closed)"
    )
    time_to_restore_minutes: Summary = Field(description="created to closed, minutes")
    time_to_first_response_minutes: Summary = Field(description="created to the first human note, minutes (sampled)")
    response_sample: int = Field(description="incidents sampled for the first response")
    timeline: IncidentTimeline | None = Field(None, description="the sampled incidents' timeline events")
    follow_ups: IncidentFollowUps | None = Field(
        None, description="issues linked from the sampled incidents (null: older scan)"
    )
    sample_iids: list[int | None] = Field(description="iids of up to five incidents counted, for an auditor")
    method: IncidentMethod = Field(description="how each figure was computed")
    parameters: IncidentParameters = Field(description="patterns the figures depend on")


class MergeRequestMethod(KindModel):
    """How each figure of `gitlab.merge_request_stats` was computed, in words."""

    approval_coverage: str = Field(description="how approval coverage was measured")
    lead_time: str = Field(description="how the merge-to-production lead time was measured")
    changed_files: str | None = Field(None, description="how the size of a merge request was read")


class GitlabMergeRequestStats(KindModel):
    """`gitlab.merge_request_stats`: a project's merge requests merged in the window."""

    project: str = Field(description=PROJECT)
    window: Window = Field(description="the window the figures cover")
    merged: int = Field(description="merge requests merged into the default branch in the window")
    target_branch: str | None = Field(description="the default branch (null: the project has none)")
    approval_sample: int = Field(description="most recently merged requests whose approvals were read")
    approved_in_sample: int = Field(description="of those, approved by at least one person")
    approval_coverage: float | None = Field(description="approved_in_sample / approval_sample (null: empty sample)")
    lead_time_merge_to_deploy_hours: Summary = Field(description="merged to the next production deployment, hours")
    merged_not_yet_deployed: int | None = Field(
        description="merged but not deployed to production since (null: production deployments not read)"
    )
    changed_files: Summary | None = Field(
        None, description="files changed per merged MR, over the approval sample (GitLab's changes_count)"
    )
    sample_iids: list[int | None] = Field(description="iids of up to five sampled merge requests, for an auditor")
    method: MergeRequestMethod = Field(description="how each figure was computed")


class PipelineMethod(KindModel):
    """How each figure of `gitlab.pipeline_stats` was computed, in words."""

    duration: str = Field(description="how a pipeline's duration was measured")


class GitlabPipelineStats(KindModel):
    """`gitlab.pipeline_stats`: a project's pipelines created in the window."""

    project: str = Field(description=PROJECT)
    window: Window = Field(description="the window the figures cover")
    pipelines: int = Field(description="pipelines created in the window")
    statuses: dict[str, int] = Field(description="pipelines by status")
    success_rate: float | None = Field(description="success / (success + failed) (null: none finished)")
    default_branch_success_rate: float | None = Field(
        description="the same on the default branch (null: none finished there)"
    )
    duration_minutes: Summary = Field(description="duration of finished pipelines, minutes (approximate)")
    sources: dict[str, int] = Field(
        description="pipelines by trigger source (push, merge_request_event, schedule, ...)"
    )
    method: PipelineMethod = Field(description="how each figure was computed")


class ReleaseRef(KindModel):
    """One recent release."""

    tag: str | None = Field(description="the release's tag")
    released_at: str | None = Field(description="when it was released (ISO 8601)")


class GitlabRelease(KindModel):
    """`gitlab.release`: a project's releases in the window."""

    project: str = Field(description=PROJECT)
    window: Window = Field(description="the window the figures cover")
    releases: int = Field(description="releases in the window")
    with_notes: int = Field(description="of those, with release notes")
    with_evidence: int = Field(description="of those, with release evidence")
    latest: list[ReleaseRef] = Field(description="the five latest releases")


class GitlabImprovementStats(KindModel):
    """`gitlab.improvement_stats`: improvement work among a project's issues closed in the window."""

    project: str = Field(description=PROJECT)
    window: Window = Field(description="the window the figures cover")
    closed_issues: int = Field(description="issues (not incidents) closed in the window")
    improvement_closed: int = Field(
        description="of those, labelled improvement, tech debt, toil or refactoring (improvement_label_pattern)"
    )
    improvement_share: float | None = Field(description="improvement_closed / closed_issues (null: none closed)")
    periods: int = Field(description="30-day periods in the window")
    periods_with_improvement: int = Field(description="periods in which at least one improvement issue was closed")
    every_period: bool = Field(description="improvement work was closed in every period of the window")
    labels_seen: list[str] = Field(description="the improvement labels found (first 10)")


class GitlabIncidentFeedback(KindModel):
    """`gitlab.incident_feedback`: the source's incidents in the window, every project read together."""

    window: Window = Field(description="the window the figures cover")
    projects: int = Field(
        description=(
            "projects read, every one: when a project's incidents or their issue links cannot be read, or"
            " projects are found beyond max_projects, the kind fails instead"
        )
    )
    projects_with_incidents: int = Field(description="projects read with at least one incident opened in the window")
    incidents: int = Field(description="incidents opened in the window, over the projects read")
    closed: int = Field(description="of those, closed")
    open: int | None = Field(None, description="of those, still open (incidents - closed)")
    open_share: float | None = Field(
        None, description="open / incidents: the incidents of the window not yet judged (null: none)"
    )
    checked: int = Field(description="closed incidents whose issue links were read (incident_link_limit per project)")
    unchecked: int = Field(description="closed incidents whose links were not read (the limit cut)")
    linked: int = Field(
        description="checked incidents with a postmortem shown by a label or a closed linked issue (never the description)"
    )
    linked_coverage: float | None = Field(description="linked / checked (null: none checked)")
    stale_open: int = Field(
        description="incidents opened in the window more than stale_days before its end and still open"
    )
    stale_days: int = Field(description="the age after which an open incident counts as stale (days)")
    open_before_window: int | None = Field(
        None,
        description=(
            "incidents opened before the window and still open, from each project's all-time issue statistics"
            " (null: a project's statistics could not be read)"
        ),
    )
    untyped_incidents: int | None = Field(
        None,
        description=(
            "plain issues opened in the window and closed, labelled as an incident (incident_label_pattern),"
            " outside GitLab's incident type; open ones are not listed (null: a project's issues were not read"
            " or the listing was cut)"
        ),
    )
    link_limit: int = Field(description="closed incidents per project whose links are read at most")
    short_projects: list[str] = Field(
        description=(
            "projects with a closed incident unchecked or without a postmortem, a stale open one, one opened"
            " before the window still open, or a plain issue labelled as an incident (first 10)"
        )
    )
    method: str = Field(description="how the figures were summed, in words")


MODELS: dict[str, type[KindModel]] = {
    "gitlab.project": GitlabProject,
    "gitlab.environment": GitlabEnvironment,
    "gitlab.deployment_stats": GitlabDeploymentStats,
    "gitlab.merge_request_stats": GitlabMergeRequestStats,
    "gitlab.pipeline_stats": GitlabPipelineStats,
    "gitlab.incident_stats": GitlabIncidentStats,
    "gitlab.incident_feedback": GitlabIncidentFeedback,
    "gitlab.release": GitlabRelease,
    "gitlab.dora": GitlabDora,
    "gitlab.improvement_stats": GitlabImprovementStats,
}
