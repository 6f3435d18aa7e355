"""Operations: Auto Scaling, load balancers, CloudWatch alarms, Route 53, FIS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from probes.aws.facts import age_days, environment, iso
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages, whole_pages
from scanner.evidence import Evidence

__all__ = ["SERVICES"]

# Metrics whose alarms watch capacity (saturation of a finite resource).
CAPACITY_METRICS = {
    "CPUUtilization",
    "MemoryUtilization",
    "mem_used_percent",
    "disk_used_percent",
    "FreeStorageSpace",
    "FreeableMemory",
    "DatabaseConnections",
    "DiskQueueDepth",
    "EngineCPUUtilization",
    "DatabaseMemoryUsagePercentage",
    "ConsumedReadCapacityUnits",
    "ConsumedWriteCapacityUnits",
    "ReadThrottleEvents",
    "WriteThrottleEvents",
    "RequestCount",
    "RequestCountPerTarget",
    "ActiveConnectionCount",
    "GroupInServiceInstances",
    "BurstBalance",
    "CPUCreditBalance",
    "VolumeQueueLength",
    "ApproximateNumberOfMessagesVisible",
    "ConcurrentExecutions",
}


# Tag keys that mark an Auto Scaling group as a Kubernetes node group, sized by Cluster
# Autoscaler or EKS rather than by its own scaling policies.
NODE_GROUP_TAGS = ("k8s.io/cluster-autoscaler/enabled", "eks:nodegroup-name", "eks:cluster-name")


def _node_group(tags: list[dict[str, Any]]) -> bool:
    keys = {str(t.get("Key") or "") for t in tags}
    return any(k in keys for k in NODE_GROUP_TAGS) or any(k.startswith("kubernetes.io/cluster/") for k in keys)


def _cluster_of(tags: list[dict[str, Any]]) -> str | None:
    """The Kubernetes cluster a node group's instances join (`eks:cluster-name`, or the cluster
    named in a `kubernetes.io/cluster/<name>` or `k8s.io/cluster-autoscaler/<name>` key)."""
    for t in tags:
        key, value = str(t.get("Key") or ""), str(t.get("Value") or "")
        if key == "eks:cluster-name" and value:
            return value
    for t in sorted(tags, key=lambda t: not str(t.get("Key") or "").startswith("kubernetes.io/cluster/")):
        key = str(t.get("Key") or "")
        for prefix in ("kubernetes.io/cluster/", "k8s.io/cluster-autoscaler/"):
            name = key.removeprefix(prefix) if key.startswith(prefix) else ""
            # not `enabled`, nor a node-template/... key (kops and the autoscaler set those)
            if name and name != "enabled" and "/" not in name:
                return name
    return None


def _autoscaled(g: dict[str, Any], policies: list[dict[str, Any]], scheduled: int) -> bool:
    """Room between min and max, and a policy or a recurring scheduled action that moves the group
    (a ForecastOnly predictive policy changes nothing): the bar of containers.py's `_autoscaled`."""
    room = (g.get("MaxSize") or 0) > (g.get("MinSize") or 0)
    acting = [p for p in policies if not p.get("forecast_only")]
    return room and (bool(acting) or scheduled > 0)


