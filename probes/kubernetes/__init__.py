"""The kubernetes probe: workloads, autoscaling, disruption budgets, services, ingresses,
network policies, nodes' zones, quotas, cron jobs, namespaces and the optional tools a cluster
runs (VPA, KEDA, Argo Rollouts, Flagger, Chaos Mesh, Litmus, Velero, ...), read with get/list
only (see deploy/kubernetes/clusterrole.yaml). Secrets are never requested.

A resource that is forbidden or not served fails only the kinds it feeds. An optional tool that
discovery positively shows is not installed is a real finding (e.g. zero chaos experiments);
when discovery itself fails, those kinds are failed, never "observed, none".
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from probes.kubernetes.client import ApiError, KubeReader, make_api_client
from probes.kubernetes.join import KINDS, Joiner
from probes.kubernetes.resources import BUILTIN, OPTIONAL_APIS, OptionalApi, Resource
from scanner.config import SourceConfig
from scanner.evidence import Evidence
from scanner.probe import Probe, ProbeContext, SourceFailure

__all__ = ["KubernetesConfig", "KubernetesProbe", "NamespaceFilter"]

# Kinds that rest on discovery: if /apis cannot be read we cannot tell "none" from "not seen".
_DISCOVERY_KINDS = ("kubernetes.api_groups", *sorted({k for api in OPTIONAL_APIS for k in api.kinds}))


class NamespaceFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    include: list[str] = Field(
        default_factory=list, description="only these namespaces (listed one by one); default all"
    )
    exclude: list[str] = Field(default_factory=list, description="namespaces to skip")


class KubernetesConfig(SourceConfig):
    kubeconfig: str | None = Field(
        default=None, description="path to a kubeconfig; default ~/.kube/config or $KUBECONFIG"
    )
    context: str | None = None
    in_cluster: bool = Field(default=False, description="use the pod's service account")
    namespaces: NamespaceFilter = Field(default_factory=NamespaceFilter)
    page_size: int = Field(default=500, ge=1, le=5000, description="`limit` of each list request")

    @model_validator(mode="after")
    def _one_way_in(self) -> KubernetesConfig:
        if self.in_cluster and (self.kubeconfig or self.context):
            raise ValueError("in_cluster excludes kubeconfig and context")
        return self


class KubernetesProbe(Probe):
    name = "kubernetes"
    kinds: ClassVar[dict[str, str]] = KINDS
    config_model = KubernetesConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: KubernetesConfig = config
        kubeconfig = str(cfg.resolve(cfg.kubeconfig)) if cfg.kubeconfig else None
        api = make_api_client(kubeconfig, cfg.context, cfg.in_cluster)
        try:
            reader = KubeReader(
                api, ctx, retries=cfg.retries, page_size=cfg.page_size, rate_limit_per_s=cfg.rate_limit_per_s
            )
            yield from _Scan(reader, ctx, cfg).run()
        finally:
            api.close()


class _Scan:
    """One scan of one cluster."""

    def __init__(self, reader: KubeReader, ctx: ProbeContext, cfg: KubernetesConfig) -> None:
        self.reader = reader
        self.ctx = ctx
        self.include = list(cfg.namespaces.include)
        self.exclude = set(cfg.namespaces.exclude)
        self.joiner = Joiner()
        self.failed: set[str] = set()

    def fail(self, kinds: tuple[str, ...] | list[str], reason: str, category: str) -> None:
        for k in kinds:
            if k not in self.failed:
                self.failed.add(k)
                self.ctx.kind_failed(k, reason, category)

    def run(self) -> Iterator[Evidence]:
        try:
            self.reader.get("/api")
        except ApiError as exc:  # nothing else will work either
            raise SourceFailure(exc.reason, category=exc.category) from None
        installed = yield from self._discover()
        yield from self._namespaces()
        for res, kinds in BUILTIN:
            if res.kind == "Namespace":
                continue
            yield from self._list(res, kinds)
        for api, version, served in installed:
            for kind, plural in api.resources:
                if plural in served:
                    yield from self._list(Resource(kind, api.group, version, plural), api.kinds)
        for ev in self.joiner.finish():
            if ev.kind not in self.failed:
                yield ev
        if "kubernetes.node_zones" not in self.failed:
            yield self.joiner.node_summary()

    def _discover(self) -> Generator[Evidence, None, list[tuple[OptionalApi, str, set[str]]]]:
        """Read /apis; return (optional api, preferred version, served plurals) for those present."""
        try:
            doc = self.reader.get("/apis")
        except ApiError as exc:
            self.fail(_DISCOVERY_KINDS, f"API discovery (/apis) failed: {exc.reason}", exc.category)
            return []
        groups: dict[str, str] = {}
        for g in doc.get("groups") or []:
            if isinstance(g, dict) and g.get("name"):
                pref = g.get("preferredVersion") if isinstance(g.get("preferredVersion"), dict) else {}
                assert isinstance(pref, dict)
                groups[str(g["name"])] = str(pref.get("version") or "")
        installed: list[tuple[OptionalApi, str, set[str]]] = []
        present: dict[str, bool] = {}
        for api in OPTIONAL_APIS:
            present[api.key] = api.group in groups
            if not present[api.key] or not api.resources:
                continue
            version = groups[api.group]
            try:
                rl = self.reader.get(f"/apis/{api.group}/{version}")
            except ApiError as exc:
                self.fail(api.kinds, f"{api.title} API discovery failed: {exc.reason}", exc.category)
                continue
            served = {str(r.get("name")) for r in rl.get("resources") or [] if isinstance(r, dict)}
            wanted = {p for _k, p in api.resources}
            if api.key == "argo_rollouts" and "rollouts" not in served:
                present[api.key] = False  # argoproj.io without rollouts is Argo CD or Workflows
            installed.append((api, version, served & wanted))
        data = {
            "groups": sorted(groups),
            "optional": present,
            "versions": {a.key: groups[a.group] for a in OPTIONAL_APIS if a.group in groups},
        }
        yield Evidence.make("kubernetes.api_groups", "apis", data, f"{self.reader.host}/apis")
        return installed

    def _namespaces(self) -> Iterator[Evidence]:
        res = BUILTIN[0][0]
        try:
            if self.include:
                for name in self.include:
                    obj = self.reader.get(f"/api/v1/namespaces/{name}")
                    obj.setdefault("kind", "Namespace")
                    obj.setdefault("apiVersion", "v1")
                    yield from self.joiner.add(obj, f"{self.reader.host}/api/v1/namespaces/{name}")
            else:
                yield from self._feed(res, res.list_path())
        except ApiError as exc:
            self.fail(("kubernetes.namespace",), f"cannot list namespaces: {exc.reason}", exc.category)

    def _feed(self, res: Resource, path: str) -> Iterator[Evidence]:
        origin = f"{self.reader.host}{path}"
        for item in self.reader.list_all(path):
            meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
            assert isinstance(meta, dict)
            ns = meta.get("namespace") if res.namespaced else meta.get("name") if res.kind == "Namespace" else None
            if ns is not None and ns in self.exclude:
                continue
            item["kind"] = res.kind  # list items do not carry their kind
            item["apiVersion"] = res.group_version
            yield from self.joiner.add(item, origin)

    def _list(self, res: Resource, kinds: tuple[str, ...]) -> Iterator[Evidence]:
        if kinds and all(k in self.failed for k in kinds):
            return
        self.ctx.progress(f"listing {res.plural}")
        paths = [res.list_path(ns) for ns in self.include] if self.include and res.namespaced else [res.list_path()]
        try:
            for path in paths:
                yield from self._feed(res, path)
        except ApiError as exc:
            reason = f"cannot list {res.plural}.{res.group or 'core'}: {exc.reason}"
            if kinds:
                self.fail(kinds, reason, exc.category)
            else:
                self.ctx.warn(reason)
            return
        if res.kind == "ReplicaSet":
            self.joiner.replicasets_listed = True
        elif res.kind == "EndpointSlice":
            self.joiner.endpointslices_listed = True
