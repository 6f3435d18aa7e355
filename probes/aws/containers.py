"""Containers and application scaling: ECS services and Application Auto Scaling targets.

An ECS service is read with its deployment settings, load balancers, the zones of its awsvpc
subnets (DescribeSubnets) and its Application Auto Scaling target and policies. A refused or
missing side read (subnets, scaling) leaves those fields null (unknown), never "none".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence
from scanner.probe import Cancelled

__all__ = ["SERVICES"]

# DescribeServices takes at most 10 services per call.
_DESCRIBE_BATCH = 10
# The Application Auto Scaling namespaces read as `aws.scalable_target`.
_NAMESPACES = ("ecs", "dynamodb", "lambda")


def _scaling(s: Scan, region: str, namespace: str) -> dict[str, dict[str, Any]] | None:
    """Scalable targets of one namespace by resource id, with their policies and recurring
    scheduled actions; None when Application Auto Scaling cannot be read (refused, missing)."""
    c = s.client("application-autoscaling", region)
    try:
        targets: dict[str, dict[str, Any]] = {}
        for i, t in enumerate(pages(c, "describe_scalable_targets", "ScalableTargets", ServiceNamespace=namespace)):
            if i >= s.cfg.max_items_per_kind:
                break
            targets[f"{t['ResourceId']}|{t.get('ScalableDimension')}"] = {
                "resource_id": t["ResourceId"],
                "dimension": t.get("ScalableDimension"),
                "min": t.get("MinCapacity"),
                "max": t.get("MaxCapacity"),
                "policy_types": [],
                "scheduled_actions": 0,
            }
        for p in pages(c, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace=namespace):
            t = targets.get(f"{p.get('ResourceId')}|{p.get('ScalableDimension')}")
            if t is not None:
                t["policy_types"].append(p.get("PolicyType"))
        for a in pages(c, "describe_scheduled_actions", "ScheduledActions", ServiceNamespace=namespace):
            t = targets.get(f"{a.get('ResourceId')}|{a.get('ScalableDimension')}")
            if t is not None:
                t["scheduled_actions"] += 1
    except Cancelled:
        raise
    except Exception:  # noqa: BLE001 - refused or not offered: the scaling fields stay unknown
        return None
    return targets


def _autoscaled(t: dict[str, Any] | None) -> bool:
    """A target that can change capacity by itself: room between min and max, and a policy or a
    scheduled action that moves it."""
    if t is None:
        return False
    room = (t.get("max") or 0) > (t.get("min") or 0)
    return room and (bool(t["policy_types"]) or t["scheduled_actions"] > 0)


def _subnet_zones(s: Scan, region: str, subnets: set[str]) -> dict[str, str] | None:
    if not subnets:
        return {}
    try:
        c = s.client("ec2", region)
        ids = sorted(subnets)
        out: dict[str, str] = {}
        for i in range(0, len(ids), 100):
            for sn in pages(c, "describe_subnets", "Subnets", SubnetIds=ids[i : i + 100]):
                out[sn["SubnetId"]] = sn.get("AvailabilityZone")
        return out
    except Cancelled:
        raise
    except Exception:  # noqa: BLE001 - refused: zones stay unknown
        return None


def _launch_type(svc: dict[str, Any]) -> str | None:
    """launchType, or FARGATE when every provider of its capacity provider strategy is FARGATE or
    FARGATE_SPOT (the two are exclusive in DescribeServices), else "capacity-provider"."""
    if svc.get("launchType"):
        return str(svc["launchType"])
    strategy = svc.get("capacityProviderStrategy") or []
    if not strategy:
        return None
    if all(str(x.get("capacityProvider")) in ("FARGATE", "FARGATE_SPOT") for x in strategy):
        return "FARGATE"
    return "capacity-provider"


def _tg_name(arn: str) -> str:
    """The name in ...:targetgroup/<name>/<id>, else the ARN as given."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn


