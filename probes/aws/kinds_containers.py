"""Typed evidence kinds of probes/aws/containers.py (ECS services, Application Auto Scaling
targets), merged into `probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["CONTAINER_MODELS"]

_REGION = "the AWS region"


class AwsEcsService(KindModel):
    """`aws.ecs_service`: an ECS service with its deployment, placement and scaling settings."""

    region: str = Field(description=_REGION)
    cluster: str = Field(description="cluster name")
    name: str = Field(description="service name")
    status: str | None = Field(description="ACTIVE, DRAINING or INACTIVE")
    launch_type: str | None = Field(
        description="FARGATE (also a FARGATE/FARGATE_SPOT-only capacity provider strategy), EC2, EXTERNAL or capacity-provider (null: not given)"
    )
    scheduling_strategy: str | None = Field(description="REPLICA or DAEMON")
    desired_count: int | None = Field(description="tasks the service keeps running (desiredCount)")
    running_count: int | None = Field(description="tasks running now")
    subnet_count: int = Field(description="subnets of its awsvpc network configuration (0: not awsvpc)")
    zones: list[str] | None = Field(description="zones of its awsvpc subnets (null: subnets not readable)")
    zone_count: int | None = Field(description="zones of its awsvpc subnets (null: unknown or not awsvpc)")
    load_balanced: bool = Field(description="registers its tasks with a load balancer target group")
    target_groups: list[str] = Field(description="target group names it registers with")
    health_check_grace_seconds: int | None = Field(description="health check grace period (null: not set or not given)")
    deployment_controller: str | None = Field(
        description="ECS (rolling; the default when not given), CODE_DEPLOY (blue/green) or EXTERNAL"
    )
    minimum_healthy_percent: int | None = Field(description="deployment minimum healthy percent (null: not given)")
    maximum_percent: int | None = Field(description="deployment maximum percent (null: not given)")
    circuit_breaker: bool | None = Field(description="deployment circuit breaker enabled (null: not given)")
    circuit_breaker_rollback: bool | None = Field(
        description="circuit breaker enabled and rolls a failed deployment back (null: not given)"
    )
    scaling_min: int | None = Field(description="Application Auto Scaling minimum (null: no target or unknown)")
    scaling_max: int | None = Field(description="Application Auto Scaling maximum (null: no target or unknown)")
    scaling_policy_types: list[str | None] | None = Field(
        description="its scaling policies' types (null: Application Auto Scaling not readable)"
    )
    autoscaled: bool | None = Field(
        description="a scalable target with max above min and a scaling policy or scheduled action "
        "(null: Application Auto Scaling not readable)"
    )


class AwsScalableTarget(KindModel):
    """`aws.scalable_target`: an Application Auto Scaling target (ECS, DynamoDB or Lambda)."""

    region: str = Field(description=_REGION)
    namespace: str = Field(description="ecs, dynamodb or lambda")
    resource_id: str = Field(
        description="resource id (service/<cluster>/<name>, table/<name>, function:<name>:<alias>)"
    )
    dimension: str | None = Field(description="scalable dimension")
    min: int | None = Field(description="minimum capacity")
    max: int | None = Field(description="maximum capacity")
    policy_types: list[str | None] = Field(description="its scaling policies' types")
    scheduled_actions: int = Field(description="its scheduled actions")
    suspended: bool = Field(description="some scaling activity is suspended")
    autoscaled: bool = Field(description="max above min and a scaling policy or scheduled action")


CONTAINER_MODELS: dict[str, type[KindModel]] = {
    "aws.ecs_service": AwsEcsService,
    "aws.scalable_target": AwsScalableTarget,
}


class AwsLambdaFunction(KindModel):
    """`aws.lambda_function`: a Lambda function's concurrency, versions, aliases, failure handling."""

    region: str = Field(description=_REGION)
    name: str = Field(description="function name")
    runtime: str | None = Field(description="runtime (null: container image)")
    memory_mb: int | None = Field(description="memory size in MB")
    timeout_s: int | None = Field(description="timeout in seconds")
    reserved_concurrency: int | None = Field(
        description="reserved concurrent executions (a cap on its concurrency; 0 stops it; null: none reserved)"
    )
    alias_count: int = Field(description="aliases (counted up to 100)")
    version_count: int = Field(description="published versions, not $LATEST (counted up to 100)")
    dead_letter_queue: bool = Field(description="asynchronous failures go to a dead-letter queue or topic")
    on_failure_destination: bool = Field(description="an on-failure destination for asynchronous invocations")


CONTAINER_MODELS["aws.lambda_function"] = AwsLambdaFunction
