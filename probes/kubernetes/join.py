"""Turn a stream of Kubernetes objects (live or from manifests) into evidence.

Objects arrive one at a time in any order. Stand-alone facts (ingresses, cron jobs, Velero
schedules, chaos experiments) become evidence at once; facts that need joining (a workload
and the HPA, PDB, Rollout and ReplicaSets that refer to it; a namespace and its quotas) are
kept as small derived facts, never as raw objects, and emitted by `finish`. Memory is then
bounded by the number of objects times a few hundred bytes, not by their size: until `finish`,
each fact dict is held packed (`_pack`: its values in a tuple, its keys in one tuple shared by
every dict of the same shape, short strings interned as evidence interns them, so the decoded
page's own copies are let go) and is unpacked, equal and in the same key order, when it is
joined.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from probes.kubernetes import derive
from probes.kubernetes.otel import otel_collector_facts
from probes.kubernetes.resources import SYSTEM_NAMESPACES, ZONE_KEYS
from probes.kubernetes.velero import velero_restore_facts
from probes.kubernetes.workloads import PriorityClasses, coupled_autoscalers, surge_first, unavailable_share
from scanner.evidence import Evidence

__all__ = ["FILE_KINDS", "KINDS", "Joiner", "MakeEvidence", "group_of"]

KINDS: dict[str, str] = {
    "kubernetes.workload": "a Deployment, StatefulSet, DaemonSet or Argo Rollout: replicas, probes, resources, strategy, spread, HPA/PDB coverage, owner",
    "kubernetes.hpa": "an autoscaler (HPA; VPA and KEDA ScaledObject where installed) and the workload it scales",
    "kubernetes.pdb": "a PodDisruptionBudget and how many workloads it covers",
    "kubernetes.service": "a Service: type, selector, ready endpoints (live only)",
    "kubernetes.ingress": "an Ingress: hosts, TLS, backends, rate-limit annotations",
    "kubernetes.network_policy": "a NetworkPolicy: scope, policy types, default deny",
    "kubernetes.node_zones": "one summary of the cluster's nodes per zone and region (live only)",
    "kubernetes.namespace": "a namespace: labels, owner, quota, limit range, network policies, workload count",
    "kubernetes.quota": "a ResourceQuota or LimitRange",
    "kubernetes.cronjob": "a CronJob: schedule, suspension, concurrency policy, history limits",
    "kubernetes.api_groups": "one item listing the API groups served and which optional tools they show (live only)",
    "kubernetes.velero_schedule": "a Velero backup schedule",
    "kubernetes.velero_restore": "a Velero Restore that was run: phase, age, duration, errors (live only)",
    "kubernetes.chaos_experiment": "a Chaos Mesh or Litmus experiment or schedule",
    "kubernetes.rollout": "progressive delivery for one workload: an Argo Rollout or a Flagger Canary",
    "kubernetes.otel_collector": "an OpenTelemetry Operator collector: mode, scale, target OS, the receivers, processors and exporters its pipelines use",
}
# A manifest repository cannot show nodes, what the API server serves, or the restores run.
LIVE_ONLY = ("kubernetes.node_zones", "kubernetes.api_groups", "kubernetes.velero_restore")
FILE_KINDS = {k: v for k, v in KINDS.items() if k not in LIVE_ONLY}

_T = TypeVar("_T")
MakeEvidence = Callable[[str, str, Mapping[str, Any], str], Evidence]  # (kind, subject, data, origin)

_AUTOSCALERS = {
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("autoscaling.k8s.io", "VerticalPodAutoscaler"),
    ("keda.sh", "ScaledObject"),
}
_CHAOS_MESH = {"PodChaos", "NetworkChaos", "IOChaos", "StressChaos", "TimeChaos", "Schedule"}


def group_of(api_version: Any) -> str:
    """The API group of an apiVersion ("apps/v1" -> "apps", "v1" -> "")."""
    s = str(api_version or "")
    return s.rsplit("/", 1)[0] if "/" in s else ""


def _drain(items: list[_T]) -> Iterator[_T]:
    """`items` front to back, each removed as it is taken (the list is empty at the end), so a
    large join holds its raw facts and their evidence together only one item at a time."""
    items.reverse()
    while items:
        yield items.pop()


class _Packed(tuple):  # type: ignore[type-arg]
    """A facts dict held until `finish`, as one tuple: its keys (a tuple shared by every dict of
    that shape), then its values, packed in turn. About a third of the dict's size."""

    __slots__ = ()


