"""CI facts that tell a GitOps application project (builds an image, hands it to a GitOps
repository) from one that only builds images or only validates manifests."""

from __future__ import annotations

from probes.gitlab.ci import ci_facts


def _prod(env: str, tier: str | None) -> bool:
    return env == "production" or tier == "production"


APP = """\
stages: [test, publish, promote]
unit-tests:
  stage: test
  script: [go test ./...]
publish-image:
  stage: publish
  image: gcr.io/kaniko-project/executor:debug
  script: [/kaniko/executor --destination "$IMAGE"]
bump:
  stage: promote
  script:
    - cd manifests && kustomize edit set image app="$IMAGE"
    - git commit -am "bump app" && git push origin main
"""

TOOL_IMAGE = """\
build:
  stage: build
  script: [docker build -t $CI_REGISTRY_IMAGE . , docker push $CI_REGISTRY_IMAGE]
validate-gitops-docs:
  stage: test
  script: [markdownlint docs/gitops.md]
"""


def test_image_edit_pushed_to_a_manifest_repository_is_a_gitops_handoff() -> None:
    f = ci_facts(APP, _prod)
    assert f["image_build_jobs"] == ["publish-image"]
    assert f["gitops_handoff_jobs"] == ["bump"]
    assert f["production_deploy_jobs"] == []


def test_building_an_image_and_mentioning_gitops_is_not_a_handoff() -> None:
    f = ci_facts(TOOL_IMAGE, _prod)
    assert f["image_build_jobs"] == ["build"]
    assert f["gitops_handoff_jobs"] == []


def test_auto_devops_build_template_counts_as_an_image_build() -> None:
    f = ci_facts("include:\n  - template: Auto-DevOps.gitlab-ci.yml\n", _prod)
    assert f["image_build_jobs"] == ["template:Auto-DevOps.gitlab-ci.yml"]


ROLLBACK_IN_RULES = """\
stages: [production, verify]
deploy-production:
  stage: production
  script: [helm upgrade --install app chart/]
  environment: {name: production, deployment_tier: production}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
smoke-production:
  stage: verify
  needs: [deploy-production]
  script: [./smoke.sh]
rollback-production:
  stage: verify
  script: [helm rollback app 0 --wait]
  environment: {name: production, action: start}
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: on_failure
"""


def test_on_failure_given_in_rules_is_an_automatic_rollback() -> None:
    # a job with `rules:` must say `when:` inside them (GitLab rejects a job-level `when` beside rules)
    f = ci_facts(ROLLBACK_IN_RULES, _prod)
    assert f["rollback_jobs"] == ["rollback-production"]
    assert f["automatic_rollback"] is True
    assert f["post_deploy_test_jobs"] == ["smoke-production"]


MIGRATE_PREPARE = """\
stages: [production]
db-migrate-production:
  stage: production
  script: [migrate -path db/migrations -database "$DATABASE_URL" up]
  environment: {name: production, action: prepare}
deploy-production:
  stage: production
  needs: [db-migrate-production]
  script: [helm upgrade --install app chart/]
  environment: {name: production, deployment_tier: production}
"""


def test_a_migration_job_that_prepares_the_environment_is_a_migration_job() -> None:
    # `action: prepare` does not deploy, but the job still runs the migration
    f = ci_facts(MIGRATE_PREPARE, _prod)
    assert f["production_deploy_jobs"] == ["deploy-production"]
    assert f["migration_jobs"] == ["db-migrate-production"]
    assert f["migration_in_deploy_jobs"] == []
