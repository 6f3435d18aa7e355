"""Incident timelines (GraphQL) against the loopback GitLab: the wire format, the bounded sample,
failures (429 + Retry-After, errors, hidden projects) and the figures the rules read."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from probes.gitlab import GitLabConfig, GitLabProbe
from probes.gitlab.timeline import TIMELINE_QUERY
from sandbox.gitlab import Fault, GitLabAPI, History, build_history
from scanner.evidence import Evidence
from scanner.probe import ProbeContext

TOKEN = "glpat-TIMELINEtokenTIMELINE"
ENV = "MATURITY_TEST_GITLAB_TIMELINE_TOKEN"


@pytest.fixture(scope="module")
def history() -> History:
    return build_history()


@pytest.fixture(scope="module")
def server(history: History) -> Iterator[GitLabAPI]:
    api = GitLabAPI(history, token=TOKEN)
    api.start()
    yield api
    api.stop()


def scan(
    server: GitLabAPI, *, keep_faults: bool = False, **extra: Any
) -> tuple[dict[str, dict[str, Any]], ProbeContext]:
    """The incident_stats per project of one collection (faults injected before it kept on request)."""
    if not keep_faults:
        server.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV, TOKEN)
        cfg = GitLabConfig(
            name="gl", probe="gitlab", url=server.url, token_env=ENV, groups=["acme"], retries=2, **extra
        )
        ctx = ProbeContext(source="gl", deadline=time.monotonic() + 60, log=logging.getLogger("test.gitlab"))
        ev: list[Evidence] = list(GitLabProbe().collect(cfg, ctx))
    return {e.subject: dict(e.data) for e in ev if e.kind == "gitlab.incident_stats"}, ctx


def post(server: GitLabAPI, body: Any, token: str = TOKEN) -> requests.Response:
    return requests.post(f"{server.url}/api/graphql", json=body, headers={"PRIVATE-TOKEN": token}, timeout=10)


def test_fake_speaks_graphql(server: GitLabAPI, history: History) -> None:
    p = history.project("acme/web/storefront")
    assert p is not None
    issue = next(i for i in p.issues if i["issue_type"] == "incident")
    gid = f"gid://gitlab/Issue/{issue['id']}"
    ok = post(server, {"query": TIMELINE_QUERY, "variables": {"fullPath": "acme/web/storefront", "incidentId": gid}})
    nodes = ok.json()["data"]["project"]["incidentManagementTimelineEvents"]["nodes"]
    assert ok.status_code == 200 and len(nodes) >= 4
    assert {t["name"] for n in nodes for t in n["timelineEventTags"]["nodes"]} >= {
        "Cause identified",
        "Impact detected",
    }
    hidden = post(server, {"query": TIMELINE_QUERY, "variables": {"fullPath": "nope/x", "incidentId": gid}})
    assert hidden.json() == {"data": {"project": None}}
    mutation = post(server, {"query": "mutation { timelineEventCreate(input: {}) { errors } }"})
    assert mutation.status_code == 200 and "errors" in mutation.json()
    assert post(server, {"query": TIMELINE_QUERY}, token="wrong").status_code == 401
    assert requests.post(f"{server.url}/api/v4/projects", timeout=10).status_code == 405  # REST stays read-only


def test_timeline_figures_per_team(server: GitLabAPI) -> None:
    stats, ctx = scan(server)
    assert not ctx.failures
    web = stats["acme/web/storefront"]["timeline"]
    assert web["readable"] and web["sampled"] == web["measured"] == stats["acme/web/storefront"]["response_sample"]
    # Responders answer in 1-2 minutes and tag the cause 2.5 minutes later.
    assert 3.5 <= web["cause_and_response_minutes"]["median"] <= 4.5
    ledger = stats["acme/ledger/core"]["timeline"]
    assert ledger["cause_and_response_minutes"]["median"] > 60
    calls = [r for r in server.requests if r.path == "/api/graphql"]
    assert calls and all(r.method == "POST" and r.status == 200 for r in calls)
    assert len(calls) == sum(s["timeline"]["sampled"] for s in stats.values())  # one query per sampled incident


def test_sample_bound_and_switch(server: GitLabAPI) -> None:
    stats, _ = scan(server, incident_note_sample=2)
    assert max(s["timeline"]["sampled"] for s in stats.values()) == 2
    stats, _ = scan(server, incident_timelines=False)
    assert not any(r.path == "/api/graphql" for r in server.requests)
    assert all(s["timeline"]["sampled"] == 0 and s["timeline"]["note"] for s in stats.values())


def test_rate_limit_is_retried(server: GitLabAPI) -> None:
    server.clear()
    server.inject(Fault(r"^/graphql$", 429, times=1, retry_after=0))
    stats, ctx = scan(server, keep_faults=True)
    assert not ctx.failures
    assert any(r.path == "/api/graphql" and r.status == 429 for r in server.requests)
    assert stats["acme/web/storefront"]["timeline"]["measured"] > 0


def test_graphql_errors_drop_the_timelines_not_the_kind(server: GitLabAPI) -> None:
    server.clear()
    server.inject(Fault(r"^/graphql$", 200, times=1000, body={"errors": [{"message": "Internal server error"}]}))
    stats, ctx = scan(server, keep_faults=True)
    server.clear()
    assert not ctx.failures  # the incident figures stand; only the timeline is unknown
    web = stats["acme/web/storefront"]
    assert web["incidents"] > 0 and web["timeline"]["readable"] is False
    assert web["timeline"]["measured"] == 0 and "Internal server error" in web["timeline"]["note"]
    assert json.dumps(web).count("glpat") == 0
