"""The GitLab Ultimate history of `tessera`, a product organisation that runs its delivery well.

How the teams work (what the history shows, relative to "now"):
- Four service projects under `tessera/services`: `accounts`, `billing`, `catalog-search` and
  `notifications`, each its own repository and pipeline. GitLab Ultimate: approval rules, code
  owners, protected environments with deployment approvals, security scanners, the DORA API.
- Every merge request pipeline builds the image, runs unit and integration tests (JUnit reports),
  SAST, dependency and secret scanning, and deploys a review app (`review/<branch>`, stopped
  when the branch is merged or after two days).
- Every merge to `main` deploys `staging` automatically; `deploy-production` follows in the same
  pipeline behind a protected `production` environment that needs one approval from the release
  managers group (the approval usually comes within minutes). Database migrations run in their
  own `db-migrate` job before the application. accounts and billing go through a 10% canary
  first; after every production deploy a smoke test runs, and `rollback-production`
  (`when: on_failure`) re-deploys the previous image when it fails. Production gets a change
  several times a day in each project; a handful of deploys failed (Helm timeouts, a bad config
  value) and were fixed forward within half an hour; once the billing smoke test failed and
  the rollback job put the previous release back by itself.
- `main` is protected everywhere (no direct pushes, no force push, code-owner approval required);
  each project has a CODEOWNERS-backed approval rule and a security approval rule. Authors
  cannot edit the rules on their merge requests: every merged MR was approved.
- Weekly releases are cut from tags with release evidence collected by GitLab.
- Feature flags are GitLab feature flags read by the services through the Unleash client (the
  CI passes the Unleash URL); the loopback API does not serve the feature-flags endpoints, so
  they appear in the CI only.
- Incidents are opened by the GitLab alert integration (Prometheus alerts, author `alert-bot`),
  graded with `severity::N` labels and paged to on-call, who answers within a few minutes.
  Responders keep tagged timeline events; each severity 1 and 2 incident has a postmortem issue,
  closed, and a corrective-action follow-up issue linked.
- The wiki of each project holds its runbooks, revised after incidents; Slack receives
  pipeline, deployment, alert and incident events.

The gaps a good team still has:
- `catalog-search` (taken over from another team last year) has no integration-test job and its
  production environment is protected (maintainers only) but needs no deployment approval.
- Severity 3 and 4 incidents carry no tagged timeline (only GitLab's own creation event), and
  one corrective action (from the October billing incident) is still open past its due date.
- No game day, failover or restore drill is recorded anywhere in GitLab.
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

CI_HEAD = """\
stages: [build, test, review, staging, production, verify]
include:
  - template: Jobs/SAST.gitlab-ci.yml
  - template: Jobs/Dependency-Scanning.gitlab-ci.yml
  - template: Jobs/Secret-Detection.gitlab-ci.yml
variables:
  IMAGE: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA
  CHART: deploy/chart
  UNLEASH_URL: $CI_API_V4_URL/feature_flags/unleash/$CI_PROJECT_ID
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
build-image:
  stage: build
  image: docker:26
  services: [docker:26-dind]
  script:
    - docker build -t "$IMAGE" .
    - docker push "$IMAGE"
unit-tests:
  stage: test
  image: $CI_REGISTRY/tessera/ci-images/go:1.22
  script:
    - go test -race -coverprofile=coverage.out ./...
    - go-junit-report < test.log > junit-unit.xml
  coverage: '/total:\\s+\\(statements\\)\\s+(\\d+.\\d+)%/'
  artifacts:
    reports:
      junit: junit-unit.xml
"""

CI_INTEGRATION = """\
integration-tests:
  stage: test
  image: $CI_REGISTRY/tessera/ci-images/go:1.22
  services: [postgres:16, redis:7]
  script:
    - make integration-test
  artifacts:
    reports:
      junit: junit-integration.xml
"""

CI_DEPLOY = """\
.helm:
  image: $CI_REGISTRY/tessera/ci-images/helm-kubectl:3.15
  resource_group: $CI_ENVIRONMENT_NAME
review-app:
  extends: .helm
  stage: review
  script:
    - helm upgrade --install "$CI_ENVIRONMENT_SLUG" "$CHART" -f deploy/values-review.yaml --set image.tag="$CI_COMMIT_SHORT_SHA" --wait
  environment:
    name: review/$CI_COMMIT_REF_SLUG
    url: https://$CI_ENVIRONMENT_SLUG.review.tessera.example
    on_stop: stop-review-app
    auto_stop_in: 2 days
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
stop-review-app:
  extends: .helm
  stage: review
  script: [helm uninstall "$CI_ENVIRONMENT_SLUG"]
  environment: {name: review/$CI_COMMIT_REF_SLUG, action: stop}
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      when: manual
.db-migrate:
  image: $CI_REGISTRY/tessera/ci-images/migrate:4.17
  script:
    - migrate -path db/migrations -database "$DATABASE_URL" up
