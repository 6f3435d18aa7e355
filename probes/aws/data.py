"""Data protection: RDS, DynamoDB, ElastiCache, MemoryDB, S3 (facts only, no secrets); AWS Backup
is read by probes/aws/backup.py.

Nothing here reads secret material: RDS responses carry no password (only MasterUsername,
which is dropped), and no secrets-manager or SSM parameter value is ever requested.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from probes.aws.facts import arn_region, environment, iso, lag_minutes
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES"]


def rds_instances(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("rds", region)
    for db in pages(c, "describe_db_instances", "DBInstances"):
        ident = db["DBInstanceIdentifier"]
        replicas = list(db.get("ReadReplicaDBInstanceIdentifiers") or [])
        source = db.get("ReadReplicaSourceDBInstanceIdentifier")
        xr = [
            arn_region(r.get("DBInstanceAutomatedBackupsArn"))
            for r in db.get("DBInstanceAutomatedBackupsReplications") or []
        ]
        retention = int(db.get("BackupRetentionPeriod") or 0)
        yield s.ev(
            "aws.rds_instance",
            f"{region}/{ident}",
            {
                "region": region,
                "id": ident,
                "engine": db.get("Engine"),
                "status": db.get("DBInstanceStatus"),
                "cluster": db.get("DBClusterIdentifier"),
                "multi_az": bool(db.get("MultiAZ")),
                "availability_zone": db.get("AvailabilityZone"),
                "secondary_availability_zone": db.get("SecondaryAvailabilityZone"),
                "backup_retention_days": retention,
                "pitr": retention > 0,
                "latest_restorable_time": iso(db.get("LatestRestorableTime")),
                "restorable_lag_minutes": lag_minutes(db.get("LatestRestorableTime"), s.now) if retention > 0 else None,
                "read_replicas": replicas,
                "read_replica_count": len(replicas),
                # A replica in another region is named by its ARN; one in this region by its id.
                "replica_regions": sorted(
                    {r for r in (arn_region(x) for x in replicas if str(x).startswith("arn:")) if r and r != region}
                ),
                "is_replica": bool(source),
                "replica_source": source,
                "cross_region_replica": bool(
                    source and str(source).startswith("arn:") and arn_region(source) != region
                ),
                "deletion_protection": bool(db.get("DeletionProtection")),
                "storage_encrypted": bool(db.get("StorageEncrypted")),
                "cross_region_backup_regions": sorted(r for r in xr if r),
                "environment": environment(db.get("TagList")),
                "instance_class": db.get("DBInstanceClass"),
            },
            f"rds/{region}/DescribeDBInstances",
        )


def rds_clusters(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("rds", region)
    for cl in pages(c, "describe_db_clusters", "DBClusters"):
        ident = cl["DBClusterIdentifier"]
        members = cl.get("DBClusterMembers") or []
        readers = [m["DBInstanceIdentifier"] for m in members if not m.get("IsClusterWriter")]
        retention = int(cl.get("BackupRetentionPeriod") or 0)
        yield s.ev(
            "aws.rds_cluster",
            f"{region}/{ident}",
            {
                "region": region,
                "id": ident,
                "engine": cl.get("Engine"),
                "status": cl.get("Status"),
                "multi_az": bool(cl.get("MultiAZ")) or len(members) > 1,
                "members": [m["DBInstanceIdentifier"] for m in members],
                "member_count": len(members),
                "readers": readers,
                "reader_count": len(readers),
                "availability_zones": list(cl.get("AvailabilityZones") or []),
                "backup_retention_days": retention,
                "pitr": retention > 0,
                "latest_restorable_time": iso(cl.get("LatestRestorableTime")),
                "restorable_lag_minutes": lag_minutes(cl.get("LatestRestorableTime"), s.now) if retention > 0 else None,
                "deletion_protection": bool(cl.get("DeletionProtection")),
                "global_cluster": cl.get("GlobalClusterIdentifier"),
                "replication_source": cl.get("ReplicationSourceIdentifier"),
                "cross_region_replicas": sorted(
                    r for r in (arn_region(x) for x in cl.get("ReadReplicaIdentifiers") or []) if r and r != region
                ),
                "environment": environment(cl.get("TagList")),
                "engine_mode": cl.get("EngineMode"),
                "serverless_v2_max_acu": (cl.get("ServerlessV2ScalingConfiguration") or {}).get("MaxCapacity"),
            },
            f"rds/{region}/DescribeDBClusters",
        )


def _clusters(c: Any) -> dict[str, dict[str, Any]]:
    """Aurora/RDS clusters by identifier: reader instances and environment tag."""
    out: dict[str, dict[str, Any]] = {}
    for cl in pages(c, "describe_db_clusters", "DBClusters"):
        members = cl.get("DBClusterMembers") or []
        out[cl["DBClusterIdentifier"]] = {
            "readers": [m["DBInstanceIdentifier"] for m in members if not m.get("IsClusterWriter")],
            "environment": environment(cl.get("TagList")),
        }
    return out


def aurora_custom_endpoints(s: Scan, region: str) -> Iterator[Evidence]:
    """Custom endpoints the organisation created on Aurora clusters (DescribeDBClusterEndpoints);
    the cluster's own writer and reader endpoints, which every cluster has, are skipped."""
    c = s.client("rds", region)
    clusters = _clusters(c)
    eps = (
        e for e in pages(c, "describe_db_cluster_endpoints", "DBClusterEndpoints") if e.get("EndpointType") == "CUSTOM"
    )
    for ep in islice(eps, s.cfg.max_items_per_kind):
        cluster = str(ep.get("DBClusterIdentifier") or "")
        info = clusters.get(cluster) or {"readers": [], "environment": None}
        static, excluded = list(ep.get("StaticMembers") or []), set(ep.get("ExcludedMembers") or [])
        # Static members only, or every reader not excluded (new readers join by themselves).
        members = (
            [m for m in static if m in info["readers"]] if static else [r for r in info["readers"] if r not in excluded]
        )
        name = str(ep.get("DBClusterEndpointIdentifier") or "")
        yield s.ev(
            "aws.aurora_custom_endpoint",
            f"{region}/{cluster}/{name}",
            {
                "region": region,
                "name": name,
                "cluster": cluster,
                "custom_type": ep.get("CustomEndpointType"),
                "status": ep.get("Status"),
                "reader_members": len(members),
                "environment": info["environment"],
            },
            f"rds/{region}/DescribeDBClusterEndpoints",
        )


