"""The GitLab history of `tallyho`, a 15-person startup (a B2B invoicing web app) whose operations
are run thinly by whoever is around. Written and graded blind (expected.yaml before any rule).

How the team works (what the history shows, relative to "now"):
- One project, `tallyho/app`: a Django monolith with a small React front end built into it,
  shipped as one Docker image and run with docker compose on a single cloud VM (`app-1`);
  PostgreSQL is the provider's managed database. GitLab Free: no approval rules, no protected
  environments, no DORA (those APIs answer 403).
- Every push and merge request runs `build` (docker build and push) and `unit-tests` (pytest, no
  JUnit report). There is no staging environment, no lint, no SAST, no integration tests.
- `deploy-production` is a `when: manual` job on `main`: it SSHes to app-1, pulls the image,
  runs the Django migrations and `docker compose up -d` in one script. The CTO or a senior
  engineer presses it roughly once a week (Tuesdays, sometimes skipped, sometimes twice). Two
  deploys failed (a migration locked a table and the job timed out; the registry was
  unreachable); one release broke invoice PDFs and was rolled back by hand: the CTO re-ran the
  previous week's `deploy-production` job.
- Merge requests: `main` is protected (maintainers push and merge, no force push) but there is
  no required approval on Free; engineers ask for a review in Slack and about half the merge
  requests carry an approval. Six of the fifteen are maintainers and push small fixes directly.
- No GitLab incidents and no issue labelled `incident`: outages are handled in Slack. Issues are
  features and bugs. The wiki has only a "Getting started" page for new developers, no runbooks.
- A Slack integration posts merge request and failed pipeline events to #dev.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.gitlab.history import (
    History,
    Ids,
    ProjectBuilder,
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
variables:
  IMAGE: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA
build:
  stage: build
  image: docker:26
  services: [docker:26-dind]
  script:
    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"
    - docker build -t "$IMAGE" .
    - docker push "$IMAGE"
unit-tests:
  stage: test
  image: python:3.12
  services: [postgres:16]
  variables:
    POSTGRES_PASSWORD: test
    DATABASE_URL: postgres://postgres:test@postgres:5432/postgres
  script:
    - pip install -r requirements-dev.txt
    - pytest -q tests/unit
deploy-production:
  stage: deploy
  image: alpine:3.20
  environment:
    name: production
    url: https://app.tallyho.example
  before_script:
    - apk add --no-cache openssh-client
    - eval $(ssh-agent -s) && echo "$DEPLOY_KEY" | ssh-add -
  script:
    - ssh -o StrictHostKeyChecking=no deploy@app-1.tallyho.example "cd /srv/tallyho && export TAG=$CI_COMMIT_SHORT_SHA && docker compose pull web worker && docker compose run --rm web python manage.py migrate --noinput && docker compose up -d"
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      when: manual
"""

DEVS = ["amir", "bea", "carlos", "dina", "emil", "fatou", "gus", "hana", "ivo"]
MAINTAINERS = ["jess", "kofi", "lena", "marco", "nadia", "omar"]  # jess is the CTO

# GitLab Free: optional approvals only; no severity labels, no postmortems, no canary, no incidents
TEAM = TeamProfile(False, 0.0, 0, 0.5, 0, False, False, (60, 600), (10, 120), False, False, False)


def _settings(b: ProjectBuilder) -> None:
    b.h.ci_yaml = CI
    b.h.protected_branches = [
        {
            "id": 1,
            "name": "main",
            "push_access_levels": [{"id": 1, "access_level": 40, "access_level_description": "Maintainers"}],
            "merge_access_levels": [{"id": 2, "access_level": 40, "access_level_description": "Maintainers"}],
            "allow_force_push": False,
            "unprotect_access_levels": [],
            "code_owner_approval_required": False,
        }
    ]
    b.h.approval_rules = None  # Free tier: 403
    b.h.protected_environments = None  # Free tier: 403
    b.h.dora = None
    b.h.integrations = [
        integration_json(
            "slack", merge_requests_events=True, pipeline_events=True, push_events=False, deployment_events=False
        )
    ]
    b.h.hooks = []
    b.h.issue_templates = []
    b.h.wiki = [wiki_page_json("home", "Getting started")]
    b.h.events = [wiki_event_json(b.now - timedelta(days=300), "updated", "home")]


def _pipeline(b: ProjectBuilder, sha: str, at: datetime, status: str, source: str = "push") -> dict[str, Any]:
    b.pipe_iid += 1
    pipe = {
        "id": b.ids.next("pipeline"),
        "iid": b.pipe_iid,
        "project_id": b.h.project["id"],
        "sha": sha,
        "ref": "main",
        "status": status,
        "source": source,
        "created_at": iso(at),
        "updated_at": iso(at + timedelta(minutes=9)),
        "web_url": f"{b.h.project['web_url']}/-/pipelines/{b.pipe_iid}",
        "name": None,
    }
    b.h.pipelines.append(pipe)
    return pipe


def _as_job(dep: dict[str, Any], who: str, pipe: dict[str, Any]) -> None:
    dep["user"] = user_json(who)
    dep["deployable"]["name"] = "deploy-production"
    dep["deployable"]["user"] = user_json(who)
    dep["deployable"]["pipeline"] = {
        k: pipe[k]
        for k in ("id", "iid", "project_id", "sha", "ref", "status", "source", "created_at", "updated_at", "web_url")
    }