db-migrate-staging:
  extends: .db-migrate
  stage: staging
  environment: {name: staging, action: prepare}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
deploy-staging:
  extends: .helm
  stage: staging
  needs: [build-image, unit-tests, db-migrate-staging]
  script:
    - helm upgrade --install "$CI_PROJECT_NAME" "$CHART" -f deploy/values-staging.yaml --set image.tag="$CI_COMMIT_SHORT_SHA" --set unleash.url="$UNLEASH_URL" --set unleash.environment=staging --wait --timeout 8m
  environment:
    name: staging
    deployment_tier: staging
    url: https://staging.tessera.example
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
smoke-staging:
  stage: staging
  needs: [deploy-staging]
  script: [./scripts/smoke.sh https://staging.tessera.example]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
db-migrate-production:
  extends: .db-migrate
  stage: production
  needs: [smoke-staging]
  environment: {name: production, action: prepare}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""

CI_CANARY = """\
deploy-canary:
  extends: .helm
  stage: production
  needs: [db-migrate-production]
  script:
    - helm upgrade --install "$CI_PROJECT_NAME-canary" "$CHART" -f deploy/values-production.yaml --set image.tag="$CI_COMMIT_SHORT_SHA" --set canary.weight=10 --wait
    - ./scripts/canary-analysis.sh --error-budget 0.5 --for 10m
  environment: {name: production, action: prepare}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
deploy-production:
  extends: .helm
  stage: production
  needs: [deploy-canary]
"""

CI_DIRECT = """\
deploy-production:
  extends: .helm
  stage: production
  needs: [db-migrate-production]
"""

CI_TAIL = """\
  script:
    - helm upgrade --install "$CI_PROJECT_NAME" "$CHART" -f deploy/values-production.yaml --set image.tag="$CI_COMMIT_SHORT_SHA" --set unleash.url="$UNLEASH_URL" --set unleash.environment=production --set canary.weight=0 --wait --timeout 10m
  environment:
    name: production
    deployment_tier: production
    url: https://tessera.example
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
smoke-production:
  stage: verify
  needs: [deploy-production]
  script: [./scripts/smoke.sh https://tessera.example]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
rollback-production:
  extends: .helm
  stage: verify
  needs: [smoke-production]
  script:
    - helm rollback "$CI_PROJECT_NAME" 0 --wait
  environment: {name: production, action: start}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: on_failure
release:
  stage: verify
  image: registry.gitlab.com/gitlab-org/release-cli:latest
  script: [echo "release $CI_COMMIT_TAG"]
  release:
    tag_name: $CI_COMMIT_TAG
    description: ./CHANGELOG.md
  rules:
    - if: $CI_COMMIT_TAG
"""

DEVS = ["amara", "bjorn", "carla", "deniz", "eun", "farid", "gosia", "hugo", "ines", "jonas"]
MAINTAINERS = ["kavya", "lars", "mei"]
RELEASE_MANAGERS = ["nadia", "omar"]

# several deploys a day, severity labels, Ultimate (approval rules); the rest is built below
TEAM = TeamProfile(True, 0.0, 0, 1.0, 0, True, True, (15, 90), (1, 4), True, True, True, 12.0, follow_ups=True)

# project path, canary, integration tests, deployment approval, merges per working day
SERVICES = (
    ("accounts", True, True, True, (2, 4)),
    ("billing", True, True, True, (2, 3)),
    ("catalog-search", False, False, False, (2, 5)),
    ("notifications", False, True, True, (1, 3)),
)


def _settings(b: ProjectBuilder, canary: bool, integration: bool, approval: bool) -> None:
    b.h.ci_yaml = CI_HEAD + (CI_INTEGRATION if integration else "") + CI_DEPLOY + (CI_CANARY if canary else CI_DIRECT)
    b.h.ci_yaml += CI_TAIL
    # Code owners by area: the service team owns its code, the platform team the chart and pipeline.
    b.h.files = {
        "CODEOWNERS": "* @tessera/services\n/deploy/ @tessera/platform\n.gitlab-ci.yml @tessera/platform\n/db/migrations/ @tessera/data\n",
    }
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
            "name": "Code owners",
            "rule_type": "regular",
            "eligible_approvers": [user_json(u) for u in MAINTAINERS],
            "approvals_required": 1,
            "users": [],
            "groups": [{"id": 71, "name": "service-owners", "full_path": "tessera/service-owners"}],
            "contains_hidden_groups": False,
            "protected_branches": [],
            "applies_to_all_protected_branches": True,
        },
        {
            "id": 2,
            "name": "Security",
            "rule_type": "report_approver",
            "report_type": "scan_finding",
            "eligible_approvers": [user_json("appsec")],
            "approvals_required": 1,
            "users": [user_json("appsec")],
            "groups": [],
            "contains_hidden_groups": False,
            "protected_branches": [],
            "applies_to_all_protected_branches": True,
        },
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
            "required_approval_count": 1 if approval else 0,
            "approval_rules": (
                [
                    {
                        "id": 1,
                        "user_id": None,
                        "group_id": 72,
                        "access_level": None,
                        "access_level_description": "release-managers",
                        "required_approvals": 1,
                        "group_inheritance_type": 0,
                    }
                ]
                if approval
                else []
            ),
        },
        {
            "name": "staging",
            "deploy_access_levels": [
                {
                    "id": 2,
                    "access_level": 30,
                    "access_level_description": "Developers + Maintainers",
                    "user_id": None,
                    "group_id": None,
                    "group_inheritance_type": 0,
                }
            ],
            "required_approval_count": 0,
            "approval_rules": [],
        },
    ]
    b.h.integrations = [
        integration_json(
            "slack",
            pipeline_events=True,
            deployment_events=True,
            incident_events=True,
            alert_events=True,
            push_events=False,
        )
    ]
    b.h.hooks = []
    b.h.issue_templates = ["Bug", "Feature", "Incident", "Postmortem", "Corrective action"]
    name = b.h.project["path"]
    b.h.wiki = [
        wiki_page_json("home", "Home"),
        wiki_page_json("runbooks/index", "Runbooks"),
        wiki_page_json(f"runbooks/{name}-high-error-rate", f"Runbook: {name} high error rate"),
        wiki_page_json(f"runbooks/{name}-latency", f"Runbook: {name} latency SLO burn"),
        wiki_page_json("runbooks/rollback-production", "Runbook: roll production back"),
        wiki_page_json("runbooks/database-failover", "Runbook: database failover"),
        wiki_page_json("architecture/overview", "Architecture overview"),
    ]
    b.h.events = [
        wiki_event_json(b.now - timedelta(days=d), action, slug)
        for d, action, slug in (
            (96, "updated", "architecture/overview"),
            (58, "updated", "runbooks/database-failover"),
            (33, "updated", f"runbooks/{name}-high-error-rate"),
            (19, "updated", f"runbooks/{name}-latency"),
            (9, "updated", "runbooks/rollback-production"),
            (4, "updated", "runbooks/index"),
        )
    ]


