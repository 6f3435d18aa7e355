"""Incident response plans (Incident Manager), utilisation analysis (Compute Optimizer),
change-to-anomaly correlation (DevOps Guru) and zonal autoshift practice runs (ARC).

Read-only and bounded. Incident Manager: ListResponsePlans, then GetResponsePlan for at most
`max_items_per_kind` plans per region; of each plan only its name, how many engagements it has,
whether it has a chat channel and the names of the Systems Manager Automation runbooks it starts
are kept (never their parameters or role). Compute Optimizer: the account's
enrollment status (GetEnrollmentStatus), read once per account. DevOps Guru: per region, the
counts DescribeAccountHealth gives (resources and metrics analysed, open insights). ARC zonal
shift: per region, the outcomes of completed practice runs (ListZonalShifts, EXPIRED and CANCELED,
at most `max_items_per_kind` shifts each); resource identifiers are not kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from probes.aws.facts import iso
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES"]

_MAX_RUNBOOKS = 10  # runbook names kept per plan


def response_plans(s: Scan, region: str) -> Iterator[Evidence]:
    """Incident Manager response plans and the Automation runbooks each starts with an incident."""
    c = s.client("ssm-incidents", region)
    for summary in islice(pages(c, "list_response_plans", "responsePlanSummaries"), s.cfg.max_items_per_kind):
        arn = str(summary.get("arn") or "")
        plan = c.get_response_plan(arn=arn)
        runbooks = [
            str(a["ssmAutomation"].get("documentName") or "")
            for a in plan.get("actions") or []
            if isinstance(a.get("ssmAutomation"), dict)
        ]
        name = str(plan.get("name") or summary.get("name") or arn)
        yield s.ev(
            "aws.incident_response_plan",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "runbooks": runbooks[:_MAX_RUNBOOKS],
                "runbook_count": len(runbooks),
                "engagements": len(plan.get("engagements") or []),
                "chat_channel": bool(plan.get("chatChannel")),
            },
            f"ssm-incidents/{region}/GetResponsePlan",
        )


def compute_optimizer(s: Scan, region: str) -> Iterator[Evidence]:
    """The account's Compute Optimizer enrollment: Active means it analyses utilisation metrics."""
    c = s.client("compute-optimizer", region)
    st = c.get_enrollment_status()
    status = st.get("status")
    yield s.ev(
        "aws.compute_optimizer",
        s.account,
        {
            "account": s.account,
            "status": status,
            "active": status == "Active",
            "member_accounts_enrolled": st.get("memberAccountsEnrolled"),
            "updated_at": iso(st.get("lastUpdatedTimestamp")),
        },
        "compute-optimizer/GetEnrollmentStatus",
    )


def devops_guru(s: Scan, region: str) -> Iterator[Evidence]:
    """Whether DevOps Guru analyses resources in this region (its insights relate anomalies to
    the deployments and configuration changes recorded by CloudTrail)."""
    c = s.client("devops-guru", region)
    h = c.describe_account_health()
    analysed = h.get("AnalyzedResourceCount")
    yield s.ev(
        "aws.devops_guru",
        f"{s.account}/{region}",
        {
            "region": region,
            "analyzed_resources": int(analysed) if analysed is not None else None,
            "metrics_analyzed": int(h.get("MetricsAnalyzed") or 0),
            "resource_hours": int(h.get("ResourceHours") or 0),
            "open_reactive_insights": int(h.get("OpenReactiveInsights") or 0),
            "open_proactive_insights": int(h.get("OpenProactiveInsights") or 0),
        },
        f"devops-guru/{region}/DescribeAccountHealth",
    )


def practice_runs(s: Scan, region: str) -> Iterator[Evidence]:
    """One item per region: zonal autoshift practice runs ARC ended, counted by outcome.

    A practice run shifts a resource's traffic away from one Availability Zone for about 30
    minutes while the customer's outcome alarm watches the business: SUCCEEDED means the alarm
    stayed quiet, FAILED that it went into ALARM (the shift hurt the business). The outcome alarm
    ends a practice run early, so a FAILED run may be listed as CANCELED rather than EXPIRED: both
    statuses are read (ListZonalShifts filters by one status per call). Per resource, only the
    outcome of its latest completed run is kept, as a count (resource identifiers are not kept)."""
    c = s.client("arc-zonal-shift", region)
    outcomes: dict[str, int] = {}
    starts = []
    latest: dict[str, tuple[str, str]] = {}  # resource -> (start, outcome) of its latest completed run
    for status in ("EXPIRED", "CANCELED"):
        for z in islice(pages(c, "list_zonal_shifts", "items", status=status), s.cfg.max_items_per_kind):
            if z.get("shiftType") != "PRACTICE_RUN":
                continue
            outcome = str(z.get("practiceRunOutcome") or "PENDING")
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            start = z.get("startTime")
            if start:
                starts.append(start)
            if outcome in ("SUCCEEDED", "FAILED"):
                key, when = str(z.get("resourceIdentifier") or ""), iso(start) or ""
                if key not in latest or when > latest[key][0]:
                    latest[key] = (when, outcome)
    yield s.ev(
        "aws.zonal_practice_runs",
        f"{s.account}/{region}",
        {
            "region": region,
            "completed": outcomes.get("SUCCEEDED", 0) + outcomes.get("FAILED", 0),
            "succeeded": outcomes.get("SUCCEEDED", 0),
            "failed": outcomes.get("FAILED", 0),
            "failing_resources": sum(1 for _, o in latest.values() if o == "FAILED"),
            "interrupted": outcomes.get("INTERRUPTED", 0) + outcomes.get("CAPACITY_CHECK_FAILED", 0),
            "oldest_start": iso(min(starts)) if starts else None,
            "latest_start": iso(max(starts)) if starts else None,
        },
        f"arc-zonal-shift/{region}/ListZonalShifts",
    )


SERVICES = (
    Service("ssm-incidents", (Part(("aws.incident_response_plan",), response_plans),)),
    Service("compute-optimizer", (Part(("aws.compute_optimizer",), compute_optimizer),), is_global=True),
    Service("devops-guru", (Part(("aws.devops_guru",), devops_guru),)),
    Service("arc-zonal-shift", (Part(("aws.zonal_practice_runs",), practice_runs),)),
)
