"""Typed evidence kinds of the aws probe: one model per kind, the fields of `data`.

Rules' `data.*` paths are checked against these models (`maturity rules lint`), and every item
the probe yields is validated by them (`Probe.accepts`, called by the runner). Derived from
probes/aws/data.py, ops.py and governance.py. Fields copied from an AWS answer are null when
the API leaves them out; times are ISO 8601 UTC.
"""

from __future__ import annotations

from pydantic import Field

from probes.aws.kinds_posture import POSTURE_MODELS
from probes.aws.kinds_practices import PRACTICE_MODELS
from scanner.probe import KindModel

__all__ = ["MODELS"]

_REGION = "the AWS region"
_ENVIRONMENT = "value of its environment/env/stage tag (null: untagged)"


class BackupCopy(KindModel):
    """A copy action of a backup rule."""

    vault_arn: str | None = Field(description="destination vault ARN")
    region: str | None = Field(description="destination region")
    account: str | None = Field(description="destination account")
    cross_region: bool = Field(description="the destination is in another region")
    cross_account: bool = Field(description="the destination is in another account")
    delete_after_days: int | None = Field(description="copies deleted after days (null: kept)")


class BackupRule(KindModel):
    """A rule of a backup plan."""

    name: str | None = Field(description="rule name")
    schedule: str | None = Field(description="schedule expression (cron or rate)")
    interval_hours: float | None = Field(description="hours between backups (continuous: 0.0833; null: unknown)")
    continuous: bool = Field(description="continuous backup (point-in-time restore)")
    target_vault: str | None = Field(description="vault the backups go to")
    delete_after_days: int | None = Field(description="backups deleted after days (null: kept)")
    move_to_cold_after_days: int | None = Field(description="moved to cold storage after days (null: never)")
    copies: list[BackupCopy] = Field(description="copies to other vaults")


class AwsBackupPlan(KindModel):
    """`aws.backup_plan`: an AWS Backup plan."""

    region: str = Field(description=_REGION)
    plan_id: str = Field(description="plan id")
    name: str = Field(description="plan name")
    rules: list[BackupRule] = Field(description="its rules")
    rule_count: int = Field(description="rules")
    min_interval_hours: float | None = Field(description="shortest interval of any rule, hours (null: unknown)")
    max_interval_hours: float | None = Field(description="longest interval of any rule, hours (null: unknown)")
    continuous: bool = Field(description="some rule backs up continuously")
    cross_region_copy: bool = Field(description="some rule copies to another region")
    cross_account_copy: bool = Field(description="some rule copies to another account")
    cold_storage: bool = Field(description="some rule moves backups to cold storage")


class TagCondition(KindModel):
    """A tag condition that selects resources."""

    key: str | None = Field(description="tag key")
    value: str | None = Field(description="tag value")


class AwsBackupSelection(KindModel):
    """`aws.backup_selection`: the resources a backup plan protects."""

    region: str = Field(description=_REGION)
    plan_id: str = Field(description="plan id")
    plan_name: str = Field(description="plan name")
    name: str = Field(description="selection name")
    resources: list[str] = Field(description='resource ARNs or patterns selected ("*": all)')
    resource_count: int = Field(description="resources listed")
    all_resources: bool = Field(description='selects every resource ("*")')
    resource_types: list[str] = Field(description="services of the ARNs selected")
    tag_conditions: list[TagCondition] = Field(description="tag conditions that select resources")
    not_resources: list[str] = Field(description="resources excluded")


class AwsBackupVault(KindModel):
    """`aws.backup_vault`: an AWS Backup vault."""

    region: str = Field(description=_REGION)
    name: str = Field(description="vault name")
    recovery_points: int | None = Field(description="recovery points held")
    locked: bool = Field(description="Vault Lock is configured")
    lock_min_retention_days: int | None = Field(description="Vault Lock minimum retention, days")
    lock_max_retention_days: int | None = Field(description="Vault Lock maximum retention, days")
    lock_date: str | None = Field(description="when the lock becomes immutable (null: not set)")
    encrypted: bool = Field(description="encrypted with a KMS key")


class AwsBackupJob(KindModel):
    """`aws.backup_job`: a backup job created within the window."""

    region: str = Field(description=_REGION)
    job_id: str = Field(description="job id")
    state: str | None = Field(description="CREATED, RUNNING, COMPLETED, FAILED, ABORTED, EXPIRED, PARTIAL")
    resource_type: str | None = Field(description="type of the resource backed up")
    resource_arn: str | None = Field(description="ARN of the resource backed up")
    vault: str | None = Field(description="vault it wrote to")
    created: str | None = Field(description="when it was created")
    completed: str | None = Field(description="when it completed (null: not yet)")
    age_days: float | None = Field(description="days since it was created")
    status_message: str = Field(description="its status message (first 300 characters)")


