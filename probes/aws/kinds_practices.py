"""Typed evidence kinds of probes/aws/practices.py (Support plan, Well-Architected Tool,
conformance packs, Audit Manager, Patch Manager, Cost Categories), merged into
`probes.aws.kinds.MODELS`."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["PRACTICE_MODELS"]

_REGION = "the AWS region"


class AwsSupportPlan(KindModel):
    """`aws.support_plan`: the account's AWS Support plan level."""

    account: str = Field(description="the AWS account id")
    api_available: bool = Field(
        description="the Support API answered (Business, Enterprise On-Ramp or Enterprise plans); "
        "false: SubscriptionRequiredException, a Basic or Developer plan"
    )
    severity_levels: list[str] = Field(description="case severity codes the plan offers (low ... urgent, critical)")
    plan: str = Field(description="enterprise (critical), business (urgent), other, or basic_or_developer")
    production_severity: bool = Field(
        description="cases can be opened as 'production system down' (urgent) or 'business-critical system down'"
    )


class AwsWellArchitectedWorkload(KindModel):
    """`aws.wellarchitected_workload`: a workload defined in the Well-Architected Tool."""

    region: str = Field(description=_REGION)
    name: str = Field(description="workload name")
    updated_at: str | None = Field(description="when its review answers were last updated")
    milestones: int = Field(description="saved milestones (snapshots of finished reviews)")
    last_milestone_at: str | None = Field(description="when the latest milestone was saved")
    days_since_review: int | None = Field(description="days since the latest milestone or answer update")
    improvement_status: str | None = Field(
        description="NOT_APPLICABLE, NOT_STARTED, IN_PROGRESS, COMPLETE or RISK_ACKNOWLEDGED"
    )
    high_risks: int = Field(description="high-risk answers")
    medium_risks: int = Field(description="medium-risk answers")


class AwsConformancePack(KindModel):
    """`aws.conformance_pack`: an AWS Config conformance pack."""

    region: str = Field(description=_REGION)
    name: str = Field(description="pack name")
    compliance: str | None = Field(description="COMPLIANT, NON_COMPLIANT or INSUFFICIENT_DATA (null: no summary)")
    evaluated: bool = Field(description="the pack's rules have evaluated resources (COMPLIANT or NON_COMPLIANT)")
    last_update_at: str | None = Field(description="when the pack was last deployed or updated")


class AwsAuditAssessment(KindModel):
    """`aws.audit_assessment`: an AWS Audit Manager assessment."""

    region: str = Field(description=_REGION)
    name: str = Field(description="assessment name")
    status: str | None = Field(description="ACTIVE or INACTIVE")
    active: bool = Field(description="collecting evidence now")
    compliance_type: str | None = Field(description="the framework's compliance type (e.g. SOC2, PCI DSS)")
    days_since_update: int | None = Field(description="days since the assessment was last updated")


class AwsPatchState(KindModel):
    """`aws.patch_state`: Systems Manager Patch Manager in one region (counts only)."""

    region: str = Field(description=_REGION)
    managed_instances: int = Field(description="instances managed by Systems Manager")
    reporting: int = Field(description="of those, with a Patch Manager patch state")
    scanned_recently: int = Field(description="patch operation (Scan or Install) ended within 35 days")
    installed_recently: int = Field(description="last patch operation an Install, ended within 35 days")
    missing_critical_or_security: int = Field(description="instances missing critical or security patches")
    failed: int = Field(description="instances with failed patch installations")
    all_reporting_recently: bool = Field(description="every managed instance was scanned or patched within 35 days")
    all_installed_recently: bool = Field(description="every managed instance had patches installed within 35 days")
    compliant_share: float | None = Field(
        description="share of managed instances reporting a patch state with no missing critical/security "
        "patch and no failed installation (null: no managed instance)"
    )
    all_compliant: bool = Field(
        description="every managed instance reports a patch state, none missing critical/security patches or failed"
    )
    truncated: bool = Field(description="the instance count reached the read bound")


class AwsCostCategory(KindModel):
    """`aws.cost_category`: an AWS Cost Categories definition."""

    name: str = Field(description="cost category name (e.g. Team, Product)")
    rules: int = Field(description="rules mapping costs to its values")
    values: list[str] = Field(description="its values (first 20)")
    value_count: int = Field(description="how many values it maps costs to")
    current: bool = Field(description="in effect now (no effective end)")
    processing: list[str] = Field(description="processing status of its cost data (PROCESSING, APPLIED)")


class AwsCostReport(KindModel):
    """`aws.cost_report`: an AWS Cost and Usage Report definition."""

    name: str = Field(description="report name")
    time_unit: str | None = Field(description="HOURLY, DAILY or MONTHLY line items")
    format: str | None = Field(description="textORcsv or Parquet")
    artifacts: list[str] = Field(description="integrations generated with it (ATHENA, REDSHIFT, QUICKSIGHT)")
    refreshes_closed_months: bool = Field(description="closed months are refreshed when refunds or credits arrive")
    resource_ids: bool = Field(description="line items carry resource ids")


PRACTICE_MODELS: dict[str, type[KindModel]] = {
    "aws.support_plan": AwsSupportPlan,
    "aws.wellarchitected_workload": AwsWellArchitectedWorkload,
    "aws.conformance_pack": AwsConformancePack,
    "aws.audit_assessment": AwsAuditAssessment,
    "aws.patch_state": AwsPatchState,
    "aws.cost_category": AwsCostCategory,
    "aws.cost_report": AwsCostReport,
}
