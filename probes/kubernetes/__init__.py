"""The kubernetes probe: workloads, autoscaling, disruption budgets, services, ingresses,
network policies, nodes' zones, quotas, cron jobs, namespaces and the optional tools a cluster
runs (VPA, KEDA, Argo Rollouts, Flagger, Chaos Mesh, Litmus, Velero, ...), read with get/list
only (see deploy/kubernetes/clusterrole.yaml). Secrets are never requested.

A resource that is forbidden or not served fails only the kinds it feeds. An optional tool that
discovery positively shows is not installed is a real finding (e.g. zero chaos experiments);
when discovery itself fails, those kinds are failed, never "observed, none".
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from probes.daemonpool import DaemonThreadPool
from probes.kubernetes.client import KubeReader, make_api_client
from probes.kubernetes.configmaps import MountIndex
from probes.kubernetes.fleet import cluster_units
from probes.kubernetes.join import KINDS, Joiner
from probes.kubernetes.kinds import MODELS
from probes.kubernetes.monitoring import MONITORING_KINDS, MONITORING_MODELS, collect_monitoring
from probes.kubernetes.resources import BUILTIN, OPTIONAL_APIS, OptionalApi, Resource
from scanner.config import SourceConfig
from scanner.evidence import Evidence
from scanner.fleet import Unit
from scanner.probe import CollectError, KindModel, Probe, ProbeContext, SourceFailure

__all__ = ["KubernetesConfig", "KubernetesProbe", "NamespaceFilter"]

_Page = tuple[str, list[dict[str, Any]]]  # a list path and the items of one of its pages

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
    contexts: list[str] = Field(
        default_factory=list, description="a fleet: scan each of these contexts as its own unit (SOURCE/CONTEXT)"
    )
    all_contexts: bool = Field(default=False, description="a fleet: every context of the kubeconfig")
    in_cluster: bool = Field(default=False, description="use the pod's service account")
    namespaces: NamespaceFilter = Field(default_factory=NamespaceFilter)
    page_size: int = Field(default=500, ge=1, le=5000, description="`limit` of each list request")

    @model_validator(mode="after")
    def _one_way_in(self) -> KubernetesConfig:
        if self.in_cluster and (self.kubeconfig or self.context or self.is_fleet()):
            raise ValueError("in_cluster excludes kubeconfig, context, contexts and all_contexts")
        if self.context and self.is_fleet():
            raise ValueError("context names one cluster; contexts / all_contexts a fleet: use one of them")
        if self.contexts and self.all_contexts:
            raise ValueError("contexts lists a fleet's contexts; all_contexts takes every one: use one of them")
        return self

    def is_fleet(self) -> bool:
        """Whether this source stands for several clusters (scanner/fleet.py)."""
        return bool(self.contexts or self.all_contexts)


class KubernetesProbe(Probe):
    name = "kubernetes"
    kinds: ClassVar[dict[str, str]] = {**KINDS, **MONITORING_KINDS}
    models: ClassVar[dict[str, type[KindModel]]] = {**MODELS, **MONITORING_MODELS}
    config_model = KubernetesConfig

    def units(self, config: Any, ctx: ProbeContext) -> list[Unit]:
        """A fleet's clusters, one unit per context (probes/kubernetes/fleet.py)."""
        return cluster_units(config, ctx)

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
        self.joiner = Joiner(make=ctx.evidence)
        self.workers = cfg.concurrency
        self.groups: set[str] | None = None  # API groups /apis lists (None: discovery failed)
        self.mounts = MountIndex()  # ConfigMaps Prometheus and Alertmanager servers mount (configmaps.py)

    def run(self) -> Iterator[Evidence]:
        self.reader.get("/api")  # a failure here fails the source: nothing else would work either
        installed = yield from self._discover()
        if self.include:  # namespaces by name, before the lists (they are few GETs)
            yield from self._namespaces()
        plan = [(res, kinds) for res, kinds in BUILTIN if not (self.include and res.kind == "Namespace")]
        plan += [
            (Resource(kind, api.group, version, plural), api.kinds)
            for api, version, served in installed
            for kind, plural in api.resources
            if plural in served
        ]
        # Lists are fetched by a bounded pool (`concurrency` at once, a few ahead of the
        # consumer) but fed to the joiner one after another in this fixed order, so the facts
        # do not depend on which answer came first.
        with _Prefetch(self.reader, self.workers) as prefetch:
            pending = [prefetch.submit(self._paths(res)) if self._wanted(kinds) else None for res, kinds in plan]
            for (res, kinds), job in zip(plan, pending, strict=True):
                if job is None:
                    continue
                if res.kind == "Namespace":
                    yield from self._namespaces(prefetch.pages(job))
                else:
                    yield from self._list(res, kinds, prefetch.pages(job))
        # Prometheus Operator resources and monitoring configured in ConfigMaps, into the kinds
        # the GitOps path emits (monitoring.py, configmaps.py)
        yield from collect_monitoring(self.reader, self.ctx, self.include, self.exclude, self.groups, self.mounts)
        for ev in self.joiner.finish():
            if not self.ctx.any_failed((ev.kind,)):
                yield ev
        if not self.ctx.any_failed(("kubernetes.node_zones",)):
            yield self.joiner.node_summary()

    def _discover(self) -> Generator[Evidence, None, list[tuple[OptionalApi, str, set[str]]]]:
        """Read /apis; return (optional api, preferred version, served plurals) for those present."""
        doc: dict[str, Any] | None = None
        with self.ctx.step(_DISCOVERY_KINDS, "API discovery (/apis) failed"):
            doc = self.reader.get("/apis")
        if doc is None:
            return []
        groups: dict[str, str] = {}
        for g in doc.get("groups") or []:
            if isinstance(g, dict) and g.get("name"):
                pref = g.get("preferredVersion") if isinstance(g.get("preferredVersion"), dict) else {}
                assert isinstance(pref, dict)
                groups[str(g["name"])] = str(pref.get("version") or "")
        self.groups = set(groups)
        installed: list[tuple[OptionalApi, str, set[str]]] = []
        present: dict[str, bool] = {}
        for api in OPTIONAL_APIS:
            present[api.key] = api.group in groups
            if not present[api.key] or not api.resources:
                continue
            version = groups[api.group]
            rl: dict[str, Any] | None = None
            with self.ctx.step(api.kinds, f"{api.title} API discovery failed"):
                rl = self.reader.get(f"/apis/{api.group}/{version}")
            if rl is None:
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
        yield self.ctx.evidence("kubernetes.api_groups", "apis", data, f"{self.reader.host}/apis")
        return installed

    def _namespaces(self, pages: _Listing | None = None) -> Iterator[Evidence]:
        """Namespaces by name (`include`), else from the cluster-wide list as its pages arrive."""
        with self.ctx.step(("kubernetes.namespace",), "cannot list namespaces"):
            if pages is None:
                for name in self.include:
                    obj = self.reader.get(f"/api/v1/namespaces/{name}")
                    obj.setdefault("kind", "Namespace")
                    obj.setdefault("apiVersion", "v1")
                    yield from self.joiner.add(obj, f"{self.reader.host}/api/v1/namespaces/{name}")
            else:
                yield from self._fold(BUILTIN[0][0], pages)

    def _fold(self, res: Resource, pages: _Listing) -> list[Evidence]:
        """Fold a list into the joiner page by page, as the pages arrive (a page's raw objects
        are let go once derived). Its facts are staged and taken in, and its stand-alone
        evidence returned, only when the list was read to its end: a list that fails half-way
        leaves nothing half-collected."""
        stage = self.joiner.staged()
        ready: list[Evidence] = []
        try:
            for path, items in pages:
                ready.extend(self._feed(res, path, items, stage))
        finally:
            pages.close()  # a list given up half-way stops its reader (a finished one has)
        self.joiner.absorb(stage)
        return ready

    def _feed(self, res: Resource, path: str, items: Iterable[dict[str, Any]], into: Joiner) -> Iterator[Evidence]:
        origin = f"{self.reader.host}{path}"
        for item in items:
            meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
            assert isinstance(meta, dict)
            ns = meta.get("namespace") if res.namespaced else meta.get("name") if res.kind == "Namespace" else None
            if ns is not None and ns in self.exclude:
                continue
            item["kind"] = res.kind  # list items do not carry their kind
            item["apiVersion"] = res.group_version
            self.mounts.see(res.kind, item)
            yield from into.add(item, origin)

    def _wanted(self, kinds: tuple[str, ...]) -> bool:
        return not (kinds and all(self.ctx.any_failed((k,)) for k in kinds))

    def _paths(self, res: Resource) -> list[str]:
        return [res.list_path(ns) for ns in self.include] if self.include and res.namespaced else [res.list_path()]

    def _list(self, res: Resource, kinds: tuple[str, ...], pages: _Listing) -> Iterator[Evidence]:
        if not self._wanted(kinds):
            pages.close()  # stops its reader
            self.mounts.drop(res.kind, f"{res.plural} not listed (their kinds failed before)")
            return
        self.ctx.progress(f"listing {res.plural}")
        what = f"cannot list {res.plural}.{res.group or 'core'}"
        ready: list[Evidence] | None = None
        try:
            with self.ctx.step(kinds, what) if kinds else contextlib.nullcontext():
                ready = self._fold(res, pages)
        except SourceFailure:
            raise
        except CollectError as exc:  # a list that feeds no kind of its own (only joins): a warning
            self.ctx.warn(f"{what}: {exc.reason}")
        if ready is None:
            self.mounts.drop(res.kind, what)
            return
        self.mounts.commit(res.kind)
        yield from ready
        if res.kind == "ReplicaSet":
            self.joiner.replicasets_listed = True
        elif res.kind == "PriorityClass":
            self.joiner.priority_classes_listed = True
        elif res.kind == "Service":
            self.joiner.services_listed = True
        elif res.kind == "EndpointSlice":
            self.joiner.endpointslices_listed = True


