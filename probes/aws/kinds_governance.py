"""Typed evidence kinds of probes/aws/governance.py (Budgets, cost, Config, CloudTrail, tagging)
and probes/aws/ownership.py (owner tags over the Config inventory), merged into
`probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["GOVERNANCE_MODELS"]

_REGION = "the AWS region"


class BudgetNotification(KindModel):
    """A budget notification."""

    type: str | None = Field(description="ACTUAL or FORECASTED")
    threshold: float | None = Field(description="threshold (percent of the limit, usually)")
    comparison: str | None = Field(description="comparison operator")


class AwsBudget(KindModel):
    """`aws.budget`: an AWS Budgets budget."""

    name: str = Field(description="budget name")
    type: str | None = Field(description="COST, USAGE, ...")
    time_unit: str | None = Field(description="DAILY, MONTHLY, QUARTERLY or ANNUALLY")
    limit: str | None = Field(description="limit amount")
    unit: str | None = Field(description="limit unit (USD, ...)")
    notifications: list[BudgetNotification] = Field(description="its notifications")
    notification_count: int = Field(description="notifications")
    forecast_alert: bool = Field(description="notifies on forecast spend")


class AwsCostAnomalyMonitor(KindModel):
    """`aws.cost_anomaly_monitor`: a Cost Anomaly Detection monitor."""

    name: str | None = Field(description="monitor name")
    arn: str = Field(description="monitor ARN")
    type: str | None = Field(description="DIMENSIONAL or CUSTOM")
    dimension: str | None = Field(description="dimension monitored (SERVICE, ...)")
    subscriptions: int = Field(description="alert subscriptions that include it")
    alerts: bool = Field(description="some subscription alerts on it")


class AwsCostAllocationTag(KindModel):
    """`aws.cost_allocation_tag`: a cost allocation tag key."""

    key: str = Field(description="tag key")
    type: str | None = Field(description="AWSGenerated or UserDefined")
    status: str | None = Field(description="Active or Inactive")
    active: bool = Field(description="active for cost allocation")
    last_used: str | None = Field(description="when it was last used")


class AwsConfigRecorder(KindModel):
    """`aws.config_recorder`: the AWS Config recorder of one region (or its absence)."""

    region: str = Field(description=_REGION)
    recorders: int = Field(description="recorders in the region (0: none)")
    name: str | None = Field(description="recorder name")
    recording: bool = Field(description="recording")
    all_supported: bool = Field(description="records all supported resource types")
    include_global_types: bool = Field(description="records global resource types")
    resource_types: int = Field(description="resource types listed explicitly")
    last_status: str | None = Field(description="last recording status")
    delivery_channel: bool = Field(description="a delivery channel exists")
    sns_notifications: bool = Field(
        default=False, description="the delivery channel streams configuration changes to an SNS topic"
    )


class AwsConfigRule(KindModel):
    """`aws.config_rule`: an AWS Config rule."""

    region: str = Field(description=_REGION)
    name: str = Field(description="rule name")
    owner: str | None = Field(description="AWS (managed) or CUSTOM_LAMBDA / CUSTOM_POLICY")
    identifier: str | None = Field(description="managed rule identifier or Lambda ARN")
    state: str | None = Field(description="ACTIVE, DELETING, EVALUATING, ...")


class AwsCloudtrailTrail(KindModel):
    """`aws.cloudtrail_trail`: a CloudTrail trail (in its home region)."""

    name: str = Field(description="trail name")
    home_region: str = Field(description="home region")
    multi_region: bool = Field(description="a multi-region trail")
    organization: bool = Field(description="an organization trail")
    logging: bool = Field(description="logging now")
    log_file_validation: bool = Field(description="log file validation enabled")
    global_service_events: bool = Field(description="includes global service events")
    latest_delivery: str | None = Field(description="last log delivery (null: none)")


class AwsTaggedResource(KindModel):
    """`aws.tagged_resource`: a resource the tagging API knows (tag values only for owner and cost keys)."""

    arn: str = Field(description="resource ARN")
    region: str = Field(description=_REGION)
    service: str | None = Field(description="service from the ARN")
    tag_keys: list[str] = Field(description="tag keys, lower-cased without punctuation")
    owner: str | None = Field(description="value of an owner/team tag (null: none)")
    has_owner: bool = Field(description="has an owner tag")
    cost_tag: str | None = Field(description="value of a cost centre/project tag (null: none)")
    has_cost_tag: bool = Field(description="has a cost tag")
    user_tag_count: int = Field(default=0, description="tag keys its users defined (not AWS-generated aws:*, not Name)")


class AwsOwnerInventory(KindModel):
    """`aws.owner_inventory`: owner/team tags over the AWS Config inventory of every scanned region."""

    regions: list[str] = Field(description="regions scanned")
    regions_not_covered: list[str] = Field(
        description="regions whose Config recorder is not recording every workload resource type"
    )
    resources: int = Field(description="workload resources Config records in the covered regions (read)")
    with_owner: int = Field(description="of which carry an owner/team tag with a value")
    owner_ratio: float | None = Field(description="with_owner / resources (null: none read)")
    complete: bool = Field(description="every recorded workload resource was read (not capped, no unreadable row)")
    unowned: list[str] = Field(description="region/type/id of resources without an owner tag (first 20)")


GOVERNANCE_MODELS: dict[str, type[KindModel]] = {
    "aws.budget": AwsBudget,
    "aws.cost_anomaly_monitor": AwsCostAnomalyMonitor,
    "aws.cost_allocation_tag": AwsCostAllocationTag,
    "aws.config_recorder": AwsConfigRecorder,
    "aws.config_rule": AwsConfigRule,
    "aws.cloudtrail_trail": AwsCloudtrailTrail,
    "aws.tagged_resource": AwsTaggedResource,
    "aws.owner_inventory": AwsOwnerInventory,
}
