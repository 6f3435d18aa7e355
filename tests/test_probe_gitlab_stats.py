"""The gitlab probe's pure parts: statistics, DORA heuristics, CI file facts, config."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from probes.gitlab.ci import ci_facts
from probes.gitlab.config import GitLabConfig
from probes.gitlab.dora import change_failures
from probes.gitlab.incident_stats import incident_stats
from probes.gitlab.stats import deployment_stats, merge_request_stats
from probes.gitlab.window import Window, summary

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday
W = Window(T0 - timedelta(days=1), T0 + timedelta(days=29))


def d(i: int, sha: str, status: str = "success", hours: float = 0, title: str = "change") -> dict[str, Any]:
    t = (T0 + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    c = (T0 + timedelta(hours=hours - 2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "id": i,
        "sha": sha,
        "status": status,
        "ref": "main",
        "finished_at": t,
        "updated_at": t,
        "deployable": {"commit": {"created_at": c, "title": title}},
    }


def test_summary_uses_nearest_rank_p90() -> None:
    assert summary([]) == {"n": 0, "median": None, "p90": None}
    assert summary(range(1, 11)) == {"n": 10, "median": 5.5, "p90": 9}
    assert summary([7]) == {"n": 1, "median": 7, "p90": 7}


def test_rollbacks_and_version_success() -> None:
    deps = [
        d(1, "a"),
        d(2, "b", hours=1),
        d(3, "a", hours=2),
        d(4, "c", "failed", hours=3),
        d(5, "c", hours=4),
        d(6, "c", hours=5),
    ]
    s = deployment_stats(deps, W)
    assert s["rollbacks"] == 1  # a -> b -> a: back to a sha already run; c -> c is a redeploy, not a rollback
    assert (s["successful"], s["failed"], s["success_rate"]) == (5, 1, round(5 / 6, 4))
    assert s["versions"] == 3 and s["version_success_rate"] == round(1 / 3, 4)  # b rolled back from, c failed once
    assert s["lead_time_commit_to_deploy_hours"] == {"n": 5, "median": 2.0, "p90": 2.0}
    assert s["median_per_active_day"] == 5 and s["sample_ids"] == [2, 3, 4, 5, 6]


def test_outside_the_window_and_unfinished_are_ignored() -> None:
    deps = [
        d(1, "a", hours=-48),
        d(2, "b", "running", hours=1),
        d(3, "c", hours=24 * 40),
        d(4, "d", "canceled", hours=2),
    ]
    s = deployment_stats(deps, W)
    assert (s["deployments"], s["successful"], s["canceled"], s["success_rate"]) == (1, 0, 1, None)


def test_change_failure_attribution() -> None:
    deps = [
        d(1, "a"),
        d(2, "b", hours=1),
        d(3, "a", hours=1.5),
        d(4, "c", hours=30),
        d(5, "d", hours=31, title="Hotfix: null check"),
        d(6, "e", hours=100),
    ]
    incident = {"issue_type": "incident", "created_at": (T0 + timedelta(hours=101)).isoformat()}
    late = {"issue_type": "incident", "created_at": (T0 + timedelta(hours=200)).isoformat()}
    out = change_failures(deps, [incident, late], window_hours=24, hotfix=re.compile(r"(?i)hotfix"))
    # b was rolled back (3), c was followed by a hotfix (5), e by an incident; the late incident is too late.
    assert out["failed_changes"] == 3 and out["causes"] == {"hotfix": 1, "incident": 1, "rollback": 1}
    # The rollback re-deploy (3) is a repair, not a change: 3 failed of 5 changes.
    assert out["deployments"] == 5 and out["rollbacks_excluded"] == 1
    assert out["value"] == 0.6 and out["sample_ids"] == [2, 4, 6] and out["parameters"]["failure_window_hours"] == 24


def test_change_failure_counts_failed_deployments() -> None:
    deps = [d(1, "a"), d(2, "b", hours=48), d(3, "a", hours=49), d(4, "c", hours=200)]
    failed = [d(9, "x", hours=100), d(10, "y", hours=150)]
    out = change_failures(deps, [], window_hours=24, hotfix=re.compile(r"(?i)hotfix"), failed_deployments=failed)
    # changes: a, b, c (the re-deploy of a excluded) + 2 failed outright = 5; failed: b (rolled back) + 2.
    assert (out["deployments"], out["failed_changes"], out["value"]) == (5, 3, 0.6)
    assert out["causes"] == {"failed_deployment": 2, "rollback": 1}
    clean = change_failures(deps[:2], [], window_hours=24, hotfix=re.compile(r"(?i)hotfix"))
    assert (clean["deployments"], clean["failed_changes"], clean["value"]) == (2, 0, 0.0)


def test_incident_stats() -> None:
    def issue(
        iid: int, closed_min: float | None, labels: list[str], desc: str = "", sev: str = "UNKNOWN"
    ) -> dict[str, Any]:
        c = T0 + timedelta(days=iid)
        return {
            "iid": iid,
            "issue_type": "incident",
            "created_at": c.isoformat(),
            "labels": labels,
            "description": desc,
            "severity": sev,
            "closed_at": (c + timedelta(minutes=closed_min)).isoformat() if closed_min is not None else None,
        }

    rows = [
        issue(1, 30, ["severity::2"], "See postmortem https://wiki/x"),
        issue(2, 90, ["S1"]),
        issue(3, None, [], sev="HIGH"),
        issue(4, 10, ["bug"]),
    ]
    first = {1: T0 + timedelta(days=1, minutes=3), 2: None}
    cfg = GitLabConfig(name="g", probe="gitlab")
    s = incident_stats(
        rows,
        first,
        W,
        ever={"all": 9},
        severity=re.compile(cfg.severity_label_pattern),
        postmortem=re.compile(cfg.postmortem_pattern),
    )
    assert (s["incidents"], s["closed"], s["open"]) == (4, 3, 1)
    assert s["severity_coverage"] == 0.75 and s["severities"] == {"HIGH": 1, "S1": 1, "severity::2": 1}
    assert s["postmortem_coverage"] == round(1 / 3, 4)
    assert s["time_to_restore_minutes"] == {"n": 3, "median": 30.0, "p90": 90.0}
    assert s["time_to_first_response_minutes"]["n"] == 1 and s["all_time"] == {"all": 9}
    # Closed severe incidents: 1 (severity::2) and 2 (S1); only 1 has a postmortem.
    assert (s["severe_closed"], s["severe_postmortem_coverage"]) == (2, 0.5)
    # A postmortem issue linked from incident 2 (issue links) counts as its postmortem.
    linked = incident_stats(
        rows,
        first,
        W,
        ever=None,
        severity=re.compile(cfg.severity_label_pattern),
        postmortem=re.compile(cfg.postmortem_pattern),
        linked_postmortems={2},
    )
    assert linked["postmortem_coverage"] == round(2 / 3, 4) and linked["severe_postmortem_coverage"] == 1.0


def test_follow_ups_find_linked_postmortem_issues() -> None:
    from types import SimpleNamespace

    from probes.gitlab.activity import _follow_ups

    cfg = GitLabConfig(name="g", probe="gitlab")
    links = {
        1: [
            {
                "title": "Postmortem: incident #1",
                "labels": ["postmortem"],
                "type": "issue",
                "created_at": "2026-01-02T00:00:00Z",
            }
        ],
        2: [{"title": "Fix retry", "labels": ["bug"], "type": "issue", "created_at": "2026-01-02T00:00:00Z"}],
        3: [{"title": "Review", "labels": ["Incident Review"], "type": "issue", "created_at": "2026-01-02T00:00:00Z"}],
    }
    api = SimpleNamespace(first_page=lambda url, params: links[int(url.split("/")[-2])])
    c = SimpleNamespace(api=api, base="/projects/1", cfg=cfg)
    sample = [{"iid": i, "created_at": "2026-01-01T00:00:00Z"} for i in (1, 2, 3)]
    found: set[int] = set()
    got = _follow_ups(c, sample, found)  # type: ignore[arg-type]
    assert found == {1, 3} and got["with_follow_up"] == 3


CI = """
stages: [test, deploy]
include:
  - template: Auto-DevOps.gitlab-ci.yml
  - project: acme/ci
    file: deploy.yml
