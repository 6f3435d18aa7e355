"""probes/aws/practices.py against botocore's Stubber (real response shapes, validated against
the service models): moto 5.2.5 implements none of these APIs. The whole-probe run against moto
(their kinds unknown, never "none") and the IAM policy check are in test_probe_aws.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from probes.aws import practices
from probes.aws.config import AwsConfig
from probes.aws.kinds import MODELS
from probes.aws.plan import Scan
from probes.aws.session import Clients
from scanner.evidence import Evidence
from scanner.probe import ProbeContext
from tests.fixtures.aws.stubbed import ACCOUNT, ce_calls, conformance_calls, practice_calls
from tests.ruletable import evaluate

REGION = "us-east-1"


def scan_with(answers: dict[str, list[tuple[str, Any]]]) -> Scan:
    """A Scan whose clients answer only from `answers` (an error answer is a ClientError code)."""
    session = boto3.Session(aws_access_key_id="stub", aws_secret_access_key="stub-not-secret")

    def make(service: str, region: str) -> Any:
        client = session.client(service, region_name=region)
        stub = Stubber(client)
        for op, resp in answers.get(service, []):
            if isinstance(resp, str):
                stub.add_client_error(op, service_error_code=resp, http_status_code=400)
            else:
                stub.add_response(op, resp)
        stub.activate()
        return client

    cfg = AwsConfig(name="aws", probe="aws", regions=[REGION], retries=0)
    ctx = ProbeContext(source="aws", deadline=time.monotonic() + 30, log=logging.getLogger("test.aws"))
    clients = Clients(cfg, ctx, make)
    for service in answers:
        clients.prepare(service, REGION)
    return Scan(cfg, clients, ACCOUNT)


def collect(fn: Callable[[Scan, str], Any], answers: dict[str, list[tuple[str, Any]]]) -> list[Evidence]:
    items = list(fn(scan_with(answers), REGION))
    for e in items:  # every item fits its kind's model, as the runner demands
        MODELS[e.kind].model_validate(dict(e.data))
    return items


def rows(items: list[Evidence]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.kind, e.subject, dict(e.data)) for e in items]


def test_business_support_plan_offers_production_severity() -> None:
    [plan] = collect(practices.support_plan, practice_calls())
    assert plan.data["plan"] == "business" and plan.data["production_severity"] is True
    assert evaluate("aws.support.production-plan", rows([plan])).status == "met"


def test_basic_plan_is_a_fact_not_a_failure() -> None:
    [plan] = collect(
        practices.support_plan, {"support": [("describe_severity_levels", "SubscriptionRequiredException")]}
    )
    assert plan.data["plan"] == "basic_or_developer" and plan.data["api_available"] is False
    assert evaluate("aws.support.production-plan", rows([plan])).status == "not_met"


def test_access_denied_on_support_is_an_error_not_basic() -> None:
    with pytest.raises(ClientError, match="AccessDenied"):
        collect(practices.support_plan, {"support": [("describe_severity_levels", "AccessDeniedException")]})


def test_wellarchitected_review_age_counts_the_latest_of_milestone_and_update() -> None:
    [w] = collect(practices.wellarchitected_workloads, practice_calls())
    assert w.data["milestones"] == 2 and w.data["days_since_review"] == 40
    assert w.data["improvement_status"] == "IN_PROGRESS" and w.data["high_risks"] == 2
    assert evaluate("aws.wellarchitected.yearly-review", rows([w])).status == "met"


def test_audit_manager_not_set_up_is_observed_none() -> None:
    assert (
        collect(practices.audit_assessments, {"auditmanager": [("get_account_status", {"status": "INACTIVE"})]}) == []
    )
    [a] = collect(practices.audit_assessments, practice_calls())
    assert a.data["active"] is True and a.data["compliance_type"] == "SOC2" and a.data["days_since_update"] == 3


def test_patch_states_count_instances_missing_security_patches() -> None:
    [p] = collect(practices.patch_states, practice_calls())
    assert p.data["managed_instances"] == 2 and p.data["reporting"] == 2
    assert p.data["installed_recently"] == 2 and p.data["all_installed_recently"] is True
    assert p.data["missing_critical_or_security"] == 1 and p.data["all_compliant"] is False
    assert evaluate("aws.patching.baseline-compliance", rows([p])).status == "not_met"
    assert evaluate("aws.patching.automated-installs", rows([p])).status == "met"


def test_no_managed_instance_makes_no_patch_call() -> None:
    [p] = collect(practices.patch_states, {"ssm": [("describe_instance_information", {"InstanceInformationList": []})]})
    assert p.data["managed_instances"] == 0 and p.data["all_compliant"] is False


def test_conformance_packs_and_cost_categories() -> None:
    ops = ("describe_conformance_packs", "get_conformance_pack_compliance_summary")
    conf = list(zip(ops, conformance_calls().values(), strict=True))
    [pack] = collect(practices.conformance_packs, {"config": conf})
    assert pack.data["compliance"] == "NON_COMPLIANT" and pack.data["evaluated"] is True
    cost = [c for c in ce_calls() if c[0] == "list_cost_category_definitions"]
    [cat] = collect(practices.cost_categories, {"ce": cost})
    assert cat.data["rules"] == 3 and cat.data["current"] is True and cat.data["value_count"] == 3
    assert evaluate("aws.cost.cost-categories", rows([cat])).status == "met"


def test_cost_and_usage_report_definitions() -> None:
    [rep] = collect(practices.cost_reports, practice_calls())
    assert rep.data["time_unit"] == "HOURLY" and rep.data["artifacts"] == ["ATHENA"] and rep.data["resource_ids"]
    assert "acme-cur" not in str(rep.data)  # where the bill lands is not evidence
    assert evaluate("aws.cost.usage-reports", rows([rep])).status == "met"
