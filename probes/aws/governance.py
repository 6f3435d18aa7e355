"""Governance: budgets, Cost Explorer anomaly monitors and cost allocation tags, AWS Config,
CloudTrail, and tags (Resource Groups Tagging API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from probes.aws.facts import iso
from probes.aws.plan import Part, Scan, Service
from probes.aws.practices import CE_PARTS, CONFIG_PARTS
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["OWNER_KEYS", "SERVICES", "norm_key"]

# Tag keys (lower-cased, separators removed) read as naming an owner or a cost centre.
OWNER_KEYS = {"owner", "team", "ownerteam", "contact", "maintainer", "squad"}
COST_KEYS = {"costcenter", "costcentre", "cost", "billing", "project", "budget", "businessunit"}


def norm_key(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch.isalnum())


def budgets(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("budgets", region)
    for b in pages(c, "describe_budgets", "Budgets", AccountId=s.account):
        name = b["BudgetName"]
        notes = list(
            pages(c, "describe_notifications_for_budget", "Notifications", AccountId=s.account, BudgetName=name)
        )
        limit = b.get("BudgetLimit") or {}
        yield s.ev(
            "aws.budget",
            name,
            {
                "name": name,
                "type": b.get("BudgetType"),
                "time_unit": b.get("TimeUnit"),
                "limit": limit.get("Amount"),
                "unit": limit.get("Unit"),
                "notifications": [
                    {
                        "type": n.get("NotificationType"),
                        "threshold": n.get("Threshold"),
                        "comparison": n.get("ComparisonOperator"),
                    }
                    for n in notes
                ],
                "notification_count": len(notes),
                "forecast_alert": any(n.get("NotificationType") == "FORECASTED" for n in notes),
            },
            "budgets/DescribeBudgets",
        )


def anomaly_monitors(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("ce", region)
    subs: dict[str, int] = {}
    for sub in pages(c, "get_anomaly_subscriptions", "AnomalySubscriptions"):
        for arn in sub.get("MonitorArnList") or []:
            subs[arn] = subs.get(arn, 0) + 1
    for m in pages(c, "get_anomaly_monitors", "AnomalyMonitors"):
        arn = m.get("MonitorArn", "")
        yield s.ev(
            "aws.cost_anomaly_monitor",
            m.get("MonitorName") or arn,
            {
                "name": m.get("MonitorName"),
                "arn": arn,
                "type": m.get("MonitorType"),
                "dimension": m.get("MonitorDimension"),
                "subscriptions": subs.get(arn, 0),
                "alerts": subs.get(arn, 0) > 0,
            },
            "ce/GetAnomalyMonitors",
        )


def cost_allocation_tags(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("ce", region)
    for t in pages(c, "list_cost_allocation_tags", "CostAllocationTags"):
        yield s.ev(
            "aws.cost_allocation_tag",
            t["TagKey"],
            {
                "key": t["TagKey"],
                "type": t.get("Type"),
                "status": t.get("Status"),
                "active": t.get("Status") == "Active",
                "last_used": iso(t.get("LastUsedDate")),
            },
            "ce/ListCostAllocationTags",
        )


def config_recorders(s: Scan, region: str) -> Iterator[Evidence]:
    """One item per region, so a region without a recorder is a visible fact."""
    c = s.client("config", region)
    recorders = c.describe_configuration_recorders().get("ConfigurationRecorders") or []
    status = {
        x.get("name"): x for x in c.describe_configuration_recorder_status().get("ConfigurationRecordersStatus") or []
    }
    channels = c.describe_delivery_channels().get("DeliveryChannels") or []
    rec = recorders[0] if recorders else {}
    group = rec.get("recordingGroup") or {}
    st = status.get(rec.get("name"), {})
    yield s.ev(
        "aws.config_recorder",
        region,
        {
            "region": region,
            "recorders": len(recorders),
            "name": rec.get("name"),
            "recording": bool(st.get("recording")),
            "all_supported": bool(group.get("allSupported")),
            "include_global_types": bool(group.get("includeGlobalResourceTypes")),
            "resource_types": len(group.get("resourceTypes") or []),
            "last_status": st.get("lastStatus"),
            "delivery_channel": bool(channels),
            "sns_notifications": any(ch.get("snsTopicARN") for ch in channels),
        },
        f"config/{region}/DescribeConfigurationRecorderStatus",
    )


def config_rules(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("config", region)
    for r in pages(c, "describe_config_rules", "ConfigRules"):
        src = r.get("Source") or {}
        yield s.ev(
            "aws.config_rule",
            f"{region}/{r['ConfigRuleName']}",
            {
                "region": region,
                "name": r["ConfigRuleName"],
                "owner": src.get("Owner"),
                "identifier": src.get("SourceIdentifier"),
                "state": r.get("ConfigRuleState"),
            },
            f"config/{region}/DescribeConfigRules",
        )


def trails(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("cloudtrail", region)
    home = [
        t
        for t in c.describe_trails(includeShadowTrails=False).get("trailList") or []
        if t.get("HomeRegion", region) == region
    ]

    def read(t: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return t, c.get_trail_status(Name=t.get("TrailARN") or t["Name"])

    for t, status in s.each(read, home):
        yield s.ev(
            "aws.cloudtrail_trail",
            f"{region}/{t['Name']}",
            {
                "name": t["Name"],
                "home_region": region,
                "multi_region": bool(t.get("IsMultiRegionTrail")),
                "organization": bool(t.get("IsOrganizationTrail")),
                "logging": bool(status.get("IsLogging")),
                "log_file_validation": bool(t.get("LogFileValidationEnabled")),
                "global_service_events": bool(t.get("IncludeGlobalServiceEvents")),
                "latest_delivery": iso(status.get("LatestDeliveryTime")),
            },
            f"cloudtrail/{region}/GetTrailStatus",
        )


def tagged_resources(s: Scan, region: str) -> Iterator[Evidence]:
    """Resources the tagging API knows in this region, with their tag keys (values only for
    owner and cost keys, which name teams, not secrets)."""
    c = s.client("resourcegroupstaggingapi", region)
    for i, r in enumerate(pages(c, "get_resources", "ResourceTagMappingList")):
        if i >= s.cfg.max_items_per_kind * 5:
            return
        arn = r["ResourceARN"]
        parts = arn.split(":")
        if len(parts) > 3 and not parts[3] and region != s.cfg.global_region:
            continue  # a global resource (S3 bucket, Route 53 zone) is listed in every region: once
        tags = {t["Key"]: t.get("Value", "") for t in r.get("Tags") or []}
        keys = sorted({norm_key(k) for k in tags})
        owner = next((v for k, v in tags.items() if norm_key(k) in OWNER_KEYS and v), None)
        cost = next((v for k, v in tags.items() if norm_key(k) in COST_KEYS and v), None)
        yield s.ev(
            "aws.tagged_resource",
            arn,
            {
                "arn": arn,
                "region": region,
                "service": parts[2] if len(parts) > 2 else None,
                "tag_keys": keys,
                "owner": owner,
                "has_owner": owner is not None,
                "cost_tag": cost,
                "has_cost_tag": cost is not None,
                # Name is the console's label, not an extension field; aws:* keys are AWS's own.
                "user_tag_count": sum(1 for k in tags if not k.lower().startswith("aws:") and norm_key(k) != "name"),
            },
            f"tag/{region}/GetResources",
        )


SERVICES = (
    Service("budgets", (Part(("aws.budget",), budgets),), is_global=True),
    Service(
        "ce",
        (
            Part(("aws.cost_anomaly_monitor",), anomaly_monitors),
            Part(("aws.cost_allocation_tag",), cost_allocation_tags),
            *CE_PARTS,
        ),
        is_global=True,
    ),
    Service(
        "config",
        (Part(("aws.config_recorder",), config_recorders), Part(("aws.config_rule",), config_rules), *CONFIG_PARTS),
    ),
    Service("cloudtrail", (Part(("aws.cloudtrail_trail",), trails),)),
    Service("resourcegroupstaggingapi", (Part(("aws.tagged_resource",), tagged_resources),)),
)
