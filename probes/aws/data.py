"""Data protection: AWS Backup, RDS, DynamoDB, ElastiCache, S3 (facts only, no secrets).

Nothing here reads secret material: RDS responses carry no password (only MasterUsername,
which is dropped), and no secrets-manager or SSM parameter value is ever requested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice

from botocore.exceptions import ClientError

from probes.aws.facts import age_days, arn_account, arn_region, environment, iso, lag_minutes, schedule_hours
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES"]


def backup_plans(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("backup", region)
    for summary in pages(c, "list_backup_plans", "BackupPlansList"):
        plan_id = summary["BackupPlanId"]
        plan = c.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
        rules = []
        for r in plan.get("Rules") or []:
            copies = []
            for ca in r.get("CopyActions") or []:
                dest = ca.get("DestinationBackupVaultArn")
                dest_region, dest_account = arn_region(dest), arn_account(dest)
                copies.append(
                    {
                        "vault_arn": dest,
                        "region": dest_region,
                        "account": dest_account,
                        "cross_region": bool(dest_region and dest_region != region),
                        "cross_account": bool(dest_account and dest_account != s.account),
                        "delete_after_days": (ca.get("Lifecycle") or {}).get("DeleteAfterDays"),
                    }
                )
            life = r.get("Lifecycle") or {}
            continuous = bool(r.get("EnableContinuousBackup"))
            rules.append(
                {
                    "name": r.get("RuleName"),
                    "schedule": r.get("ScheduleExpression"),
                    "interval_hours": 0.0833 if continuous else schedule_hours(r.get("ScheduleExpression")),
                    "continuous": continuous,
                    "target_vault": r.get("TargetBackupVaultName"),
                    "delete_after_days": life.get("DeleteAfterDays"),
                    "move_to_cold_after_days": life.get("MoveToColdStorageAfterDays"),
                    "copies": copies,
                }
            )
        intervals = [r["interval_hours"] for r in rules if r["interval_hours"] is not None]
        name = plan.get("BackupPlanName") or plan_id
        yield s.ev(
            "aws.backup_plan",
            f"{region}/{name}",
            {
                "region": region,
                "plan_id": plan_id,
                "name": name,
                "rules": rules,
                "rule_count": len(rules),
                "min_interval_hours": min(intervals) if intervals else None,
                "max_interval_hours": max(intervals) if intervals else None,
                "continuous": any(r["continuous"] for r in rules),
                "cross_region_copy": any(cp["cross_region"] for r in rules for cp in r["copies"]),
                "cross_account_copy": any(cp["cross_account"] for r in rules for cp in r["copies"]),
                "cold_storage": any(r["move_to_cold_after_days"] for r in rules),
            },
            f"backup/{region}/GetBackupPlan",
        )


def backup_selections(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("backup", region)
    for summary in pages(c, "list_backup_plans", "BackupPlansList"):
        plan_id, plan_name = summary["BackupPlanId"], summary.get("BackupPlanName") or summary["BackupPlanId"]
        for sel in pages(c, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id):
            body = c.get_backup_selection(BackupPlanId=plan_id, SelectionId=sel["SelectionId"])["BackupSelection"]
            resources = list(body.get("Resources") or [])
            tags = [
                {"key": t.get("ConditionKey"), "value": t.get("ConditionValue")} for t in body.get("ListOfTags") or []
            ]
            cond = body.get("Conditions") or {}
            tags += [
                {"key": t.get("ConditionKey"), "value": t.get("ConditionValue")} for t in cond.get("StringEquals") or []
            ]
            name = body.get("SelectionName") or sel["SelectionId"]
            yield s.ev(
                "aws.backup_selection",
                f"{region}/{plan_name}/{name}",
                {
                    "region": region,
                    "plan_id": plan_id,
                    "plan_name": plan_name,
                    "name": name,
                    "resources": resources,
                    "resource_count": len(resources),
                    "all_resources": "*" in resources,
                    "resource_types": sorted({str(r).split(":")[2] for r in resources if str(r).startswith("arn:")}),
                    "tag_conditions": tags,
                    "not_resources": list(body.get("NotResources") or []),
                },
                f"backup/{region}/GetBackupSelection",
            )


def backup_vaults(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("backup", region)
    for v in pages(c, "list_backup_vaults", "BackupVaultList"):
        name = v["BackupVaultName"]
        yield s.ev(
            "aws.backup_vault",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "recovery_points": v.get("NumberOfRecoveryPoints", 0),
                "locked": bool(v.get("Locked")),
                "lock_min_retention_days": v.get("MinRetentionDays"),
                "lock_max_retention_days": v.get("MaxRetentionDays"),
                "lock_date": iso(v.get("LockDate")),
                "encrypted": bool(v.get("EncryptionKeyArn")),
            },
            f"backup/{region}/ListBackupVaults",
        )


def backup_jobs(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("backup", region)
    jobs = pages(c, "list_backup_jobs", "BackupJobs", ByCreatedAfter=s.since())
    for j in islice(jobs, s.cfg.max_items_per_kind):
        yield s.ev(
            "aws.backup_job",
            f"{region}/{j['BackupJobId']}",
            {
                "region": region,
                "job_id": j["BackupJobId"],
                "state": j.get("State"),
                "resource_type": j.get("ResourceType"),
                "resource_arn": j.get("ResourceArn"),
                "vault": j.get("BackupVaultName"),
                "created": iso(j.get("CreationDate")),
                "completed": iso(j.get("CompletionDate")),
                "age_days": age_days(j.get("CreationDate"), s.now),
                "status_message": (j.get("StatusMessage") or "")[:300],
            },
            f"backup/{region}/ListBackupJobs",
        )


# DR drills are judged yearly and half-yearly (YD/T 10.2.1), so restore jobs are read over at
# least this many days whatever the scan window; they are few, unlike backup jobs.
RESTORE_HISTORY_DAYS = 400


def restore_jobs(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("backup", region)
    since = min(s.since(), s.now - dt.timedelta(days=RESTORE_HISTORY_DAYS))
    jobs = pages(c, "list_restore_jobs", "RestoreJobs", ByCreatedAfter=since)
    for j in islice(jobs, s.cfg.max_items_per_kind):
        yield s.ev(
            "aws.restore_job",
            f"{region}/{j['RestoreJobId']}",
            {
                "region": region,
                "job_id": j["RestoreJobId"],
                "status": j.get("Status"),
                "resource_type": j.get("ResourceType"),
                "recovery_point_arn": j.get("RecoveryPointArn"),
                "created": iso(j.get("CreationDate")),
                "completed": iso(j.get("CompletionDate")),
                "age_days": age_days(j.get("CreationDate"), s.now),
                "validation_status": j.get("ValidationStatus"),
                "restore_testing_plan": j.get("CreatedBy", {}).get("RestoreTestingPlanArn"),
            },
            f"backup/{region}/ListRestoreJobs",
        )


def restore_testing_plans(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("backup", region)
    for p in pages(c, "list_restore_testing_plans", "RestoreTestingPlans"):
        name = p["RestoreTestingPlanName"]
        yield s.ev(
            "aws.restore_testing_plan",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "schedule": p.get("ScheduleExpression"),
                "interval_hours": schedule_hours(p.get("ScheduleExpression")),
                "last_execution": iso(p.get("LastExecutionTime")),
                "days_since_last_execution": age_days(p.get("LastExecutionTime"), s.now),
            },
            f"backup/{region}/ListRestoreTestingPlans",
        )


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
            },
            f"rds/{region}/DescribeDBClusters",
        )


def dynamodb_tables(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("dynamodb", region)
    for name in pages(c, "list_tables", "TableNames"):
        table = c.describe_table(TableName=name)["Table"]
        cont = c.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
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


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def s3_buckets(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("s3", region)
    buckets = list(pages(c, "list_buckets", "Buckets"))
    where: dict[str, str] = {}
    for b in buckets:
        loc = c.get_bucket_location(Bucket=b["Name"]).get("LocationConstraint")
        where[b["Name"]] = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc)
    for b in buckets:
        name = b["Name"]
        versioning = c.get_bucket_versioning(Bucket=name).get("Status") or "Disabled"
        try:
            rules = c.get_bucket_replication(Bucket=name)["ReplicationConfiguration"].get("Rules") or []
        except ClientError as exc:
            if _error_code(exc) != "ReplicationConfigurationNotFoundError":
                raise
            rules = []
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
        "backup",
        (
            Part(("aws.backup_plan",), backup_plans),
            Part(("aws.backup_selection",), backup_selections),
            Part(("aws.backup_vault",), backup_vaults),
            Part(("aws.backup_job",), backup_jobs),
            Part(("aws.restore_job",), restore_jobs),
            Part(("aws.restore_testing_plan",), restore_testing_plans),
        ),
    ),
    Service("rds", (Part(("aws.rds_instance",), rds_instances), Part(("aws.rds_cluster",), rds_clusters))),
    Service("dynamodb", (Part(("aws.dynamodb_table",), dynamodb_tables),)),
    Service("elasticache", (Part(("aws.elasticache_group",), elasticache_groups),)),
    Service("s3", (Part(("aws.s3_bucket",), s3_buckets),), is_global=True),
)
