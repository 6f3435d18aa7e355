"""Operating practices AWS can show: the Support plan level, Well-Architected Tool reviews,
compliance reports (Config conformance packs, Audit Manager assessments), Patch Manager patch
states, Cost Categories and Cost and Usage Report definitions.

All read-only. Systems Manager is read through two calls only, DescribeInstanceInformation
and DescribeInstancePatchStates: they return instance and patch counts, never a parameter,
document content or command output. GetParameter*, GetSecretValue and every other SSM read
stay outside the IAM policy (a test checks it). Only counts and dates become evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from probes.aws.facts import iso
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages, whole_pages
from scanner.evidence import Evidence

__all__ = ["CE_PARTS", "CONFIG_PARTS", "SERVICES"]

# Patch operations older than this no longer show a running patch cycle: Patch Manager's
# baselines are usually applied monthly, so a month plus a few days of slack.
PATCH_FRESH_DAYS = 35
_BATCH = 50  # DescribeInstancePatchStates takes at most 50 instance ids


def _days(s: Scan, when: Any) -> int | None:
    """Whole days from `when` (a datetime or ISO string) to the scan's time; None if unknown."""
    if isinstance(when, str):
        try:
            when = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(when, dt.datetime):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0, int((s.now - when).days))


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "")


def support_plan(s: Scan, region: str) -> Iterator[Evidence]:
    """The account's Support plan, from the severity levels it may open cases at.

    The Support API answers only Business, Enterprise On-Ramp and Enterprise plans; Basic and
    Developer get SubscriptionRequiredException, which is a fact about the plan, not a failure.
    """
    c = s.client("support", region)
    try:
        levels = [
            str(x.get("code") or "").lower()
            for x in c.describe_severity_levels(language="en").get("severityLevels") or []
        ]
        api = True
    except ClientError as exc:
        if _error_code(exc) != "SubscriptionRequiredException":
            raise
        levels, api = [], False
    if "critical" in levels:
        plan = "enterprise"  # business-critical system down: Enterprise and Enterprise On-Ramp
    elif "urgent" in levels:
        plan = "business"  # production system down
    elif api:
        plan = "other"
    else:
        plan = "basic_or_developer"
    yield s.ev(
        "aws.support_plan",
        s.account,
        {
            "account": s.account,
            "api_available": api,
            "severity_levels": sorted(set(levels))[:10],
            "plan": plan,
            "production_severity": "urgent" in levels or "critical" in levels,
        },
        "support/DescribeSeverityLevels",
    )


def wellarchitected_workloads(s: Scan, region: str) -> Iterator[Evidence]:
    """Workloads defined in the Well-Architected Tool, with when each was last reviewed."""
    c = s.client("wellarchitected", region)
    for w in islice(pages(c, "list_workloads", "WorkloadSummaries"), s.cfg.max_items_per_kind):
        wid = str(w.get("WorkloadId") or "")
        recorded = [
            m.get("RecordedAt")
            for m in islice(pages(c, "list_milestones", "MilestoneSummaries", WorkloadId=wid), 200)
            if m.get("RecordedAt")
        ]
        latest = max(recorded) if recorded else None
        updated = w.get("UpdatedAt")
        # A saved milestone is the tool's record of a finished review; answers updated later
        # (without a milestone) are a review in progress, so both count as reviewing.
        ages = [d for d in (_days(s, latest), _days(s, updated)) if d is not None]
        risks = w.get("RiskCounts") or {}
        yield s.ev(
            "aws.wellarchitected_workload",
            f"{region}/{w.get('WorkloadName') or wid}",
            {
                "region": region,
                "name": str(w.get("WorkloadName") or wid),
                "updated_at": iso(updated),
                "milestones": len(recorded),
                "last_milestone_at": iso(latest),
                "days_since_review": min(ages) if ages else None,
                "improvement_status": w.get("ImprovementStatus"),
                "high_risks": int(risks.get("HIGH") or 0),
                "medium_risks": int(risks.get("MEDIUM") or 0),
            },
            f"wellarchitected/{region}/ListWorkloads",
        )


def conformance_packs(s: Scan, region: str) -> Iterator[Evidence]:
    """Config conformance packs and their compliance summary: compliance reports AWS generates."""
    c = s.client("config", region)
    packs = list(islice(pages(c, "describe_conformance_packs", "ConformancePackDetails"), s.cfg.max_items_per_kind))
    status: dict[str, str] = {}
    names = [str(p["ConformancePackName"]) for p in packs]
    for i in range(0, len(names), 5):  # the summary call takes at most five names
        for page in whole_pages(c, "get_conformance_pack_compliance_summary", ConformancePackNames=names[i : i + 5]):
            for row in page.get("ConformancePackComplianceSummaryList") or []:
                status[str(row.get("ConformancePackName"))] = str(row.get("ConformancePackComplianceStatus") or "")
    for p in packs:
        name = str(p["ConformancePackName"])
        compliance = status.get(name)
        yield s.ev(
            "aws.conformance_pack",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "compliance": compliance,
                "evaluated": compliance in ("COMPLIANT", "NON_COMPLIANT"),
                "last_update_at": iso(p.get("LastUpdateRequestedTime")),
            },
            f"config/{region}/DescribeConformancePacks",
        )