PAGES_AHEAD = 4  # pages a list read ahead of the consumer may hold before its reader waits


class _Listing:
    """One list (its paths read one after another, each to its last page) read on a worker
    thread: its pages pass to the consumer through a queue of at most PAGES_AHEAD pages."""

    def __init__(self, paths: list[str], stop: threading.Event) -> None:
        self.paths = paths
        self.pages: queue.Queue[_Page | BaseException | None] = queue.Queue(maxsize=PAGES_AHEAD)
        self.closed = threading.Event()  # the consumer gave it up: its reader stops
        self._stop = stop  # the whole scan stops

    def __iter__(self) -> Iterator[_Page]:
        """The pages as they arrive; the reader's error is raised where it happened."""
        while True:
            got = self.pages.get()
            if got is None:
                return
            if isinstance(got, BaseException):
                raise got
            yield got

    def close(self) -> None:
        self.closed.set()

    def put(self, got: _Page | BaseException | None) -> None:
        """Hand over one page (or the end, or the error); waits while the consumer is behind."""
        while True:
            if self.closed.is_set() or self._stop.is_set():
                raise CollectError("stopped", "error")
            try:
                self.pages.put(got, timeout=0.05)
                return
            except queue.Full:
                continue


class _Prefetch:
    """Reads lists on `workers` threads, at most `workers` lists ahead of the consumer, and hands
    each list's pages over as they arrive (at most PAGES_AHEAD waiting per list).

    `submit` queues a list; the consumer takes lists in its own order with `pages`, which starts
    the next queued lists, so raw objects held are bounded by workers x PAGES_AHEAD pages, never
    by the size of a list.
    """

    def __init__(self, reader: KubeReader, workers: int) -> None:
        self.reader = reader
        self.workers = max(1, workers)
        self._pool = DaemonThreadPool(self.workers, thread_name_prefix="kube-list")
        self._stop = threading.Event()
        self._queued: list[_Listing] = []
        self._started = 0

    def __enter__(self) -> _Prefetch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()  # running lists stop at their next page; queued ones never start
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, paths: list[str]) -> int:
        """Queue a list; returns its handle for `pages`."""
        self._queued.append(_Listing(paths, self._stop))
        self._start_more(self.workers - 1)
        return len(self._queued) - 1

    def pages(self, handle: int) -> _Listing:
        """The list's pages (read or being read); asking for them lets the lists after it
        start, up to `workers` ahead."""
        self._start_more(handle + self.workers - 1)
        return self._queued[handle]

    def _start_more(self, upto: int) -> None:
        while self._started < len(self._queued) and self._started <= upto:
            listing = self._queued[self._started]
            self._started += 1
            self._pool.submit(self._run, listing)

    def _run(self, listing: _Listing) -> None:
        try:
            for path in listing.paths:
                for items in self.reader.list_pages(path):
                    listing.put((path, items))
            listing.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, who re-raises it
            with contextlib.suppress(CollectError):  # the consumer gave up or the scan stopped
                listing.put(exc)
