"""Derived facts from one Kubernetes object (a plain camelCase dict, as the API or a manifest
spells it). The live probe and the manifest parser both call these, so a cluster and the
GitOps repository it is deployed from yield the same evidence.

Nothing here judges: it turns an object into the normalised facts rules read.

The facts of workloads, autoscalers, disruption budgets and rollouts are in workloads.py, and
the accessors they share in objects.py; both are re-exported here, so `derive` stays the one
place the probe and the manifest parser read facts from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from probes.kubernetes.objects import is_map, meta_of, owner_of, str_map, sub_list, sub_map, to_int
from probes.kubernetes.resources import SYSTEM_NAMESPACES
from probes.kubernetes.workloads import (
    WORKLOAD_KINDS,
    autoscaler_facts,
    image_path,
    pdb_facts,
    role_of,
    rollout_facts,
    workload_facts,
)

__all__ = [
    "WORKLOAD_KINDS",
    "autoscaler_facts",
    "chaos_facts",
    "compile_selector",
    "cronjob_facts",
    "image_path",
    "ingress_facts",
    "label_selector_matches",
    "namespace_facts",
    "network_policy_facts",
    "owner_of",
    "pdb_facts",
    "quota_facts",
    "role_of",
    "rollout_facts",
    "service_facts",
    "velero_schedule_facts",
    "workload_facts",
]

# Ingress annotations that throttle traffic (ingress-nginx, HAProxy, OpenShift, Kong, Traefik).
_RATE_LIMIT_KEY = re.compile(r"(limit-(rps|rpm|connections|rate|burst)|rate-?limit)", re.I)


def label_selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes label-selector semantics: {} matches everything, None matches nothing."""
    return compile_selector(selector)(labels)


def compile_selector(selector: Mapping[str, Any] | None) -> Callable[[Mapping[str, str]], bool]:
    """`label_selector_matches` with the selector parsed once (joins test one selector
    against every workload of its namespace)."""
    if selector is None:
        return lambda _labels: False
    match_labels = tuple(str_map(selector.get("matchLabels")).items())
    exprs: list[tuple[str, str, frozenset[str]]] = []
    for expr in sub_list(selector, "matchExpressions"):
        if not is_map(expr):
            return lambda _labels: False
        exprs.append(
            (str(expr.get("key")), str(expr.get("operator")), frozenset(str(v) for v in sub_list(expr, "values")))
        )

    def matches(labels: Mapping[str, str]) -> bool:
        for k, v in match_labels:
            if labels.get(k) != v:
                return False
        for key, op, values in exprs:
            if op == "In":
                ok = key in labels and labels[key] in values
            elif op == "NotIn":
                ok = key not in labels or labels[key] not in values
            elif op == "Exists":
                ok = key in labels
            elif op == "DoesNotExist":
                ok = key not in labels
            else:
                ok = False
            if not ok:
                return False
        return True

    return matches


def service_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, labels, ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    selector = str_map(spec.get("selector"))
    owner, _key = owner_of(labels, ann)
    return {
        "namespace": ns,
        "name": name,
        "system": ns in SYSTEM_NAMESPACES,
        "type": str(spec.get("type") or "ClusterIP"),
        "headless": spec.get("clusterIP") == "None",
        "has_selector": bool(selector),
        "ports": len(sub_list(spec, "ports")),
        "_selector": selector,
        "session_affinity": str(spec.get("sessionAffinity") or "None"),
        "owner": owner,
    }


def ingress_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    rules = [r for r in sub_list(spec, "rules") if isinstance(r, Mapping)]
    backends: set[str] = set()
    for r in rules:
        for p in sub_list(sub_map(r, "http"), "paths"):
            svc = sub_map(sub_map(p, "backend"), "service")
            if svc.get("name"):
                backends.add(str(svc["name"]))
    default = sub_map(sub_map(spec, "defaultBackend"), "service")
    if default.get("name"):
        backends.add(str(default["name"]))
    limits = sorted(k for k in ann if _RATE_LIMIT_KEY.search(k))
    return {
        "namespace": ns,
        "name": name,
        "system": ns in SYSTEM_NAMESPACES,
        "class": spec.get("ingressClassName") or ann.get("kubernetes.io/ingress.class"),
        "hosts": sorted({str(r["host"]) for r in rules if r.get("host")}),
        "tls": bool(sub_list(spec, "tls")),
        "backends": sorted(backends),
        "rate_limited": bool(limits),
        "rate_limit_annotations": {k: ann[k] for k in limits},
    }


def network_policy_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    whole = not sub_map(spec, "podSelector")
    types = [str(t) for t in sub_list(spec, "policyTypes")] or (
        ["Ingress", "Egress"] if "egress" in spec else ["Ingress"]
    )
    return {
        "namespace": ns,
        "name": name,
        "whole_namespace": whole,
        "policy_types": types,
        "ingress_rules": len(sub_list(spec, "ingress")),
        "egress_rules": len(sub_list(spec, "egress")),
        "default_deny_ingress": whole and "Ingress" in types and not sub_list(spec, "ingress"),
    }