def _as_job(dep: dict[str, Any], job: str, who: str, pipeline: dict[str, Any] | None = None) -> None:
    """Make a builder deployment look like the CI job that made it, in the pipeline of the merge."""
    dep["user"] = user_json(who)
    dep["deployable"]["name"] = job
    dep["deployable"]["stage"] = "verify" if job.startswith("rollback") else dep["environment"]["tier"]
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


def _history(b: ProjectBuilder, per_day: tuple[int, int], rollback_on: int | None) -> None:
    rng, now = b.rng, b.now
    staging = b.environment("staging", "staging")
    prod = b.environment("production", "production")
    for slug in ("review/feat-checkout-tax", "review/fix-retry-jitter"):
        env = b.environment(slug, "development")
        env["external_url"] = f"https://{slug.replace('/', '-')}.review.tessera.example"
    n = 0
    running: tuple[str, dict[str, Any]] | None = None
    week_sha: str | None = None
    for day in range(DAYS, -1, -1):
        date = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        if date.weekday() >= 5:
            continue
        for slot in range(rng.randint(*per_day)):
            merged = date + timedelta(hours=9, minutes=slot * 110 + rng.randint(0, 50))
            if merged + timedelta(hours=1) >= now:
                continue
            n += 1
            sha = fake_sha(b.h.project["id"], "change", n)
            dev, lead = DEVS[(n + b.h.project["id"]) % len(DEVS)], MAINTAINERS[n % len(MAINTAINERS)]
            files = rng.randint(1, 14) if n % 23 else rng.randint(30, 60)
            b.merge_request(merged, sha, True, f"{b.h.project['path']}: change {n}", files)
            mr = b.h.merge_requests[-1]
            mr["author"], mr["merge_user"] = user_json(dev), user_json(lead)
            b.h.approvals[mr["iid"]]["approved_by"] = [{"user": user_json(lead)}]
            # the main pipeline: build, tests, scans, staging, then production behind its approval
            pipes = len(b.h.pipelines)
            dep = b.deploy(staging, merged + timedelta(minutes=14), sha, merged, "success", f"change {n}")
            pipe = b.h.pipelines[pipes]
            pipe["created_at"] = iso(merged + timedelta(minutes=1))
            _as_job(dep, "deploy-staging", lead, pipe)
            at = merged + timedelta(minutes=rng.randint(32, 70))
            failed = n % 61 == 37  # a Helm timeout or a bad config value: fixed forward
            if failed:
                pipe["status"] = "failed"
                dep = b.deploy(prod, at, sha, merged, "failed", f"change {n}")
                b.h.pipelines.pop()
                b.pipe_iid -= 1
                _as_job(dep, "deploy-production", lead, pipe)
                n += 1
                fix = fake_sha(b.h.project["id"], "fix", n)
                fixed = at + timedelta(minutes=rng.randint(12, 28))
                b.merge_request(fixed - timedelta(minutes=20), fix, True, f"fix: revert values change {n}", 2)
                b.h.merge_requests[-1]["author"] = user_json(dev)
                b.h.merge_requests[-1]["merge_user"] = user_json(lead)
                b.h.approvals[b.h.merge_requests[-1]["iid"]]["approved_by"] = [{"user": user_json(lead)}]
                sha, at = fix, fixed
                pipes = len(b.h.pipelines)
                dep = b.deploy(staging, at - timedelta(minutes=12), sha, at - timedelta(minutes=20), "success", "fix")
                pipe = b.h.pipelines[pipes]
                _as_job(dep, "deploy-staging", lead, pipe)
            dep = b.deploy(prod, at, sha, merged, "success", f"change {n}")
            b.h.pipelines.pop()
            b.pipe_iid -= 1
            _as_job(dep, "deploy-production", lead, pipe)
            if rollback_on is not None and day == rollback_on and slot == 0 and running:
                # the smoke test failed: rollback-production re-deployed the previous release
                pipe["status"] = "failed"
                old_sha, _ = running
                dep = b.deploy(prod, at + timedelta(minutes=6), old_sha, merged, "success", "rollback")
                b.h.pipelines.pop()
                b.pipe_iid -= 1
                _as_job(dep, "rollback-production", lead, pipe)
            else:
                running = (sha, pipe)
            week_sha = sha
        if date.weekday() == 4 and week_sha:
            b.release(date + timedelta(hours=17), f"v{date:%Y.%m.%d}", week_sha, "## Changes\n- weekly changelog")
            b.h.releases[-1]["author"] = user_json(RELEASE_MANAGERS[date.isocalendar().week % 2])


