"""Typed evidence kinds of probes/aws/ops.py (Auto Scaling, load balancers, CloudWatch alarms,
Route 53, Fault Injection Service) and probes/aws/tracing.py (X-Ray), merged into
`probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["OPS_MODELS"]

_REGION = "the AWS region"
_ENVIRONMENT = "value of its environment/env/stage tag (null: untagged)"


class ScalingPolicy(KindModel):
    """A scaling policy."""

    name: str | None = Field(description="policy name")
    type: str | None = Field(description="TargetTrackingScaling, StepScaling, SimpleScaling or PredictiveScaling")
    forecast_only: bool = Field(
        default=False, description="a predictive policy that only forecasts (mode ForecastOnly)"
    )


class AwsAutoscalingGroup(KindModel):
    """`aws.autoscaling_group`: an EC2 Auto Scaling group."""

    region: str = Field(description=_REGION)
    name: str = Field(description="group name")
    zones: list[str] = Field(description="its zones")
    zone_count: int = Field(description="zones")
    min_size: int | None = Field(description="minimum size")
    max_size: int | None = Field(description="maximum size")
    desired: int | None = Field(description="desired capacity")
    elastic: bool = Field(description="maximum above minimum")
    scaling_policies: list[ScalingPolicy] = Field(description="its scaling policies")
    policy_count: int = Field(description="scaling policies")
    health_check_type: str | None = Field(description="EC2 or ELB")
    target_groups: list[str] = Field(description="target groups it registers with")
    load_balanced: bool | None = Field(
        default=None, description="registers instances with a target group or a Classic Load Balancer"
    )
    autoscaled: bool | None = Field(
        default=None,
        description="maximum above minimum and a scaling policy (not forecast-only) or a recurring scheduled action",
    )
    environment: str | None = Field(default=None, description=_ENVIRONMENT)
    scheduled_actions: int = Field(
        default=0, description="recurring scheduled scaling actions (time-of-day capacity changes)"
    )
    kubernetes_node_group: bool = Field(
        default=False,
        description="a Kubernetes node group (Cluster Autoscaler or EKS tags): sized by the cluster, not its own policies",
    )
    cluster_zone_count: int | None = Field(
        default=None,
        description="zones of all the node groups of its Kubernetes cluster in the region (null: not a node group of a named cluster)",
    )


class TargetGroup(KindModel):
    """A target group of a load balancer."""

    name: str | None = Field(description="target group name")
    health_check: bool = Field(description="health checks enabled")
    path: str | None = Field(description="health check path")
    protocol: str | None = Field(description="health check protocol")


class AwsLoadBalancer(KindModel):
    """`aws.load_balancer`: an Application, Network, Gateway or Classic Load Balancer."""

    region: str = Field(description=_REGION)
    name: str = Field(description="load balancer name")
    type: str | None = Field(description="application, network, gateway or classic")
    scheme: str | None = Field(description="internet-facing or internal")
    zones: list[str] = Field(description="its zones")
    zone_count: int = Field(description="zones")
    target_groups: list[TargetGroup] = Field(description="its target groups (none for a Classic one)")
    health_checked: bool = Field(description="every target group (or the Classic health check) checks health")


class AwsCloudwatchAlarm(KindModel):
    """`aws.cloudwatch_alarm`: a CloudWatch metric or composite alarm."""

    region: str = Field(description=_REGION)
    name: str = Field(description="alarm name")
    composite: bool = Field(description="a composite alarm")
    namespace: str | None = Field(description="metric namespace (AWS/EC2, ...)")
    metric: str | None = Field(description="metric name")
    capacity_metric: bool = Field(description="the metric measures capacity (CPU, memory, disk, connections, ...)")
    comparison: str | None = Field(description="comparison operator")
    threshold: float | None = Field(description="threshold")
    anomaly_detection: bool = Field(description="compares with an anomaly detection band")
    actions_enabled: bool = Field(description="actions enabled")
    alarm_actions: list[str] = Field(description="ARNs notified or acted on in ALARM")
    action_types: list[str] = Field(description="services of those actions (sns, autoscaling, ec2, ...)")
    has_actions: bool = Field(description="actions enabled and at least one alarm action")
    ok_actions: int = Field(description="OK actions")
    state: str | None = Field(description="OK, ALARM or INSUFFICIENT_DATA")
    tiered_with: list[str] = Field(
        default_factory=list,
        description=(
            "other alarms in its region on the same metric, dimensions, statistic and direction with a"
            " different threshold that notify different SNS topics, both with actions enabled (graded tiers; first 10)"
        ),
    )


class AwsRoute53HealthCheck(KindModel):
    """`aws.route53_health_check`: a Route 53 health check."""

    id: str = Field(description="health check id")
    type: str | None = Field(description="HTTP, HTTPS, TCP, CALCULATED, ...")
    fqdn: str | None = Field(description="domain checked")
    port: int | None = Field(description="port checked")
    path: str | None = Field(description="path checked")
    disabled: bool = Field(description="disabled")
    interval_s: int | None = Field(description="seconds between checks")


class AwsRoute53RoutingRecord(KindModel):
    """`aws.route53_routing_record`: a record with a routing policy."""

    zone: str | None = Field(description="hosted zone name")
    name: str = Field(description="record name")
    type: str = Field(description="record type")
    routing: str = Field(description="failover, latency, weighted, geolocation or multivalue")
    failover_role: str | None = Field(description="PRIMARY or SECONDARY (failover records)")
    region: str | None = Field(description="region of a latency record")
    set_identifier: str = Field(description="set identifier")
    health_check_id: str | None = Field(description="health check attached (null: none)")
    health_checked: bool = Field(description="a health check, or an alias that evaluates target health")


class AwsFisTemplate(KindModel):
    """`aws.fis_template`: a Fault Injection Service experiment template."""

    region: str = Field(description=_REGION)
    id: str = Field(description="template id")
    description: str | None = Field(description="its description")
    actions: list[str] = Field(description="action ids (aws:ec2:stop-instances, ...)")
    target_types: list[str] = Field(description="resource types targeted")
    stop_conditions: list[str | None] = Field(description="stop condition sources (aws:cloudwatch:alarm or none)")
    has_stop_condition: bool = Field(description="a stop condition other than none")


class AwsFisExperiment(KindModel):
    """`aws.fis_experiment`: a Fault Injection Service experiment run."""

    region: str = Field(description=_REGION)
    id: str = Field(description="experiment id")
    template_id: str | None = Field(description="the template it ran")
    status: str | None = Field(description="pending, initiating, running, completed, stopped, failed, ...")
    started: str | None = Field(description="when it started")
    age_days: float | None = Field(description="days since it started")
    in_window: bool = Field(description="started within the scan window")


class AwsXrayServiceGraph(KindModel):
    """`aws.xray_service_graph`: the X-Ray service graph of one region over a recent window."""

    region: str = Field(description=_REGION)
    window_hours: int = Field(description="hours of traffic the graph covers (ending at the scan)")
    services: int = Field(description="nodes in the graph other than the client")
    traced_services: int = Field(
        description="nodes of instrumented services (EC2, ECS, EKS, Lambda function, Beanstalk, API Gateway stage, "
        "AppSync, Step Functions, or untyped SDK services); not AWS resources or remote endpoints they call"
    )
    traced_names: list[str] = Field(description="their names (first 50)")
    connected_services: int = Field(description="traced services joined by an edge to another traced service")
    connected_names: list[str] = Field(description="their names (first 50)")


OPS_MODELS: dict[str, type[KindModel]] = {
    "aws.autoscaling_group": AwsAutoscalingGroup,
    "aws.load_balancer": AwsLoadBalancer,
    "aws.cloudwatch_alarm": AwsCloudwatchAlarm,
    "aws.route53_health_check": AwsRoute53HealthCheck,
    "aws.route53_routing_record": AwsRoute53RoutingRecord,
    "aws.fis_template": AwsFisTemplate,
    "aws.fis_experiment": AwsFisExperiment,
    "aws.xray_service_graph": AwsXrayServiceGraph,
}