class AwsRestoreJob(KindModel):
    """`aws.restore_job`: a restore job created within the window (at least the last 400 days)."""

    region: str = Field(description=_REGION)
    job_id: str = Field(description="job id")
    status: str | None = Field(description="PENDING, RUNNING, COMPLETED, ABORTED, FAILED")
    resource_type: str | None = Field(description="type of the resource restored")
    recovery_point_arn: str | None = Field(description="recovery point restored")
    created: str | None = Field(description="when it was created")
    completed: str | None = Field(description="when it completed (null: not yet)")
    age_days: float | None = Field(description="days since it was created")
    validation_status: str | None = Field(description="restore validation status (restore testing)")
    restore_testing_plan: str | None = Field(description="restore testing plan that started it (null: manual)")


class AwsRestoreTestingPlan(KindModel):
    """`aws.restore_testing_plan`: an AWS Backup restore testing plan."""

    region: str = Field(description=_REGION)
    name: str = Field(description="plan name")
    schedule: str | None = Field(description="schedule expression")
    interval_hours: float | None = Field(description="hours between runs (null: unknown)")
    last_execution: str | None = Field(description="when it last ran (null: never)")
    days_since_last_execution: float | None = Field(description="days since it last ran (null: never)")


class AwsRdsInstance(KindModel):
    """`aws.rds_instance`: an RDS DB instance."""

    region: str = Field(description=_REGION)
    id: str = Field(description="DB instance identifier")
    engine: str | None = Field(description="engine")
    status: str | None = Field(description="instance status")
    cluster: str | None = Field(description="the cluster it belongs to (null: none)")
    multi_az: bool = Field(description="Multi-AZ deployment")
    availability_zone: str | None = Field(description="its zone")
    secondary_availability_zone: str | None = Field(description="the standby's zone (Multi-AZ)")
    backup_retention_days: int = Field(description="automated backup retention, days (0: off)")
    pitr: bool = Field(description="point-in-time restore possible (retention above 0)")
    latest_restorable_time: str | None = Field(description="latest time a point-in-time restore reaches")
    restorable_lag_minutes: float | None = Field(description="minutes from that time to now (null: unknown or off)")
    read_replicas: list[str] = Field(description="its read replicas")
    read_replica_count: int = Field(description="read replicas")
    replica_regions: list[str] = Field(default_factory=list, description="other regions holding its read replicas")
    is_replica: bool = Field(description="it is itself a read replica")
    replica_source: str | None = Field(description="the instance it replicates (null: not a replica)")
    cross_region_replica: bool = Field(description="a replica of an instance in another region")
    deletion_protection: bool = Field(description="deletion protection enabled")
    storage_encrypted: bool = Field(description="storage encrypted at rest")
    cross_region_backup_regions: list[str] = Field(description="regions holding replicated automated backups")
    environment: str | None = Field(default=None, description=_ENVIRONMENT)


class AwsRdsCluster(KindModel):
    """`aws.rds_cluster`: an RDS or Aurora DB cluster."""

    region: str = Field(description=_REGION)
    id: str = Field(description="DB cluster identifier")
    engine: str | None = Field(description="engine")
    status: str | None = Field(description="cluster status")
    multi_az: bool = Field(description="Multi-AZ, or more than one member")
    members: list[str] = Field(description="member instances")
    member_count: int = Field(description="members")
    readers: list[str] = Field(description="reader instances")
    reader_count: int = Field(description="readers")
    availability_zones: list[str] = Field(description="zones of the cluster")
    backup_retention_days: int = Field(description="automated backup retention, days")
    pitr: bool = Field(description="point-in-time restore possible")
    latest_restorable_time: str | None = Field(description="latest time a point-in-time restore reaches")
    restorable_lag_minutes: float | None = Field(description="minutes from that time to now (null: unknown or off)")
    deletion_protection: bool = Field(description="deletion protection enabled")
    global_cluster: str | None = Field(description="the global cluster it belongs to (null: none)")
    replication_source: str | None = Field(description="the cluster it replicates (null: none)")
    cross_region_replicas: list[str] = Field(description="regions of its cross-region read replicas")
    environment: str | None = Field(default=None, description=_ENVIRONMENT)


