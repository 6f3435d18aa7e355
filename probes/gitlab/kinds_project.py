"""`gitlab.project`: a project's change controls, CI file facts and settings (see probes/gitlab/kinds.py).

Derived from probes/gitlab/project.py, ci.py and settings.py.
"""

from __future__ import annotations

from pydantic import Field

from probes.gitlab.kinds_common import PROJECT
from scanner.probe import KindModel

__all__ = ["GitlabProject"]


class ApprovalRules(KindModel):
    """A project's merge request approval rules."""

    available: bool = Field(description="the rules could be read (GitLab Premium)")
    count: int | None = Field(description="approval rules (null: not readable)")
    required_approvals: int | None = Field(
        description='most approvals any rule naming approvers requires ("All eligible users" rules left out; null: not readable)'
    )
    note: str | None = Field(description="why the rules could not be read")


class CiFacts(KindModel):
    """What a project's CI file shows. Only `present` (and `parse_error`) when it is missing or broken."""

    present: bool = Field(description="the project has a CI file on its default branch")
    parse_error: str | None = Field(None, description="why the CI file could not be read (absent when it could)")
    config_path: str | None = Field(None, description="the CI file's path when not .gitlab-ci.yml")
    jobs: int | None = Field(None, description="jobs defined (hidden and reserved keys left out)")
    includes: list[str] | None = Field(None, description="included templates, files and components")
    includes_unread: list[str] | None = Field(
        None,
        description="includes whose jobs were not read (all but GitLab templates): the file alone is not the whole pipeline",
    )
    auto_devops: bool | None = Field(None, description="includes the Auto DevOps template")
    environments: list[str] | None = Field(None, description="environments jobs deploy to")
    production_deploy_jobs: list[str] | None = Field(None, description="jobs that deploy to production")
    preproduction_environments: list[str] | None = Field(
        None, description="environments deployed to that are not production"
    )
    manual_production_gate: bool | None = Field(None, description="some production job runs only when started by hand")
    manual_production_jobs: list[str] | None = Field(None, description="production jobs started by hand")
    rollout_strategies: list[str] | None = Field(
        None, description="rollout strategies seen (canary, blue_green, incremental)"
    )
    rollback_jobs: list[str] | None = Field(None, description="production jobs that roll back")
    automatic_rollback: bool | None = Field(
        None, description="a rollback job runs when a deployment fails (when: on_failure)"
    )
    traffic_switch_jobs: list[str] | None = Field(
        None,
        description="production jobs that shift part of the traffic: a canary or blue-green stage (by job or environment name, or a script enabling one; a canary weight of 0 is not one)",
    )
    test_jobs: list[str] | None = Field(None, description="test jobs")
    security_jobs: list[str] | None = Field(None, description="security scanning jobs and templates")
    test_report_jobs: list[str] | None = Field(
        None, description="jobs that publish a JUnit test report (artifacts:reports:junit)"
    )
    functional_test_jobs: list[str] | None = Field(
        None,
        description="jobs and templates testing beyond units: integration, end-to-end, functional, acceptance, smoke, load, DAST",
    )
    post_deploy_test_jobs: list[str] | None = Field(
        None,
        description="checks that run after a production deployment (a later stage, `needs` on it, or environment action verify)",
    )
    migration_jobs: list[str] | None = Field(
        None, description="jobs that change a database schema (migration tools by name or script)"
    )
    migration_in_deploy_jobs: list[str] | None = Field(
        None, description="production deployment jobs whose own script also runs a database migration"
    )
    config_check_jobs: list[str] | None = Field(
        None,
        description="jobs and templates that test infrastructure or configuration (terraform validate/plan, helm lint, kubeconform, promtool check, ...)",
    )
    config_apply_jobs: list[str] | None = Field(
        None,
        description="jobs that apply infrastructure or configuration (terraform apply, helm upgrade, kubectl apply, ansible-playbook, ...)",
    )
    image_build_jobs: list[str] | None = Field(
        None,
        description="jobs and templates that build or push a container image (kaniko, docker, buildah, ko, Auto DevOps build)",
    )
    gitops_handoff_jobs: list[str] | None = Field(
        None,
        description="jobs that hand an image to a GitOps repository (a gitops bump tool, or an image edit pushed or proposed as a merge request)",
    )


class ProtectedBranch(KindModel):
    """A protected branch and who may push and merge."""

    name: str = Field(description="branch name or wildcard")
    push_access: list[str] = Field(description="who may push, as GitLab describes it")
    merge_access: list[str] = Field(description="who may merge, as GitLab describes it")
    push_min_level: int | None = Field(
        description="lowest access level that may push (0 no one, 30 developers, 40 maintainers)"
    )
    merge_min_level: int | None = Field(description="lowest access level that may merge")
    allow_force_push: bool = Field(description="force push allowed")
    code_owner_approval_required: bool = Field(description="code owners must approve")


