"""probes/aws/response.py against botocore's Stubber (real response shapes, validated against the
service models): moto 5.2.5 implements neither Incident Manager nor Compute Optimizer. The
whole-probe run against moto (both kinds unknown, never "none") and the IAM policy check are in
test_probe_aws.py."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from probes.aws import response
from tests.fixtures.aws.stubbed import ACCOUNT, practice_calls
from tests.ruletable import evaluate
from tests.test_probe_aws_practices import collect, rows

RULE_PLANS = "aws.incidents.runbook-response-plans"
RULE_OPTIMIZER = "aws.compute-optimizer.utilisation-analysis"


def test_response_plan_with_runbook() -> None:
    [plan] = collect(response.response_plans, practice_calls())
    assert plan.subject == "us-east-1/checkout-outage"
    assert plan.data["runbooks"] == ["Checkout-FailoverToStandby"] and plan.data["runbook_count"] == 1
    assert plan.data["engagements"] == 1 and plan.data["chat_channel"] is False
    assert "roleArn" not in str(plan.data) and "IncidentRunbook" not in str(plan.data)  # the role is not kept
    assert evaluate(RULE_PLANS, rows([plan])).status == "met"


def test_response_plan_without_runbook_is_unknown() -> None:
    arn = f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/page-only"
    answers = {
        "ssm-incidents": [
            ("list_response_plans", {"responsePlanSummaries": [{"arn": arn, "name": "page-only"}]}),
            ("get_response_plan", {"arn": arn, "name": "page-only", "incidentTemplate": {"title": "x", "impact": 3}}),
        ]
    }
    [plan] = collect(response.response_plans, answers)
    assert plan.data["runbook_count"] == 0 and plan.data["runbooks"] == []
    result = evaluate(RULE_PLANS, rows([plan]))
    assert result.status == "unknown" and result.reason_code == "nothing_in_scope"


def test_no_response_plan_is_observed_none() -> None:
    assert (
        collect(response.response_plans, {"ssm-incidents": [("list_response_plans", {"responsePlanSummaries": []})]})
        == []
    )


def test_access_denied_on_incident_manager_is_an_error() -> None:
    with pytest.raises(ClientError, match="AccessDenied"):
        collect(response.response_plans, {"ssm-incidents": [("list_response_plans", "AccessDeniedException")]})


def test_compute_optimizer_active_meets_and_inactive_is_unknown() -> None:
    [co] = collect(response.compute_optimizer, practice_calls())
    assert co.data["status"] == "Active" and co.data["active"] is True and co.data["updated_at"]
    assert evaluate(RULE_OPTIMIZER, rows([co])).status == "met"
    [off] = collect(
        response.compute_optimizer, {"compute-optimizer": [("get_enrollment_status", {"status": "Inactive"})]}
    )
    assert off.data["active"] is False and off.data["member_accounts_enrolled"] is None
    assert evaluate(RULE_OPTIMIZER, rows([off])).status == "unknown"


def test_devops_guru_analysing_resources_meets() -> None:
    [dg] = collect(response.devops_guru, practice_calls())
    assert dg.subject == f"{ACCOUNT}/us-east-1" and dg.data["analyzed_resources"] == 12
    assert evaluate("aws.devopsguru.change-correlation", rows([dg])).status == "met"
    idle = {
        "devops-guru": [
            (
                "describe_account_health",
                {"OpenReactiveInsights": 0, "OpenProactiveInsights": 0, "MetricsAnalyzed": 0, "ResourceHours": 0},
            )
        ]
    }
    [off] = collect(response.devops_guru, idle)
    assert off.data["analyzed_resources"] is None
    assert evaluate("aws.devopsguru.change-correlation", rows([off])).status == "unknown"


def _shift(n: int, shift: str, outcome: str | None, status: str = "EXPIRED", lb: str = "web") -> dict[str, object]:
    return {
        "zonalShiftId": f"zs-test-{n}",
        "resourceIdentifier": f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{lb}/1",
        "awayFrom": "use1-az2",
        "startTime": f"2026-11-{n:02d}T10:00:00Z",
        "expiryTime": f"2026-11-{n:02d}T10:30:00Z",
        "status": status,
        "comment": "c",
        "shiftType": shift,
        **({"practiceRunOutcome": outcome} if outcome else {}),
    }


def _runs(expired: list[dict[str, object]], canceled: list[dict[str, object]]) -> dict[str, list[tuple[str, object]]]:
    return {"arc-zonal-shift": [("list_zonal_shifts", {"items": expired}), ("list_zonal_shifts", {"items": canceled})]}


def test_zonal_practice_runs_counted_by_outcome() -> None:
    [pr] = collect(response.practice_runs, practice_calls())
    assert pr.data["completed"] == 3 and pr.data["succeeded"] == 3 and pr.data["failed"] == 0
    assert pr.data["failing_resources"] == 0
    assert "loadbalancer" not in str(pr.data)  # resource identifiers are not kept
    assert evaluate("aws.arc.routine-zonal-switchover", rows([pr])).status == "met"
    # The outcome alarm ends a failing run early: it is found among the CANCELED shifts.
    expired = [
        _shift(1, "PRACTICE_RUN", "SUCCEEDED"),
        _shift(4, "ZONAL_SHIFT", None),  # a customer's own shift is not a practice run
    ]
    canceled = [_shift(2, "PRACTICE_RUN", "FAILED", "CANCELED"), _shift(3, "PRACTICE_RUN", "INTERRUPTED", "CANCELED")]
    [bad] = collect(response.practice_runs, _runs(expired, canceled))
    assert (bad.data["completed"], bad.data["failed"], bad.data["interrupted"]) == (2, 1, 1)
    assert bad.data["failing_resources"] == 1  # web's latest completed run (2 Nov) failed
    assert evaluate("aws.arc.routine-zonal-switchover", rows([bad])).status == "not_met"


def test_zonal_practice_run_failure_since_fixed_is_undecided() -> None:
    expired = [_shift(1, "PRACTICE_RUN", "SUCCEEDED"), _shift(9, "PRACTICE_RUN", "SUCCEEDED")]
    canceled = [_shift(2, "PRACTICE_RUN", "FAILED", "CANCELED")]
    [pr] = collect(response.practice_runs, _runs(expired, canceled))
    assert (pr.data["completed"], pr.data["failed"], pr.data["failing_resources"]) == (3, 1, 0)
    assert evaluate("aws.arc.routine-zonal-switchover", rows([pr])).status == "unknown"
    # Another resource whose latest run failed decides it.
    [pr2] = collect(
        response.practice_runs, _runs(expired, [*canceled, _shift(5, "PRACTICE_RUN", "FAILED", "CANCELED", "api")])
    )
    assert pr2.data["failing_resources"] == 1
    assert evaluate("aws.arc.routine-zonal-switchover", rows([pr2])).status == "not_met"