def _postmortem(b: ProjectBuilder, incident_iid: int, at: datetime, author: str) -> None:
    """A postmortem issue in the project, closed after the review, linked to the incident."""
    b.issue_iid += 1
    iid = b.issue_iid
    closed = min(at + timedelta(days=4), b.now - timedelta(hours=1))
    issue = {
        "id": b.ids.next("issue"),
        "iid": iid,
        "project_id": b.h.project["id"],
        "title": f"Postmortem: incident #{incident_iid}",
        "description": "Summary, impact, timeline, root cause, what went well, action items.",
        "state": "closed",
        "created_at": iso(at),
        "updated_at": iso(closed),
        "closed_at": iso(closed),
        "labels": ["postmortem"],
        "assignees": [user_json(author)],
        "author": user_json(author),
        "type": "ISSUE",
        "issue_type": "issue",
        "web_url": f"{b.h.project['web_url']}/-/issues/{iid}",
    }
    b.h.issues.append(issue)
    b.h.issue_links.setdefault(incident_iid, []).insert(
        0,
        dict(
            issue,
            issue_link_id=470000 + issue["id"],
            link_type="relates_to",
            link_created_at=iso(at),
            link_updated_at=iso(at),
            assignee=user_json(author),
            milestone=None,
            user_notes_count=3,
            due_date=None,
            confidential=False,
            weight=None,
        ),
    )