class AwsDynamodbTable(KindModel):
    """`aws.dynamodb_table`: a DynamoDB table."""

    region: str = Field(description=_REGION)
    name: str = Field(description="table name")
    pitr: bool = Field(description="point-in-time recovery enabled")
    pitr_recovery_days: int | None = Field(description="recovery period, days (null: PITR off)")
    latest_restorable_time: str | None = Field(description="latest time a restore reaches")
    replica_regions: list[str] = Field(description="regions of its global table replicas")
    global_table: bool = Field(description="a global table")
    cross_region_replica: bool = Field(description="replicated to another region")
    deletion_protection: bool = Field(description="deletion protection enabled")
    billing_mode: str | None = Field(description="PROVISIONED or PAY_PER_REQUEST")


class AwsElasticacheGroup(KindModel):
    """`aws.elasticache_group`: an ElastiCache replication group or standalone cluster."""

    region: str = Field(description=_REGION)
    id: str = Field(description="replication group or cache cluster id")
    engine: str | None = Field(description="redis, valkey or memcached")
    standalone: bool = Field(description="a cluster outside any replication group")
    automatic_failover: bool = Field(description="automatic failover enabled")
    multi_az: bool = Field(description="Multi-AZ enabled")
    shards: int = Field(description="shards (node groups)")
    cluster_mode: bool = Field(description="cluster mode enabled")
    nodes: int = Field(description="nodes")
    min_replicas_per_shard: int = Field(description="fewest replicas any shard has")
    snapshot_retention_days: int = Field(description="snapshot retention, days (0: none)")
    persistence: bool = Field(description="data survives a restart (snapshots or data tiering)")
    data_tiering: bool = Field(
        default=False, description="data tiering: rarely used items moved from memory to local SSD"
    )


class ReplicationDestination(KindModel):
    """An S3 replication destination."""

    bucket: str = Field(description="destination bucket")
    region: str | None = Field(description="its region (null: not in this account)")
    account: str | None = Field(description="its account when set")


class AwsS3Bucket(KindModel):
    """`aws.s3_bucket`: an S3 bucket."""

    name: str = Field(description="bucket name")
    region: str | None = Field(description="its region")
    versioning: str = Field(description="Enabled, Suspended or Disabled")
    versioned: bool = Field(description="versioning enabled")
    replication_destinations: list[ReplicationDestination] = Field(
        description="enabled replication rules' destinations"
    )
    replicated: bool = Field(description="replicated somewhere")
    cross_region_replication: bool = Field(description="replicated to another region (or an unknown one)")


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
    environment: str | None = Field(default=None, description=_ENVIRONMENT)
    scheduled_actions: int = Field(
        default=0, description="recurring scheduled scaling actions (time-of-day capacity changes)"
    )
    kubernetes_node_group: bool = Field(
        default=False,
        description="a Kubernetes node group (Cluster Autoscaler or EKS tags): sized by the cluster, not its own policies",
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


MODELS: dict[str, type[KindModel]] = {
    "aws.backup_plan": AwsBackupPlan,
    "aws.backup_selection": AwsBackupSelection,
    "aws.backup_vault": AwsBackupVault,
    "aws.backup_job": AwsBackupJob,
    "aws.restore_job": AwsRestoreJob,
    "aws.restore_testing_plan": AwsRestoreTestingPlan,
    "aws.rds_instance": AwsRdsInstance,
    "aws.rds_cluster": AwsRdsCluster,
    "aws.dynamodb_table": AwsDynamodbTable,
    "aws.elasticache_group": AwsElasticacheGroup,
    "aws.s3_bucket": AwsS3Bucket,
    "aws.autoscaling_group": AwsAutoscalingGroup,
    "aws.load_balancer": AwsLoadBalancer,
    "aws.cloudwatch_alarm": AwsCloudwatchAlarm,
    "aws.route53_health_check": AwsRoute53HealthCheck,
    "aws.route53_routing_record": AwsRoute53RoutingRecord,
    "aws.budget": AwsBudget,
    "aws.cost_anomaly_monitor": AwsCostAnomalyMonitor,
    "aws.cost_allocation_tag": AwsCostAllocationTag,
    "aws.config_recorder": AwsConfigRecorder,
    "aws.config_rule": AwsConfigRule,
    "aws.cloudtrail_trail": AwsCloudtrailTrail,
    "aws.tagged_resource": AwsTaggedResource,
    "aws.fis_template": AwsFisTemplate,
    "aws.fis_experiment": AwsFisExperiment,
    **POSTURE_MODELS,
    **PRACTICE_MODELS,
}
