"""The gitlab probe against the loopback GitLab API: facts, pagination, budget, faults."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probes.gitlab import KINDS, GitLabConfig, GitLabProbe
from probes.gitlab.stats import finished_deployments
from probes.gitlab.window import Window, parse_time
from sandbox.gitlab import Fault, GitLabAPI, History, ProjectHistory, build_history
from scanner.evidence import Evidence
from scanner.pipeline import load_inputs, scan
from scanner.probe import CollectError, ProbeContext, SourceFailure

TOKEN = "glpat-TESTtokenTESTtokenTEST"
ENV = "MATURITY_TEST_GITLAB_TOKEN"


@pytest.fixture(scope="module")
def history() -> History:
    return build_history()


@pytest.fixture(scope="module")
def server(history: History) -> Iterator[GitLabAPI]:
    api = GitLabAPI(history, token=TOKEN)
    api.start()
    yield api
    api.stop()


@pytest.fixture
def api(server: GitLabAPI, monkeypatch: pytest.MonkeyPatch) -> GitLabAPI:
    server.clear()
    monkeypatch.setenv(ENV, TOKEN)
    return server


def cfg(api: GitLabAPI, **kw: Any) -> GitLabConfig:
    base: dict[str, Any] = {
        "name": "gl",
        "probe": "gitlab",
        "url": api.url,
        "token_env": ENV,
        "groups": ["acme"],
        "retries": 2,
    }
    base.update(kw)
    return GitLabConfig(**base)


def run(config: GitLabConfig, timeout: float = 60) -> tuple[list[Evidence], ProbeContext]:
    ctx = ProbeContext(source=config.name, deadline=time.monotonic() + timeout, log=logging.getLogger("test.gitlab"))
    return list(GitLabProbe().collect(config, ctx)), ctx


def by(evidence: list[Evidence], kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in evidence if e.kind == kind}


@pytest.fixture(scope="module")
def full_scan(server: GitLabAPI) -> tuple[list[Evidence], ProbeContext, list[Any]]:
    """One scan of the whole estate, shared by the tests that only read its results."""
    server.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV, TOKEN)
        ev, ctx = run(cfg(server))
    return ev, ctx, list(server.requests)


def test_collects_every_kind_with_facts_matching_the_history(full_scan: Any, history: History, api: GitLabAPI) -> None:
    ev, ctx, _ = full_scan
    assert not ctx.failures and not ctx.warnings
    assert {e.kind for e in ev} == set(KINDS)
    deps = by(ev, "gitlab.deployment_stats")
    assert set(deps) == {"acme/web/storefront:production", "acme/web/api:prod", "acme/ledger/core:live"}
    # Recount from the fixture with the window the evidence states.
    d = deps["acme/web/storefront:production"]
    w = Window(parse_time(d["window"]["start"]), parse_time(d["window"]["end"]))  # type: ignore[arg-type]
    src = [x for x in history.project("acme/web/storefront").deployments if x["environment"]["name"] == "production"]  # type: ignore[union-attr]
    done = finished_deployments(src, w)
    assert d["successful"] == sum(1 for x in done if x["status"] == "success") and d["failed"] == sum(
        1 for x in done if x["status"] == "failed"
    )
    assert d["per_working_day"] >= 3 and d["rollbacks"] >= 1 and 0.9 < d["success_rate"] < 1
    ledger = deps["acme/ledger/core:live"]
    assert (
        ledger["per_week"] < 1 <= ledger["per_month"]
        and ledger["rollbacks"] == 1
        and ledger["version_success_rate"] < 0.9
    )
    # Raw deployments stay out of evidence: at most a few sample ids.
    assert len(d["sample_ids"]) <= 5 and not re.search(r"\b[0-9a-f]{40}\b", json.dumps([e.data for e in ev]))
    proj = by(ev, "gitlab.project")
    assert proj["acme/web/api"]["ci"]["rollout_strategies"] == ["canary", "incremental"]
    assert (
        proj["acme/ledger/core"]["ci"]["manual_production_gate"] is True
        and proj["acme/ledger/core"]["ci"]["test_jobs"] == []
    )
    assert proj["acme/web/ui-kit"]["production_environments"] == []
    envs = by(ev, "gitlab.environment")
    assert (
        envs["acme/web/storefront:production"]["protected"] is True
        and envs["acme/web/storefront:production"]["required_approvals"] == 2
    )
    assert (
        envs["acme/ledger/core:live"]["protected"] is False
        and envs["acme/web/storefront:staging"]["production"] is False
    )
    inc = by(ev, "gitlab.incident_stats")
    assert inc["acme/web/api"]["severity_coverage"] == 1.0 and inc["acme/ledger/core"]["postmortem_coverage"] == 0.0
    assert inc["acme/ledger/core"]["time_to_restore_minutes"]["median"] > 8 * 60
    mr = by(ev, "gitlab.merge_request_stats")
    assert mr["acme/web/api"]["approval_sample"] == 20 and mr["acme/web/api"]["approval_coverage"] >= 0.9
    assert mr["acme/web/ui-kit"]["lead_time_merge_to_deploy_hours"]["n"] == 0  # no production: no lead time
    dora = by(ev, "gitlab.dora")
    assert set(dora) == {"acme/web/storefront", "acme/web/api", "acme/ledger/core"}  # only projects with production
    web = dora["acme/web/api"]
    assert web["deployment_frequency"]["deployments"] == deps["acme/web/api:prod"]["successful"]
    assert web["lead_time_for_changes_hours"]["n"] > 0 and "method" in web["change_failure_rate"]
    assert web["change_failure_rate"]["parameters"] == {
        "failure_window_hours": 24.0,
        "hotfix_pattern": cfg(api).hotfix_pattern,
    }
    assert web["gitlab_api"]["available"] is True and web["gitlab_api"]["metrics"]["change_failure_rate"] == 0.02
    rel = by(ev, "gitlab.release")
    assert rel["acme/web/api"]["releases"] >= 10 and rel["acme/ledger/core"]["with_notes"] == 0


def test_token_never_leaves_the_probe(full_scan: Any) -> None:
    ev, ctx, requests = full_scan
    blob = json.dumps([e.to_json() for e in ev]) + repr(ctx.failures) + repr(ctx.warnings)
    assert TOKEN not in blob and "PRIVATE-TOKEN" not in blob
    assert {r.auth for r in requests} == {"private-token"}


def test_pagination_to_the_end_gives_the_same_facts(api: GitLabAPI) -> None:
    big, _ = run(cfg(api, groups=["acme/web"], per_page=100))
    api.clear()
    small, _ = run(cfg(api, groups=["acme/web"], per_page=30))
    pages = [r for r in api.requests if r.path.endswith("/deployments")]
    assert max(int(r.query.get("page", ["1"])[0]) for r in pages) >= 5

    def strip(ev: list[Evidence]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(e.kind, e.subject): {k: v for k, v in e.data.items() if k != "window"} for e in ev}

    a, b = strip(big), strip(small)
    for key in a:
        if key[0] != "gitlab.dora":  # DORA windows differ by the seconds between the two scans
            assert a[key] == b[key], key


def test_request_budget_has_no_call_per_deployment(full_scan: Any) -> None:
    ev, ctx, requests = full_scan
    assert ctx.requests == len(requests)  # every HTTP request is counted
    paths = [r.path for r in requests]
    assert not any("/deployments/" in p or "/pipelines/" in p for p in paths)
    deployments = sum(d["deployments"] for d in by(ev, "gitlab.deployment_stats").values())
    assert deployments > 500
    # Settings + lists + bounded samples per project; pages grow with history/100, not with it.
    approvals = sum(1 for p in paths if p.endswith("/approvals"))
    notes = sum(1 for p in paths if p.endswith("/notes"))
    sizes = sum(1 for p in paths if re.search(r"/merge_requests/\d+$", p))  # changes_count of the same sample
    timelines = sum(1 for p in paths if p == "/api/graphql")  # one query per incident of the notes sample
    links = sum(1 for p in paths if p.endswith("/links"))  # one page of issue links, same sample
    assert approvals <= 20 * 4 and notes <= 20 * 4 and sizes == approvals and timelines == notes == links
    # About 20 fixed calls per project (settings, links, lists, DORA) plus list pages.
    projects = len(by(ev, "gitlab.project"))
    assert len(paths) - approvals - notes - sizes - timelines - links < 30 * projects


def test_keyset_pagination_when_no_group_is_given(history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    # Bare copies of five projects: only the listing is under test, so keep the rest tiny.
    bare = History(
        history.groups,
        [
            ProjectHistory(
                project={**p.project, "id": 500 + i, "path_with_namespace": f"acme/p{i}"},
                protected_environments=[],
                approval_rules=[],
            )
            for i, p in enumerate(history.projects + history.projects[:1])
        ],
    )
    small = GitLabAPI(bare, token=TOKEN)
    small.start()
    try:
        monkeypatch.setenv(ENV, TOKEN)
        ev, ctx = run(cfg(small, groups=[], per_page=2))
    finally:
        small.stop()
    listing = [r for r in small.requests if r.path == "/api/v4/projects"]
    assert len(listing) == 3 and all(
        r.query["pagination"] == ["keyset"] and r.query["order_by"] == ["id"] for r in listing
    )
    assert listing[1].query["id_after"] == ["501"] and listing[2].query["id_after"] == ["503"]
    assert len(by(ev, "gitlab.project")) == 5 and not ctx.failures


def test_explicit_projects_and_subgroup_switch(api: GitLabAPI) -> None:
    ev, _ = run(cfg(api, groups=["acme"], include_subgroups=False, projects=["acme/ledger/core"]))
    assert set(by(ev, "gitlab.project")) == {"acme/ledger/core"}
    assert any(r.query.get("include_subgroups") == ["false"] for r in api.requests)


def test_job_token(api: GitLabAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_JOB_TOKEN", TOKEN)
    ev, ctx = run(cfg(api, token_env=None, job_token_env="CI_JOB_TOKEN", groups=["acme/ledger"]))
    assert ev and not ctx.failures and {r.auth for r in api.requests} == {"job-token"}


def test_401_fails_the_source_as_unauthorized(api: GitLabAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "glpat-wrongwrongwrongwrong00")
    with pytest.raises(SourceFailure) as err:
        run(cfg(api))
    assert err.value.category == "unauthorized" and "401" in err.value.reason
    assert "wrongwrong" not in err.value.reason


def test_missing_token_and_missing_group(api: GitLabAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV)
    with pytest.raises(CollectError, match=f"{ENV} is not set") as unset:  # escapes collect: fails the source
        run(cfg(api))
    assert unset.value.category == "unauthorized"
    monkeypatch.setenv(ENV, TOKEN)
    with pytest.raises(SourceFailure, match="not found") as err:
        run(cfg(api, groups=["nope"]))
    assert err.value.category == "forbidden"


def test_429_with_retry_after_is_waited_for_then_succeeds(api: GitLabAPI) -> None:
    api.inject(Fault(r"^/projects/\d+/environments$", 429, times=2, retry_after=1))
    ev, ctx = run(cfg(api, groups=["acme/ledger"], retries=3))
    assert not ctx.failures and by(ev, "gitlab.deployment_stats")
    hits = [r for r in api.requests if r.path.endswith("/environments")]
    assert [r.status for r in hits] == [429, 429, 200]
    assert hits[1].at - hits[0].at >= 0.95 and hits[2].at - hits[1].at >= 0.95  # Retry-After honoured


def test_retries_are_bounded_by_config(api: GitLabAPI) -> None:
    api.inject(Fault(r"^/projects/\d+/pipelines$", 429, times=50, retry_after=0))
    ev, ctx = run(cfg(api, groups=["acme/ledger"], retries=2))
    hits = [r for r in api.requests if r.path.endswith("/pipelines")]
    assert len(hits) == 3  # one try + two retries
    assert (
        set(ctx.failures) == {"gitlab.pipeline_stats"}
        and "rate limited" in ctx.failures["gitlab.pipeline_stats"].reason
    )
    assert by(ev, "gitlab.deployment_stats")  # the rest is still collected


def test_malformed_json_fails_only_what_needs_it(api: GitLabAPI) -> None:
    api.inject(Fault(r"^/projects/\d+/releases$", 200, times=5, body=b"{not json"))
    _, ctx = run(cfg(api, groups=["acme/ledger"], retries=0))
    assert set(ctx.failures) == {"gitlab.release"} and ctx.failures["gitlab.release"].category == "malformed"


def test_dora_api_absent_is_recorded_not_failed(api: GitLabAPI) -> None:
    api.inject(Fault(r"/dora/metrics$", 404, times=1, body={"message": "404 Not Found"}))
    ev, ctx = run(cfg(api, groups=["acme/web"], concurrency=1))
    assert not ctx.failures and len(by(ev, "gitlab.dora")) == 2
    apis = [d["gitlab_api"] for d in by(ev, "gitlab.dora").values()]
    assert all(a["available"] is False for a in apis)  # the first 404 switches it off for the instance
    assert sum(1 for r in api.requests if "/dora/" in r.path) == 1


def test_500_makes_the_dependent_requirements_unknown(api: GitLabAPI, tmp_path: Path) -> None:
    api.inject(Fault(r"^/projects/\d+/deployments$", 500, times=1000))
    (tmp_path / "maturity.yaml").write_text(
        f"sources:\n  - {{name: gl, probe: gitlab, url: '{api.url}', token_env: {ENV}, groups: [acme/ledger], retries: 1}}\n",
        encoding="utf-8",
    )
    report, _, _ = scan(load_inputs(tmp_path / "maturity.yaml"))
    src = report["scan"]["sources"][0]
    assert src["status"] == "partial" and set(src["failed_kinds"]) == {"gitlab.deployment_stats", "gitlab.dora"}
    assert "HTTP 500" in src["failed_kinds"]["gitlab.deployment_stats"]
    reqs = {r["id"]: r for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"]}
    assert (
        reqs["ydt:6.2.2:L1.1"]["status"] == "unknown" and "gitlab.deployment_stats" in reqs["ydt:6.2.2:L1.1"]["reason"]
    )
    assert reqs["ydt:6.2.2:L4.1"]["status"] == "unknown"
    assert reqs["ydt:6.1.3:L1.1"]["status"] == "met"  # incidents were still read
