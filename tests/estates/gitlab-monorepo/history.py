"""The GitLab history of `lumen`, a product team that deploys straight from GitLab CI (no Argo CD).

How the team works (what the history shows, relative to "now"):
- One project, `lumen/product/monorepo`: the web front end, the API and a worker in one
  repository, released together as one Helm umbrella chart. GitLab Premium (approval rules,
  protected environments), not Ultimate (no DORA API).
- Every merge to `main` runs a pipeline: per-service image builds, unit tests with JUnit reports,
  lint, GitLab SAST; then `deploy-staging` deploys to the `staging` environment automatically.
  `deploy-production` is the same job template with `when: manual`: a maintainer presses the
  button on a pipeline that reached staging, about every other working day. The deploy script
  runs the database migrations and then `helm upgrade --wait` in one job (no canary, no smoke
  test after the deploy, no automatic rollback).
- Some production deploys fail (Helm times out, a migration fails); the on-call then re-deploys
  the previous version by re-running that older pipeline's `deploy-production` job (GitLab's
  "re-deploy"/rollback). Now and then a successful release was rolled back the same way an hour later
  after error rates rose.
- Merge requests need one approval, but the project lets authors override the rule per MR:
  about one merge request in eight was merged with the rule removed and no approval.
- `main` is protected (no direct pushes, maintainers merge, no force push); `production` is a
  protected environment that only maintainers may deploy to (no deployment approvals).
- Incidents are GitLab incidents, mostly opened by the alert integration, graded with
  `severity::N` labels (one customer-reported incident has none). Three link a postmortem
  issue; some were closed within minutes, one took three days, two have been left open for
  weeks. Nobody keeps the incident timeline (no tagged timeline events).
- The wiki holds a home page and two runbooks (rolling production back, payment-provider
  outage). Slack receives pipeline, deployment and incident events.
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
from sandbox.gitlab.records import integration_json, wiki_event_json, wiki_page_json

__all__ = ["build"]

DAYS = 100

CI = """\
stages: [build, test, deploy]
include:
  - template: Jobs/SAST.gitlab-ci.yml
variables:
  CHART: deploy/chart
.service-build:
  stage: build
  image: docker:26
  services: [docker:26-dind]
  script:
    - docker build -t "$CI_REGISTRY_IMAGE/$SERVICE:$CI_COMMIT_SHORT_SHA" "services/$SERVICE"
    - docker push "$CI_REGISTRY_IMAGE/$SERVICE:$CI_COMMIT_SHORT_SHA"
build-web:
  extends: .service-build
  variables: {SERVICE: web}
build-api:
  extends: .service-build
  variables: {SERVICE: api}
build-worker:
  extends: .service-build
  variables: {SERVICE: worker}
unit-tests:
  stage: test
  image: node:20
  script:
    - npm ci
    - npx nx run-many -t test --ci
  artifacts:
    reports:
      junit: reports/junit-*.xml
lint:
  stage: test
  image: node:20
  script: [npm ci, npx nx run-many -t lint]
.deploy:
  stage: deploy
  image: registry.lumen.example/tools/helm-kubectl:3.14
  resource_group: $CI_ENVIRONMENT_NAME
  script:
    - ./scripts/db-migrate.sh "$CI_ENVIRONMENT_NAME"
    - helm upgrade --install lumen "$CHART" -f "deploy/values-$CI_ENVIRONMENT_NAME.yaml" --set image.tag="$CI_COMMIT_SHORT_SHA" --wait --timeout 10m
