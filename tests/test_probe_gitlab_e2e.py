"""End to end: `maturity scan` of the sandbox GitLab, one team at a time, as a release manager would grade them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.gitlab import TOKEN_ENV, GitLabEstate
from scanner.pipeline import load_inputs, scan

MATURITY = Path(sys.executable).with_name("maturity")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    work = tmp_path_factory.mktemp("gitlab-e2e")
    estate = GitLabEstate()
    try:
        (source,) = estate.start(work)
        assert os.environ[TOKEN_ENV] and source["token_env"] == TOKEN_ENV
        out: dict[str, dict[str, Any]] = {}
        for team in ("web", "ledger"):
            cfg = work / f"{team}.yaml"
            cfg.write_text(json.dumps({"sources": [{**source, "groups": [f"acme/{team}"]}]}), encoding="utf-8")
        # The monthly team through the CLI as a user runs it; the daily team in-process (faster, same pipeline).
        run = subprocess.run(
            [str(MATURITY), "scan", "-c", str(work / "ledger.yaml"), "--json", str(work / "ledger.json")],
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ),
        )
        assert run.returncode == 0, run.stderr
        assert os.environ[TOKEN_ENV] not in run.stdout + run.stderr
        text = (work / "ledger.json").read_text(encoding="utf-8")
        assert os.environ[TOKEN_ENV] not in text
        out["ledger"] = json.loads(text)
        out["web"], _, _ = scan(load_inputs(work / "web.yaml"))
        assert os.environ[TOKEN_ENV] not in json.dumps(out["web"])
        yield out
    finally:
        estate.stop()
    assert TOKEN_ENV not in os.environ


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["status"] for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"]}


def test_sources_ok(reports: dict[str, dict[str, Any]]) -> None:
    for rep in reports.values():
        (src,) = rep["scan"]["sources"]
        assert src["status"] == "ok" and not src["failed_kinds"] and src["requests"] > 10


def test_daily_team_grades(reports: dict[str, dict[str, Any]]) -> None:
    s = statuses(reports["web"])
    # Deploys on demand, at every frequency level; 97% success is below 99.9%.
    assert s["ydt:6.2.2:L1.1"] == "met" and s["ydt:6.2.2:L4.1"] == "met" and s["ydt:6.2.2:L2.2"] == "met"
    assert (
        s["ydt:6.2.2:L2.1"] == "unknown" and s["ydt:6.2.2:L3.1"] == "unknown"
    )  # frequency passes; other clauses need attesting
    assert s["ydt:6.2.2:L3.2"] in ("met", "unknown") and s["wa:OPS06-BP03"] == "met"
    # 97% of versions succeed, tests gate the deployment and publish JUnit reports, every deployment is a pipeline's.
    assert s["ydt:6.2.2:L3.4"] == "met" and s["ydt:6.2.2:L4.3"] == "not_met"
    # Incidents are recorded, graded and reviewed; restored in minutes, but not within 10.
    assert s["ydt:6.1.3:L1.1"] == "met" and s["ydt:6.1.3:L2.1"] == "met"
    assert s["ydt:6.1.1:L2.1"] == "unknown"  # graded (#a); the process clauses need attesting
    assert s["ydt:6.1.2:L1.1"] == "met"  # one clause, decided by the median time to restore
    # GitLab notes and closed_at overstate response and restore times: they only support 10.3.3.
    assert s["ydt:10.3.3:L3.2"] == "unknown"


def test_monthly_team_grades(reports: dict[str, dict[str, Any]]) -> None:
    s = statuses(reports["ledger"])
    assert s["ydt:6.2.2:L1.1"] == "met"  # monthly releases
    for req in (
        "ydt:6.2.2:L2.1",
        "ydt:6.2.2:L3.1",
        "ydt:6.2.2:L4.1",
        "ydt:6.2.2:L3.4",
        "ydt:6.2.1:L2.3",
        "wa:OPS05-BP02",
    ):
        assert s[req] == "not_met", req
    assert s["ydt:6.1.3:L1.1"] == "met"  # incidents are recorded ...
    for req in ("ydt:6.1.1:L2.1", "wa:OPS11-BP02"):
        assert s[req] == "not_met", req  # ... but not graded, not reviewed ...
    # ... and slow to restore, not reviewed: GitLab says not_met, but PagerDuty resolution times
    # and JSM post-incident reviews could meet these items and were not scanned.
    for req in ("ydt:6.1.3:L2.1", "ydt:6.1.2:L1.1"):
        assert s[req] == "unknown", req


def test_dora_figures_and_samples_are_in_the_evidence(reports: dict[str, dict[str, Any]]) -> None:
    for team, freq in (("web", 1.0), ("ledger", 0.0)):
        dora = [e for e in reports[team]["evidence"] if e["kind"] == "gitlab.dora"]
        assert dora
        for e in dora:
            d = e["data"]
            assert d["window"]["days"] == 90
            assert d["deployment_frequency"]["deployments"] > 0 and d["deployment_frequency"]["per_day"] > freq
            assert d["lead_time_for_changes_hours"]["n"] > 0 and d["lead_time_for_changes_hours"]["method"]
            cfr = d["change_failure_rate"]
            # changes: successes less rollback re-deploys, plus deployments that failed outright
            assert cfr["deployments"] == (
                d["deployment_frequency"]["deployments"]
                - cfr["rollbacks_excluded"]
                + cfr["causes"].get("failed_deployment", 0)
            )
            assert set(d["change_failure_rate"]["parameters"]) == {"failure_window_hours", "hotfix_pattern"}
            assert d["time_to_restore_hours"]["n"] > 0
            assert d["gitlab_api"]["available"] is True  # GitLab's own figures recorded beside ours
    ledger = next(e["data"] for e in reports["ledger"]["evidence"] if e["kind"] == "gitlab.dora")
    assert (
        ledger["time_to_restore_hours"]["median"] > 8 and ledger["change_failure_rate"]["causes"].get("rollback") == 1
    )