def namespace_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = sub_map(obj, "metadata")
    name = str(meta.get("name") or "")
    labels, ann = str_map(meta.get("labels")), str_map(meta.get("annotations"))
    owner, owner_key = owner_of(labels, ann)
    return {"name": name, "labels": labels, "owner": owner, "owner_key": owner_key, "system": name in SYSTEM_NAMESPACES}


def quota_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    if kind == "ResourceQuota":
        hard = str_map(spec.get("hard"))
        return {
            "namespace": ns,
            "name": name,
            "type": kind,
            "hard": hard,
            "limits_compute": any(k.endswith(("cpu", "memory")) for k in hard),
        }
    limits = [x for x in sub_list(spec, "limits") if isinstance(x, Mapping)]
    return {
        "namespace": ns,
        "name": name,
        "type": kind,
        "limit_types": sorted({str(x.get("type")) for x in limits}),
        "default_requests": any(sub_map(x, "defaultRequest") for x in limits),
        "default_limits": any(sub_map(x, "default") for x in limits),
        "limits_compute": bool(limits),
    }


def cronjob_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, labels, ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    owner, _key = owner_of(labels, ann)
    return {
        "namespace": ns,
        "name": name,
        "schedule": str(spec.get("schedule") or ""),
        "time_zone": spec.get("timeZone"),
        "suspend": bool(spec.get("suspend", False)),
        "concurrency_policy": str(spec.get("concurrencyPolicy") or "Allow"),
        "starting_deadline_seconds": to_int(spec.get("startingDeadlineSeconds")),
        "successful_jobs_history_limit": to_int(spec.get("successfulJobsHistoryLimit", 3)),
        "failed_jobs_history_limit": to_int(spec.get("failedJobsHistoryLimit", 1)),
        "owner": owner,
    }


def velero_schedule_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    template = sub_map(spec, "template")
    return {
        "namespace": ns,
        "name": name,
        "schedule": str(spec.get("schedule") or ""),
        "paused": bool(spec.get("paused", False)),
        "included_namespaces": [str(x) for x in sub_list(template, "includedNamespaces")] or ["*"],
        "excluded_namespaces": [str(x) for x in sub_list(template, "excludedNamespaces")],
        "ttl": template.get("ttl"),
        "snapshot_volumes": template.get("snapshotVolumes"),
    }


_CHAOS_CATEGORY = {
    "PodChaos": "pod",
    "NetworkChaos": "network",
    "IOChaos": "io",
    "StressChaos": "stress",
    "TimeChaos": "time",
}


def _days_since(stamp: Any, now: datetime) -> float | None:
    """Days from an RFC 3339 timestamp to `now` (null: missing or unreadable)."""
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        t = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return round(max(0.0, (now - t).total_seconds() / 86400), 2)


def _last_run(tool: str, kind: str, obj: Mapping[str, Any]) -> Any:
    """When it last injected faults: a schedule's last scheduled run; a one-off experiment or
    ChaosEngine runs when it is created."""
    status = sub_map(obj, "status")
    if kind in ("Schedule", "ChaosSchedule"):
        sched = sub_map(status, "schedule") if tool == "litmus" else status
        return sched.get("lastScheduleTime") or sched.get("lastScheduledTime")
    return sub_map(obj, "metadata").get("creationTimestamp")


def chaos_facts(tool: str, kind: str, obj: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A Chaos Mesh experiment or schedule, or a Litmus ChaosEngine/ChaosSchedule."""
    ns, name, _labels, _ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    days = _days_since(_last_run(tool, kind, obj), now or datetime.now(UTC))
    if tool == "litmus":
        engine = sub_map(spec, "engineTemplateSpec") if kind == "ChaosSchedule" else spec
        faults = [str(e.get("name")) for e in sub_list(engine, "experiments") if isinstance(e, Mapping)]
        category = "pod" if any("pod" in f for f in faults) else "node" if any("node" in f for f in faults) else "other"
        return {
            "namespace": ns,
            "name": name,
            "tool": tool,
            "type": kind,
            "faults": faults,
            "scheduled": kind == "ChaosSchedule",
            "category": category,
            "action": None,
            "days_since_run": days,
        }
    inner: dict[str, Any] = spec
    inner_kind = kind
    if kind == "Schedule":  # a Chaos Mesh Schedule wraps one experiment spec under e.g. `podChaos`
        inner_kind = str(spec.get("type") or "")
        inner = next((dict(v) for k, v in spec.items() if k.lower().endswith("chaos") and isinstance(v, Mapping)), {})
    return {
        "namespace": ns,
        "name": name,
        "tool": tool,
        "type": inner_kind,
        "faults": [inner_kind] if inner_kind else [],
        "scheduled": kind == "Schedule",
        "category": _CHAOS_CATEGORY.get(inner_kind, "other"),
        "action": inner.get("action"),
        "days_since_run": days,
    }
