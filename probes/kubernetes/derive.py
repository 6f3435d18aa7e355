"""Derived facts from one Kubernetes object (a plain camelCase dict, as the API or a manifest
spells it). The live probe and the manifest parser both call these, so a cluster and the
GitOps repository it is deployed from yield the same evidence.

Nothing here judges: it turns an object into the normalised facts rules read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeGuard

from probes.kubernetes.resources import (
    CACHE_IMAGE,
    PLATFORM_IMAGE,
    PLATFORM_NAMESPACES,
    SYSTEM_NAMESPACES,
    ZONE_KEYS,
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

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Rollout")

# Label/annotation keys that name who owns a thing (team, owner, squad, on-call contact).
_OWNER_KEY = re.compile(r"(^|[/._-])(team|owner|squad|contact|maintainer|on-?call)s?$", re.I)
# Ingress annotations that throttle traffic (ingress-nginx, HAProxy, OpenShift, Kong, Traefik).
_RATE_LIMIT_KEY = re.compile(r"(limit-(rps|rpm|connections|rate|burst)|rate-?limit)", re.I)
_HOSTNAME_KEY = "kubernetes.io/hostname"
_PLATFORM_IMAGE = re.compile(PLATFORM_IMAGE)
_CACHE_IMAGE = re.compile(CACHE_IMAGE)


def image_path(image: str) -> str:
    """An image reference without registry host, tag or digest ("quay.io/a/b:v1" -> "a/b")."""
    ref = image.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref = ref[:colon]
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return "/".join(parts).lower()


def role_of(kind: str, namespace: str, images: list[str]) -> str:
    """What a workload is for: "system" (Kubernetes' own namespaces), "platform" (controllers,
    operators, monitoring, GitOps: by namespace, or by the main container's image), "cache"
    (the main container is Redis, Memcached or the like), "agent" (any other DaemonSet: one pod
    per node by design), else "application"."""
    if namespace in SYSTEM_NAMESPACES:
        return "system"
    main = image_path(images[0]) if images else ""
    if namespace in PLATFORM_NAMESPACES or _PLATFORM_IMAGE.search(main):
        return "platform"
    if _CACHE_IMAGE.search(main):
        return "cache"
    if kind == "DaemonSet":
        return "agent"
    return "application"


# JSON gives plain dicts: `type(x) is dict` first spares the slow abstract Mapping check
# (these run a few hundred thousand times on a large cluster); other mappings still work.


def _is_map(v: Any) -> TypeGuard[Mapping[Any, Any]]:
    return type(v) is dict or isinstance(v, Mapping)


def _m(obj: Any, key: str) -> dict[str, Any]:
    v = obj.get(key) if _is_map(obj) else None
    return dict(v) if _is_map(v) else {}


def _l(obj: Any, key: str) -> list[Any]:
    v = obj.get(key) if _is_map(obj) else None
    return list(v) if isinstance(v, list) else []


def _str_map(v: Any) -> dict[str, str]:
    if type(v) is dict and all(type(k) is str and type(x) is str for k, x in v.items()):
        return dict(v)  # already strings (labels, annotations): a copy, as below
    return {str(k): str(x) for k, x in v.items()} if _is_map(v) else {}


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return None


def _meta(obj: Mapping[str, Any]) -> tuple[str, str, dict[str, str], dict[str, str]]:
    meta = _m(obj, "metadata")
    return (
        str(meta.get("namespace") or "default"),
        str(meta.get("name") or ""),
        _str_map(meta.get("labels")),
        _str_map(meta.get("annotations")),
    )


def owner_of(*maps: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(owner, the key it came from): the first owner-like label or annotation found."""
    for m in maps:
        for key in sorted(m):
            if _OWNER_KEY.search(key) and m[key].strip():
                return m[key].strip(), key
    return None, None


def _managed_by(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str | None:
    """Which deployment tool manages the object, from the labels the tools set themselves."""
    if "argocd.argoproj.io/instance" in labels or "argocd.argoproj.io/tracking-id" in annotations:
        return "argocd"
    if any(k.startswith(("kustomize.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/")) for k in labels):
        return "flux"
    tool = labels.get("app.kubernetes.io/managed-by")
    installed_by_helm = "meta.helm.sh/release-name" in annotations
    if tool:
        # A chart's own label says "Helm" whoever applied it; Helm itself also annotates what it
        # installs. Without that annotation the chart was rendered (`helm template`) and applied
        # by something else: Argo CD with label tracking, or a pipeline. Which one is unknown.
        if tool.lower() == "helm" and not installed_by_helm:
            return "helm-template"
        return tool.lower()
    if installed_by_helm:
        return "helm"
    if labels.get("app.kubernetes.io/instance"):
        # Argo CD's default label tracking (before 3.0) sets only this label, and so do many
        # hand-written manifests: some tool may manage it, which one is unknown.
        return "instance-label"
    return None


_EVICTION = re.compile(r"maxmemory-policy[\s=]+(allkeys|volatile)-", re.I)


def _cache_hint(labels: Mapping[str, str], pod_labels: Mapping[str, str], pod: Mapping[str, Any]) -> bool:
    """Configured as a cache rather than a store: labelled `app.kubernetes.io/component: cache`,
    or started with an evicting memory policy (Redis/Valkey `--maxmemory-policy allkeys-lru`)."""
    if "cache" in (labels.get("app.kubernetes.io/component"), pod_labels.get("app.kubernetes.io/component")):
        return True
    for c in _l(pod, "containers"):
        words = [str(w) for key in ("command", "args") for w in (c.get(key) or [])] if isinstance(c, Mapping) else []
        if _EVICTION.search(" ".join(words)[:4000]):
            return True
    return False


def _container_facts(c: Mapping[str, Any]) -> dict[str, Any]:
    res = _m(c, "resources")
    req, lim = _m(res, "requests"), _m(res, "limits")
    return {
        "name": str(c.get("name") or ""),
        "image": str(c.get("image") or ""),
        "readiness": bool(c.get("readinessProbe")),
        "liveness": bool(c.get("livenessProbe")),
        "startup": bool(c.get("startupProbe")),
        "cpu_request": str(req["cpu"]) if "cpu" in req else None,
        "memory_request": str(req["memory"]) if "memory" in req else None,
        "cpu_limit": str(lim["cpu"]) if "cpu" in lim else None,
        "memory_limit": str(lim["memory"]) if "memory" in lim else None,
    }


def _spread(pod: Mapping[str, Any]) -> list[str]:
    """Topology keys the pods are spread over (spread constraints and pod anti-affinity)."""
    keys = {
        str(t.get("topologyKey"))
        for t in _l(pod, "topologySpreadConstraints")
        if isinstance(t, Mapping) and t.get("topologyKey")
    }
    anti = _m(_m(pod, "affinity"), "podAntiAffinity")
    for term in _l(anti, "requiredDuringSchedulingIgnoredDuringExecution"):
        if isinstance(term, Mapping) and term.get("topologyKey"):
            keys.add(str(term["topologyKey"]))
    for weighted in _l(anti, "preferredDuringSchedulingIgnoredDuringExecution"):
        term = _m(weighted, "podAffinityTerm")
        if term.get("topologyKey"):
            keys.add(str(term["topologyKey"]))
    return sorted(keys)


def _strategy(kind: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "Deployment":
        s = _m(spec, "strategy")
        typ = str(s.get("type") or "RollingUpdate")
        ru = _m(s, "rollingUpdate")
        return {"strategy": typ, "max_unavailable": ru.get("maxUnavailable"), "max_surge": ru.get("maxSurge")}
    if kind == "Rollout":
        s = _m(spec, "strategy")
        typ = "canary" if "canary" in s else "blueGreen" if "blueGreen" in s else "unknown"
        return {"strategy": typ, "max_unavailable": None, "max_surge": None}
    s = _m(spec, "updateStrategy")
    ru = _m(s, "rollingUpdate")
    return {
        "strategy": str(s.get("type") or "RollingUpdate"),
        "max_unavailable": ru.get("maxUnavailable"),
        "max_surge": ru.get("maxSurge"),
    }


def workload_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """Facts about a Deployment, StatefulSet, DaemonSet or Argo Rollout.

    Keys starting with `_` are for joining (pod labels, references) and are not evidence.
    """
    ns, name, labels, ann = _meta(obj)
    spec = _m(obj, "spec")
    template = _m(spec, "template")
    pod_meta = _m(template, "metadata")
    pod = _m(template, "spec")
    containers = [_container_facts(c) for c in _l(pod, "containers") if isinstance(c, Mapping)]
    pod_labels = _str_map(pod_meta.get("labels"))
    owner, owner_key = owner_of(labels, ann, pod_labels)
    spread = _spread(pod)
    replicas = None if kind == "DaemonSet" else _int(spec.get("replicas", 1))
    history = _int(spec.get("revisionHistoryLimit"))
    workload_ref = _m(spec, "workloadRef")

    def every(key: str) -> bool:
        return bool(containers) and all(c[key] for c in containers)

    return {
        "namespace": ns,
        "kind": kind,
        "name": name,
        "system": ns in SYSTEM_NAMESPACES,
        "role": role_of(kind, ns, [c["image"] for c in containers]),
        "replicas": replicas,
        "containers": containers,
        "images": sorted({c["image"] for c in containers if c["image"]}),
        "readiness_all": every("readiness"),
        "liveness_all": every("liveness"),
        "startup_any": any(c["startup"] for c in containers),
        "missing_readiness": [c["name"] for c in containers if not c["readiness"]],
        "requests_all": bool(containers) and all(c["cpu_request"] and c["memory_request"] for c in containers),
        "memory_limits_all": every("memory_limit"),
        "cpu_limits_all": every("cpu_limit"),
        **_strategy(kind, spec),
        "spread_keys": spread,
        "zone_spread": any(k in ZONE_KEYS for k in spread),
        "host_spread": _HOSTNAME_KEY in spread,
        "revision_history_limit": 10 if history is None else history,
        "revision_history_limit_set": history is not None,
        "owner": owner,
        "owner_key": owner_key,
        "app_label": labels.get("app.kubernetes.io/name")
        or labels.get("app")
        or pod_labels.get("app.kubernetes.io/name")
        or pod_labels.get("app"),
        "managed_by": _managed_by(labels, ann),
        "cache_hint": _cache_hint(labels, pod_labels, pod),
        "_pod_labels": pod_labels,
        "_workload_ref": (str(workload_ref.get("kind") or ""), str(workload_ref.get("name") or ""))
        if workload_ref
        else None,
    }


def autoscaler_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """An HPA, VPA or KEDA ScaledObject, and the workload it scales."""
    ns, name, _labels, _ann = _meta(obj)
    spec = _m(obj, "spec")
    target = _m(spec, "scaleTargetRef") or _m(spec, "targetRef")
    out: dict[str, Any] = {
        "namespace": ns,
        "name": name,
        "type": kind,
        "target_kind": str(target.get("kind") or "Deployment"),
        "target_name": str(target.get("name") or ""),
        "min_replicas": None,
        "max_replicas": None,
        "metrics": [],
        "scales_in": None,
        "update_mode": None,
    }
    if kind == "HorizontalPodAutoscaler":
        out["min_replicas"] = _int(spec.get("minReplicas", 1))
        out["max_replicas"] = _int(spec.get("maxReplicas"))
        metrics = []
        for m in _l(spec, "metrics"):
            typ = str(m.get("type") or "") if isinstance(m, Mapping) else ""
            detail = _m(m, typ[:1].lower() + typ[1:]) if typ else {}
            metric_name = detail.get("name") or _m(detail, "metric").get("name")
            metrics.append(f"{typ}/{metric_name}" if metric_name else typ)
        out["metrics"] = metrics or ["Resource/cpu"]  # the API defaults to 80% CPU
        scale_down = _m(_m(spec, "behavior"), "scaleDown")
        out["scales_in"] = scale_down.get("selectPolicy") != "Disabled"
    elif kind == "ScaledObject":
        out["min_replicas"] = _int(spec.get("minReplicaCount", 0))
        out["max_replicas"] = _int(spec.get("maxReplicaCount", 100))
        out["metrics"] = [str(t.get("type")) for t in _l(spec, "triggers") if isinstance(t, Mapping)]
        out["scales_in"] = True
    else:  # VerticalPodAutoscaler
        out["update_mode"] = str(_m(spec, "updatePolicy").get("updateMode") or "Auto")
    return out


def pdb_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = _meta(obj)
    spec = _m(obj, "spec")
    sel = spec.get("selector")
    return {
        "namespace": ns,
        "name": name,
        "min_available": spec.get("minAvailable"),
        "max_unavailable": spec.get("maxUnavailable"),
        "_selector": dict(sel) if isinstance(sel, Mapping) else None,
    }


def label_selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes label-selector semantics: {} matches everything, None matches nothing."""
    return compile_selector(selector)(labels)


def compile_selector(selector: Mapping[str, Any] | None) -> Callable[[Mapping[str, str]], bool]:
    """`label_selector_matches` with the selector parsed once (joins test one selector
    against every workload of its namespace)."""
    if selector is None:
        return lambda _labels: False
    match_labels = tuple(_str_map(selector.get("matchLabels")).items())
    exprs: list[tuple[str, str, frozenset[str]]] = []
    for expr in _l(selector, "matchExpressions"):
        if not _is_map(expr):
            return lambda _labels: False
        exprs.append((str(expr.get("key")), str(expr.get("operator")), frozenset(str(v) for v in _l(expr, "values"))))

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
    ns, name, labels, ann = _meta(obj)
    spec = _m(obj, "spec")
    selector = _str_map(spec.get("selector"))
    owner, _key = owner_of(labels, ann)
    return {
        "namespace": ns,
        "name": name,
        "system": ns in SYSTEM_NAMESPACES,
        "type": str(spec.get("type") or "ClusterIP"),
        "headless": spec.get("clusterIP") == "None",
        "has_selector": bool(selector),
        "ports": len(_l(spec, "ports")),
        "_selector": selector,
        "session_affinity": str(spec.get("sessionAffinity") or "None"),
        "owner": owner,
    }


def ingress_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, ann = _meta(obj)
    spec = _m(obj, "spec")
    rules = [r for r in _l(spec, "rules") if isinstance(r, Mapping)]
    backends: set[str] = set()
    for r in rules:
        for p in _l(_m(r, "http"), "paths"):
            svc = _m(_m(p, "backend"), "service")
            if svc.get("name"):
                backends.add(str(svc["name"]))
    default = _m(_m(spec, "defaultBackend"), "service")
    if default.get("name"):
        backends.add(str(default["name"]))
    limits = sorted(k for k in ann if _RATE_LIMIT_KEY.search(k))
    return {
        "namespace": ns,
        "name": name,
        "system": ns in SYSTEM_NAMESPACES,
        "class": spec.get("ingressClassName") or ann.get("kubernetes.io/ingress.class"),
        "hosts": sorted({str(r["host"]) for r in rules if r.get("host")}),
        "tls": bool(_l(spec, "tls")),
        "backends": sorted(backends),
        "rate_limited": bool(limits),
        "rate_limit_annotations": {k: ann[k] for k in limits},
    }


def network_policy_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = _meta(obj)
    spec = _m(obj, "spec")
    whole = not _m(spec, "podSelector")
    types = [str(t) for t in _l(spec, "policyTypes")] or (["Ingress", "Egress"] if "egress" in spec else ["Ingress"])
    return {
        "namespace": ns,
        "name": name,
        "whole_namespace": whole,
        "policy_types": types,
        "ingress_rules": len(_l(spec, "ingress")),
        "egress_rules": len(_l(spec, "egress")),
        "default_deny_ingress": whole and "Ingress" in types and not _l(spec, "ingress"),
    }


def namespace_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = _m(obj, "metadata")
    name = str(meta.get("name") or "")
    labels, ann = _str_map(meta.get("labels")), _str_map(meta.get("annotations"))
    owner, owner_key = owner_of(labels, ann)
    return {"name": name, "labels": labels, "owner": owner, "owner_key": owner_key, "system": name in SYSTEM_NAMESPACES}


def quota_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = _meta(obj)
    spec = _m(obj, "spec")
    if kind == "ResourceQuota":
        hard = _str_map(spec.get("hard"))
        return {
            "namespace": ns,
            "name": name,
            "type": kind,
            "hard": hard,
            "limits_compute": any(k.endswith(("cpu", "memory")) for k in hard),
        }
    limits = [x for x in _l(spec, "limits") if isinstance(x, Mapping)]
    return {
        "namespace": ns,
        "name": name,
        "type": kind,
        "limit_types": sorted({str(x.get("type")) for x in limits}),
        "default_requests": any(_m(x, "defaultRequest") for x in limits),
        "default_limits": any(_m(x, "default") for x in limits),
        "limits_compute": bool(limits),
    }


def cronjob_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, labels, ann = _meta(obj)
    spec = _m(obj, "spec")
    owner, _key = owner_of(labels, ann)
    return {
        "namespace": ns,
        "name": name,
        "schedule": str(spec.get("schedule") or ""),
        "time_zone": spec.get("timeZone"),
        "suspend": bool(spec.get("suspend", False)),
        "concurrency_policy": str(spec.get("concurrencyPolicy") or "Allow"),
        "starting_deadline_seconds": _int(spec.get("startingDeadlineSeconds")),
        "successful_jobs_history_limit": _int(spec.get("successfulJobsHistoryLimit", 3)),
        "failed_jobs_history_limit": _int(spec.get("failedJobsHistoryLimit", 1)),
        "owner": owner,
    }


def rollout_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """An Argo Rollout or a Flagger Canary: progressive delivery for one workload."""
    ns, name, _labels, _ann = _meta(obj)
    spec = _m(obj, "spec")
    if kind == "Canary":
        target = _m(spec, "targetRef")
        analysis = _m(spec, "analysis")
        return {
            "namespace": ns,
            "name": name,
            "tool": "flagger",
            "strategy": "blueGreen" if analysis.get("iterations") and not analysis.get("stepWeight") else "canary",
            "target_kind": str(target.get("kind") or "Deployment"),
            "target_name": str(target.get("name") or ""),
            "analysis": bool(_l(analysis, "metrics") or _l(analysis, "webhooks")),
            "steps": _int(analysis.get("maxWeight")) if analysis.get("maxWeight") is not None else None,
        }
    strategy = _m(spec, "strategy")
    canary, bg = _m(strategy, "canary"), _m(strategy, "blueGreen")
    steps = [s for s in _l(canary, "steps") if isinstance(s, Mapping)]
    has_analysis = bool(
        _m(canary, "analysis")
        or any("analysis" in s for s in steps)
        or _m(bg, "prePromotionAnalysis")
        or _m(bg, "postPromotionAnalysis")
    )
    ref = _m(spec, "workloadRef")
    return {
        "namespace": ns,
        "name": name,
        "tool": "argo-rollouts",
        "strategy": "canary"
        if canary or "canary" in strategy
        else "blueGreen"
        if bg or "blueGreen" in strategy
        else "unknown",
        "target_kind": str(ref.get("kind") or "Rollout"),
        "target_name": str(ref.get("name") or name),
        "analysis": has_analysis,
        "steps": len(steps) if canary else None,
    }


def velero_schedule_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = _meta(obj)
    spec = _m(obj, "spec")
    template = _m(spec, "template")
    return {
        "namespace": ns,
        "name": name,
        "schedule": str(spec.get("schedule") or ""),
        "paused": bool(spec.get("paused", False)),
        "included_namespaces": [str(x) for x in _l(template, "includedNamespaces")] or ["*"],
        "excluded_namespaces": [str(x) for x in _l(template, "excludedNamespaces")],
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
    status = _m(obj, "status")
    if kind in ("Schedule", "ChaosSchedule"):
        sched = _m(status, "schedule") if tool == "litmus" else status
        return sched.get("lastScheduleTime") or sched.get("lastScheduledTime")
    return _m(obj, "metadata").get("creationTimestamp")


def chaos_facts(tool: str, kind: str, obj: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A Chaos Mesh experiment or schedule, or a Litmus ChaosEngine/ChaosSchedule."""
    ns, name, _labels, _ann = _meta(obj)
    spec = _m(obj, "spec")
    days = _days_since(_last_run(tool, kind, obj), now or datetime.now(UTC))
    if tool == "litmus":
        engine = _m(spec, "engineTemplateSpec") if kind == "ChaosSchedule" else spec
        faults = [str(e.get("name")) for e in _l(engine, "experiments") if isinstance(e, Mapping)]
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
