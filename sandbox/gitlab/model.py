"""The shape of a sandbox GitLab history: what the loopback API serves per project and group
(`ProjectHistory`, `History`), how a team works (`TeamProfile`), and GitLab's timestamp format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["History", "ProjectHistory", "TeamProfile", "iso"]


def iso(t: datetime) -> str:
    """GitLab's timestamp format: UTC, milliseconds, a Z."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


@dataclass
class ProjectHistory:
    """Everything the API serves about one project."""

    project: dict[str, Any]
    environments: list[dict[str, Any]] = field(default_factory=list)
    protected_environments: list[dict[str, Any]] | None = None  # None: the API answers 403
    protected_branches: list[dict[str, Any]] = field(default_factory=list)
    approval_rules: list[dict[str, Any]] | None = None  # None: the API answers 403
    ci_yaml: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # other repository files on the default branch (CODEOWNERS)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    approvals: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    timelines: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # iid -> GraphQL timeline events
    issue_links: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # iid -> linked issues (links API)
    releases: list[dict[str, Any]] = field(default_factory=list)
    dora: dict[str, float] | None = None  # None: the DORA API answers 403 (not Ultimate)
    integrations: list[dict[str, Any]] | None = None  # None: 403 (the token is not a Maintainer)
    hooks: list[dict[str, Any]] | None = None  # None: 403
    wiki: list[dict[str, Any]] = field(default_factory=list)
    mr_changes: dict[int, str] = field(default_factory=dict)  # iid -> changes_count (single-MR API only)
    issue_templates: list[str] = field(default_factory=list)  # names under .gitlab/issue_templates/
    events: list[dict[str, Any]] = field(default_factory=list)  # project activity (wiki edits only here)


@dataclass
class History:
    groups: list[dict[str, Any]]
    projects: list[ProjectHistory]

    def project(self, key: str) -> ProjectHistory | None:
        """A project by numeric id or full path."""
        for p in self.projects:
            if key in (str(p.project["id"]), p.project["path_with_namespace"]):
                return p
        return None

    def group(self, key: str) -> dict[str, Any] | None:
        for g in self.groups:
            if key in (str(g["id"]), g["full_path"]):
                return g
        return None


@dataclass(frozen=True)
class TeamProfile:
    """How a team works; the generator turns it into history."""

    daily: bool  # several deploys per working day, else one per month
    failure_rate: float
    rollback_every: int  # every n-th successful deploy is followed by a rollback (0: never)
    approval_ratio: float
    incidents: int
    severity_labels: bool
    postmortems: bool
    restore_minutes: tuple[int, int]
    response_minutes: tuple[int, int]
    canary: bool
    protected: bool
    premium: bool  # approval rules require an approval
    # responders tag "Cause identified" this long after "Response initiated" (None: no tagged timeline)
    cause_after_response_minutes: float | None = None
    # each incident with a postmortem links a corrective-action issue (issue links API)
    follow_ups: bool = False
