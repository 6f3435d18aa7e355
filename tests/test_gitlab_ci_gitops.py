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