def audit_assessments(s: Scan, region: str) -> Iterator[Evidence]:
    """Audit Manager assessments (evidence collected against a compliance framework)."""
    c = s.client("auditmanager", region)
    if c.get_account_status().get("status") != "ACTIVE":
        return  # Audit Manager not set up in this region: observed, none
    for a in islice(pages(c, "list_assessments", "assessmentMetadata"), s.cfg.max_items_per_kind):
        yield s.ev(
            "aws.audit_assessment",
            f"{region}/{a.get('name') or a.get('id')}",
            {
                "region": region,
                "name": str(a.get("name") or a.get("id") or ""),
                "status": a.get("status"),
                "active": a.get("status") == "ACTIVE",
                "compliance_type": a.get("complianceType"),
                "days_since_update": _days(s, a.get("lastUpdated")),
            },
            f"auditmanager/{region}/ListAssessments",
        )


def patch_states(s: Scan, region: str) -> Iterator[Evidence]:
    """One item per region: SSM-managed instances and what Patch Manager last did on them."""
    c = s.client("ssm", region)
    ids = [
        str(i["InstanceId"])
        for i in islice(pages(c, "describe_instance_information", "InstanceInformationList"), s.cfg.max_items_per_kind)
        if i.get("InstanceId")
    ]
    states: list[dict[str, Any]] = []
    for i in range(0, len(ids), _BATCH):
        states.extend(
            pages(c, "describe_instance_patch_states", "InstancePatchStates", InstanceIds=ids[i : i + _BATCH])
        )
    fresh = [st for st in states if (d := _days(s, st.get("OperationEndTime"))) is not None and d <= PATCH_FRESH_DAYS]
    missing = [
        st
        for st in states
        if int(st.get("CriticalNonCompliantCount") or 0) + int(st.get("SecurityNonCompliantCount") or 0) > 0
    ]
    failed = [st for st in states if int(st.get("FailedCount") or 0) > 0]
    installed = [st for st in fresh if st.get("Operation") == "Install"]
    reporting = {str(st.get("InstanceId")) for st in states}
    bad = {str(st.get("InstanceId")) for st in missing + failed}
    compliant = len((reporting & set(ids)) - bad)
    yield s.ev(
        "aws.patch_state",
        region,
        {
            "region": region,
            "managed_instances": len(ids),
            "reporting": len(reporting & set(ids)),
            "scanned_recently": len(fresh),
            "installed_recently": len(installed),
            "missing_critical_or_security": len(missing),
            "failed": len(failed),
            "all_reporting_recently": bool(ids) and len(fresh) >= len(ids),
            "all_installed_recently": bool(ids) and len(installed) >= len(ids),
            "compliant_share": round(compliant / len(ids), 4) if ids else None,
            "all_compliant": bool(ids) and compliant == len(ids),
            "truncated": len(ids) >= s.cfg.max_items_per_kind,
        },
        f"ssm/{region}/DescribeInstancePatchStates",
    )


def cost_categories(s: Scan, region: str) -> Iterator[Evidence]:
    """Cost Categories: rules that map every cost line to a business dimension (team, product)."""
    c = s.client("ce", region)
    for cat in islice(pages(c, "list_cost_category_definitions", "CostCategoryReferences"), s.cfg.max_items_per_kind):
        values = [str(v) for v in cat.get("Values") or []]
        yield s.ev(
            "aws.cost_category",
            str(cat.get("Name") or cat.get("CostCategoryArn")),
            {
                "name": str(cat.get("Name") or ""),
                "rules": int(cat.get("NumberOfRules") or 0),
                "values": values[:20],
                "value_count": len(values),
                "current": not cat.get("EffectiveEnd"),
                "processing": [str(p.get("Status")) for p in cat.get("ProcessingStatus") or []][:5],
            },
            "ce/ListCostCategoryDefinitions",
        )


def cost_reports(s: Scan, region: str) -> Iterator[Evidence]:
    """Cost and Usage Report definitions: the detailed bill delivered on a schedule."""
    c = s.client("cur", region)
    for r in islice(pages(c, "describe_report_definitions", "ReportDefinitions"), s.cfg.max_items_per_kind):
        yield s.ev(
            "aws.cost_report",
            str(r.get("ReportName")),
            {
                "name": str(r.get("ReportName") or ""),
                "time_unit": r.get("TimeUnit"),
                "format": r.get("Format"),
                "artifacts": sorted(str(a) for a in r.get("AdditionalArtifacts") or [])[:5],
                "refreshes_closed_months": r.get("RefreshClosedReports") is True,
                "resource_ids": "RESOURCES" in (r.get("AdditionalSchemaElements") or []),
            },
            "cur/DescribeReportDefinitions",
        )


SERVICES = (
    Service("support", (Part(("aws.support_plan",), support_plan),), is_global=True),
    Service("wellarchitected", (Part(("aws.wellarchitected_workload",), wellarchitected_workloads),)),
    Service("auditmanager", (Part(("aws.audit_assessment",), audit_assessments),)),
    Service("ssm", (Part(("aws.patch_state",), patch_states),)),
    Service("cur", (Part(("aws.cost_report",), cost_reports),), is_global=True),
)
# Parts on clients governance.py already reads: appended to its services there, so one task
# per client keeps the calls in order (a stubbed client answers in sequence).
CONFIG_PARTS = (Part(("aws.conformance_pack",), conformance_packs),)
CE_PARTS = (Part(("aws.cost_category",), cost_categories),)
