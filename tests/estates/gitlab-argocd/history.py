"""The GitLab history of `northwind`, whose production deployments are made by Argo CD, not CI.

How the team works (what the history shows, relative to "now"):
- `northwind/payments/checkout` and `northwind/payments/ledger-sync` are application repositories.
  Their pipelines build, test, scan and push an image, then a `bump-gitops` job opens a merge
  request in the GitOps repository. No CI job has an `environment:`: nothing in CI deploys.
- `northwind/platform/gitops` holds the Argo CD Applications and Kustomize overlays (the same
  files are checked out under repo/). Image bumps are merged there after a platform review.
- Argo CD syncs the clusters; argocd-notifications records each sync in GitLab through the
  Deployments API (POST /projects/:id/deployments), so every deployment has the bot as user and
  no `deployable` (no CI job). checkout reaches production once or twice on most working days,
  ledger-sync about weekly; a few syncs fail (a bad migration, a missing secret) and production
  went back to the previous image twice (Argo CD rollback).
- Incidents are GitLab incidents on checkout, graded by severity, most with a postmortem link.
- GitLab Premium: protected branches and MR approval rules, no protected environments (Argo CD
  deploys, GitLab does not gate it), no DORA API (Ultimate only).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.gitlab.history import (
    History,
    Ids,
    ProjectBuilder,
    ProjectHistory,
    TeamProfile,
    fake_sha,
    group_json,
    iso,
    user_json,
)

__all__ = ["build"]

DAYS = 100

APP_CI = """\
stages: [build, test, scan, publish, promote]
include:
  - template: Security/SAST.gitlab-ci.yml
  - template: Security/Dependency-Scanning.gitlab-ci.yml
  - template: Security/Container-Scanning.gitlab-ci.yml
variables:
  IMAGE: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA
compile:
  stage: build
  image: golang:1.22
  script: [go build ./...]
unit-tests:
  stage: test
  image: golang:1.22
  script: [go test -race ./...]
contract-tests:
  stage: test
  script: [make contract-test]
publish-image:
  stage: publish
  image: gcr.io/kaniko-project/executor:debug
  script: [/kaniko/executor --destination "$IMAGE"]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
bump-gitops:
  stage: promote
  image: registry.northwind.example/tools/gitops-bump:1.4
  script:
    - gitops-bump --repo platform/gitops --app "$CI_PROJECT_NAME" --image "$IMAGE" --open-merge-request
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""

GITOPS_CI = """\
stages: [validate]
kubeconform:
  stage: validate
  image: ghcr.io/yannh/kubeconform:v0.6.4
  script:
    - for o in apps/*/overlays/*; do kustomize build "$o" | kubeconform -strict -summary -; done
argocd-diff:
  stage: validate
  image: quay.io/argoproj/argocd:v2.11.3
  script: [argocd app diff --local-repo-root . --server-side-generate --refresh northwind-prod]
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
"""

BOT = "argocd-notifications"
# approval rules require one approval (Premium); severity-graded incidents with postmortems
TEAM = TeamProfile(True, 0.0, 0, 1.0, 6, True, True, (20, 300), (2, 12), False, False, True)


def _protected_main(b: ProjectBuilder, approvals: int) -> None:
    b.h.protected_branches = [
        {
            "id": 1,
            "name": "main",
            "push_access_levels": [{"id": 1, "access_level": 0, "access_level_description": "No one"}],
            "merge_access_levels": [{"id": 2, "access_level": 40, "access_level_description": "Maintainers"}],
            "allow_force_push": False,
            "unprotect_access_levels": [],
            "code_owner_approval_required": True,
        }
    ]
    b.h.approval_rules = [
        {
            "id": 1,
            "name": "Reviewers",
            "rule_type": "any_approver",
            "eligible_approvers": [],
            "approvals_required": approvals,
            "users": [],
            "groups": [],
            "contains_hidden_groups": False,
            "protected_branches": [],
            "applies_to_all_protected_branches": True,
        }
    ]
    b.h.protected_environments = []  # Premium offers them; Argo CD deploys, so nothing is protected here


