"""Table tests for rules/gitlab: evidence in, status out (met, not_met, unknown) for every rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ruletable import decide


def dep(env: str = "p:production", **kw: Any) -> tuple[str, str, dict[str, Any]]:
    data = {
        "deployments": 300,
        "successful": 290,
        "failed": 10,
        "per_month": 90.0,
        "per_week": 20.0,
        "per_working_day": 4.0,
        "median_per_active_day": 4,
        "active_working_day_ratio": 1.0,
        "success_rate": 0.97,
        "version_success_rate": 0.95,
        "rollbacks": 2,
        "by_pipeline_ratio": 1.0,
    }
    data.update(kw)
    return ("gitlab.deployment_stats", env, data)


def project(path: str = "p", prod: bool = True, **ci: Any) -> tuple[str, str, dict[str, Any]]:
    facts = {
        "present": True,
        "rollout_strategies": ["canary"],
        "rollback_jobs": ["rollback"],
        "automatic_rollback": True,
        "preproduction_environments": ["staging"],
        "test_jobs": ["unit"],
        "security_jobs": ["sast"],
    }
    facts.update(ci)
    return (
        "gitlab.project",
        path,
        {"path": path, "production_environments": ["production"] if prod else [], "ci": facts},
    )


def env(name: str = "p:production", **kw: Any) -> tuple[str, str, dict[str, Any]]:
    data = {"production": True, "state": "available", "protected": True, "required_approvals": 1}
    data.update(kw)
    return ("gitlab.environment", name, data)


def mrs(path: str = "p", **kw: Any) -> tuple[str, str, dict[str, Any]]:
    data = {"merged": 40, "approval_sample": 20, "approval_coverage": 1.0}
    data.update(kw)
    return ("gitlab.merge_request_stats", path, data)


def inc(path: str = "p", **kw: Any) -> tuple[str, str, dict[str, Any]]:
    data: dict[str, Any] = {
        "incidents": 6,
        "closed": 6,
        "all_time": {"all": 10},
        "severity_coverage": 1.0,
        "postmortem_coverage": 1.0,
        "time_to_restore_minutes": {"n": 6, "median": 4, "p90": 9},
        "time_to_first_response_minutes": {"n": 6, "median": 0.5, "p90": 1},
    }
    data.update(kw)
    return ("gitlab.incident_stats", path, data)


def dora(path: str = "p", rate: float | None = 0.05, n: int = 100) -> tuple[str, str, dict[str, Any]]:
    return ("gitlab.dora", path, {"deployment_frequency": {"deployments": n}, "change_failure_rate": {"value": rate}})


CASES: list[tuple[str, list[Any], list[Any]]] = [
    # rule id, met rows, not_met rows
    ("gitlab.deployments.monthly", [dep(per_month=1.3)], [dep(per_month=1.3), dep("q:live", per_month=0.6)]),
    ("gitlab.deployments.weekly", [dep(per_week=1.0)], [dep(per_week=0.3)]),
    ("gitlab.deployments.daily", [dep(per_working_day=1.2)], [dep(per_working_day=0.5)]),
    ("gitlab.deployments.on-demand", [dep()], [dep(median_per_active_day=1)]),
    ("gitlab.deployments.success-rate-90", [dep(version_success_rate=0.92)], [dep(version_success_rate=0.33)]),
    ("gitlab.deployments.success-rate-999", [dep(success_rate=0.9995)], [dep(success_rate=0.97)]),
    ("gitlab.deployments.success-rate-9995", [dep(success_rate=1.0)], [dep(success_rate=0.999)]),
    ("gitlab.deployments.automated", [dep(by_pipeline_ratio=0.95)], [dep(by_pipeline_ratio=0.5)]),
    ("gitlab.deployments.traceable", [dep()], [dep(by_pipeline_ratio=0.99)]),
    ("gitlab.deployments.rollback-ready", [dep(rollbacks=0), project()], [dep(rollbacks=0), project(rollback_jobs=[])]),
    (
        "gitlab.deployments.automatic-rollback",
        [project(), project("lib", prod=False, automatic_rollback=False)],
        [project(automatic_rollback=False)],
    ),
    ("gitlab.deployments.progressive-rollout", [project()], [project(rollout_strategies=[])]),
    (
        "gitlab.changes.merge-request-approvals",
        [mrs(), mrs("lib", approval_sample=0, approval_coverage=None)],
        [mrs(approval_coverage=0.3)],
    ),
    (
        "gitlab.environments.protected-production",
        [env(), env("p:review", production=False, protected=False)],
        [env(protected=False)],
    ),
    ("gitlab.environments.pre-production", [project()], [project(preproduction_environments=[])]),
    ("gitlab.pipelines.test-jobs", [project()], [project(test_jobs=[])]),
    ("gitlab.pipelines.security-scans", [project()], [project(security_jobs=[])]),
    ("gitlab.dora.change-failure-rate", [dora(), dora("tiny", rate=1.0, n=1)], [dora(rate=0.4)]),
    ("gitlab.incidents.recorded", [inc(), inc("lib", all_time={"all": 0})], [inc(all_time={"all": 0})]),
    ("gitlab.incidents.severity-graded", [inc()], [inc(severity_coverage=0.2)]),
    ("gitlab.incidents.postmortems", [inc()], [inc(postmortem_coverage=0.0)]),
    ("gitlab.incidents.restore-time", [inc()], [inc(time_to_restore_minutes={"n": 4, "median": 2000, "p90": 3000})]),
    (
        "gitlab.incidents.response-2-5-10",
        [inc()],
        [inc(time_to_first_response_minutes={"n": 4, "median": 30, "p90": 60})],
    ),
    ("gitlab.incidents.response-1-3-5", [inc()], [inc(time_to_restore_minutes={"n": 4, "median": 8, "p90": 9})]),
]


@pytest.mark.parametrize(("rule", "met", "not_met"), CASES, ids=[c[0] for c in CASES])
def test_rule_table(rule: str, met: list[Any], not_met: list[Any]) -> None:
    assert decide(rule, met) == "met"
    assert decide(rule, not_met) == "not_met"
    assert decide(rule, None) == "unknown"


def test_every_gitlab_rule_has_a_table() -> None:
    from tests.ruletable import installed_rules

    ids = {
        r.id for r in installed_rules().rules if r.file.replace("\\", "/").split("/rules/")[-1].startswith("gitlab/")
    }
    assert ids == {c[0] for c in CASES}


@pytest.mark.parametrize(
    "rule",
    [
        "gitlab.deployments.monthly",
        "gitlab.deployments.weekly",
        "gitlab.deployments.automated",
        "gitlab.incidents.postmortems",
    ],
)
def test_no_population_is_not_met(rule: str) -> None:
    # Observed, nothing there: no production deployments / no closed incidents is a real finding.
    assert decide(rule, []) == "not_met"


def test_graded_rules_allow_quiet_periods() -> None:
    # A window without incidents says nothing against grading or response times.
    assert decide("gitlab.incidents.severity-graded", [inc(incidents=0, closed=0, severity_coverage=None)]) == "met"
    assert decide("gitlab.incidents.response-2-5-10", [inc(closed=0)]) == "met"


def test_small_samples_do_not_pass_the_strict_success_rates() -> None:
    # Four perfect deployments do not show 99.9%.
    assert decide("gitlab.deployments.success-rate-999", [dep(deployments=4, success_rate=1.0)]) == "not_met"
    assert (
        decide(
            "gitlab.deployments.success-rate-999", [dep(deployments=4, success_rate=1.0)], params={"min_deployments": 3}
        )
        == "met"
    )


def test_rollback_ready_needs_one_of_the_kinds_observed() -> None:
    assert decide("gitlab.deployments.rollback-ready", [dep()], observed=["gitlab.deployment_stats"]) == "unknown"
