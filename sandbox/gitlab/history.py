"""A deterministic GitLab history, relative to "now", in the REST API v4's own JSON shapes.

Two teams under one top-level group `acme`:
- `acme/web` deploys several times every working day, with canary rollouts, protected and
  approved production, reviewed merge requests, graded incidents with postmortems, minutes to
  restore (what a release manager calls "on demand");
- `acme/ledger` deploys once a month by hand, with a failed and a rolled-back release, few
  approvals, ungraded incidents without postmortems, days to restore.
The loopback server (`sandbox.gitlab.api`) serves it; tests build it with a fixed `now`.

The work is split by responsibility: sandbox.gitlab.model (the served shapes), sandbox.gitlab.records
(single API records), sandbox.gitlab.builder (one project's events), sandbox.gitlab.teams (the two
teams); this module assembles them and re-exports what callers import from it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sandbox.gitlab.builder import ProjectBuilder
from sandbox.gitlab.model import History, ProjectHistory, TeamProfile, iso
from sandbox.gitlab.records import Ids, fake_sha, group_json, user_json
from sandbox.gitlab.teams import LEDGER, LIB_CI, WEB, ledger_project, web_project

# The building blocks are public too: estates of their own (tests/estates/gitlab-argocd/history.py)
# are assembled from them the way build_history assembles the sandbox's.
__all__ = [
    "History",
    "Ids",
    "ProjectBuilder",
    "ProjectHistory",
    "TeamProfile",
    "build_history",
    "fake_sha",
    "group_json",
    "iso",
    "user_json",
]


def build_history(now: datetime | None = None, *, seed: int = 1756) -> History:
    """The sandbox history; the same `now` and `seed` always give the same history."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ids = Ids()
    rng = random.Random(seed)  # noqa: S311 - sandbox data, not security
    acme = group_json(ids, "acme", None)
    web = group_json(ids, "web", acme)
    ledger = group_json(ids, "ledger", acme)
    projects: list[ProjectHistory] = []
    for path, prod in (("storefront", "production"), ("api", "prod")):
        b = ProjectBuilder(ids, rng, now, web, path, WEB)
        web_project(b, prod)
        projects.append(b.h)
    lib = ProjectBuilder(ids, rng, now, web, "ui-kit", None)
    lib.h.ci_yaml = LIB_CI
    lib.h.protected_branches = []
    lib.h.approval_rules = []
    lib.h.protected_environments = []
    lib.h.integrations = []
    lib.h.hooks = []
    projects.append(lib.h)
    b = ProjectBuilder(ids, rng, now, ledger, "core", LEDGER)
    ledger_project(b)
    projects.append(b.h)
    return History(groups=[acme, web, ledger], projects=projects)