def autoscaling_groups(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("autoscaling", region)
    policies: dict[str, list[dict[str, Any]]] = {}
    for p in pages(c, "describe_policies", "ScalingPolicies"):
        policies.setdefault(p["AutoScalingGroupName"], []).append(
            {
                "name": p.get("PolicyName"),
                "type": p.get("PolicyType"),
                # A predictive policy in ForecastOnly mode forecasts but never changes capacity.
                "forecast_only": (p.get("PredictiveScalingConfiguration") or {}).get("Mode") == "ForecastOnly",
            }
        )
    scheduled: dict[str, int] = {}
    for a in pages(c, "describe_scheduled_actions", "ScheduledUpdateGroupActions"):
        # Only recurring actions adjust capacity by time of day; a one-off action is an event.
        if a.get("Recurrence"):
            scheduled[a["AutoScalingGroupName"]] = scheduled.get(a["AutoScalingGroupName"], 0) + 1
    groups = list(pages(c, "describe_auto_scaling_groups", "AutoScalingGroups"))
    # Node groups are often one per zone (an EKS managed node group per subnet): the cluster's
    # nodes span the zones of all its groups together.
    cluster_zones: dict[str, set[str]] = {}
    for g in groups:
        cluster = _cluster_of(list(g.get("Tags") or []))
        if cluster is not None:
            cluster_zones.setdefault(cluster, set()).update(g.get("AvailabilityZones") or [])
    for g in groups:
        name = g["AutoScalingGroupName"]
        zones = sorted(g.get("AvailabilityZones") or [])
        cluster = _cluster_of(list(g.get("Tags") or []))
        own = policies.get(name, [])
        yield s.ev(
            "aws.autoscaling_group",
            f"{region}/{name}",
            {
                "region": region,
                "name": name,
                "zones": zones,
                "zone_count": len(zones),
                "min_size": g.get("MinSize"),
                "max_size": g.get("MaxSize"),
                "desired": g.get("DesiredCapacity"),
                "elastic": (g.get("MaxSize") or 0) > (g.get("MinSize") or 0),
                "scaling_policies": own,
                "policy_count": len(own),
                "health_check_type": g.get("HealthCheckType"),
                "target_groups": [a.rsplit("/", 2)[-2] if "/" in a else a for a in g.get("TargetGroupARNs") or []],
                "load_balanced": bool(g.get("TargetGroupARNs") or g.get("LoadBalancerNames")),
                "autoscaled": _autoscaled(g, own, scheduled.get(name, 0)),
                "environment": environment(g.get("Tags")),
                "scheduled_actions": scheduled.get(name, 0),
                "kubernetes_node_group": _node_group(list(g.get("Tags") or [])),
                "cluster_zone_count": len(cluster_zones[cluster]) if cluster is not None else None,
            },
            f"autoscaling/{region}/DescribeAutoScalingGroups",
        )


def load_balancers(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("elbv2", region)
    tgs: dict[str, list[dict[str, Any]]] = {}
    for tg in pages(c, "describe_target_groups", "TargetGroups"):
        entry = {
            "name": tg.get("TargetGroupName"),
            "health_check": bool(tg.get("HealthCheckEnabled", True)),
            "path": tg.get("HealthCheckPath"),
            "protocol": tg.get("HealthCheckProtocol"),
        }
        for lb in tg.get("LoadBalancerArns") or []:
            tgs.setdefault(lb, []).append(entry)
    for lb in pages(c, "describe_load_balancers", "LoadBalancers"):
        zones = sorted(z.get("ZoneName") for z in lb.get("AvailabilityZones") or [] if z.get("ZoneName"))
        groups = tgs.get(lb["LoadBalancerArn"], [])
        yield s.ev(
            "aws.load_balancer",
            f"{region}/{lb['LoadBalancerName']}",
            {
                "region": region,
                "name": lb["LoadBalancerName"],
                "type": lb.get("Type"),
                "scheme": lb.get("Scheme"),
                "zones": zones,
                "zone_count": len(zones),
                "target_groups": groups,
                "health_checked": bool(groups) and all(g["health_check"] for g in groups),
            },
            f"elasticloadbalancing/{region}/DescribeLoadBalancers",
        )
    classic = s.client("elb", region)
    for lb in pages(classic, "describe_load_balancers", "LoadBalancerDescriptions"):
        zones = sorted(lb.get("AvailabilityZones") or [])
        hc = lb.get("HealthCheck") or {}
        yield s.ev(
            "aws.load_balancer",
            f"{region}/{lb['LoadBalancerName']}",
            {
                "region": region,
                "name": lb["LoadBalancerName"],
                "type": "classic",
                "scheme": lb.get("Scheme"),
                "zones": zones,
                "zone_count": len(zones),
                "target_groups": [],
                "health_checked": bool(hc.get("Target")),
            },
            f"elasticloadbalancing/{region}/DescribeLoadBalancers",
        )


def _action_type(arn: str) -> str:
    if arn.startswith("arn:aws:automate:"):
        return "ec2"
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else "other"


def _series(a: dict[str, Any]) -> tuple[Any, ...] | None:
    """The metric series and direction a single-metric threshold alarm watches (null for metric
    math, anomaly bands and composites): namespace, metric, dimensions, statistic, above/below."""
    op = str(a.get("ComparisonOperator") or "")
    if not a.get("MetricName") or a.get("ThresholdMetricId") or a.get("Threshold") is None:
        return None
    direction = "up" if op.startswith("Greater") else "down" if op.startswith("Less") else None
    if direction is None:
        return None
    dims = tuple(sorted((str(d.get("Name")), str(d.get("Value"))) for d in a.get("Dimensions") or []))
    stat = a.get("ExtendedStatistic") or a.get("Statistic")
    return (a.get("Namespace"), a["MetricName"], dims, stat, direction)


def _tiers(metric_alarms: list[dict[str, Any]]) -> dict[str, list[str]]:
    """For each alarm, the other alarms on the same series and direction with a different threshold
    that notify a different set of SNS topics (both with actions enabled): a graded tier, the lower
    threshold warning earlier and reaching someone else than the higher one. Only SNS actions are
    compared: an alarm that only drives a scaling policy or an EC2 action is a trigger, not a tier."""

    def topics(a: dict[str, Any]) -> frozenset[str]:
        return frozenset(x for x in a.get("AlarmActions") or [] if _action_type(str(x)) == "sns")

    by_series: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for a in metric_alarms:
        key = _series(a)
        if key is not None and a.get("ActionsEnabled") and topics(a):
            by_series.setdefault(key, []).append(a)
    out: dict[str, list[str]] = {}
    for group in by_series.values():
        for a in group:
            others = [
                b["AlarmName"]
                for b in group
                if b is not a and b.get("Threshold") != a.get("Threshold") and topics(b) != topics(a)
            ]
            if others:
                out[a["AlarmName"]] = sorted(others)[:10]
    return out


def alarms(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("cloudwatch", region)
    # Two lists in one answer, so whole pages (with the same page cap and loop check as `pages`).
    metric: list[dict[str, Any]] = []
    composite: list[dict[str, Any]] = []
    for page in whole_pages(c, "describe_alarms", AlarmTypes=["MetricAlarm", "CompositeAlarm"]):
        metric.extend(page.get("MetricAlarms") or [])
        composite.extend(page.get("CompositeAlarms") or [])
    tiers = _tiers(metric)
    for a in metric:
        yield _alarm(s, region, a, composite=False, tiered_with=tiers.get(a["AlarmName"], []))
    for a in composite:
        yield _alarm(s, region, a, composite=True, tiered_with=[])


def _alarm(s: Scan, region: str, a: dict[str, Any], *, composite: bool, tiered_with: list[str]) -> Evidence:
    actions = list(a.get("AlarmActions") or [])
    metrics = [m.get("MetricStat", {}).get("Metric", {}).get("MetricName") for m in a.get("Metrics") or []]
    metric = a.get("MetricName") or next((m for m in metrics if m), None)
    expressions = " ".join(str(m.get("Expression") or "") for m in a.get("Metrics") or [])
    return s.ev(
        "aws.cloudwatch_alarm",
        f"{region}/{a['AlarmName']}",
        {
            "region": region,
            "name": a["AlarmName"],
            "composite": composite,
            "namespace": a.get("Namespace")
            or next((m.get("MetricStat", {}).get("Metric", {}).get("Namespace") for m in a.get("Metrics") or []), None),
            "metric": metric,
            "capacity_metric": metric in CAPACITY_METRICS,
            "comparison": a.get("ComparisonOperator"),
            "threshold": a.get("Threshold"),
            "anomaly_detection": bool(a.get("ThresholdMetricId")) or "ANOMALY_DETECTION_BAND" in expressions,
            "actions_enabled": bool(a.get("ActionsEnabled")),
            "alarm_actions": actions,
            "action_types": sorted({_action_type(x) for x in actions}),
            "has_actions": bool(a.get("ActionsEnabled")) and bool(actions),
            "ok_actions": len(a.get("OKActions") or []),
            "state": a.get("StateValue"),
            "tiered_with": tiered_with,
        },
        f"cloudwatch/{region}/DescribeAlarms",
    )


def health_checks(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("route53", region)
    for hc in pages(c, "list_health_checks", "HealthChecks"):
        cfg = hc.get("HealthCheckConfig") or {}
        yield s.ev(
            "aws.route53_health_check",
            hc["Id"],
            {
                "id": hc["Id"],
                "type": cfg.get("Type"),
                "fqdn": cfg.get("FullyQualifiedDomainName"),
                "port": cfg.get("Port"),
                "path": cfg.get("ResourcePath"),
                "disabled": bool(cfg.get("Disabled")),
                "interval_s": cfg.get("RequestInterval"),
            },
            "route53/ListHealthChecks",
        )


def routing_records(s: Scan, region: str) -> Iterator[Evidence]:
    """Records with a routing policy (failover, latency, weighted, geo, multivalue)."""
    c = s.client("route53", region)
    count = 0
    for zone in pages(c, "list_hosted_zones", "HostedZones"):
        for r in pages(c, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone["Id"]):
            routing = (
                "failover"
                if r.get("Failover")
                else "latency"
                if r.get("Region")
                else "weighted"
                if "Weight" in r
                else "geolocation"
                if r.get("GeoLocation")
                else "multivalue"
                if r.get("MultiValueAnswer")
                else None
            )
            if routing is None:
                continue
            count += 1
            if count > s.cfg.max_items_per_kind:
                return
            ident = r.get("SetIdentifier") or ""
            yield s.ev(
                "aws.route53_routing_record",
                f"{r['Name']}{r['Type']}/{ident}",
                {
                    "zone": zone.get("Name"),
                    "name": r["Name"],
                    "type": r["Type"],
                    "routing": routing,
                    "failover_role": r.get("Failover"),
                    "region": r.get("Region"),
                    "set_identifier": ident,
                    "health_check_id": r.get("HealthCheckId"),
                    "health_checked": bool(r.get("HealthCheckId"))
                    or bool((r.get("AliasTarget") or {}).get("EvaluateTargetHealth")),
                },
                "route53/ListResourceRecordSets",
            )


def fis_templates(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("fis", region)

    def read(t: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return t, c.get_experiment_template(id=t["id"])["experimentTemplate"]

    for t, body in s.each(read, pages(c, "list_experiment_templates", "experimentTemplates")):
        stops = [x.get("source") for x in body.get("stopConditions") or []]
        yield s.ev(
            "aws.fis_template",
            f"{region}/{t['id']}",
            {
                "region": region,
                "id": t["id"],
                "description": body.get("description"),
                "actions": sorted(
                    {a.get("actionId") for a in (body.get("actions") or {}).values() if a.get("actionId")}
                ),
                "target_types": sorted(
                    {x.get("resourceType") for x in (body.get("targets") or {}).values() if x.get("resourceType")}
                ),
                "stop_conditions": stops,
                "has_stop_condition": any(x and x != "none" for x in stops),
            },
            f"fis/{region}/GetExperimentTemplate",
        )


def fis_experiments(s: Scan, region: str) -> Iterator[Evidence]:
    c = s.client("fis", region)
    for i, e in enumerate(pages(c, "list_experiments", "experiments")):
        if i >= s.cfg.max_items_per_kind:
            return
        started = e.get("startTime") or e.get("creationTime")
        age = age_days(started, s.now)
        yield s.ev(
            "aws.fis_experiment",
            f"{region}/{e['id']}",
            {
                "region": region,
                "id": e["id"],
                "template_id": e.get("experimentTemplateId"),
                "status": (e.get("state") or {}).get("status"),
                "started": iso(started),
                "age_days": age,
                "in_window": age is not None and age <= s.cfg.window_days,
            },
            f"fis/{region}/ListExperiments",
        )


SERVICES = (
    Service("autoscaling", (Part(("aws.autoscaling_group",), autoscaling_groups),)),
    Service("elbv2", (Part(("aws.load_balancer",), load_balancers),), also=("elb",)),
    Service("cloudwatch", (Part(("aws.cloudwatch_alarm",), alarms),)),
    Service(
        "route53",
        (
            Part(("aws.route53_health_check",), health_checks),
            Part(("aws.route53_routing_record",), routing_records),
        ),
        is_global=True,
    ),
    Service("fis", (Part(("aws.fis_template",), fis_templates), Part(("aws.fis_experiment",), fis_experiments))),
)
