"""The two sandbox teams and how their projects fill with history: `acme/web` (daily, canary,
protected, graded incidents) and `acme/ledger` (monthly by hand, few approvals, slow restores)."""

from __future__ import annotations

from datetime import timedelta

from sandbox.gitlab.builder import ProjectBuilder
from sandbox.gitlab.model import TeamProfile
from sandbox.gitlab.records import fake_sha, hook_json, integration_json, wiki_event_json, wiki_page_json

__all__ = ["LEDGER", "LIB_CI", "WEB", "ledger_project", "web_project"]

HISTORY_DAYS = 110  # longer than the default 90-day window, so the window really cuts

WEB = TeamProfile(True, 0.03, 40, 0.97, 6, True, True, (6, 45), (1, 2), True, True, True, 2.5, follow_ups=True)
LEDGER = TeamProfile(False, 0.0, 0, 0.3, 4, False, False, (8 * 60, 60 * 60), (45, 180), False, False, False, 60)

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


def web_project(b: ProjectBuilder, prod_name: str) -> None:
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
            sha = fake_sha(b.h.project["id"], deploys)
            commit_at = at - timedelta(hours=rng.uniform(0.7, 5))
            b.deploy(staging, at - timedelta(minutes=30), sha, commit_at, "success", f"Change {deploys}")
            for k in range(rng.randint(1, 2)):
                b.merge_request(
                    commit_at - timedelta(minutes=5 * k),
                    sha if k == 0 else fake_sha(sha, k),
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
                fake_sha(b.h.project["id"], deploys),
                "## Changes\n- weekly summary",
            )
    for i in range(team.incidents):
        at = now - timedelta(days=3 + i * 13, hours=rng.randint(0, 8))
        restore, respond = rng.uniform(*team.restore_minutes), rng.uniform(*team.response_minutes)
        b.incident(at, restore, respond, str(1 + i % 4), team.postmortems, cause_min=_cause(team, respond))
    b.h.integrations = [integration_json("slack", deployment_events=True, pipeline_events=False)]
    b.h.hooks = [hook_json(deployment_events=True), hook_json(deployment_events=False)]
    b.h.issue_templates = ["Bug", "Change request", "Exception request"]
    b.h.files = {
        ".gitlab/CODEOWNERS": "# Owners by area: the platform team reviews deployment, SRE the alerts\n"
        "* @acme/web\n/deploy/ @acme/platform\n/monitoring/ @acme/sre @oncall-lead\n",
    }
    b.h.wiki = [
        wiki_page_json("home"),
        wiki_page_json("runbooks/checkout-errors", "Runbook: checkout errors"),
        wiki_page_json("playbooks/failed-deployment", "Playbook: failed deployment"),
        wiki_page_json("postmortems/2026-payment-outage", "Postmortem: payment outage"),
        wiki_page_json("postmortems/2026-cdn-cache-purge", "Postmortem: CDN cache purge"),
    ]
    # Feature work every 5 days, tech debt every 15 (a slice of each 30-day period).
    for d in range(2, 88, 5):
        b.work_item(now - timedelta(days=d), f"Feature {d}", ["feature", "frontend"])
    for d in range(4, 88, 15):
        b.work_item(now - timedelta(days=d), f"Pay down debt {d}", ["type::tech-debt"])
    b.h.events = [
        wiki_event_json(now - timedelta(days=d), action, slug)
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


def ledger_project(b: ProjectBuilder) -> None:
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
        sha = fake_sha(b.h.project["id"], "rel", days_ago)
        if kind == "failed":
            sha = fake_sha(b.h.project["id"], "rel", days_ago - 1)
        commit_at = at - timedelta(days=rng.uniform(5, 20))
        b.deploy(live, at, sha, commit_at, kind, f"Release {n}")
        if kind == "success":
            previous, good = good, sha
            for k in range(8):
                b.merge_request(
                    commit_at - timedelta(days=k * 3),
                    sha if k == 0 else fake_sha(sha, k),
                    rng.random() < team.approval_ratio,
                    f"Feature {n}.{k}",
                    files=rng.randint(30, 1200),
                )
            b.release(at, f"1.{n}.0", sha, "")
    for i in range(team.incidents):
        at = now - timedelta(days=6 + i * 19, hours=rng.randint(0, 8))
        restore, respond = rng.uniform(*team.restore_minutes), rng.uniform(*team.response_minutes)
        b.incident(at, restore, respond, None, False, author="ops-lead", cause_min=_cause(team, respond))
    # Bugs only, and one refactoring two months ago: the label exists, the time for it does not.
    for d in range(3, 88, 9):
        b.work_item(now - timedelta(days=d), f"Bug {d}", ["bug"])
    b.work_item(now - timedelta(days=61), "Refactor posting engine", ["refactoring"])
    b.h.project.update(wiki_enabled=False, wiki_access_level="disabled")
    b.h.integrations = None  # a Reporter token: GitLab answers 403
    b.h.hooks = None


def _cause(team: TeamProfile, respond: float) -> float | None:
    """When responders tag "Cause identified", minutes after the incident opened (None: untagged)."""
    extra = team.cause_after_response_minutes
    return None if extra is None else respond + extra
