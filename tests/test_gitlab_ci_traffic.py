"""CI facts: which production jobs shift part of the traffic (a canary or blue-green stage), for
gitlab.deployments.traffic-switching and gitlab.deployments.release-impact-contained."""

from __future__ import annotations

from probes.gitlab.ci import ci_facts


def _prod(env: str, tier: str | None) -> bool:
    return env == "production" or tier == "production"


CANARY_PREPARE = """\
stages: [production, verify]
deploy-canary:
  stage: production
  script:
    - helm upgrade --install app-canary chart --set canary.weight=10 --wait
  environment: {name: production, action: prepare}
deploy-production:
  stage: production
  needs: [deploy-canary]
  script:
    - helm upgrade --install app chart --set canary.weight=0 --wait
  environment: {name: production}
rollback-production:
  stage: verify
  script: [helm rollback app 0]
  environment: {name: production, action: start}
  rules:
    - when: on_failure
"""

CANARY_OFF = """\
deploy-production:
  script:
    - helm upgrade --install app chart --set canary.weight=0 --set canary.enabled=false
  environment: {name: production}
"""

SCRIPT_CANARY = """\
deploy-production:
  script: [./deploy.sh production --canary 10%]
  environment: {name: production, deployment_tier: production}
"""

BLUE_GREEN_STAGING = """\
deploy-staging:
  script: [./switch.sh blue-green]
  environment: {name: staging}
deploy-production:
  script: [./deploy.sh]
  environment: {name: production}
"""


def test_a_canary_job_preparing_production_shifts_traffic() -> None:
    facts = ci_facts(CANARY_PREPARE, _prod)
    assert facts["traffic_switch_jobs"] == ["deploy-canary"]
    assert facts["automatic_rollback"] is True


def test_a_canary_switched_off_is_not_one() -> None:
    assert ci_facts(CANARY_OFF, _prod)["traffic_switch_jobs"] == []


def test_a_script_enabling_a_canary_is_one() -> None:
    assert ci_facts(SCRIPT_CANARY, _prod)["traffic_switch_jobs"] == ["deploy-production"]


def test_only_production_jobs_count() -> None:
    assert ci_facts(BLUE_GREEN_STAGING, _prod)["traffic_switch_jobs"] == []


def test_auto_devops_canary() -> None:
    text = 'include: [{template: Auto-DevOps.gitlab-ci.yml}]\nvariables: {CANARY_ENABLED: "true"}\n'
    assert ci_facts(text, _prod)["traffic_switch_jobs"] == ["canary (Auto DevOps)"]
