"""Typed evidence kinds of probes/aws/backup.py (AWS Backup plans, selections, vaults, jobs,
restore testing), merged into `probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["BACKUP_MODELS"]

_REGION = "the AWS region"


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


BACKUP_MODELS: dict[str, type[KindModel]] = {
    "aws.backup_plan": AwsBackupPlan,
    "aws.backup_selection": AwsBackupSelection,
    "aws.backup_vault": AwsBackupVault,
    "aws.backup_job": AwsBackupJob,
    "aws.restore_job": AwsRestoreJob,
    "aws.restore_testing_plan": AwsRestoreTestingPlan,
}