class Integrations(KindModel):
    """A project's active integrations (Maintainer role needed to read them)."""

    readable: bool = Field(description="the integrations could be read (403 without the Maintainer role)")
    active: list[str] = Field(description="slugs of the active integrations")
    deployment_notifications: list[str] = Field(
        description="chat or mail integrations that announce deployments (deployment_events)"
    )
    pipeline_notifications: list[str] = Field(description="chat or mail integrations that announce pipelines")
    note: str | None = Field(description="why they could not be read")


class Webhooks(KindModel):
    """How many webhooks send which events; URLs and tokens are never read into evidence."""

    readable: bool = Field(description="the webhooks could be read (403 without the Maintainer role)")
    count: int | None = Field(description="webhooks (null: not readable)")
    deployment_events: int | None = Field(description="webhooks sent on deployments")
    push_events: int | None = Field(description="webhooks sent on pushes")
    pipeline_events: int | None = Field(description="webhooks sent on pipelines")
    releases_events: int | None = Field(description="webhooks sent on releases")
    note: str | None = Field(description="why they could not be read")


class CodeOwners(KindModel):
    """A project's CODEOWNERS file, by counts (never the owners' names)."""

    path: str | None = Field(
        description="CODEOWNERS, docs/CODEOWNERS or .gitlab/CODEOWNERS (null: none of them exists)"
    )
    rules: int = Field(description="path rules naming at least one owner")
    owners: int = Field(description="distinct owners (users, groups or e-mail addresses) the rules name")


class Wiki(KindModel):
    """The project wiki, by page titles (never content)."""

    enabled: bool = Field(description="the project has its wiki switched on")
    readable: bool = Field(description="the pages could be listed")
    pages: int | None = Field(description="wiki pages (null: not readable)")
    runbook_pages: int | None = Field(
        description="pages whose title or slug names a runbook, playbook or response plan (runbook_title_pattern)"
    )
    postmortem_pages: int | None = Field(
        description="pages whose title or slug names a postmortem (postmortem_pattern)"
    )
    playbook_pages: int | None = Field(
        None, description="pages whose title or slug names a playbook or troubleshooting guide (playbook_title_pattern)"
    )
    runbook_titles: list[str] = Field(description="titles of up to five runbook pages, for an auditor")
    edits_in_window: int | None = Field(
        None, description="wiki pages created or edited in the window, from project events (null: not readable)"
    )
    runbook_edits_in_window: int | None = Field(
        None,
        description="distinct pages whose title names a runbook, playbook or response plan (runbook_title_pattern) "
        "edited in the window; pages only created in it are not counted (null: not readable)",
    )
    runbook_revised_share: float | None = Field(
        None,
        description="runbook_edits_in_window / runbook_pages, at most 1: the share of the runbooks revised (edited, "
        "not only created) in the window (null: no runbook page, or edits not readable)",
    )
    last_edit_at: str | None = Field(None, description="the latest wiki page creation or edit in the window")


class GitlabProject(KindModel):
    """`gitlab.project`: a project's change controls."""

    id: int = Field(description="the project's numeric id")
    path: str = Field(description=PROJECT)
    default_branch: str | None = Field(description="the default branch (null: empty repository)")
    archived: bool = Field(description="the project is archived")
    visibility: str | None = Field(description="private, internal or public")
    default_branch_protected: bool | None = Field(
        description="a protected branch rule covers the default branch (null: no default branch)"
    )
    default_branch_push_min_level: int | None = Field(
        None,
        description="lowest access level that may push to the default branch, over the rules covering it "
        "(0 no one, 30 developers, 40 maintainers; null: unprotected or granted to users/groups only)",
    )
    default_branch_code_owners: bool | None = Field(
        None, description="a rule covering the default branch requires code-owner approval (null: unprotected)"
    )
    codeowners: CodeOwners | None = Field(
        None,
        description="the CODEOWNERS file the default branch's code-owner approval uses (read only where that approval "
        "is required; null: not required, or not read)",
    )
    protected_branches: list[ProtectedBranch] = Field(description="protected branches (first 50)")
    approval_rules: ApprovalRules = Field(description="merge request approval rules")
    ci: CiFacts = Field(description="what the CI file shows")
    environments_known: bool = Field(description="the environments could be read")
    production_environments: list[str] | None = Field(
        description="environments that count as production (null: environments not readable)"
    )
    integrations: Integrations | None = Field(None, description="active integrations and what they announce")
    webhooks: Webhooks | None = Field(None, description="webhooks by event (never their URLs)")
    wiki: Wiki | None = Field(None, description="the project wiki's pages by title")
    issue_templates: int | None = Field(
        None, description="issue description templates offered (null: issues off or templates not readable)"
    )
