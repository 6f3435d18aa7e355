"""Issues linked from incidents (issue links API) against the loopback GitLab: the wire format,
the bounded sample, refusals (403 leaves the figure null, never zero) and the rule reading it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from probes.gitlab import GitLabConfig, GitLabProbe
from sandbox.gitlab import Fault, GitLabAPI, History, build_history
from scanner.evidence import Evidence
from scanner.probe import ProbeContext
from tests.ruletable import evaluate

TOKEN = "glpat-FOLLOWUPStokenFOLLOWUPS"
ENV = "MATURITY_TEST_GITLAB_FOLLOWUPS_TOKEN"


@pytest.fixture(scope="module")
def history() -> History:
    return build_history()


@pytest.fixture(scope="module")
def server(history: History) -> Iterator[GitLabAPI]:
    api = GitLabAPI(history, token=TOKEN)
    api.start()
    yield api
    api.stop()


def scan(server: GitLabAPI, **extra: Any) -> tuple[list[Evidence], ProbeContext]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV, TOKEN)
        cfg = GitLabConfig(
            name="gl", probe="gitlab", url=server.url, token_env=ENV, groups=["acme"], retries=0, **extra
        )
        ctx = ProbeContext(source="gl", deadline=time.monotonic() + 60, log=logging.getLogger("test.gitlab"))
        return list(GitLabProbe().collect(cfg, ctx)), ctx


def stats(ev: list[Evidence]) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in ev if e.kind == "gitlab.incident_stats"}


def rows(ev: list[Evidence]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.kind, e.subject, dict(e.data)) for e in ev if e.kind == "gitlab.incident_stats"]


def test_fake_answers_the_documented_wire_format(server: GitLabAPI, history: History) -> None:
    web = next(p for p in history.projects if p.project["path_with_namespace"] == "acme/web/storefront")
    iid = next(iter(web.issue_links))
    url = f"{server.url}/api/v4/projects/{web.project['id']}/issues/{iid}/links"
    rows = requests.get(url, headers={"PRIVATE-TOKEN": TOKEN}, timeout=10).json()
    assert isinstance(rows, list) and rows
    for key in ("id", "iid", "issue_link_id", "project_id", "state", "labels", "due_date", "link_type"):
        assert key in rows[0], key
    assert rows[0]["link_type"] in ("relates_to", "blocks", "is_blocked_by")
    missing = requests.get(
        url.rsplit("/issues/", 1)[0] + "/issues/999999/links", headers={"PRIVATE-TOKEN": TOKEN}, timeout=10
    )
    assert missing.status_code == 404


def test_follow_ups_per_team_and_sample_bound(server: GitLabAPI) -> None:
    server.clear()
    ev, ctx = scan(server)
    assert not ctx.failures
    by = stats(ev)
    web, ledger = by["acme/web/storefront"]["follow_ups"], by["acme/ledger/core"]["follow_ups"]
    assert web["readable"] and web["sampled"] == by["acme/web/storefront"]["response_sample"]
    assert web["with_follow_up"] >= 2 and web["follow_up_issues"] >= web["with_follow_up"]
    assert 2 <= web["architecture_follow_ups"] < web["follow_up_issues"]  # type::architecture on some
    assert web["with_architecture_follow_up"] >= 2 and web["follow_ups_closed"] >= 1
    assert evaluate("gitlab.incidents.architecture-follow-ups", rows(ev)).status == "met"
    assert ledger["readable"] and ledger["with_follow_up"] == 0  # no postmortems, no corrective actions
    links = [r for r in server.requests if r.path.endswith("/links")]
    assert len(links) == sum(s["follow_ups"]["sampled"] for s in by.values())  # one call per sampled incident
    assert evaluate("gitlab.incidents.follow-ups-tracked", rows(ev)).status == "met"
    ev, _ = scan(server, incident_note_sample=1)
    assert max(s["follow_ups"]["sampled"] for s in stats(ev).values()) == 1


def test_refused_links_are_null_not_zero(server: GitLabAPI) -> None:
    server.clear()
    server.inject(Fault(r"/issues/\d+/links$", 403, times=1000))
    ev, ctx = scan(server)
    server.clear()
    # the incident figures stand; only the follow-ups (and the source-wide postmortem sum) are unknown
    assert set(ctx.failures) == {"gitlab.incident_feedback"}
    web = stats(ev)["acme/web/storefront"]
    assert web["incidents"] > 0
    assert web["follow_ups"]["readable"] is False and web["follow_ups"]["with_follow_up"] is None
    assert (
        web["follow_ups"]["architecture_follow_ups"] is None
        and web["follow_ups"]["with_architecture_follow_up"] is None
    )
    assert "403" in web["follow_ups"]["note"]
    result = evaluate("gitlab.incidents.follow-ups-tracked", rows(ev))
    assert result.status == "unknown"


def test_only_issues_opened_after_the_incident_and_typed_count() -> None:
    """A linked issue older than the incident (the change that caused it, a known bug), one with no
    type (an older GitLab: it may be an incident) and a linked incident are not follow-ups."""
    from types import SimpleNamespace

    from probes.gitlab.activity import _follow_ups

    links = {
        1: [
            {"type": "ISSUE", "created_at": "2026-11-01T09:00:00Z", "state": "closed", "labels": ["architecture"]},
            {"type": "INCIDENT", "created_at": "2026-11-02T09:00:00Z", "state": "closed", "labels": []},
            {"created_at": "2026-11-02T09:00:00Z", "state": "closed", "labels": ["architecture"]},
        ],
        2: [
            {
                "type": "ISSUE",
                "created_at": "2026-11-03T10:00:00Z",
                "state": "closed",
                "labels": ["type::architecture"],
            },
            {"type": "TASK", "created_at": "2026-11-04T10:00:00Z", "state": "opened", "labels": ["architecture"]},
        ],
    }
    api = SimpleNamespace(first_page=lambda path, params: links[int(path.split("/")[-2])])
    c = SimpleNamespace(
        api=api, base="/projects/7", cfg=GitLabConfig(name="gl", probe="gitlab", url="https://g.example")
    )
    sample = [{"iid": 1, "created_at": "2026-11-02T08:00:00Z"}, {"iid": 2, "created_at": "2026-11-03T08:00:00Z"}]
    got = _follow_ups(c, sample)  # type: ignore[arg-type]
    assert (got["sampled"], got["with_follow_up"], got["follow_up_issues"], got["follow_ups_closed"]) == (2, 1, 2, 1)
    assert (got["architecture_follow_ups"], got["with_architecture_follow_up"]) == (2, 1)


def test_a_lower_tier_dora_refusal_leaves_the_restore_time_unknown(server: GitLabAPI) -> None:
    """GitLab below Ultimate answers the DORA API 401 "You do not have permission to access dora
    metrics." (CE: 404): no figure, never zero, and the scan is not failed."""
    server.clear()
    body = {"message": "You do not have permission to access dora metrics."}
    server.inject(Fault(r"/dora/metrics$", 401, times=1000, body=body))
    ev, ctx = scan(server)
    server.clear()
    assert not ctx.failures
    dora = [dict(e.data) for e in ev if e.kind == "gitlab.dora"]
    assert dora and all(d["gitlab_api"]["available"] is False and "metrics" not in d["gitlab_api"] for d in dora)
    assert all("Ultimate" in d["gitlab_api"]["reason"] for d in dora)
    got = evaluate(
        "gitlab.incidents.platform-measures", [(e.kind, e.subject, dict(e.data)) for e in ev if e.kind == "gitlab.dora"]
    )
    assert got.status == "unknown"
