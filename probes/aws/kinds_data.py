"""Typed evidence kinds of probes/aws/data.py (RDS, DynamoDB, ElastiCache, MemoryDB, S3),
merged into `probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["DATA_MODELS"]

_REGION = "the AWS region"
_ENVIRONMENT = "value of its environment/env/stage tag (null: untagged)"


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
    instance_class: str | None = Field(
        default=None, description="DB instance class (db.serverless: an Aurora Serverless v2 instance)"
    )


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
    engine_mode: str | None = Field(default=None, description="provisioned, serverless (Aurora Serverless v1), ...")
    serverless_v2_max_acu: float | None = Field(
        default=None,
        description="Aurora Serverless v2 scaling range, highest ACUs (null: no Serverless v2 scaling configuration)",
    )


class AwsAuroraCustomEndpoint(KindModel):
    """`aws.aurora_custom_endpoint`: a custom endpoint created on an Aurora cluster (the built-in
    writer and reader endpoints are not listed)."""

    region: str = Field(description=_REGION)
    name: str = Field(description="endpoint identifier")
    cluster: str = Field(description="the cluster it belongs to")
    custom_type: str | None = Field(description="READER (reader instances only) or ANY (may include the writer)")
    status: str | None = Field(description="available, creating, inactive, ...")
    reader_members: int = Field(
        description="reader instances it routes to (static members, or every reader not excluded)"
    )
    environment: str | None = Field(default=None, description="the cluster's " + _ENVIRONMENT)


class AwsRdsProxyEndpoint(KindModel):
    """`aws.rds_proxy_endpoint`: an endpoint added to an RDS Proxy (the default read/write
    endpoint is not listed)."""

    region: str = Field(description=_REGION)
    name: str = Field(description="endpoint name")
    proxy: str = Field(description="the proxy it belongs to")
    target_role: str | None = Field(description="READ_ONLY (routes to reader instances) or READ_WRITE")
    status: str | None = Field(description="available, creating, incompatible-network, ...")
    cluster: str | None = Field(description="the Aurora cluster behind a read-only endpoint (null: not read or none)")
    reader_targets: int = Field(description="reader (READ_ONLY role) targets behind a read-only endpoint's proxy")
    environment: str | None = Field(default=None, description="the cluster's " + _ENVIRONMENT)


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
    multi_region_consistency: str | None = Field(
        default=None,
        description="a global table's mode: STRONG (multi-Region strong consistency) or EVENTUAL (null: not global or not stated)",
    )


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


class AwsMemorydbCluster(KindModel):
    """`aws.memorydb_cluster`: an Amazon MemoryDB cluster (Redis/Valkey-compatible, durable)."""

    region: str = Field(description=_REGION)
    name: str = Field(description="cluster name")
    status: str | None = Field(description="available, creating, updating, ...")
    engine: str | None = Field(description="redis or valkey")
    shards: int = Field(description="shards")
    nodes: int = Field(description="nodes over all shards")
    min_replicas_per_shard: int = Field(description="fewest replicas any shard has (0: unknown or none)")
    multi_az: bool = Field(description="availability mode is Multi-AZ")
    snapshot_retention_days: int = Field(description="snapshot retention, days (0: none)")


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


DATA_MODELS: dict[str, type[KindModel]] = {
    "aws.rds_instance": AwsRdsInstance,
    "aws.rds_cluster": AwsRdsCluster,
    "aws.aurora_custom_endpoint": AwsAuroraCustomEndpoint,
    "aws.rds_proxy_endpoint": AwsRdsProxyEndpoint,
    "aws.dynamodb_table": AwsDynamodbTable,
    "aws.elasticache_group": AwsElasticacheGroup,
    "aws.memorydb_cluster": AwsMemorydbCluster,
    "aws.s3_bucket": AwsS3Bucket,
}
