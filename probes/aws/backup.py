"""Data protection: AWS Backup plans, selections, vaults, backup and restore jobs, restore
testing plans (facts only; recovery point contents are never read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice
from typing import Any

from probes.aws.facts import age_days, arn_account, arn_region, iso, schedule_hours
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES"]


def backup_plans(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("backup", region)

    def read(summary: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return summary["BackupPlanId"], c.get_backup_plan(BackupPlanId=summary["BackupPlanId"])["BackupPlan"]

    for plan_id, plan in s.each(read, pages(c, "list_backup_plans", "BackupPlansList")):
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

    def listed(summary: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        plan_id, plan_name = summary["BackupPlanId"], summary.get("BackupPlanName") or summary["BackupPlanId"]
        return [
            (plan_id, plan_name, sel)
            for sel in pages(c, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id)
        ]

    def read(x: tuple[str, str, dict[str, Any]]) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
        plan_id, plan_name, sel = x
        body = c.get_backup_selection(BackupPlanId=plan_id, SelectionId=sel["SelectionId"])["BackupSelection"]
        return plan_id, plan_name, sel, body

    per_plan = s.each(listed, pages(c, "list_backup_plans", "BackupPlansList"))
    for plan_id, plan_name, sel, body in s.each(read, [x for xs in per_plan for x in xs]):
        resources = list(body.get("Resources") or [])
        tags = [{"key": t.get("ConditionKey"), "value": t.get("ConditionValue")} for t in body.get("ListOfTags") or []]
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
)
