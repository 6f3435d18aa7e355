"""A deterministic GitLab history, relative to "now", in the REST API v4's own JSON shapes.

Two teams under one top-level group `acme`:
- `acme/web` deploys several times every working day, with canary rollouts, protected and
  approved production, reviewed merge requests, graded incidents with postmortems, minutes to
  restore (what a release manager calls "on demand");
- `acme/ledger` deploys once a month by hand, with a failed and a rolled-back release, few
  approvals, ungraded incidents without postmortems, days to restore.
The loopback server (`sandbox.gitlab_api`) serves it; tests build it with a fixed `now`.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["History", "ProjectHistory", "TeamProfile", "build_history", "iso"]

HISTORY_DAYS = 110  # longer than the default 90-day window, so the window really cuts


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
    deployments: list[dict[str, Any]] = field(default_factory=list)
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    merge_requests: list[dict[str, Any]] = field(default_factory=list)
    approvals: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
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


WEB = TeamProfile(True, 0.03, 40, 0.97, 6, True, True, (6, 45), (1, 2), True, True, True)
LEDGER = TeamProfile(False, 0.0, 0, 0.3, 4, False, False, (8 * 60, 60 * 60), (45, 180), False, False, False)

WEB_CI = """\
stages: [build, test, deploy, verify]
include:
  - template: Security/SAST.gitlab-ci.yml
  - template: Security/Secret-Detection.gitlab-ci.yml
build:
  stage: build
  script: [make build]
unit-tests:
  stage: test
  script: [make test]
  artifacts:
    reports:
      junit: report.xml
integration-tests:
  stage: test
  script: [make integration]
  artifacts:
    reports:
      junit: integration.xml
chart-lint:
  stage: test
  script: [helm lint chart/, helm template chart/ | kubeconform -strict]
.deploy:
  stage: deploy
  script: [helm upgrade --install web chart/ --set env="$CI_ENVIRONMENT_NAME"]
db-migrate:
  stage: deploy
  script: [flyway -url="$DB_URL" migrate]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
deploy-staging:
  extends: .deploy
  environment: {name: staging, deployment_tier: staging}
deploy-canary:
  extends: .deploy
  script: [./deploy.sh production --canary 10%]
  environment: {name: production, deployment_tier: production}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
deploy-production:
  extends: .deploy
  environment: {name: production, deployment_tier: production}
  needs: [deploy-canary]
  when: manual
rollback-production:
  stage: deploy
  script: [./deploy.sh production --rollback]
  environment: {name: production, action: start}
  when: on_failure
