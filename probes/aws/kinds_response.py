"""Typed evidence kinds of probes/aws/response.py (Incident Manager response plans, Compute
Optimizer enrollment, DevOps Guru coverage, ARC practice runs), merged into `probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["RESPONSE_MODELS"]


class AwsIncidentResponsePlan(KindModel):
    """`aws.incident_response_plan`: an AWS Systems Manager Incident Manager response plan."""

    region: str = Field(description="the AWS region")
    name: str = Field(description="response plan name")
    runbooks: list[str] = Field(
        description="Systems Manager Automation documents the plan starts as runbooks when an incident opens (first 10)"
    )
    runbook_count: int = Field(description="how many Automation runbook actions the plan holds")
    engagements: int = Field(description="contacts or escalation plans engaged when an incident opens")
    chat_channel: bool = Field(description="the plan posts to a chat channel (SNS topic or chat app)")


class AwsComputeOptimizer(KindModel):
    """`aws.compute_optimizer`: the account's AWS Compute Optimizer enrollment."""

    account: str = Field(description="the AWS account id")
    status: str | None = Field(description="Active, Inactive, Pending or Failed")
    active: bool = Field(
        description="opted in: Compute Optimizer analyses the utilisation metrics of EC2, Auto Scaling groups, "
        "EBS, Lambda, ECS and RDS and reports over- and under-provisioned resources"
    )
    member_accounts_enrolled: bool | None = Field(
        description="an Organization's management account: member accounts are enrolled too (null: not answered)"
    )
    updated_at: str | None = Field(description="when the enrollment status last changed")


class AwsDevopsGuru(KindModel):
    """`aws.devops_guru`: Amazon DevOps Guru in one region (DescribeAccountHealth counts)."""

    region: str = Field(description="the AWS region")
    analyzed_resources: int | None = Field(
        description="resources DevOps Guru analyses in its resource collection (null: not answered)"
    )
    metrics_analyzed: int = Field(description="CloudWatch metrics analysed")
    resource_hours: int = Field(description="resource hours analysed in the current month")
    open_reactive_insights: int = Field(
        description="open reactive insights (anomalies with their related metrics and CloudTrail events)"
    )
    open_proactive_insights: int = Field(description="open proactive insights (predicted problems)")


class AwsZonalPracticeRuns(KindModel):
    """`aws.zonal_practice_runs`: ARC zonal autoshift practice runs completed in one region."""

    region: str = Field(description="the AWS region")
    completed: int = Field(description="practice runs with a conclusive outcome (SUCCEEDED or FAILED)")
    succeeded: int = Field(
        description="practice runs whose outcome alarm stayed out of ALARM while traffic was shifted away from a zone"
    )
    failed: int = Field(description="practice runs whose outcome alarm went into ALARM (the shift hurt the business)")
    failing_resources: int | None = Field(
        default=None, description="resources whose latest completed practice run FAILED (null: not read)"
    )
    interrupted: int = Field(
        description="practice runs stopped early or inconclusive (INTERRUPTED, CAPACITY_CHECK_FAILED)"
    )
    oldest_start: str | None = Field(description="start of the oldest practice run listed")
    latest_start: str | None = Field(description="start of the latest practice run listed")


RESPONSE_MODELS: dict[str, type[KindModel]] = {
    "aws.incident_response_plan": AwsIncidentResponsePlan,
    "aws.compute_optimizer": AwsComputeOptimizer,
    "aws.devops_guru": AwsDevopsGuru,
    "aws.zonal_practice_runs": AwsZonalPracticeRuns,
}