def _deploy(
    b: ProjectBuilder,
    env: dict[str, Any],
    at: datetime,
    sha: str,
    status: str,
    who: str,
    pipe: dict[str, Any],
    title: str,
) -> None:
    dep = b.deploy(env, at, sha, at - timedelta(days=2), status, title)
    b.h.pipelines.pop()  # the deploy job belongs to the commit's main pipeline, not a new one
    b.pipe_iid -= 1
    _as_job(dep, who, pipe)


def _history(b: ProjectBuilder) -> None:
    rng, now = b.rng, b.now
    prod = b.environment("production", "production")
    n = 0
    main: list[tuple[str, dict[str, Any], datetime]] = []  # commits on main with a green pipeline
    running: tuple[str, dict[str, Any]] | None = None
    release = 0
    for day in range(DAYS, -1, -1):
        date = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
        if date.weekday() >= 5:
            continue
        for slot in range(rng.randint(1, 4)):
            at = date + timedelta(hours=9, minutes=slot * 110 + rng.randint(0, 80))
            if at + timedelta(minutes=30) >= now:
                continue
            n += 1
            sha = fake_sha(b.h.project["id"], "change", n)
            if n % 7 == 0:  # a maintainer pushes a small fix straight to main
                pipe = _pipeline(b, sha, at, "failed" if n % 5 == 0 else "success")
            else:
                approved = rng.random() < TEAM.approval_ratio
                area = rng.choice(["invoices", "billing", "auth", "frontend", "api", "exports"])
                b.merge_request(at, sha, approved, f"{area}: change {n}", rng.randint(1, 30))
                mr = b.h.merge_requests[-1]
                mr["author"] = user_json(DEVS[n % len(DEVS)])
                mr["merge_user"] = user_json(MAINTAINERS[n % len(MAINTAINERS)])
                b.h.approvals[mr["iid"]]["approvals_required"] = 0
                if approved:
                    b.h.approvals[mr["iid"]]["approved_by"] = [
                        {"user": user_json(MAINTAINERS[(n + 2) % len(MAINTAINERS)])}
                    ]
                pipe = _pipeline(b, sha, at + timedelta(minutes=1), "failed" if n % 23 == 0 else "success")
            if pipe["status"] == "success":
                main.append((sha, pipe, at))
        # production: Tuesdays, now and then skipped, now and then a second deploy on Thursday
        week = day // 7
        if date.weekday() == 1 and week % 6 != 4:
            pass
        elif date.weekday() == 3 and week % 4 == 1:
            pass
        else:
            continue
        at = date + timedelta(hours=15, minutes=rng.randint(0, 59))
        ready = [m for m in main if m[2] < at - timedelta(minutes=20)]
        if not ready or at + timedelta(hours=2) >= now:
            continue
        release += 1
        sha, pipe, _ = ready[-1]
        who = "jess" if release % 3 else "kofi"
        if release in (4, 11) and running:  # migration lock timeout / registry unreachable
            _deploy(b, prod, at, sha, "failed", who, pipe, "deploy-production")
            _deploy(
                b, prod, at + timedelta(hours=1, minutes=10), sha, "success", who, pipe, "deploy-production (retry)"
            )
            running = (sha, pipe)
            continue
        _deploy(b, prod, at, sha, "success", who, pipe, "deploy-production")
        if release == 8 and running:  # invoice PDFs broke: the CTO re-ran last week's deploy job
            old_sha, old_pipe = running
            _deploy(b, prod, at + timedelta(hours=3, minutes=40), old_sha, "success", "jess", old_pipe, "re-deploy")
            continue
        running = (sha, pipe)


def _work_items(b: ProjectBuilder) -> None:
    for d in range(3, 95, 4):
        b.work_item(b.now - timedelta(days=d), f"Feature {d}", ["feature"])
    for d in range(1, 95, 6):
        b.work_item(b.now - timedelta(days=d), f"Bug {d}", ["bug"])
    for d in (12, 40, 71):  # customer-reported breakages, filed after the fact as bugs
        b.work_item(b.now - timedelta(days=d), f"Customers could not download invoice PDFs ({d})", ["bug", "customer"])


def build(now: datetime | None = None, *, seed: int = 20261203) -> History:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ids = Ids()
    rng = random.Random(seed)
    top = group_json(ids, "tallyho", None)
    b = ProjectBuilder(ids, rng, now, top, "app", TEAM)
    _settings(b)
    _history(b)
    _work_items(b)
    return History(groups=[top], projects=[b.h])


if __name__ == "__main__":  # a summary for the grader
    h = build()
    p = h.projects[0]
    cut = datetime.now(UTC) - timedelta(days=90)

    def inside(r: dict[str, Any], f: str = "updated_at") -> bool:
        return datetime.fromisoformat(r[f].replace("Z", "+00:00")) >= cut

    deps = [d for d in p.deployments if inside(d)]
    print(
        f"production: {len(deps)} deployments, {sum(d['status'] == 'success' for d in deps)} success,",
        f"{sum(d['status'] == 'failed' for d in deps)} failed, versions {len({d['sha'] for d in deps})}",
    )
    for d in deps:
        print(" ", d["updated_at"][:16], d["status"], d["sha"][:8], d["user"]["username"])
    mrs = [m for m in p.merge_requests if inside(m, "merged_at")]
    print(f"MRs merged: {len(mrs)}, approved: {sum(p.approvals[m['iid']]['approved'] for m in mrs)}")
    pipes = [x for x in p.pipelines if inside(x)]
    print(f"pipelines: {len(pipes)}, failed: {sum(x['status'] == 'failed' for x in pipes)}")