class _Tuple(tuple):  # type: ignore[type-arg]
    """A tuple inside packed facts (a plain tuple there stands for a list)."""

    __slots__ = ()


def _pack(v: Any, shapes: dict[tuple[Any, ...], tuple[Any, ...]]) -> Any:
    """`v` with every dict in it packed, every list a tuple (the empty one is shared) and every
    string of at most 32 characters interned, as `Evidence` interns them: the item made from it
    later holds that same string, and the decoded page's own copy is let go."""
    t = type(v)
    if t is str:
        return sys.intern(v) if len(v) <= 32 else v
    if t is dict:
        keys = tuple(sys.intern(k) if type(k) is str and len(k) <= 32 else k for k in v)
        return _Packed((shapes.setdefault(keys, keys), *[_pack(x, shapes) for x in v.values()]))
    if t is list:
        return tuple([_pack(x, shapes) for x in v])
    if t is tuple:
        return _Tuple([_pack(x, shapes) for x in v])
    return v


def _unpack(v: Any) -> Any:
    """What `_pack` was given: equal dicts with their keys in the same order, lists and tuples.
    A value that is not packed (an unpacked fact) is returned as it is."""
    t = type(v)
    if t is _Packed:
        return dict(zip(v[0], [_unpack(x) for x in v[1:]], strict=True))
    if t is tuple:
        return [_unpack(x) for x in v]
    if t is _Tuple:
        return tuple([_unpack(x) for x in v])
    return v