def ecs_services(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("ecs", region)
    found: list[dict[str, Any]] = []
    for cluster in pages(c, "list_clusters", "clusterArns"):
        arns: list[str] = []
        for arn in pages(c, "list_services", "serviceArns", cluster=cluster):
            if len(found) + len(arns) >= s.cfg.max_items_per_kind:
                break
            arns.append(arn)
        for i in range(0, len(arns), _DESCRIBE_BATCH):
            found.extend(
                c.describe_services(cluster=cluster, services=arns[i : i + _DESCRIBE_BATCH]).get("services") or []
            )
        if len(found) >= s.cfg.max_items_per_kind:
            break
    if not found:
        return
    scaling = _scaling(s, region, "ecs")
    nets = {
        svc["serviceArn"]: list(
            ((svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}).get("subnets") or []
        )
        for svc in found
    }
    zones_of = _subnet_zones(s, region, {x for v in nets.values() for x in v})
    for svc in found:
        cluster = str(svc.get("clusterArn") or "").rsplit("/", 1)[-1]
        name = svc["serviceName"]
        dc = svc.get("deploymentConfiguration") or {}
        cb = dc.get("deploymentCircuitBreaker")
        subnets = nets[svc["serviceArn"]]
        zones = None if zones_of is None else sorted({zones_of[x] for x in subnets if zones_of.get(x)})
        target = None if scaling is None else scaling.get(f"service/{cluster}/{name}|ecs:service:DesiredCount")
        lbs = svc.get("loadBalancers") or []
        yield s.ev(
            "aws.ecs_service",
            f"{region}/{cluster}/{name}",
            {
                "region": region,
                "cluster": cluster,
                "name": name,
                "status": svc.get("status"),
                "launch_type": _launch_type(svc),
                "scheduling_strategy": svc.get("schedulingStrategy"),
                "desired_count": svc.get("desiredCount"),
                "running_count": svc.get("runningCount"),
                "subnet_count": len(subnets),
                "zones": zones,
                "zone_count": None if zones is None or not subnets else len(zones),
                "load_balanced": bool(lbs),
                "target_groups": [_tg_name(str(lb["targetGroupArn"])) for lb in lbs if lb.get("targetGroupArn")],
                "health_check_grace_seconds": svc.get("healthCheckGracePeriodSeconds"),
                # ECS is the documented default when a service was created without one.
                "deployment_controller": (svc.get("deploymentController") or {}).get("type") or "ECS",
                "minimum_healthy_percent": dc.get("minimumHealthyPercent"),
                "maximum_percent": dc.get("maximumPercent"),
                "circuit_breaker": None if cb is None else bool(cb.get("enable")),
                "circuit_breaker_rollback": None if cb is None else bool(cb.get("enable") and cb.get("rollback")),
                "scaling_min": None if target is None else target["min"],
                "scaling_max": None if target is None else target["max"],
                "scaling_policy_types": None if scaling is None else (target or {}).get("policy_types", []),
                "autoscaled": None if scaling is None else _autoscaled(target),
            },
            f"ecs/{region}/DescribeServices",
        )


def scalable_targets(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("application-autoscaling", region)
    for ns in _NAMESPACES:
        policies: dict[str, list[str]] = {}
        for p in pages(c, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace=ns):
            policies.setdefault(f"{p.get('ResourceId')}|{p.get('ScalableDimension')}", []).append(p.get("PolicyType"))
        scheduled: dict[str, int] = {}
        for a in pages(c, "describe_scheduled_actions", "ScheduledActions", ServiceNamespace=ns):
            k = f"{a.get('ResourceId')}|{a.get('ScalableDimension')}"
            scheduled[k] = scheduled.get(k, 0) + 1
        for i, t in enumerate(pages(c, "describe_scalable_targets", "ScalableTargets", ServiceNamespace=ns)):
            if i >= s.cfg.max_items_per_kind:
                break
            key = f"{t['ResourceId']}|{t.get('ScalableDimension')}"
            entry = {
                "min": t.get("MinCapacity"),
                "max": t.get("MaxCapacity"),
                "policy_types": policies.get(key, []),
                "scheduled_actions": scheduled.get(key, 0),
            }
            yield s.ev(
                "aws.scalable_target",
                f"{region}/{ns}/{t['ResourceId']}/{t.get('ScalableDimension')}",
                {
                    "region": region,
                    "namespace": ns,
                    "resource_id": t["ResourceId"],
                    "dimension": t.get("ScalableDimension"),
                    **entry,
                    "suspended": any(bool(v) for v in (t.get("SuspendedState") or {}).values()),
                    "autoscaled": _autoscaled(entry),
                },
                f"application-autoscaling/{region}/DescribeScalableTargets",
            )


SERVICES = (
    Service("ecs", (Part(("aws.ecs_service",), ecs_services),), also=("application-autoscaling", "ec2")),
    Service("application-autoscaling", (Part(("aws.scalable_target",), scalable_targets),)),
)
