"""Ownership: owner/team tags judged over the AWS Config inventory of every scanned region.

The tagging API (governance.py) lists only resources that have or had tags, so a resource
never tagged is invisible there; AWS Config records every resource of the types it records,
tagged or not. One item for the account: which regions' recorders cover the workload types,
and how many of the workload resources recorded there carry an owner tag. Only tag keys are
judged; no tag value leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from probes.aws.governance import OWNER_KEYS, norm_key
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES", "WORKLOAD_TYPES", "recorder_covers"]

# Resource types a team builds and runs (compute, data, messaging, entry points), all taggable
# and recorded by AWS Config. Derived resources (network interfaces, volumes, security group
# rules) and account-wide ones (IAM) are left out: they follow the resource that made them.
WORKLOAD_TYPES = (
    "AWS::EC2::Instance",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancing::LoadBalancer",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::Lambda::Function",
    "AWS::ECS::Cluster",
    "AWS::ECS::Service",
    "AWS::EKS::Cluster",
    "AWS::ElastiCache::CacheCluster",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::Kinesis::Stream",
    "AWS::OpenSearch::Domain",
    "AWS::EFS::FileSystem",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGatewayV2::Api",
    "AWS::StepFunctions::StateMachine",
    "AWS::Redshift::Cluster",
)
QUERY = "SELECT resourceId, resourceType, tags WHERE resourceType IN ({})".format(
    ", ".join(f"'{t}'" for t in WORKLOAD_TYPES)
)
MAX_UNOWNED = 20


def recorder_covers(recorder: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    """The recorder is recording, and its recording group includes every workload type."""
    if not status.get("recording"):
        return False
    group = recorder.get("recordingGroup") or {}
    if group.get("allSupported"):
        return True
    strategy = (group.get("recordingStrategy") or {}).get("useOnly")
    if strategy == "EXCLUSION_BY_RESOURCE_TYPES":
        excluded = set((group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or [])
        return not excluded & set(WORKLOAD_TYPES)
    return set(WORKLOAD_TYPES) <= set(group.get("resourceTypes") or [])


def _covered(c: Any) -> bool:
    recorders = c.describe_configuration_recorders().get("ConfigurationRecorders") or []
    status = {
        x.get("name"): x for x in c.describe_configuration_recorder_status().get("ConfigurationRecordersStatus") or []
    }
    return any(recorder_covers(r, status.get(r.get("name"), {})) for r in recorders)


def _owned(row: Mapping[str, Any]) -> bool:
    tags = row.get("tags") or []
    return any(
        isinstance(t, Mapping) and norm_key(str(t.get("key") or "")) in OWNER_KEYS and t.get("value")
        for t in (tags if isinstance(tags, list) else [])
    )


def owner_inventory(s: Scan, region: str) -> Iterator[Evidence]:
    """Runs once (in the global region) and reads every scanned region's Config."""
    cap = s.cfg.max_items_per_kind * 5
    regions = list(s.cfg.regions)
    not_covered: list[str] = []
    resources = owned = 0
    complete = True
    unowned: list[str] = []
    for r in regions:
        c = s.client("config", r)
        if not _covered(c):
            not_covered.append(r)
            continue
        rows = list(islice(pages(c, "select_resource_config", "Results", Expression=QUERY), cap + 1))
        if len(rows) > cap:
            complete, rows = False, rows[:cap]
        for raw in rows:
            try:
                row = json.loads(raw) if isinstance(raw, str) else None
            except ValueError:
                row = None
            if not isinstance(row, dict) or row.get("resourceType") not in WORKLOAD_TYPES:
                complete = False  # a row we cannot read: the inventory is not fully judged
                continue
            resources += 1
            if _owned(row):
                owned += 1
            elif len(unowned) < MAX_UNOWNED:
                unowned.append(f"{r}/{row.get('resourceType')}/{str(row.get('resourceId') or '')[:200]}")
    yield s.ev(
        "aws.owner_inventory",
        s.account,
        {
            "regions": regions,
            "regions_not_covered": not_covered,
            "resources": resources,
            "with_owner": owned,
            "owner_ratio": round(owned / resources, 4) if resources else None,
            "complete": complete,
            "unowned": unowned,
        },
        f"config/{region}/SelectResourceConfig",
    )


# A second, global entry for the config client: the per-region clients are prepared by the
# regional config service (governance.py), so this part reads each region's own Config.
SERVICES = (Service("config", (Part(("aws.owner_inventory",), owner_inventory),), is_global=True),)
