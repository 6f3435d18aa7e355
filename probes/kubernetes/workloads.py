"""Derived facts of the objects that run and scale an application: Deployments, StatefulSets,
DaemonSets and Argo Rollouts (what a workload is for, its probes, resources, strategy, spread),
autoscalers, disruption budgets and progressive-delivery objects; and the facts computed when
they are joined (rolling-update arithmetic, autoscalers coupled through one metric).

Nothing here judges: it turns objects into the normalised facts rules read.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from probes.kubernetes.objects import managed_by, meta_of, owner_of, str_map, sub_list, sub_map, to_int
from probes.kubernetes.resources import CACHE_IMAGE, PLATFORM_IMAGE, PLATFORM_NAMESPACES, SYSTEM_NAMESPACES, ZONE_KEYS

__all__ = [
    "MAX_PRIORITY_CLASSES",
    "WORKLOAD_KINDS",
    "PriorityClasses",
    "autoscaler_facts",
    "coupled_autoscalers",
    "image_path",
    "pdb_facts",
    "role_of",
    "rollout_facts",
    "surge_first",
    "unavailable_share",
    "workload_facts",
]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Rollout")
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


_EVICTION = re.compile(r"maxmemory-policy[\s=]+(allkeys|volatile)-", re.I)


def _cache_hint(labels: Mapping[str, str], pod_labels: Mapping[str, str], pod: Mapping[str, Any]) -> bool:
    """Configured as a cache rather than a store: labelled `app.kubernetes.io/component: cache`,
    or started with an evicting memory policy (Redis/Valkey `--maxmemory-policy allkeys-lru`)."""
    if "cache" in (labels.get("app.kubernetes.io/component"), pod_labels.get("app.kubernetes.io/component")):
        return True
    for c in sub_list(pod, "containers"):
        words = [str(w) for key in ("command", "args") for w in (c.get(key) or [])] if isinstance(c, Mapping) else []
        if _EVICTION.search(" ".join(words)[:4000]):
            return True
    return False


def _container_facts(c: Mapping[str, Any]) -> dict[str, Any]:
    res = sub_map(c, "resources")
    req, lim = sub_map(res, "requests"), sub_map(res, "limits")
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
        for t in sub_list(pod, "topologySpreadConstraints")
        if isinstance(t, Mapping) and t.get("topologyKey")
    }
    anti = sub_map(sub_map(pod, "affinity"), "podAntiAffinity")
    for term in sub_list(anti, "requiredDuringSchedulingIgnoredDuringExecution"):
        if isinstance(term, Mapping) and term.get("topologyKey"):
            keys.add(str(term["topologyKey"]))
    for weighted in sub_list(anti, "preferredDuringSchedulingIgnoredDuringExecution"):
        term = sub_map(weighted, "podAffinityTerm")
        if term.get("topologyKey"):
            keys.add(str(term["topologyKey"]))
    return sorted(keys)


def _strategy(kind: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "Deployment":
        s = sub_map(spec, "strategy")
        typ = str(s.get("type") or "RollingUpdate")
        ru = sub_map(s, "rollingUpdate")
        return {"strategy": typ, "max_unavailable": ru.get("maxUnavailable"), "max_surge": ru.get("maxSurge")}
    if kind == "Rollout":
        s = sub_map(spec, "strategy")
        typ = "canary" if "canary" in s else "blueGreen" if "blueGreen" in s else "unknown"
        return {"strategy": typ, "max_unavailable": None, "max_surge": None}
    s = sub_map(spec, "updateStrategy")
    ru = sub_map(s, "rollingUpdate")
    return {
        "strategy": str(s.get("type") or "RollingUpdate"),
        "max_unavailable": ru.get("maxUnavailable"),
        "max_surge": ru.get("maxSurge"),
    }


def workload_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """Facts about a Deployment, StatefulSet, DaemonSet or Argo Rollout.

    Keys starting with `_` are for joining (pod labels, references) and are not evidence.
    """
    ns, name, labels, ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    template = sub_map(spec, "template")
    pod_meta = sub_map(template, "metadata")
    pod = sub_map(template, "spec")
    containers = [_container_facts(c) for c in sub_list(pod, "containers") if isinstance(c, Mapping)]
    pod_labels = str_map(pod_meta.get("labels"))
    owner, owner_key = owner_of(labels, ann, pod_labels)
    spread = _spread(pod)
    replicas = None if kind == "DaemonSet" else to_int(spec.get("replicas", 1))
    history = to_int(spec.get("revisionHistoryLimit"))
    workload_ref = sub_map(spec, "workloadRef")

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
        "managed_by": managed_by(labels, ann),
        "cache_hint": _cache_hint(labels, pod_labels, pod),
        "priority_class": str(pod["priorityClassName"])[:253] if pod.get("priorityClassName") else None,
        "_pod_labels": pod_labels,
        "_workload_ref": (str(workload_ref.get("kind") or ""), str(workload_ref.get("name") or ""))
        if workload_ref
        else None,
    }


def autoscaler_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """An HPA, VPA or KEDA ScaledObject, and the workload it scales."""
    ns, name, _labels, _ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    target = sub_map(spec, "scaleTargetRef") or sub_map(spec, "targetRef")
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
        out["min_replicas"] = to_int(spec.get("minReplicas", 1))
        out["max_replicas"] = to_int(spec.get("maxReplicas"))
        metrics = []
        for m in sub_list(spec, "metrics"):
            typ = str(m.get("type") or "") if isinstance(m, Mapping) else ""
            detail = sub_map(m, typ[:1].lower() + typ[1:]) if typ else {}
            metric_name = detail.get("name") or sub_map(detail, "metric").get("name")
            metrics.append(f"{typ}/{metric_name}" if metric_name else typ)
        out["metrics"] = metrics or ["Resource/cpu"]  # the API defaults to 80% CPU
        scale_down = sub_map(sub_map(spec, "behavior"), "scaleDown")
        out["scales_in"] = scale_down.get("selectPolicy") != "Disabled"
    elif kind == "ScaledObject":
        out["min_replicas"] = to_int(spec.get("minReplicaCount", 0))
        out["max_replicas"] = to_int(spec.get("maxReplicaCount", 100))
        out["metrics"] = [str(t.get("type")) for t in sub_list(spec, "triggers") if isinstance(t, Mapping)]
        out["scales_in"] = True
    else:  # VerticalPodAutoscaler
        out["update_mode"] = str(sub_map(spec, "updatePolicy").get("updateMode") or "Auto")
    return out


def pdb_facts(obj: Mapping[str, Any]) -> dict[str, Any]:
    ns, name, _labels, _ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    sel = spec.get("selector")
    return {
        "namespace": ns,
        "name": name,
        "min_available": spec.get("minAvailable"),
        "max_unavailable": spec.get("maxUnavailable"),
        "_selector": dict(sel) if isinstance(sel, Mapping) else None,
    }


def rollout_facts(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """An Argo Rollout or a Flagger Canary: progressive delivery for one workload."""
    ns, name, _labels, _ann = meta_of(obj)
    spec = sub_map(obj, "spec")
    if kind == "Canary":
        target = sub_map(spec, "targetRef")
        analysis = sub_map(spec, "analysis")
        return {
            "namespace": ns,
            "name": name,
            "tool": "flagger",
            "strategy": "blueGreen" if analysis.get("iterations") and not analysis.get("stepWeight") else "canary",
            "target_kind": str(target.get("kind") or "Deployment"),
            "target_name": str(target.get("name") or ""),
            "analysis": bool(sub_list(analysis, "metrics") or sub_list(analysis, "webhooks")),
            "steps": to_int(analysis.get("maxWeight")) if analysis.get("maxWeight") is not None else None,
        }
    strategy = sub_map(spec, "strategy")
    canary, bg = sub_map(strategy, "canary"), sub_map(strategy, "blueGreen")
    steps = [s for s in sub_list(canary, "steps") if isinstance(s, Mapping)]
    has_analysis = bool(
        sub_map(canary, "analysis")
        or any("analysis" in s for s in steps)
        or sub_map(bg, "prePromotionAnalysis")
        or sub_map(bg, "postPromotionAnalysis")
    )
    ref = sub_map(spec, "workloadRef")
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


# ---------------------------------------------------------------- priority classes

MAX_PRIORITY_CLASSES = 2000  # a cluster has a handful; more is not a cluster we can read whole
_INT32 = (-(2**31), 2**31 - 1)  # PriorityClass.value is an int32


class PriorityClasses:
    """The cluster's PriorityClasses, as far as a workload's priority needs them: each class's
    value, and the default priority a pod without a class gets (the value of the class marked
    globalDefault, the lowest one if several are; 0 when none is), as the Priority admission
    plugin resolves them. A class whose value is not an int32 is kept with an unknown value; a
    class whose globalDefault cannot be read, or a default class whose value cannot, makes the
    default unknown. More than MAX_PRIORITY_CLASSES objects: the table is not trusted at all."""

    __slots__ = ("_defaults", "count", "values")

    def __init__(self) -> None:
        self.values: dict[str, int | None] = {}
        self._defaults: list[int | None] = []  # values of the globalDefault classes (None: unreadable)
        self.count = 0

    def add(self, obj: Mapping[str, Any]) -> None:
        self.count += 1
        if self.count > MAX_PRIORITY_CLASSES:
            return
        name = sub_map(obj, "metadata").get("name")
        raw = obj.get("value")
        value = raw if type(raw) is int and _INT32[0] <= raw <= _INT32[1] else None
        if isinstance(name, str) and 0 < len(name) <= 253:
            self.values[name] = value
        default = obj.get("globalDefault", False)
        if default is None:
            default = False  # omitted (omitempty): not the default
        if default is not False:  # true, or not a bool: it is or may be the default
            self._defaults.append(value if default is True else None)

    def absorb(self, other: PriorityClasses) -> None:
        self.values.update(other.values)
        self._defaults.extend(other._defaults)
        self.count += other.count

    @property
    def complete(self) -> bool:
        return self.count <= MAX_PRIORITY_CLASSES

    def default(self) -> int | None:
        """The priority of a pod with no class (None: cannot be told)."""
        if not self.complete or any(v is None for v in self._defaults):
            return None
        return min((v for v in self._defaults if v is not None), default=0)

    def resolve(self, class_name: str | None) -> tuple[int | None, bool | None]:
        """(priority value, below the default priority) of pods with `class_name`. No class: the
        default priority, so never below it. A class not defined (its pods are refused by
        admission) or unreadable: (None, None)."""
        default = self.default()
        if class_name is None:
            return default, False
        value = self.values.get(class_name) if self.complete else None
        if value is None:
            return None, None
        return value, (value < default) if default is not None else None


# ---------------------------------------------------------------- facts computed at join time


_KEDA_METRIC = re.compile(r"^s\d+-")


def coupled_autoscalers(autoscalers: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], list[str]]:
    """Per HPA, the other HPAs that scale a different workload on the same External or Object
    metric: one signal (a queue's depth, the front door's request rate) scaling several related
    applications together. Resource and Pods metrics are each workload's own, so a shared name
    (cpu, http_requests_per_second) does not couple anything."""
    by_metric: dict[str, list[tuple[tuple[str, str, str], tuple[str, str, str]]]] = defaultdict(list)
    for a in autoscalers:
        if a["type"] != "HorizontalPodAutoscaler":
            continue
        key = (a["namespace"], a["type"], a["name"])
        target = (a["namespace"], a["target_kind"], a["target_name"])
        for m in a["metrics"]:
            # KEDA names each ScaledObject's external metric after the trigger's position and type
            # (s0-prometheus, s1-rabbitmq...): equal names in two objects are not one signal. The
            # key keeps the namespace, since staging and production read the same metric name with
            # their own selectors.
            if m.startswith(("External/", "Object/")) and not _KEDA_METRIC.match(m.split("/", 1)[1]):
                by_metric[f"{a['namespace']}/{m}"].append((key, target))
    out: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for users in by_metric.values():
        for key, target in users:
            out[key].update(f"{o[0]}/{o[2]}" for o, o_target in users if o_target != target)
    return {k: sorted(v)[:50] for k, v in out.items() if v}


def surge_first(kind: str, strategy: str, max_unavailable: Any, replicas: Any) -> bool:
    """Whether a Deployment's rolling update never takes a pod down before its replacement is up:
    maxUnavailable (25% when unset) comes to zero pods at the workload's largest replica count.
    Kubernetes rounds a percentage of maxUnavailable down, so 25% of three replicas is none."""
    if kind != "Deployment" or strategy != "RollingUpdate":
        return False
    value = "25%" if max_unavailable is None else max_unavailable
    count = replicas if isinstance(replicas, int) and replicas > 0 else 1
    text = str(value).strip()
    try:
        if text.endswith("%"):
            return math.floor(float(text[:-1]) / 100.0 * count) == 0
        return int(text) == 0
    except ValueError:
        return False


def unavailable_share(kind: str, strategy: str, max_unavailable: Any, replicas: Any) -> float | None:
    """Share of a Deployment's pods a rolling update may take down at once (maxUnavailable, 25%
    when unset, rounded down as Kubernetes does, over the largest replica count); null when the
    workload is not a RollingUpdate Deployment or the value cannot be read. 0 is surge-first."""
    if kind != "Deployment" or strategy != "RollingUpdate":
        return None
    count = replicas if isinstance(replicas, int) and replicas > 0 else 1
    text = str("25%" if max_unavailable is None else max_unavailable).strip()
    try:
        pods = math.floor(float(text[:-1]) / 100.0 * count) if text.endswith("%") else int(text)
    except ValueError:
        return None
    return round(min(max(pods, 0), count) / count, 4)