def rds_proxy_endpoints(s: Scan, region: str) -> Iterator[Evidence]:
    """RDS Proxy endpoints the organisation added (DescribeDBProxyEndpoints; the proxy's default
    read/write endpoint is skipped) and, for read-only ones, the reader targets behind the proxy
    (DescribeDBProxyTargets)."""
    c = s.client("rds", region)
    clusters = _clusters(c)
    eps = (e for e in pages(c, "describe_db_proxy_endpoints", "DBProxyEndpoints") if not e.get("IsDefault"))
    for ep in islice(eps, s.cfg.max_items_per_kind):
        proxy, role = str(ep.get("DBProxyName") or ""), ep.get("TargetRole")
        cluster, readers = None, 0
        if role == "READ_ONLY":
            targets = list(islice(pages(c, "describe_db_proxy_targets", "Targets", DBProxyName=proxy), 100))
            cluster = next((t.get("RdsResourceId") for t in targets if t.get("Type") == "TRACKED_CLUSTER"), None)
            cluster = cluster or next((t.get("TrackedClusterId") for t in targets if t.get("TrackedClusterId")), None)
            readers = sum(1 for t in targets if t.get("Role") == "READ_ONLY")
        name = str(ep.get("DBProxyEndpointName") or "")
        yield s.ev(
            "aws.rds_proxy_endpoint",
            f"{region}/{proxy}/{name}",
            {
                "region": region,
                "name": name,
                "proxy": proxy,
                "target_role": role,
                "status": ep.get("Status"),
                "cluster": cluster,
                "reader_targets": readers,
                "environment": (clusters.get(cluster or "") or {}).get("environment"),
            },
            f"rds/{region}/DescribeDBProxyEndpoints",
        )


