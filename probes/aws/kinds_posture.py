"""Typed evidence kinds of probes/aws/posture.py (Resilience Hub, Security Hub, EventBridge),
merged into `probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["POSTURE_MODELS"]

_REGION = "the AWS region"


class AwsResiliencyPolicy(KindModel):
    """`aws.resiliency_policy`: an AWS Resilience Hub resiliency policy (RTO/RPO targets)."""

    region: str = Field(description=_REGION)
    name: str = Field(description="policy name")
    tier: str | None = Field(description="MissionCritical, Critical, Important, CoreServices, NonCritical")
    disruption_types: list[str] = Field(description="disruption types with targets (Software, Hardware, AZ, Region)")
    min_rto_s: int | None = Field(description="tightest RTO target over its disruption types, seconds")
    min_rpo_s: int | None = Field(description="tightest RPO target over its disruption types, seconds")
    has_targets: bool = Field(description="sets both an RTO and an RPO target")
    apps: list[str] = Field(description="Resilience Hub applications that use it (first 50)")
    app_count: int = Field(description="applications that use it")


class AwsSecurityHub(KindModel):
    """`aws.security_hub`: AWS Security Hub in one region and its open findings."""

    region: str = Field(description=_REGION)
    enabled: bool = Field(description="Security Hub is enabled in the region")
    subscribed_at: str | None = Field(description="when it was enabled")
    critical_open: int = Field(description="active CRITICAL findings in workflow NEW or NOTIFIED")
    high_open: int = Field(description="active HIGH findings in workflow NEW or NOTIFIED")
    critical_titles: list[str] = Field(description="titles of up to five of those critical findings")
    truncated: bool = Field(description="the finding count reached the read bound (counts are a floor)")


class AwsEventbridgeRule(KindModel):
    """`aws.eventbridge_rule`: an EventBridge rule of the default event bus."""

    region: str = Field(description=_REGION)
    name: str = Field(description="rule name")
    enabled: bool = Field(description="state ENABLED")
    scheduled: bool = Field(description="a schedule rule (no event pattern)")
    sources: list[str] = Field(description="event sources its pattern matches (aws.config, aws.ec2, ...)")
    detail_types: list[str] = Field(description="detail types its pattern matches")
    config_changes: bool = Field(description="matches AWS Config configuration item changes")


POSTURE_MODELS: dict[str, type[KindModel]] = {
    "aws.resiliency_policy": AwsResiliencyPolicy,
    "aws.security_hub": AwsSecurityHub,
    "aws.eventbridge_rule": AwsEventbridgeRule,
}