def _unpack_all(items: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """`items` with each fact unpacked in place (the packed form let go as it goes)."""
    for i, (facts, origin) in enumerate(items):
        items[i] = (_unpack(facts), origin)
    return items


def _clean(facts: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if not k.startswith("_")}


class Joiner:
    """Accumulates derived facts; `add` yields stand-alone evidence, `finish` the joined rest."""

    def __init__(self, *, make: MakeEvidence, live: bool = True) -> None:
        self.live = live  # history (Velero Restores) is read from a live cluster only
        # How items are built: the live probe's `ctx.evidence` (stamped and hashed once), the
        # files probe's `Evidence.draft` (it adds the line and the source, then hashes once).
        self.make = make
        # Facts to join, each (packed facts, origin): `_pack` until `finish` unpacks them.
        self._shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # the key tuples packed facts share
        self.workloads: list[tuple[Any, str]] = []
        self.autoscalers: list[tuple[Any, str]] = []
        self.pdbs: list[tuple[Any, str]] = []
        self.rollouts: list[tuple[Any, str]] = []
        self.takeovers: dict[tuple[str, str, str], dict[str, Any]] = {}  # workloadRef targets
        self.services: list[tuple[Any, str]] = []
        self.netpols: list[tuple[Any, str]] = []
        self.quotas: list[tuple[Any, str]] = []
        self.namespaces: dict[str, tuple[dict[str, Any], str]] = {}
        self.revisions: Counter[tuple[str, str]] = Counter()
        self.endpoints: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.endpointslices_listed = False  # set by the live probe once the list completed
        self.replicasets_listed = False
        # Services decide `serving`; from files the repository's Services are all there is.
        self.services_listed = not live
        # PriorityClasses (live only): resolved into each workload's priority once listed whole.
        self.priority_classes = PriorityClasses()
        self.priority_classes_listed = False
        self.nodes: Counter[str] = Counter()
        self.regions: Counter[str] = Counter()
        self.node_count = 0
        self.nodes_ready = 0
        self.nodes_origin = ""
        self.seen = 0  # objects of a known kind

    # ------------------------------------------------------------------ intake

    def staged(self) -> Joiner:
        """An empty joiner for one list's objects, folded in page by page and `absorb`ed once
        the list was read to its end: a list that fails half-way adds nothing."""
        stage = Joiner(make=self.make, live=self.live)
        stage._shapes = self._shapes
        return stage

    def absorb(self, other: Joiner) -> None:
        """Take in what `other` (from `staged`) accumulated, as if its objects had been added here."""
        for name in ("workloads", "autoscalers", "pdbs", "rollouts", "services", "netpols", "quotas"):
            getattr(self, name).extend(getattr(other, name))
        self.takeovers.update(other.takeovers)
        self.priority_classes.absorb(other.priority_classes)
        self.namespaces.update(other.namespaces)
        self.revisions.update(other.revisions)
        for key, (ready, total) in other.endpoints.items():
            counts = self.endpoints[key]
            counts[0] += ready
            counts[1] += total
        self.nodes.update(other.nodes)
        self.regions.update(other.regions)
        self.node_count += other.node_count
        self.nodes_ready += other.nodes_ready
        self.nodes_origin = other.nodes_origin or self.nodes_origin
        self.seen += other.seen

    def add(self, obj: Mapping[str, Any], origin: str) -> Iterator[Evidence]:
        """Take one object (with `apiVersion` and `kind`); yield evidence that needs no join."""
        group, kind = group_of(obj.get("apiVersion")), str(obj.get("kind") or "")
        key = (group, kind)
        if (group == "apps" and kind in ("Deployment", "StatefulSet", "DaemonSet")) or key == (
            "argoproj.io",
            "Rollout",
        ):
            self.seen += 1
            facts = derive.workload_facts(kind, obj)
            if kind == "Rollout":
                self.rollouts.append((self._pack(derive.rollout_facts(kind, obj)), origin))
                if facts["_workload_ref"]:
                    # It rolls out a Deployment's template; that Deployment is the workload, and
                    # the Rollout's strategy and replicas are what it now runs with (the
                    # Deployment itself is usually scaled to zero once the Rollout takes over).
                    ref_kind, ref_name = facts["_workload_ref"]
                    self.takeovers[(facts["namespace"], ref_kind or "Deployment", ref_name)] = {
                        "strategy": facts["strategy"],
                        "max_unavailable": None,
                        "max_surge": None,
                        "replicas": facts["replicas"],
                        "_rollout": facts["name"],
                    }
                    return
            self.workloads.append((self._pack(facts), origin))
        elif key == ("apps", "ReplicaSet"):
            self.seen += 1
            self._add_replicaset(obj)
        elif key in _AUTOSCALERS:
            self.seen += 1
            self.autoscalers.append((self._pack(derive.autoscaler_facts(kind, obj)), origin))
        elif key == ("policy", "PodDisruptionBudget"):
            self.seen += 1
            self.pdbs.append((self._pack(derive.pdb_facts(obj)), origin))
        elif key == ("flagger.app", "Canary"):
            self.seen += 1
            self.rollouts.append((self._pack(derive.rollout_facts(kind, obj)), origin))
        elif key == ("", "Service"):
            self.seen += 1
            self.services.append((self._pack(derive.service_facts(obj)), origin))
        elif key == ("discovery.k8s.io", "EndpointSlice"):
            self.seen += 1
            self._add_endpointslice(obj)
        elif key == ("networking.k8s.io", "NetworkPolicy"):
            self.seen += 1
            self.netpols.append((self._pack(derive.network_policy_facts(obj)), origin))
        elif key in (("", "ResourceQuota"), ("", "LimitRange")):
            self.seen += 1
            self.quotas.append((self._pack(derive.quota_facts(kind, obj)), origin))
        elif key == ("", "Namespace"):
            self.seen += 1
            facts = derive.namespace_facts(obj)
            self.namespaces[facts["name"]] = (facts, origin)
        elif key == ("", "Node"):
            self.seen += 1
            self._add_node(obj, origin)
        elif key == ("scheduling.k8s.io", "PriorityClass") and self.live:
            # A repository's classes are not the cluster's: which exist, and which is the
            # default, is told by the API server only.
            self.seen += 1
            self.priority_classes.add(obj)
        elif key == ("networking.k8s.io", "Ingress"):
            self.seen += 1
            f = derive.ingress_facts(obj)
            yield self.make("kubernetes.ingress", f"{f['namespace']}/{f['name']}", f, origin)
        elif key == ("batch", "CronJob"):
            self.seen += 1
            f = derive.cronjob_facts(obj)
            yield self.make("kubernetes.cronjob", f"{f['namespace']}/{f['name']}", f, origin)
        elif key == ("velero.io", "Schedule"):
            self.seen += 1
            f = derive.velero_schedule_facts(obj)
            yield self.make("kubernetes.velero_schedule", f"{f['namespace']}/{f['name']}", f, origin)
        elif key == ("velero.io", "Restore") and self.live:
            self.seen += 1
            f = velero_restore_facts(obj)
            yield self.make("kubernetes.velero_restore", f"{f['namespace']}/{f['name']}", f, origin)
        elif (group == "chaos-mesh.org" and kind in _CHAOS_MESH) or (
            group == "litmuschaos.io" and kind in ("ChaosEngine", "ChaosSchedule")
        ):
            self.seen += 1
            f = derive.chaos_facts("chaos-mesh" if group == "chaos-mesh.org" else "litmus", kind, obj)
            yield self.make("kubernetes.chaos_experiment", f"{f['namespace']}/{kind}/{f['name']}", f, origin)
        elif key == ("opentelemetry.io", "OpenTelemetryCollector"):
            self.seen += 1
            f = otel_collector_facts(obj)
            yield self.make("kubernetes.otel_collector", f"{f['namespace']}/{f['name']}", f, origin)

    def _pack(self, facts: dict[str, Any]) -> _Packed:
        packed: _Packed = _pack(facts, self._shapes)
        return packed

    def _add_replicaset(self, obj: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(meta, Mapping)
        for ref in meta.get("ownerReferences") or []:
            if isinstance(ref, Mapping) and ref.get("kind") == "Deployment":
                self.revisions[(str(meta.get("namespace") or "default"), str(ref.get("name")))] += 1

    def _add_endpointslice(self, obj: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(meta, Mapping)
        labels = meta.get("labels") if isinstance(meta.get("labels"), Mapping) else {}
        assert isinstance(labels, Mapping)
        svc = labels.get("kubernetes.io/service-name")
        if not svc:
            return
        counts = self.endpoints[(str(meta.get("namespace") or "default"), str(svc))]
        for ep in obj.get("endpoints") or []:
            if not isinstance(ep, Mapping):
                continue
            counts[1] += 1
            cond = ep.get("conditions") if isinstance(ep.get("conditions"), Mapping) else {}
            assert isinstance(cond, Mapping)
            if cond.get("ready", True) is not False:  # unset means ready (API semantics)
                counts[0] += 1

    def _add_node(self, obj: Mapping[str, Any], origin: str) -> None:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(meta, Mapping)
        labels = meta.get("labels") if isinstance(meta.get("labels"), Mapping) else {}
        assert isinstance(labels, Mapping)
        self.node_count += 1
        self.nodes_origin = origin
        zone = next((str(labels[k]) for k in ZONE_KEYS if labels.get(k)), "")
        self.nodes[zone] += 1
        region = labels.get("topology.kubernetes.io/region") or labels.get("failure-domain.beta.kubernetes.io/region")
        if region:
            self.regions[str(region)] += 1
        status = obj.get("status") if isinstance(obj.get("status"), Mapping) else {}
        assert isinstance(status, Mapping)
        for c in status.get("conditions") or []:
            if isinstance(c, Mapping) and c.get("type") == "Ready" and c.get("status") == "True":
                self.nodes_ready += 1

    # ------------------------------------------------------------------ output

    def node_summary(self) -> Evidence:
        """The one kubernetes.node_zones item (live only)."""
        zones = {z: n for z, n in sorted(self.nodes.items()) if z}
        data = {
            "nodes": self.node_count,
            "nodes_ready": self.nodes_ready,
            "zones": zones,
            "zone_count": len(zones),
            "nodes_without_zone": self.nodes.get("", 0),
            "regions": dict(sorted(self.regions.items())),
        }
        return self.make("kubernetes.node_zones", "nodes", data, self.nodes_origin or "k8s:///api/v1/nodes")

    def finish(self) -> Iterator[Evidence]:
        """Join and yield workloads, autoscalers, PDBs, rollouts, services, namespaces, quotas."""
        ns_owner = {n: f["owner"] for n, (f, _o) in self.namespaces.items() if f.get("owner")}
        _unpack_all(self.autoscalers)
        _unpack_all(self.rollouts)
        _unpack_all(self.pdbs)
        by_target: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for a, _o in self.autoscalers:
            by_target[(a["namespace"], a["target_kind"], a["target_name"])].append(a)
        progressive: dict[tuple[str, str, str], str] = {}
        for r, _o in self.rollouts:
            progressive[(r["namespace"], r["target_kind"], r["target_name"])] = r["tool"]
        pdb_hits: Counter[int] = Counter()
        pdbs_by_ns: dict[str, list[tuple[int, dict[str, Any], Callable[[Mapping[str, str]], bool]]]] = defaultdict(list)
        for i, (p, _o) in enumerate(self.pdbs):
            pdbs_by_ns[p["namespace"]].append((i, p, derive.compile_selector(p["_selector"])))
        services_by_ns: dict[str, list[tuple[str, dict[str, str]]]] = defaultdict(list)
        for packed, _o in self.services:
            s = _unpack(packed)  # let go at once; the service is unpacked again when emitted
            if s["_selector"] and s["type"] != "ExternalName":
                services_by_ns[s["namespace"]].append((s["name"], s["_selector"]))
        ns_workloads: Counter[str] = Counter()
        priorities = self.priority_classes if self.priority_classes_listed else None
        for packed, origin in _drain(self.workloads):  # each workload's facts let go once emitted
            w = _unpack(packed)
            ns, kind, name = w["namespace"], w["kind"], w["name"]
            scalers = list(by_target.get((ns, kind, name), []))
            if (ns, kind, name) in self.takeovers:
                w = {**w, **self.takeovers[(ns, kind, name)]}
                scalers += by_target.get((ns, "Rollout", w["_rollout"]), [])  # HPAs scale the Rollout
            ns_workloads[ns] += 1
            hpa = [a for a in scalers if a["type"] in ("HorizontalPodAutoscaler", "ScaledObject")]
            vpa = [a for a in scalers if a["type"] == "VerticalPodAutoscaler" and a["update_mode"] != "Off"]
            pod_labels = w["_pod_labels"]
            covering = [(i, p) for i, p, matches in pdbs_by_ns.get(ns, ()) if matches(pod_labels)]
            for i, _p in covering:
                pdb_hits[i] += 1
            mins = [a["min_replicas"] for a in hpa if isinstance(a["min_replicas"], int)]
            selected_by = sorted(
                svc for svc, sel in services_by_ns.get(ns, ()) if all(pod_labels.get(k) == v for k, v in sel.items())
            )
            if priorities is not None:
                priority_value, below_default = priorities.resolve(w["priority_class"])
            else:  # classes not read: a pod without one still gets the default, never below it
                priority_value, below_default = None, (False if w["priority_class"] is None else None)
            owner, owner_key = w["owner"], w["owner_key"]
            if not owner and ns in ns_owner:
                owner, owner_key = ns_owner[ns], "namespace"
            data = {
                **_clean(w),
                "owner": owner,
                "owner_key": owner_key,
                "autoscalers": sorted({f"{a['type']}/{a['name']}" for a in scalers}),
                "hpa_covered": bool(hpa),
                "vpa_covered": bool(vpa),
                "autoscaled": bool(hpa or vpa),
                "min_replicas": min(mins) if mins else w["replicas"],
                "max_replicas": max(
                    (a["max_replicas"] for a in hpa if isinstance(a["max_replicas"], int)), default=w["replicas"]
                ),
                "services": selected_by,
                "serving": bool(selected_by) if self.services_listed else None,
                "pdb_covered": bool(covering),
                "pdbs": sorted(p["name"] for _i, p in covering),
                "priority_value": priority_value,
                "priority_below_default": below_default,
                "progressive": "argo-rollouts" if kind == "Rollout" else progressive.get((ns, kind, name)),
                "revisions": self.revisions.get((ns, name), 0)
                if kind == "Deployment" and self.replicasets_listed
                else None,
            }
            data["surge_first"] = surge_first(kind, data["strategy"], data["max_unavailable"], data["max_replicas"])
            data["rollout_unavailable_share"] = unavailable_share(
                kind, data["strategy"], data["max_unavailable"], data["max_replicas"]
            )
            yield self.make("kubernetes.workload", f"{ns}/{kind}/{name}", data, origin)
        coupled = coupled_autoscalers(a for a, _o in self.autoscalers)
        for a, origin in self.autoscalers:
            data = {**a, "coupled_with": coupled.get((a["namespace"], a["type"], a["name"]), [])}
            yield self.make("kubernetes.hpa", f"{a['namespace']}/{a['type']}/{a['name']}", data, origin)
        for i, (p, origin) in enumerate(self.pdbs):
            yield self.make(
                "kubernetes.pdb",
                f"{p['namespace']}/{p['name']}",
                {**_clean(p), "workloads_covered": pdb_hits.get(i, 0)},
                origin,
            )
        for r, origin in self.rollouts:
            yield self.make("kubernetes.rollout", f"{r['namespace']}/{r['tool']}/{r['name']}", r, origin)
        for packed, origin in _drain(self.services):
            s = _unpack(packed)
            ready_total = self.endpoints.get((s["namespace"], s["name"]))
            listed = self.endpointslices_listed
            extra = {
                "endpoints_ready": (ready_total[0] if ready_total else 0) if listed else None,
                "endpoints_total": (ready_total[1] if ready_total else 0) if listed else None,
            }
            yield self.make("kubernetes.service", f"{s['namespace']}/{s['name']}", {**_clean(s), **extra}, origin)
        yield from self._namespaces(ns_workloads)

    def _namespaces(self, ns_workloads: Counter[str]) -> Iterator[Evidence]:
        quota: set[str] = set()
        limit_range: set[str] = set()
        for packed, origin in self.quotas:
            q = _unpack(packed)
            (quota if q["type"] == "ResourceQuota" else limit_range).add(q["namespace"])
            yield self.make("kubernetes.quota", f"{q['namespace']}/{q['type']}/{q['name']}", q, origin)
        policies: Counter[str] = Counter()
        deny: set[str] = set()
        for packed, origin in self.netpols:
            n = _unpack(packed)
            policies[n["namespace"]] += 1
            if n["default_deny_ingress"]:
                deny.add(n["namespace"])
            yield self.make("kubernetes.network_policy", f"{n['namespace']}/{n['name']}", n, origin)
        # Namespaces referenced by objects but not declared (a manifest repo often omits them).
        names = set(self.namespaces) | set(ns_workloads)
        for name in sorted(names):
            facts, origin = self.namespaces.get(
                name,
                (
                    {"name": name, "labels": {}, "owner": None, "owner_key": None, "system": name in SYSTEM_NAMESPACES},
                    "derived",
                ),
            )
            data = {
                **facts,
                "declared": name in self.namespaces,
                "workloads": ns_workloads.get(name, 0),
                "resource_quota": name in quota,
                "limit_range": name in limit_range,
                "network_policies": policies.get(name, 0),
                "default_deny_ingress": name in deny,
            }
            yield self.make("kubernetes.namespace", name, data, origin)