def _sync(b: ProjectBuilder, env: dict[str, Any], at: datetime, sha: str, status: str, title: str) -> None:
    """An Argo CD sync recorded through the Deployments API: the bot, no CI job, no pipeline."""
    pipes = len(b.h.pipelines)
    dep = b.deploy(env, at, sha, at - timedelta(hours=3), status, title)
    del b.h.pipelines[pipes:]  # deploy() invents a deploy pipeline; an Argo CD sync has none
    b.pipe_iid -= 1
    dep["deployable"] = None
    dep["user"] = user_json(BOT)
    dep["created_at"] = iso(at - timedelta(minutes=2))


def _build_pipeline(b: ProjectBuilder, at: datetime, sha: str, ok: bool) -> None:
    b.pipe_iid += 1
    b.h.pipelines.append(
        {
            "id": b.ids.next("pipeline"),
            "iid": b.pipe_iid,
            "project_id": b.h.project["id"],
            "sha": sha,
            "ref": "main",
            "status": "success" if ok else "failed",
            "source": "push",
            "created_at": iso(at),
            "updated_at": iso(at + timedelta(minutes=9)),
            "web_url": f"{b.h.project['web_url']}/-/pipelines/{b.pipe_iid}",
            "name": None,
        }
    )


def _app(b: ProjectBuilder, gitops: ProjectBuilder, per_day: tuple[int, int], weekdays: set[int]) -> None:
    """Merged changes build an image; Argo CD syncs staging, then production after the bump MR."""
    rng, now = b.rng, b.now
    b.h.ci_yaml = APP_CI
    _protected_main(b, 1)
    staging = b.environment("staging", "staging")
    prod = b.environment("production", "production")
    running: str | None = None
    n = 0
    for day in range(DAYS, -1, -1):
        date = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        if date.weekday() not in weekdays:
            continue
        for slot in range(rng.randint(*per_day)):
            at = date + timedelta(hours=10 + slot * 3, minutes=rng.randint(0, 50))
            if at + timedelta(hours=2) >= now:
                continue
            n += 1
            sha = fake_sha(b.h.project["id"], "change", n)
            merged = at - timedelta(minutes=40)
            b.merge_request(merged, sha, rng.random() < TEAM.approval_ratio, f"{b.h.project['path']}: change {n}")
            _build_pipeline(b, merged + timedelta(minutes=1), sha, True)
            gitops.merge_request(at, fake_sha("gitops", sha), True, f"bump {b.h.project['path']} to {sha[:8]}")
            _sync(b, staging, at + timedelta(minutes=3), sha, "success", f"change {n}")
            prod_at = at + timedelta(minutes=50)
            if n % 23 == 0:  # a sync that fails (migration lock, missing secret), fixed and resynced
                _sync(b, prod, prod_at, sha, "failed", f"change {n}")
                prod_at += timedelta(minutes=30)
            _sync(b, prod, prod_at, sha, "success", f"change {n}")
            if n % 37 == 0 and running:  # production went back to the image it ran before
                _sync(b, prod, prod_at + timedelta(minutes=25), running, "success", "argocd rollback")
            else:
                running = sha


def _incidents(b: ProjectBuilder) -> None:
    """Six incidents in the window: severity set on all, postmortems on five of the closed ones."""
    plan = [(4, "2", 38, 3, True), (17, "3", 95, 6, True), (29, "1", 22, 2, True), (44, "3", 140, 9, False)]
    plan += [(61, "2", 51, 4, True), (83, "4", 300, 12, True)]
    for days_ago, sev, restore, respond, pm in plan:
        at = b.now - timedelta(days=days_ago, hours=b.rng.randint(1, 9))
        b.incident(at, restore, respond, sev, pm)


def build(now: datetime | None = None, *, seed: int = 4242) -> History:
    """The estate's history; the same `now` and `seed` always give the same history."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ids = Ids()
    rng = random.Random(seed)
    top = group_json(ids, "northwind", None)
    payments = group_json(ids, "payments", top)
    platform = group_json(ids, "platform", top)
    gitops = ProjectBuilder(ids, rng, now, platform, "gitops", None)
    gitops.h.ci_yaml = GITOPS_CI
    _protected_main(gitops, 1)
    projects: list[ProjectHistory] = [gitops.h]
    for path, per_day, weekdays in (("checkout", (1, 3), {0, 1, 2, 3, 4}), ("ledger-sync", (1, 1), {1})):
        b = ProjectBuilder(ids, rng, now, payments, path, TEAM)
        _app(b, gitops, per_day, weekdays)
        projects.append(b.h)
        if path == "checkout":
            _incidents(b)
    return History(groups=[top, payments, platform], projects=projects)