def dynamodb_tables(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("dynamodb", region)

    def read(name: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
        table = c.describe_table(TableName=name)["Table"]
        cont = c.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        return name, table, cont

    for name, table, cont in s.each(read, pages(c, "list_tables", "TableNames")):
        pitr = cont.get("PointInTimeRecoveryDescription") or {}
        replicas = sorted(r.get("RegionName") for r in table.get("Replicas") or [] if r.get("RegionName"))
        enabled = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
        yield s.ev(
            "aws.dynamodb_table",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "pitr": enabled,
                "pitr_recovery_days": pitr.get("RecoveryPeriodInDays") if enabled else None,
                "latest_restorable_time": iso(pitr.get("LatestRestorableDateTime")),
                "replica_regions": replicas,
                "global_table": bool(replicas),
                "cross_region_replica": any(r != region for r in replicas),
                "deletion_protection": bool(table.get("DeletionProtectionEnabled")),
                "billing_mode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
                # STRONG: multi-Region strong consistency (writes replicated before they succeed).
                "multi_region_consistency": table.get("MultiRegionConsistency") if replicas else None,
            },
            f"dynamodb/{region}/DescribeTable",
        )


def elasticache_groups(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("elasticache", region)
    for g in pages(c, "describe_replication_groups", "ReplicationGroups"):
        gid = g["ReplicationGroupId"]
        groups = g.get("NodeGroups") or []
        min_replicas = min((max(0, len(ng.get("NodeGroupMembers") or []) - 1) for ng in groups), default=0)
        members = len(g.get("MemberClusters") or [])
        if not groups:
            min_replicas = max(0, members - 1)
        retention = int(g.get("SnapshotRetentionLimit") or 0)
        yield s.ev(
            "aws.elasticache_group",
            f"{region}/{gid}",
            {
                "region": region,
                "id": gid,
                "engine": g.get("Engine") or "redis",
                "standalone": False,
                "automatic_failover": g.get("AutomaticFailover") in {"enabled", "enabling"},
                "multi_az": g.get("MultiAZ") == "enabled",
                "shards": len(groups),
                "cluster_mode": g.get("ClusterEnabled") is True or g.get("ClusterMode") == "enabled",
                "nodes": members,
                "min_replicas_per_shard": min_replicas,
                "snapshot_retention_days": retention,
                "persistence": retention > 0 or bool(g.get("DataTiering") == "enabled"),
                "data_tiering": g.get("DataTiering") == "enabled",
            },
            f"elasticache/{region}/DescribeReplicationGroups",
        )
    for cc in pages(c, "describe_cache_clusters", "CacheClusters"):
        if cc.get("ReplicationGroupId"):
            continue  # a member of a group above
        cid = cc["CacheClusterId"]
        retention = int(cc.get("SnapshotRetentionLimit") or 0)
        yield s.ev(
            "aws.elasticache_group",
            f"{region}/{cid}",
            {
                "region": region,
                "id": cid,
                "engine": cc.get("Engine"),
                "standalone": True,
                "automatic_failover": False,
                "multi_az": False,
                "shards": 1,
                "cluster_mode": False,
                "nodes": int(cc.get("NumCacheNodes") or 0),
                "min_replicas_per_shard": 0,
                "snapshot_retention_days": retention,
                "persistence": retention > 0,
                "data_tiering": False,  # only replication groups tier data
            },
            f"elasticache/{region}/DescribeCacheClusters",
        )


def memorydb_clusters(s: Scan, region: str) -> Iterator[Evidence]:
    """MemoryDB clusters with their shards' node counts (ACL and user details are not read)."""
    c = s.client("memorydb", region)
    for cl in pages(c, "describe_clusters", "Clusters", ShowShardDetails=True):
        name = cl["Name"]
        shards = cl.get("Shards") or []
        nodes = [int(sh.get("NumberOfNodes") or len(sh.get("Nodes") or [])) for sh in shards]
        yield s.ev(
            "aws.memorydb_cluster",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "status": cl.get("Status"),
                "engine": cl.get("Engine"),
                "shards": int(cl.get("NumberOfShards") or len(shards)),
                "nodes": sum(nodes),
                # Unknown shard layout reads as no replica, never as one.
                "min_replicas_per_shard": min((max(0, n - 1) for n in nodes), default=0),
                "multi_az": str(cl.get("AvailabilityMode") or "").lower() == "multiaz",
                "snapshot_retention_days": int(cl.get("SnapshotRetentionLimit") or 0),
            },
            f"memorydb/{region}/DescribeClusters",
        )


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# GetBucketLocation's answer for the regions that predate location constraints.
_LEGACY_LOCATION: dict[str | None, str] = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


def _bucket(c: Any, b: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    """(region, versioning status, replication rules) of one bucket.

    ListBuckets names each bucket's region on current APIs (`BucketRegion`); only where it does
    not (older endpoints, emulators) is GetBucketLocation asked. Replication is asked only of a
    bucket whose versioning was ever enabled: S3 refuses a replication configuration on a bucket
    without versioning, and versioning once enabled can only be suspended, never removed."""
    name = b["Name"]
    where = b.get("BucketRegion")
    if not where:
        loc = c.get_bucket_location(Bucket=name).get("LocationConstraint")
        where = _LEGACY_LOCATION.get(loc, loc)
    versioning = c.get_bucket_versioning(Bucket=name).get("Status") or "Disabled"
    rules: list[dict[str, Any]] = []
    if versioning != "Disabled":
        try:
            rules = c.get_bucket_replication(Bucket=name)["ReplicationConfiguration"].get("Rules") or []
        except ClientError as exc:
            if _error_code(exc) != "ReplicationConfigurationNotFoundError":
                raise
    return str(where), versioning, rules


def _listed_regions(s: Scan, buckets: list[dict[str, Any]]) -> dict[str, str]:
    """Bucket name -> region for the buckets the listing left without `BucketRegion` (S3
    emulators: moto 5.2 honours the `bucket-region` filter but names no region): one filtered
    ListBuckets per scanned region, sent to that region's endpoint as the API requires, instead
    of one GetBucketLocation per bucket. Trusted only if the filter was evidently honoured: no
    bucket in two regions' answers, none outside the full listing, and at least one answer short
    of the full listing (an endpoint that ignores the filter answers every region with every
    bucket). Otherwise (a refused filtered listing too), and for buckets in no scanned region,
    {} / absent: GetBucketLocation."""
    if all(b.get("BucketRegion") for b in buckets):
        return {}
    full = {b["Name"] for b in buckets}
    found: dict[str, str] = {}
    short = False
    for r in s.cfg.regions:
        try:
            names = {b["Name"] for b in pages(s.client("s3", r), "list_buckets", "Buckets", BucketRegion=r)}
        except ClientError:
            return {}
        if not names <= full or not names.isdisjoint(found):
            return {}
        short = short or len(names) < len(full)
        found.update(dict.fromkeys(names, r))
    return found if short else {}


def s3_buckets(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("s3", region)
    buckets = list(pages(c, "list_buckets", "Buckets"))
    listed = _listed_regions(s, buckets)
    named = [{**b, "BucketRegion": listed[b["Name"]]} if b["Name"] in listed else b for b in buckets]
    read = s.each(lambda b: _bucket(c, b), named)
    where = {b["Name"]: r[0] for b, r in zip(buckets, read, strict=True)}
    for b, (_, versioning, rules) in zip(buckets, read, strict=True):
        name = b["Name"]
        dests = []
        for r in rules:
            if r.get("Status") != "Enabled":
                continue
            dest = str((r.get("Destination") or {}).get("Bucket") or "").rsplit(":", 1)[-1]
            dests.append(
                {"bucket": dest, "region": where.get(dest), "account": (r.get("Destination") or {}).get("Account")}
            )
        yield s.ev(
            "aws.s3_bucket",
            name,
            {
                "name": name,
                "region": where[name],
                "versioning": versioning,
                "versioned": versioning == "Enabled",
                "replication_destinations": dests,
                "replicated": bool(dests),
                # A destination outside this account's listing is in another account or region.
                "cross_region_replication": any(d["region"] is None or d["region"] != where[name] for d in dests),
            },
            "s3/GetBucketReplication",
        )


SERVICES = (
    Service(
        "rds",
        (
            Part(("aws.rds_instance",), rds_instances),
            Part(("aws.rds_cluster",), rds_clusters),
            Part(("aws.aurora_custom_endpoint",), aurora_custom_endpoints),
            Part(("aws.rds_proxy_endpoint",), rds_proxy_endpoints),
        ),
    ),
    Service("dynamodb", (Part(("aws.dynamodb_table",), dynamodb_tables),)),
    Service("elasticache", (Part(("aws.elasticache_group",), elasticache_groups),)),
    Service("memorydb", (Part(("aws.memorydb_cluster",), memorydb_clusters),)),
    # Global, with a client in every scanned region too (the filtered listings, `_listed_regions`).
    Service("s3", (Part(("aws.s3_bucket",), s3_buckets),), is_global=True, regional_clients=True),
)