# project, days ago, severity, minutes to restore, minutes to first response, author
INCIDENTS: dict[str, list[tuple[int, str, float, float, str]]] = {
    "accounts": [(8, "2", 38, 2, "alert-bot"), (41, "3", 55, 4, "alert-bot"), (77, "4", 20, 6, "alert-bot")],
    "billing": [(15, "1", 52, 1, "alert-bot"), (47, "2", 30, 3, "alert-bot"), (63, "3", 140, 5, "alert-bot")],
    "catalog-search": [(5, "3", 75, 4, "alert-bot"), (29, "2", 44, 2, "alert-bot"), (88, "4", 35, 9, "kavya")],
    "notifications": [(22, "3", 25, 3, "alert-bot"), (54, "1", 68, 1, "alert-bot")],
}


def _incidents(b: ProjectBuilder) -> None:
    for days_ago, sev, restore, respond, author in INCIDENTS[b.h.project["path"]]:
        at = b.now - timedelta(days=days_ago, hours=b.rng.randint(1, 15))
        severe = sev in ("1", "2")
        cause = respond + b.rng.uniform(6, 20) if severe else None  # no tagged timeline below severity 2
        b.incident(at, restore, respond, sev, severe, author=author, cause_min=cause)
        inc = b.h.issues[-1]
        inc["title"] = f"{b.h.project['path']}: {'error rate SLO burn' if severe else 'latency above threshold'}"
        inc["description"] = (
            "Alert fired: error ratio above 2% for 5m (Prometheus). Runbook: wiki/runbooks/high-error-rate"
            if author == "alert-bot"
            else "Reported by support: search results stale for EU customers."
        )
        if severe:
            _postmortem(b, inc["iid"], at + timedelta(days=1), MAINTAINERS[inc["iid"] % 3])
            if b.h.project["path"] == "billing" and days_ago == 47:  # the follow-up still open, past due
                fu = b.h.issue_links[inc["iid"]][-1]
                fu.update(state="opened", closed_at=None, updated_at=iso(at + timedelta(days=20)))


def _work_items(b: ProjectBuilder) -> None:
    for d in range(2, 95, 4):
        b.work_item(b.now - timedelta(days=d), f"Feature {d}", ["feature"])
    for d in range(3, 95, 9):
        b.work_item(b.now - timedelta(days=d), f"Bug {d}", ["bug"])
    for d in range(6, 95, 20):
        b.work_item(b.now - timedelta(days=d), f"Tech debt {d}", ["type::tech-debt"])


def build(now: datetime | None = None, *, seed: int = 20261203) -> History:
    """The estate's history; the same `now` and `seed` always give the same history."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ids = Ids()
    rng = random.Random(seed)
    top = group_json(ids, "tessera", None)
    services = group_json(ids, "services", top)
    projects: list[ProjectHistory] = []
    for path, canary, integration, approval, per_day in SERVICES:
        b = ProjectBuilder(ids, rng, now, services, path, TEAM)
        _settings(b, canary, integration, approval)
        _history(b, per_day, 34 if path == "billing" else None)
        _work_items(b)
        _incidents(b)
        b.h.dora = {
            "deployment_frequency": round(
                sum(d["environment"]["tier"] == "production" for d in b.h.deployments) / DAYS, 2
            ),
            "lead_time_for_changes": 3600.0 + 600 * len(path),
            "change_failure_rate": 0.012 if path != "billing" else 0.02,
            "time_to_restore_service": 2900.0,
        }
        projects.append(b.h)
    return History(groups=[top, services], projects=projects)


if __name__ == "__main__":  # a summary of what the history holds, for the grader
    h = build()
    cut = datetime.now(UTC) - timedelta(days=90)

    def inside(r: dict[str, Any], f: str = "updated_at") -> bool:
        return datetime.fromisoformat(r[f].replace("Z", "+00:00")) >= cut

    for p in h.projects:
        print(p.project["path_with_namespace"], p.dora)
        for env in ("staging", "production"):
            deps = [d for d in p.deployments if d["environment"]["name"] == env and inside(d)]
            ok = sum(d["status"] == "success" for d in deps)
            rb = sum(d["deployable"]["name"].startswith("rollback") for d in deps)
            print(f"  {env}: {len(deps)} deployments, {ok} success, {len(deps) - ok} failed, {rb} rollbacks")
        mrs = [m for m in p.merge_requests if inside(m, "merged_at")]
        print(f"  MRs merged: {len(mrs)}, unapproved: {sum(not p.approvals[m['iid']]['approved'] for m in mrs)}")
        for i in p.issues:
            if i["issue_type"] == "incident":
                links = p.issue_links.get(i["iid"], [])
                print(
                    "  ",
                    i["iid"],
                    i["state"],
                    i["labels"],
                    i["author"]["username"],
                    [(x["title"], x["state"]) for x in links],
                    len(p.timelines[i["iid"]]),
                )