variables:
  INCREMENTAL_ROLLOUT_MODE: timed
.base:
  environment: {name: production}
  when: manual
lint:
  script: [ruff check .]
ship:
  extends: .base
  stage: deploy
  script: [helm upgrade app --set color=green]
review:
  stage: deploy
  environment: review/$CI_COMMIT_REF_SLUG
  rules:
    - when: manual
"""


def test_ci_facts() -> None:
    cfg = GitLabConfig(name="g", probe="gitlab")
    f = ci_facts(CI, cfg.is_production)
    assert (
        f["jobs"] == 3
        and f["auto_devops"]
        and f["includes"] == ["template:Auto-DevOps.gitlab-ci.yml", "project:acme/ci:deploy.yml"]
    )
    assert f["production_deploy_jobs"] == ["ship"] and f["manual_production_gate"]  # inherited via extends
    assert f["rollout_strategies"] == ["incremental"] and f["test_jobs"] == ["lint"]
    assert f["preproduction_environments"] == ["review/$CI_COMMIT_REF_SLUG"] and f["rollback_jobs"] == []
    # the project include adds jobs the file does not show; GitLab templates count by name
    assert f["includes_unread"] == ["project:acme/ci:deploy.yml"]
    only_templates = ci_facts("include:\n  - template: Security/SAST.gitlab-ci.yml\n", cfg.is_production)
    assert only_templates["includes_unread"] == [] and only_templates["security_jobs"]
    local = ci_facts("include: ci/deploy.yml\n", cfg.is_production)
    assert local["includes_unread"] == ["ci/deploy.yml"]
    assert ci_facts(None, cfg.is_production) == {"present": False}
    assert ci_facts("a: [", cfg.is_production)["parse_error"].startswith("invalid YAML")


def test_config() -> None:
    cfg = GitLabConfig(name="g", probe="gitlab", production_environments=["prod*", "live"])
    assert (
        cfg.is_production("production", None)
        and cfg.is_production("eu/live", "other")
        and cfg.is_production("x", "production")
    )
    assert not cfg.is_production("staging", "staging") and not cfg.is_production("preprod", None)
    with pytest.raises(ValidationError):
        GitLabConfig(name="g", probe="gitlab", token_env="A", token_file="f")
    with pytest.raises(ValidationError):
        GitLabConfig(name="g", probe="gitlab", hotfix_pattern="(")
    with pytest.raises(ValidationError):
        GitLabConfig(**{"name": "g", "probe": "gitlab", "unknown_key": 1})


def test_gitops_syncs_recorded_by_a_bot_count_as_automated_not_as_pipeline_jobs() -> None:
    # argocd-notifications records each sync through the Deployments API: a bot user, no CI job
    synced = [
        {**d(i, f"s{i}", hours=i), "deployable": None, "user": {"username": "argocd-notifications"}} for i in range(3)
    ]
    by_hand = {**d(9, "h", hours=9), "deployable": None, "user": {"username": "alice"}}
    s = deployment_stats([*synced, by_hand], W)
    assert s["by_pipeline_ratio"] == 0.0
    assert s["by_automation_ratio"] == 0.75  # the three syncs, not the deployment recorded by a person
    bot = {**d(10, "p", hours=10), "deployable": None, "user": {"username": "project_42_bot_3f9a"}}
    assert deployment_stats([bot], W)["by_automation_ratio"] == 1.0


def test_merge_request_size_reads_gitlabs_changes_count_and_survives_odd_values() -> None:
    w = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    got = merge_request_stats([], [], None, w, default_branch="main", sizes=["3", "1000+", None, "²", "9" * 5000, 7])
    assert got["changed_files"] == {"n": 3, "median": 7.0, "p90": 1000.0}


def test_ci_facts_for_verification_migrations_and_config() -> None:
    text = """
stages: [plan, deploy, check]
plan:
  stage: plan
  script: [terraform init, terraform plan -out plan.bin]
apply:
  stage: deploy
  script: [terraform apply plan.bin, rails db:migrate]
  environment: {name: production}
verify-prod:
  stage: check
  script: [curl -fsS https://example.com/healthz]
  environment: {name: production, action: verify}
stop-review:
  stage: deploy
  script: [kubectl delete ns review]
  environment: {name: production, action: stop}
e2e:
  stage: check
  script: [npx playwright test]
"""
    facts = ci_facts(text, lambda name, tier: name == "production")
    assert facts["production_deploy_jobs"] == ["apply"]  # verify and stop actions deploy nothing
    assert facts["post_deploy_test_jobs"] == ["verify-prod", "e2e"]
    assert facts["migration_in_deploy_jobs"] == ["apply"] and facts["migration_jobs"] == ["apply"]
    assert facts["config_apply_jobs"] == ["apply"] and facts["config_check_jobs"] == ["plan"]
    assert facts["functional_test_jobs"] == ["e2e"] and facts["test_report_jobs"] == []
