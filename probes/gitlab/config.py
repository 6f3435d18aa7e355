"""The gitlab source's config keys (`probe: gitlab` in maturity.yaml)."""

from __future__ import annotations

import fnmatch
import re

from pydantic import Field, field_validator, model_validator

from scanner.config import SourceConfig

__all__ = ["GitLabConfig"]


class GitLabConfig(SourceConfig):
    """Where GitLab is, how to authenticate, what to read and the heuristics' parameters."""

    url: str = Field(
        default="https://gitlab.com", pattern=r"^https?://", description="GitLab base URL (GitLab.com or self-managed)"
    )
    token_env: str | None = Field(
        default=None, description="environment variable holding a read_api token (sent as PRIVATE-TOKEN)"
    )
    token_file: str | None = Field(default=None, description="file holding a read_api token")
    job_token_env: str | None = Field(
        default=None, description="environment variable holding a CI job token, e.g. CI_JOB_TOKEN"
    )
    ca_file: str | None = Field(default=None, description="PEM bundle of the CA(s) that signed the server certificate")
    groups: list[str] = Field(default_factory=list, description="group paths or ids whose projects are read")
    include_subgroups: bool = True
    split_groups: bool = Field(
        default=False, description="a fleet: scan each group (and the projects list) as its own unit SOURCE/GROUP"
    )
    projects: list[str] = Field(
        default_factory=list, description="project paths or ids read in addition to the groups'"
    )
    include_archived: bool = False
    max_projects: int = Field(default=2000, ge=1, le=100000)
    window_days: int = Field(default=90, ge=1, le=730)
    production_environments: list[str] = Field(
        default_factory=lambda: ["production", "prod", "live"],
        description="environment name patterns (fnmatch, any path segment) that are production",
    )
    production_tiers: list[str] = Field(
        default_factory=lambda: ["production"], description="environment tiers that are production"
    )
    per_page: int = Field(default=100, ge=1, le=100)
    request_timeout_s: float = Field(default=30.0, gt=0, le=600)
    approval_sample: int = Field(
        default=20, ge=0, le=500, description="latest merged MRs per project whose approvals are read"
    )
    incident_note_sample: int = Field(
        default=20, ge=0, le=500, description="latest incidents per project whose first response is read"
    )
    incident_link_limit: int = Field(
        default=200,
        ge=0,
        le=5000,
        description="closed incidents per project (latest first) whose issue links are read for a postmortem",
    )
    incident_stale_days: int = Field(
        default=14,
        ge=1,
        le=365,
        description="an incident opened in the window and still open after this many days has had no feedback",
    )
    incident_timelines: bool = Field(
        default=True,
        description="read the sampled incidents' timeline events (GraphQL, one query per incident)",
    )
    failure_window_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        description="change failure: an incident, rollback or hotfix this soon after a deployment",
    )
    hotfix_pattern: str = r"(?i)\b(hotfix|hot-fix|revert|rollback|roll back)\b"
    severity_label_pattern: str = r"(?i)^((severity|sev|priority|prio)\s*(::|:|/|-|_|\s)?\s*\w+|[sp][0-4])$"
    postmortem_pattern: str = r"(?i)(post-?mortem|retrospective|\brca\b|root[- ]cause|incident[- ]review)"
    # A postmortem shown by a label on the incident, or by the title or a label of an issue linked
    # to it; never by the incident's description (a template's "Root cause" heading is no review).
    postmortem_link_pattern: str = (
        r"(?i)(post[- _]?mortem|post[- _]?incident[- _]?review|incident[- _]?review|retrospective|\brca\b"
        r"|root[- _]?cause[- _]?analysis|复盘|事后(分析|回顾|总结)|事故(报告|分析))"
    )
    # A label or title that says the review is missing, wanted or waived does not show one.
    postmortem_negation_pattern: str = (
        r"(?i)(\b(no|not|none|without|skip|skipped|waived?|n/?a|needs?|needed|required|requested|pending"
        r"|todo|to[- _]do|missing|unknown|tbd|overdue|draft|follow[- _]?ups?|action[- _]?items?|templates?|sprint)\b"
        r"|不需要|无需|待|缺|未|模板|后续)"
    )
    # A label that marks a plain issue (issue_type issue) as an incident: incidents recorded the
    # pre-13.x way, outside GitLab's incident type.
    incident_label_pattern: str = r"(?i)^(incidents?|outages?|事故|故障单)$"
    automation_author_pattern: str = r"(?i)^(?!support-bot$)(alert-?bot$|.*[-_]bot([-_]|$)|service_account_|(alertmanager|prometheus|grafana|zabbix|pagerduty|opsgenie)$)"
    improvement_label_pattern: str = r"(?i)(^|::|/|:)\s*(tech(nical)?[- _]?debt|improvements?|toil|refactor(ing)?|kaizen|continuous[- _]improvement)\s*$"
    architecture_label_pattern: str = (
        r"(?i)(^|::|/|:)\s*(architecture|architectural|arch[- _]?review|system[- _]?design|架构(优化|改进|评审)?)\s*$"
    )
    playbook_title_pattern: str = r"(?i)(playbook|play-book|troubleshoot|investigat|diagnos|debugging|排查|排障)"
    runbook_title_pattern: str = (
        r"(?i)(runbook|run-book|playbook|play-book|sop\b|on-?call|incident[- ]response|预案|应急|手册)"
    )
    dora_api: bool = Field(
        default=True, description="also read GitLab's own DORA metrics API where the instance offers it"
    )

    @field_validator(
        "hotfix_pattern",
        "severity_label_pattern",
        "postmortem_pattern",
        "postmortem_link_pattern",
        "postmortem_negation_pattern",
        "incident_label_pattern",
        "automation_author_pattern",
        "runbook_title_pattern",
        "playbook_title_pattern",
        "improvement_label_pattern",
        "architecture_label_pattern",
    )
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return v

    @model_validator(mode="after")
    def _one_credential(self) -> GitLabConfig:
        given = [k for k in ("token_env", "token_file", "job_token_env") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"choose one of {', '.join(given)}")
        if self.split_groups and self.include_subgroups:
            paths = [g.strip("/") + "/" for g in self.groups]
            nested = [(a, b) for a in paths for b in paths if a != b and b.startswith(a)]
            if nested:
                a, b = nested[0]
                raise ValueError(
                    f"split_groups: group {b[:-1]!r} is inside {a[:-1]!r}; its projects would be read twice"
                )
        return self

    def is_fleet(self) -> bool:
        """Whether this source is split into one unit per group (scanner/fleet.py)."""
        return self.split_groups and len(self.groups) + bool(self.projects) > 1

    def is_production(self, name: str, tier: str | None) -> bool:
        """Production when the tier says so or the name (or one of its path segments) matches a pattern."""
        if tier and tier in self.production_tiers:
            return True
        low = name.lower()
        candidates = [low, *low.split("/")]
        return any(fnmatch.fnmatchcase(c, p.lower()) for c in candidates for p in self.production_environments)