deploy-staging:
  extends: .deploy
  environment:
    name: staging
    deployment_tier: staging
    url: https://staging.lumen.example
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
deploy-production:
  extends: .deploy
  environment:
    name: production
    deployment_tier: production
    url: https://lumen.example
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
"""

DEVS = ["ana", "bo", "chen", "dara", "eli", "femi"]
MAINTAINERS = ["maria", "kenji", "li"]

# severity labels, no canary, Premium (approval rules); postmortems and incidents are built below
TEAM = TeamProfile(True, 0.0, 0, 0.9, 10, True, False, (10, 300), (2, 60), False, True, True)


def _settings(b: ProjectBuilder) -> None:
    b.h.ci_yaml = CI
    b.h.protected_branches = [
        {
            "id": 1,
            "name": "main",
            "push_access_levels": [{"id": 1, "access_level": 0, "access_level_description": "No one"}],
            "merge_access_levels": [{"id": 2, "access_level": 40, "access_level_description": "Maintainers"}],
            "allow_force_push": False,
            "unprotect_access_levels": [],
            "code_owner_approval_required": False,
        }
    ]
    b.h.approval_rules = [
        {
            "id": 1,
            "name": "Reviewers",
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
    b.h.protected_environments = [
        {
            "name": "production",
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
            "required_approval_count": 0,
            "approval_rules": [],
        }
    ]
    b.h.integrations = [
        integration_json("slack", pipeline_events=True, deployment_events=True, incident_events=True, push_events=False)
    ]
    b.h.hooks = []
    b.h.issue_templates = ["Bug", "Feature", "Postmortem"]
    b.h.wiki = [
        wiki_page_json("home", "Home"),
        wiki_page_json("runbooks/rollback-production", "Runbook: roll production back"),
        wiki_page_json("runbooks/payment-provider-outage", "Runbook: payment provider outage"),
    ]
    b.h.events = [
        wiki_event_json(b.now - timedelta(days=d), action, slug)
        for d, action, slug in (
            (81, "created", "runbooks/rollback-production"),
            (64, "created", "runbooks/payment-provider-outage"),
            (22, "updated", "runbooks/rollback-production"),
        )
    ]
    b.h.dora = None  # Premium: the DORA API answers 403


def _as_job(dep: dict[str, Any], job: str, who: str, pipeline: dict[str, Any] | None) -> None:
    """Make a builder deployment look like the CI job that made it, run by `who`."""
    dep["user"] = user_json(who)
    dep["deployable"]["name"] = job
    dep["deployable"]["user"] = user_json(who)
    if pipeline is not None:
        dep["deployable"]["pipeline"] = {
            k: pipeline[k]
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
        }


def _history(b: ProjectBuilder) -> None:
    rng, now = b.rng, b.now
    staging = b.environment("staging", "staging")
    prod = b.environment("production", "production")
    n = 0
    releases = 0
    staged: list[tuple[str, dict[str, Any]]] = []  # what reached staging, oldest first
    running: tuple[str, dict[str, Any]] | None = None  # what production runs: sha and its pipeline
    for day in range(DAYS, -1, -1):
        date = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        if date.weekday() >= 5:
            continue
        for slot in range(rng.randint(2, 5)):
            merged = date + timedelta(hours=9, minutes=slot * 95 + rng.randint(0, 60))
            if merged + timedelta(minutes=30) >= now:
                continue
            n += 1
            sha = fake_sha(b.h.project["id"], "change", n)
            dev, lead = DEVS[n % len(DEVS)], MAINTAINERS[n % len(MAINTAINERS)]
            approved = rng.random() < TEAM.approval_ratio
            files = rng.randint(1, 25) if n % 17 else rng.randint(120, 400)
            b.merge_request(merged, sha, approved, f"{rng.choice(['web', 'api', 'worker'])}: change {n}", files)
            mr = b.h.merge_requests[-1]
            mr["author"], mr["merge_user"] = user_json(dev), user_json(lead)
            if not approved:  # the author removed the approval rule on this MR
                b.h.approvals[mr["iid"]]["approvals_required"] = 0
            # the main pipeline: build, tests, SAST, then deploy-staging (automatic)
            tests_fail = n % 29 == 0
            pipes = len(b.h.pipelines)
            dep = b.deploy(staging, merged + timedelta(minutes=16), sha, merged, "success", f"change {n}")
            pipe = b.h.pipelines[pipes]
            pipe["created_at"] = iso(merged + timedelta(minutes=1))
            if tests_fail:  # unit tests failed: no staging deployment
                b.h.deployments.remove(dep)
                pipe["status"] = "failed"
                continue
            _as_job(dep, "deploy-staging", lead, None)
            staged.append((sha, pipe))
        # production: a maintainer presses deploy-production on about every other working day
        if rng.random() >= 0.5:
            continue
        at = date + timedelta(hours=rng.randint(10, 16), minutes=rng.randint(0, 59))
        ready = [s for s in staged if s[1]["created_at"] < iso(at - timedelta(minutes=30))]
        if not ready or at + timedelta(hours=2) >= now:
            continue
        releases += 1
        sha, pipe = ready[-1]  # the newest version that has been on staging for half an hour
        who = MAINTAINERS[releases % len(MAINTAINERS)]
        if releases % 9 == 0 and running:  # Helm timed out / a migration failed: re-deploy the previous version
            dep = b.deploy(prod, at, sha, at - timedelta(hours=3), "failed", "deploy-production")
            b.h.pipelines.pop()
            b.pipe_iid -= 1
            _as_job(dep, "deploy-production", who, pipe)
            old_sha, old_pipe = running
            dep = b.deploy(prod, at + timedelta(minutes=22), old_sha, at - timedelta(days=2), "success", "re-deploy")
            b.h.pipelines.pop()
            b.pipe_iid -= 1
            _as_job(dep, "deploy-production", "oncall", old_pipe)
            continue
        dep = b.deploy(prod, at, sha, at - timedelta(hours=3), "success", "deploy-production")
        b.h.pipelines.pop()
        b.pipe_iid -= 1
        _as_job(dep, "deploy-production", who, pipe)
        if releases % 11 == 0 and running:  # error rates rose: rolled back an hour later
            old_sha, old_pipe = running
            dep = b.deploy(prod, at + timedelta(minutes=65), old_sha, at - timedelta(days=2), "success", "re-deploy")
            b.h.pipelines.pop()
            b.pipe_iid -= 1
            _as_job(dep, "deploy-production", "oncall", old_pipe)
        else:
            running = (sha, pipe)


def _postmortem(b: ProjectBuilder, incident_iid: int, at: datetime, closed: bool) -> None:
    """A postmortem issue in the same project, linked to the incident (issue links API)."""
    b.issue_iid += 1
    iid = b.issue_iid
    issue = {
        "id": b.ids.next("issue"),
        "iid": iid,
        "project_id": b.h.project["id"],
        "title": f"Postmortem: incident #{incident_iid}",
        "description": "Summary, timeline, root cause, action items.",
        "state": "closed" if closed else "opened",
        "created_at": iso(at),
        "updated_at": iso(at + timedelta(days=5)) if closed else iso(at),
        "closed_at": iso(at + timedelta(days=5)) if closed else None,
        "labels": ["postmortem"],
        "assignees": [user_json("maria")],
        "author": user_json("maria"),
        "type": "ISSUE",
        "issue_type": "issue",
        "web_url": f"{b.h.project['web_url']}/-/issues/{iid}",
    }
    b.h.issues.append(issue)
    b.h.issue_links[incident_iid] = [
        dict(
            issue,
            issue_link_id=460000 + iid,
            link_type="relates_to",
            link_created_at=iso(at),
            link_updated_at=iso(at),
            assignee=user_json("maria"),
            milestone=None,
            user_notes_count=0,
            due_date=None,
            confidential=False,
            weight=None,
        )
    ]


def _incidents(b: ProjectBuilder) -> None:
    # days ago, severity, minutes to close (None: still open), minutes to first response, author, postmortem
    plan: list[tuple[int, str | None, float | None, float, str, bool]] = [
        (3, "2", 45, 4, "alert-bot", True),
        (11, "3", None, 50, "alert-bot", False),
        (19, "1", 95, 2, "alert-bot", True),
        (27, "4", 12, 20, "alert-bot", False),
        (36, "3", 3 * 24 * 60, 180, "maria", False),  # reported by a customer through support
        (48, "2", 30, 6, "alert-bot", False),
        (57, None, 25, 15, "kenji", False),
        (66, "1", 140, 3, "alert-bot", True),
        (74, "3", None, 240, "alert-bot", False),
        (85, "4", 18, 9, "alert-bot", False),
    ]
    for days_ago, sev, restore, respond, author, pm in plan:
        at = b.now - timedelta(days=days_ago, hours=b.rng.randint(1, 9))
        minutes = restore if restore is not None else (days_ago + 30) * 24 * 60  # closes after "now": open
        b.incident(at, minutes, respond, sev, False, author=author)
        inc = b.h.issues[-1]
        inc["description"] = (
            "Error rate above the alert threshold." if author == "alert-bot" else "Customers report failing payments."
        )
        if pm:
            _postmortem(b, inc["iid"], at + timedelta(minutes=minutes + 60 * 24), days_ago > 5)


def _work_items(b: ProjectBuilder) -> None:
    for d in range(2, 95, 3):
        b.work_item(b.now - timedelta(days=d), f"Feature {d}", ["feature"])
    for d in range(1, 95, 4):
        b.work_item(b.now - timedelta(days=d), f"Bug {d}", ["bug"])


def build(now: datetime | None = None, *, seed: int = 20261203) -> History:
    """The estate's history; the same `now` and `seed` always give the same history."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ids = Ids()
    rng = random.Random(seed)
    top = group_json(ids, "lumen", None)
    product = group_json(ids, "product", top)
    b = ProjectBuilder(ids, rng, now, product, "monorepo", TEAM)
    _settings(b)
    _history(b)
    _work_items(b)
    _incidents(b)
    projects: list[ProjectHistory] = [b.h]
    return History(groups=[top, product], projects=projects)