smoke-production:
  stage: verify
  needs: [deploy-production]
  script: [./smoke.sh https://production.example]
"""

LEDGER_CI = """\
stages: [build, deploy]
build:
  stage: build
  script: [mvn package]
deploy:
  stage: deploy
  script: [scp target/app.jar ledger@app01:/srv/ && ssh ledger@app01 'flyway migrate && restart']
  environment: live
  when: manual
"""

LIB_CI = """\
stages: [test]
test:
  stage: test
  script: [npm test]
"""


class _Ids:
    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def next(self, what: str) -> int:
        self.n[what] = self.n.get(what, 0) + 1
        return self.n[what] + {"project": 100, "group": 10, "deployment": 5000, "pipeline": 90000, "job": 700000}.get(
            what, 0
        )


def _sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def _user(name: str) -> dict[str, Any]:
    uid = int(_sha(name)[:5], 16) % 9000 + 1000
    return {
        "id": uid,
        "username": name,
        "name": name.title(),
        "state": "active",
        "avatar_url": None,
        "web_url": f"https://gitlab.example/{name}",
    }


class _ProjectBuilder:
    def __init__(
        self, ids: _Ids, rng: random.Random, now: datetime, group: dict[str, Any], path: str, team: TeamProfile | None
    ) -> None:
        self.ids, self.rng, self.now, self.team = ids, rng, now, team
        pid = ids.next("project")
        full = f"{group['full_path']}/{path}"
        self.h = ProjectHistory(
            project={
                "id": pid,
                "name": path,
                "path": path,
                "path_with_namespace": full,
                "name_with_namespace": full.replace("/", " / "),
                "default_branch": "main",
                "visibility": "private",
                "archived": False,
                "ci_config_path": None,
                "web_url": f"https://gitlab.example/{full}",
                "created_at": iso(now - timedelta(days=900)),
                "last_activity_at": iso(now - timedelta(hours=2)),
                "issues_enabled": True,
                "merge_requests_enabled": True,
                "jobs_enabled": True,
                "wiki_enabled": True,
                "wiki_access_level": "enabled",
                "namespace": {
                    "id": group["id"],
                    "name": group["name"],
                    "path": group["path"],
                    "kind": "group",
                    "full_path": group["full_path"],
                },
            }
        )
        self.mr_iid = 0
        self.issue_iid = 0
        self.pipe_iid = 0

    # -- environments and settings -------------------------------------------------------------
    def environment(self, name: str, tier: str) -> dict[str, Any]:
        env = {
            "id": self.ids.next("environment"),
            "name": name,
            "slug": name.replace("/", "-"),
            "external_url": f"https://{name}.{self.h.project['path']}.example",
            "state": "available",
            "tier": tier,
            "created_at": iso(self.now - timedelta(days=800)),
            "updated_at": iso(self.now - timedelta(days=1)),
        }
        self.h.environments.append(env)
        return env

    # -- deployments -------------------------------------------------------------------------
    def deploy(
        self,
        env: dict[str, Any],
        at: datetime,
        sha: str,
        commit_at: datetime,
        status: str,
        title: str,
        ref: str = "main",
    ) -> dict[str, Any]:
        self.pipe_iid += 1
        pipe = {
            "id": self.ids.next("pipeline"),
            "iid": self.pipe_iid,
            "project_id": self.h.project["id"],
            "sha": sha,
            "ref": ref,
            "status": "success" if status == "success" else "failed",
            "source": "push",
            "created_at": iso(at - timedelta(minutes=14)),
            "updated_at": iso(at + timedelta(minutes=1)),
            "web_url": f"{self.h.project['web_url']}/-/pipelines/{self.pipe_iid}",
            "name": None,
        }
        self.h.pipelines.append(pipe)
        job_id = self.ids.next("job")
        commit = {
            "id": sha,
            "short_id": sha[:8],
            "created_at": iso(commit_at),
            "parent_ids": [],
            "title": title,
            "message": title,
            "author_name": "Dev",
            "author_email": "dev@example.com",
            "authored_date": iso(commit_at),
            "committer_name": "Dev",
            "committer_email": "dev@example.com",
            "committed_date": iso(commit_at),
        }
        dep_id = self.ids.next("deployment")
        dep = {
            "id": dep_id,
            "iid": len([d for d in self.h.deployments]) + 1,
            "ref": ref,
            "sha": sha,
            "status": status,
            "created_at": iso(at - timedelta(minutes=4)),
            "updated_at": iso(at),
            "finished_at": iso(at) if status in ("success", "failed", "canceled") else None,
            "user": _user("deployer"),
            "environment": {
                "id": env["id"],
                "name": env["name"],
                "external_url": env["external_url"],
                "created_at": env["created_at"],
                "updated_at": env["updated_at"],
                "tier": env["tier"],
            },
            "deployable": {
                "id": job_id,
                "status": pipe["status"],
                "stage": "deploy",
                "name": "deploy",
                "ref": ref,
                "tag": False,
                "coverage": None,
                "created_at": iso(at - timedelta(minutes=5)),
                "started_at": iso(at - timedelta(minutes=4)),
                "finished_at": iso(at),
                "duration": 240.0,
                "user": _user("deployer"),
                "commit": commit,
                "pipeline": {
                    k: pipe[k]
                    for k in (
                        "id",
                        "iid",
                        "project_id",
                        "sha",
                        "ref",
                        "status",
                        "source",
                        "created_at",
                        "updated_at",
                        "web_url",
                    )
                },
                "runner": None,
                "artifacts": [],
            },
        }
        self.h.deployments.append(dep)
        return dep

    # -- merge requests ------------------------------------------------------------------------
    def merge_request(self, merged_at: datetime, sha: str, approved: bool, title: str, files: int = 3) -> None:
        self.mr_iid += 1
        iid = self.mr_iid
        created = merged_at - timedelta(hours=self.rng.uniform(2, 30))
        mr = {
            "id": self.ids.next("mr"),
            "iid": iid,
            "project_id": self.h.project["id"],
            "title": title,
            "description": "",
            "state": "merged",
            "created_at": iso(created),
            "updated_at": iso(merged_at + timedelta(minutes=1)),
            "merged_at": iso(merged_at),
            "closed_at": None,
            "target_branch": "main",
            "source_branch": f"feature/{iid}",
            "author": _user("dev"),
            "merge_user": _user("lead"),
            "labels": [],
            "draft": False,
            "sha": _sha("src", sha),
            "merge_commit_sha": sha,
            "squash_commit_sha": None,
            "web_url": f"{self.h.project['web_url']}/-/merge_requests/{iid}",
            "references": {"short": f"!{iid}", "full": f"{self.h.project['path_with_namespace']}!{iid}"},
        }
        self.h.merge_requests.append(mr)
        self.h.mr_changes[iid] = str(files) if files < 1000 else "1000+"
        self.h.approvals[iid] = {
            "id": mr["id"],
            "iid": iid,
            "project_id": mr["project_id"],
            "title": title,
            "state": "merged",
            "merge_status": "can_be_merged",
            "approved": approved,
            "approvals_required": 1 if self.team and self.team.premium else 0,
            "approvals_left": 0,
            "approved_by": [{"user": _user("reviewer")}] if approved else [],
        }
        self.pipe_iid += 1
        self.h.pipelines.append(
            {
                "id": self.ids.next("pipeline"),
                "iid": self.pipe_iid,
                "project_id": self.h.project["id"],
                "sha": mr["sha"],
                "ref": f"refs/merge-requests/{iid}/head",
                "status": "success",
                "source": "merge_request_event",
                "created_at": iso(created),
                "updated_at": iso(created + timedelta(minutes=11)),
                "web_url": f"{self.h.project['web_url']}/-/pipelines/{self.pipe_iid}",
                "name": None,
            }
        )

    def work_item(self, closed: datetime, title: str, labels: list[str]) -> None:
        """A plain issue (feature, bug or improvement work) closed at `closed`."""
        self.issue_iid += 1
        self.h.issues.append(
            {
                "id": self.ids.next("issue"),
                "iid": self.issue_iid,
                "project_id": self.h.project["id"],
                "title": title,
                "state": "closed",
                "created_at": iso(closed - timedelta(days=6)),
                "updated_at": iso(closed),
                "closed_at": iso(closed),
                "labels": labels,
                "author": _user("dev"),
                "type": "ISSUE",
                "issue_type": "issue",
            }
        )

    # -- incidents -----------------------------------------------------------------------------
    def incident(
        self,
        at: datetime,
        restore_min: float,
        response_min: float,
        severity: str | None,
        postmortem: bool,
        author: str = "alert-bot",
    ) -> None:
        assert self.team is not None
        self.issue_iid += 1
        iid = self.issue_iid
        closed = at + timedelta(minutes=restore_min)
        labels = ["incident"] + ([f"severity::{severity}"] if severity else [])
        desc = "Checkout errors above 5%."
        if postmortem:
            desc += f"\n\nPostmortem: https://wiki.acme.example/postmortems/{self.h.project['path']}-{iid}"
        open_ = closed > self.now
        issue = {
            "id": self.ids.next("issue"),
            "iid": iid,
            "project_id": self.h.project["id"],
            "title": f"Incident {iid}",
            "description": desc,
            "state": "opened" if open_ else "closed",
            "created_at": iso(at),
            "updated_at": iso(min(closed, self.now)),
            "closed_at": None if open_ else iso(closed),
            "closed_by": None if open_ else _user("oncall"),
            "labels": labels,
            "assignees": [_user("oncall")],
            "author": _user(author),
            "type": "INCIDENT",
            "issue_type": "incident",
            "severity": (severity and {"1": "CRITICAL", "2": "HIGH", "3": "MEDIUM", "4": "LOW"}[severity]) or "UNKNOWN",
            "user_notes_count": 2,
            "web_url": f"{self.h.project['web_url']}/-/issues/{iid}",
        }
        self.h.issues.append(issue)
        system = {
            "id": self.ids.next("note"),
            "type": None,
            "body": "assigned to @oncall",
            "author": _user(author),
            "created_at": iso(at + timedelta(seconds=5)),
            "updated_at": iso(at + timedelta(seconds=5)),
            "system": True,
            "noteable_id": issue["id"],
            "noteable_type": "Issue",
            "noteable_iid": iid,
        }
        human = dict(
            system,
            id=self.ids.next("note"),
            body="Looking into it.",
            author=_user("oncall"),
            system=False,
            created_at=iso(at + timedelta(minutes=response_min)),
            updated_at=iso(at + timedelta(minutes=response_min)),
        )
        self.h.notes[iid] = [system, human]

    def release(self, at: datetime, tag: str, sha: str, notes: str) -> None:
        self.h.releases.append(
            {
                "tag_name": tag,
                "name": tag,
                "description": notes,
                "created_at": iso(at),
                "released_at": iso(at),
                "upcoming_release": False,
                "author": _user("lead"),
                "commit": {"id": sha, "short_id": sha[:8], "title": f"Release {tag}"},
                "milestones": [],
                "evidences": [
                    {
                        "sha": _sha("ev", tag)[:40],
                        "filepath": f"{self.h.project['web_url']}/-/releases/{tag}/evidence.json",
                        "collected_at": iso(at),
                    }
                ],
                "assets": {"count": 0, "sources": [], "links": []},
                "_links": {"self": f"{self.h.project['web_url']}/-/releases/{tag}"},
            }
        )


def _integration(slug: str, **events: bool) -> dict[str, Any]:
    """An active integration as GET /projects/:id/integrations lists it (no properties: they hold secrets)."""
    flags = (
        "commit",
        "push",
        "issues",
        "confidential_issues",
        "merge_requests",
        "tag_push",
        "deployment",
        "note",
        "confidential_note",
        "pipeline",
        "wiki_page",
        "job",
        "incident",
        "alert",
    )
    row: dict[str, Any] = {
        "id": int(_sha(slug)[:4], 16),
        "title": slug.replace("-", " ").title(),
        "slug": slug,
        "created_at": "2025-01-10T09:00:00.000Z",
        "updated_at": "2025-01-10T09:00:00.000Z",
        "active": True,
        "comment_on_event_enabled": False,
    }
    for f in flags:
        row[f"{f}_events"] = events.get(f"{f}_events", f in ("push", "pipeline"))
    return row


def _hook(**events: bool) -> dict[str, Any]:
    n = int(_sha(sorted(events.items()))[:4], 16)
    return {
        "id": n,
        "url": f"https://hooks.example/{n}?token=secret-{n}",  # what a real hook may hold: never read into evidence
        "name": None,
        "created_at": "2025-01-10T09:00:00.000Z",
        "push_events": True,
        "tag_push_events": False,
        "merge_requests_events": False,
        "repository_update_events": False,
        "enable_ssl_verification": True,
        "issues_events": False,
        "confidential_issues_events": False,
        "note_events": False,
        "confidential_note_events": None,
        "pipeline_events": False,
        "wiki_page_events": False,
        "deployment_events": events.get("deployment_events", False),
        "releases_events": False,
        "job_events": False,
        "alert_status": "executable",
        "push_events_branch_filter": None,
    }


def _wiki_event(at: datetime, action: str, slug: str) -> dict[str, Any]:
    """A project activity event for a wiki page, as GitLab's events API lists it."""
    return {
        "action_name": action,
        "target_type": "WikiPage::Meta",
        "target_title": slug,
        "created_at": iso(at),
    }


def _wiki_page(slug: str, title: str | None = None) -> dict[str, Any]:
    return {"format": "markdown", "slug": slug, "title": title or slug, "encoding": "UTF-8"}


def _group(ids: _Ids, path: str, parent: dict[str, Any] | None) -> dict[str, Any]:
    full = f"{parent['full_path']}/{path}" if parent else path
    return {
        "id": ids.next("group"),
        "name": path.title(),
        "path": path,
        "full_path": full,
        "full_name": full.replace("/", " / "),
        "parent_id": parent["id"] if parent else None,
        "visibility": "private",
        "web_url": f"https://gitlab.example/groups/{full}",
    }


def _web_project(b: _ProjectBuilder, prod_name: str) -> None:
    team, rng, now = b.team, b.rng, b.now
    assert team is not None
    staging = b.environment("staging", "staging")
    prod = b.environment(prod_name, "production")
    b.h.ci_yaml = WEB_CI.replace("name: production", f"name: {prod_name}")
    b.h.protected_environments = [
        {
            "name": prod_name,
            "deploy_access_levels": [
                {
                    "id": 1,
                    "access_level": 40,
                    "access_level_description": "Maintainers",
                    "user_id": None,
                    "group_id": None,
                    "group_inheritance_type": 0,
                }
            ],
            "required_approval_count": 1,
            "approval_rules": [
                {
                    "id": 1,
                    "user_id": None,
                    "group_id": 77,
                    "access_level": None,
                    "access_level_description": "Release managers",
                    "required_approvals": 1,
                    "group_inheritance_type": 0,
                }
            ],
        }
    ]
    b.h.protected_branches = [
        {
            "id": 1,
            "name": "main",
            "push_access_levels": [
                {
                    "id": 1,
                    "access_level": 0,
                    "access_level_description": "No one",
                    "deploy_key_id": None,
                    "user_id": None,
                    "group_id": None,
                }
            ],
            "merge_access_levels": [
                {
                    "id": 2,
                    "access_level": 40,
                    "access_level_description": "Maintainers",
                    "user_id": None,
                    "group_id": None,
                }
            ],
            "allow_force_push": False,
            "unprotect_access_levels": [],
            "code_owner_approval_required": True,
        }
    ]
    b.h.approval_rules = [
        {
            "id": 1,
            "name": "All Members",
            "rule_type": "any_approver",
            "eligible_approvers": [],
            "approvals_required": 1,
            "users": [],
            "groups": [],
            "contains_hidden_groups": False,
            "protected_branches": [],
            "applies_to_all_protected_branches": True,
        }
    ]
    successes = 0
    last_good: str | None = None
    deploys = 0
    for day in range(HISTORY_DAYS, -1, -1):
        date = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        if date.weekday() >= 5:
            continue
        for slot in range(rng.randint(3, 5)):
            at = date + timedelta(hours=9 + slot * 2, minutes=rng.randint(0, 59))
            if at >= now:
                continue
            deploys += 1
            sha = _sha(b.h.project["id"], deploys)
            commit_at = at - timedelta(hours=rng.uniform(0.7, 5))
            b.deploy(staging, at - timedelta(minutes=30), sha, commit_at, "success", f"Change {deploys}")
            for k in range(rng.randint(1, 2)):
                b.merge_request(
                    commit_at - timedelta(minutes=5 * k),
                    sha if k == 0 else _sha(sha, k),
                    rng.random() < team.approval_ratio,
                    f"Change {deploys}.{k}",
                    files=rng.randint(1, 8),
                )
            if rng.random() < team.failure_rate:
                b.deploy(prod, at, sha, commit_at, "failed", f"Change {deploys}")
                at += timedelta(minutes=25)
            b.deploy(prod, at, sha, commit_at, "success", f"Change {deploys}")
            successes += 1
            if (
                team.rollback_every
                and successes % team.rollback_every == 0
                and last_good
                and at + timedelta(minutes=20) < now
            ):
                b.deploy(
                    prod, at + timedelta(minutes=20), last_good, commit_at, "success", "Revert to previous release"
                )
            else:
                last_good = sha
        if date.weekday() == 4:
            b.release(
                date + timedelta(hours=18),
                f"v{date:%Y.%m.%d}",
                _sha(b.h.project["id"], deploys),
                "## Changes\n- weekly summary",
            )
    for i in range(team.incidents):
        at = now - timedelta(days=3 + i * 13, hours=rng.randint(0, 8))
        b.incident(
            at,
            rng.uniform(*team.restore_minutes),
            rng.uniform(*team.response_minutes),
            str(1 + i % 4),
            team.postmortems,
        )
    b.h.integrations = [_integration("slack", deployment_events=True, pipeline_events=False)]
    b.h.hooks = [_hook(deployment_events=True), _hook(deployment_events=False)]
    b.h.issue_templates = ["Bug", "Change request", "Exception request"]
    b.h.wiki = [
        _wiki_page("home"),
        _wiki_page("runbooks/checkout-errors", "Runbook: checkout errors"),
        _wiki_page("playbooks/failed-deployment", "Playbook: failed deployment"),
        _wiki_page("postmortems/2026-payment-outage", "Postmortem: payment outage"),
    ]
    # Feature work every 5 days, tech debt every 15 (a slice of each 30-day period).
    for d in range(2, 88, 5):
        b.work_item(now - timedelta(days=d), f"Feature {d}", ["feature", "frontend"])
    for d in range(4, 88, 15):
        b.work_item(now - timedelta(days=d), f"Pay down debt {d}", ["type::tech-debt"])
    b.h.events = [
        _wiki_event(now - timedelta(days=d), action, slug)
        for d, action, slug in (
            (4, "updated", "runbooks/checkout-errors"),
            (30, "created", "postmortems/2026-payment-outage"),
            (200, "updated", "home"),  # before the window
        )
    ]
    b.h.dora = {
        "deployment_frequency": 4.1,
        "lead_time_for_changes": 10400.0,
        "change_failure_rate": 0.02,
        "time_to_restore_service": 1500.0,
    }


def _ledger_project(b: _ProjectBuilder) -> None:
    team, rng, now = b.team, b.rng, b.now
    assert team is not None
    live = b.environment("live", "production")
    b.h.ci_yaml = LEDGER_CI
    b.h.protected_environments = []  # the instance offers them; this team protects nothing
    b.h.approval_rules = []
    b.h.dora = {
        "deployment_frequency": 0.04,
        "lead_time_for_changes": 1_300_000.0,
        "change_failure_rate": 0.25,
        "time_to_restore_service": 125_000.0,
    }
    b.h.protected_branches = [
        {
            "id": 1,
            "name": "main",
            "push_access_levels": [
                {
                    "id": 1,
                    "access_level": 30,
                    "access_level_description": "Developers + Maintainers",
                    "deploy_key_id": None,
                    "user_id": None,
                    "group_id": None,
                }
            ],
            "merge_access_levels": [
                {
                    "id": 2,
                    "access_level": 30,
                    "access_level_description": "Developers + Maintainers",
                    "user_id": None,
                    "group_id": None,
                }
            ],
            "allow_force_push": True,
            "unprotect_access_levels": [],
            "code_owner_approval_required": False,
        }
    ]
    releases = [(100, "success"), (72, "success"), (44, "failed"), (43, "success"), (14, "success"), (13, "rollback")]
    previous: str | None = None
    good: str | None = None
    for n, (days_ago, kind) in enumerate(releases):
        at = (now - timedelta(days=days_ago)).replace(hour=22, minute=0, second=0, microsecond=0)
        if kind == "rollback":
            assert previous is not None
            b.deploy(live, at, previous, at - timedelta(days=40), "success", "Roll back to the previous release")
            continue
        sha = _sha(b.h.project["id"], "rel", days_ago)
        if kind == "failed":
            sha = _sha(b.h.project["id"], "rel", days_ago - 1)
        commit_at = at - timedelta(days=rng.uniform(5, 20))
        b.deploy(live, at, sha, commit_at, kind, f"Release {n}")
        if kind == "success":
            previous, good = good, sha
            for k in range(8):
                b.merge_request(
                    commit_at - timedelta(days=k * 3),
                    sha if k == 0 else _sha(sha, k),
                    rng.random() < team.approval_ratio,
                    f"Feature {n}.{k}",
                    files=rng.randint(30, 1200),
                )
            b.release(at, f"1.{n}.0", sha, "")
    for i in range(team.incidents):
        at = now - timedelta(days=6 + i * 19, hours=rng.randint(0, 8))
        b.incident(
            at, rng.uniform(*team.restore_minutes), rng.uniform(*team.response_minutes), None, False, author="ops-lead"
        )
    # Bugs only, and one refactoring two months ago: the label exists, the time for it does not.
    for d in range(3, 88, 9):
        b.work_item(now - timedelta(days=d), f"Bug {d}", ["bug"])
    b.work_item(now - timedelta(days=61), "Refactor posting engine", ["refactoring"])
    b.h.project.update(wiki_enabled=False, wiki_access_level="disabled")
    b.h.integrations = None  # a Reporter token: GitLab answers 403
    b.h.hooks = None


def build_history(now: datetime | None = None, *, seed: int = 1756) -> History:
    """The sandbox history; the same `now` and `seed` always give the same history."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ids = _Ids()
    rng = random.Random(seed)  # noqa: S311 - sandbox data, not security
    acme = _group(ids, "acme", None)
    web = _group(ids, "web", acme)
    ledger = _group(ids, "ledger", acme)
    projects: list[ProjectHistory] = []
    for path, prod in (("storefront", "production"), ("api", "prod")):
        b = _ProjectBuilder(ids, rng, now, web, path, WEB)
        _web_project(b, prod)
        projects.append(b.h)
    lib = _ProjectBuilder(ids, rng, now, web, "ui-kit", None)
    lib.h.ci_yaml = LIB_CI
    lib.h.protected_branches = []
    lib.h.approval_rules = []
    lib.h.protected_environments = []
    lib.h.integrations = []
    lib.h.hooks = []
    projects.append(lib.h)
    b = _ProjectBuilder(ids, rng, now, ledger, "core", LEDGER)
    _ledger_project(b)
    projects.append(b.h)
    return History(groups=[acme, web, ledger], projects=projects)