if __name__ == "__main__":  # a summary of what the history holds, for the grader
    h = build()
    p = h.projects[0]
    cut = datetime.now(UTC) - timedelta(days=90)

    def inside(r: dict[str, Any], f: str = "updated_at") -> bool:
        return datetime.fromisoformat(r[f].replace("Z", "+00:00")) >= cut

    for env in ("staging", "production"):
        deps = [d for d in p.deployments if d["environment"]["name"] == env and inside(d)]
        ok = sum(d["status"] == "success" for d in deps)
        redeploy = sum(d["user"]["username"] == "oncall" for d in deps)
        print(
            f"{env}: {len(deps)} deployments in 90 days, {ok} success, {len(deps) - ok} failed, {redeploy} re-deploys"
        )
    mrs = [m for m in p.merge_requests if inside(m, "merged_at")]
    una = sum(not p.approvals[m["iid"]]["approved"] for m in mrs)
    print(f"MRs merged: {len(mrs)}, without approval: {una}")
    pipes = [x for x in p.pipelines if inside(x)]
    print(f"pipelines: {len(pipes)}, failed: {sum(x['status'] == 'failed' for x in pipes)}")
    for i in p.issues:
        if i["issue_type"] == "incident":
            print(
                i["iid"],
                i["state"],
                i["labels"],
                i["created_at"][:16],
                (i["closed_at"] or "-")[:16],
                i["author"]["username"],
                "links:",
                len(p.issue_links.get(i["iid"], [])),
            )
    _ = Ids
