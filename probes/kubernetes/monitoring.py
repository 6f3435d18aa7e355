"""Prometheus Operator custom resources read from a live cluster (`monitoring.coreos.com/v1`),
into the evidence kinds the GitOps path already emits for the same objects in a repository
(probes/prometheus/files.py, probes/gitops/files.py), so the same rules decide them:

- PrometheusRule -> `prometheus.alert_rule` / `prometheus.recording_rule` (one per rule);
- ServiceMonitor, PodMonitor, Probe -> `prometheus.target_pool`, one per endpoint, named as
  the operator names the jobs it renders (`serviceMonitor/<ns>/<name>/<i>`, ...);
- Prometheus -> `prometheus.config` (what the operator renders from it) and, with Alertmanager,
  `gitops.monitoring_server` (replicas, retention, storage, remote write, selectors).

Read-only: list (GET, `limit`/`continue`, bounded like every list of the probe) after one GET of
the group version's discovery document. A kind is observed only when the lists feeding it were
read to their end. When the API group or the CRD is not served (404) or the list is forbidden
(403), the kinds it feeds are *absent* from this source (unknown here, never "no rules", and
without spoiling what another source, e.g. the live Prometheus, observed of them); a 403 is also
a warning naming the missing grant. Other failures fail the kinds, as every list of the probe
does. Without a Prometheus resource (the operator runs no server here) rules and monitors are
only part of some server's configuration (partial), and none of them is no finding (absent).

AlertmanagerConfig (v1alpha1, else v1beta1) -> `alertmanager.config` / `alertmanager.receiver`,
one per AlertmanagerConfig an Alertmanager resource selects, rendered as the operator renders it
(probes/kubernetes/amconfig.py). The Alertmanager's own configuration (its root route, global
receivers and inhibit rules) is in a Secret, never read: the kinds are then partial, and without
any selected AlertmanagerConfig they are absent (unknown, never "no receivers").

Monitoring configured the plain way (prometheus.yml, rule files, alertmanager.yml and Grafana
sidecar dashboards in ConfigMaps, probes/kubernetes/configmaps.py) feeds the same kinds and is
settled with these objects: a prometheus.yml in a ConfigMap is a server (its rules and jobs are
whole), an alertmanager.yml a whole configuration. ConfigMaps that hold none of it say nothing
of these kinds (an operator's server loads nothing from them); a 403 on them makes the kinds
they feed absent where nothing else feeds them, partial where something does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from probes.alertmanager.files import AlertmanagerFiles
from probes.alertmanager.kinds import MODELS as ALERTMANAGER_MODELS
from probes.gitops.files import KINDS as GITOPS_KINDS
from probes.gitops.files import monitoring_server_facts, subject_of
from probes.gitops.kinds import MODELS as GITOPS_MODELS
from probes.kubernetes.amconfig import amconfig_facts, on_namespace, selected_by
from probes.kubernetes.client import KubeReader
from probes.kubernetes.configmaps import ConfigMapRead, MountIndex, read_configmaps
from probes.kubernetes.resources import Resource
from probes.prometheus import normalise as norm
from probes.prometheus.files import PrometheusFiles, monitor_scrape_configs, prometheus_cr_config, rule_facts
from probes.prometheus.kinds import MODELS as PROMETHEUS_MODELS
from scanner.evidence import Evidence
from scanner.partial import GAP_NOTE
from scanner.probe import CollectError, KindModel, ProbeContext, SourceFailure

__all__ = [
    "MONITORING_KINDS",
    "MONITORING_MODELS",
    "RESOURCES",
    "collect_monitoring",
]

GROUP = "monitoring.coreos.com"
VERSION = "v1"
RULE_KINDS = ("prometheus.alert_rule", "prometheus.recording_rule")
POOL = "prometheus.target_pool"
CONFIG = "prometheus.config"
SERVER = "gitops.monitoring_server"
AM_CONFIG, AM_RECEIVER = "alertmanager.config", "alertmanager.receiver"
AM_KINDS = (AM_CONFIG, AM_RECEIVER)
# AlertmanagerConfig is served as v1alpha1 (the storage version) and, with the operator's
# conversion webhook, v1beta1; the field names read here are taken from either.
AMC_VERSIONS = ("v1alpha1", "v1beta1")
NOT_SERVED = "is not served by this cluster"

# The other producers' own descriptions, word for word: the registry keeps one per kind.
MONITORING_KINDS: dict[str, str] = {
    **PrometheusFiles.kinds,
    SERVER: GITOPS_KINDS[SERVER],
    **{k: AlertmanagerFiles.kinds[k] for k in AM_KINDS},
}
MONITORING_MODELS: dict[str, type[KindModel]] = {
    **{k: PROMETHEUS_MODELS[k] for k in PrometheusFiles.kinds},
    SERVER: GITOPS_MODELS[SERVER],
    **{k: ALERTMANAGER_MODELS[k] for k in AM_KINDS},
}

# What each list feeds. Listed in this order; a kind fed by several lists (monitors, servers) is
# unknown only when none of them could be read, and partial when some could not.
RESOURCES: tuple[tuple[Resource, tuple[str, ...]], ...] = (
    (Resource("Prometheus", GROUP, VERSION, "prometheuses"), (CONFIG, SERVER)),
    (Resource("Alertmanager", GROUP, VERSION, "alertmanagers"), (SERVER, *AM_KINDS)),
    (Resource("PrometheusRule", GROUP, VERSION, "prometheusrules"), RULE_KINDS),
    (Resource("ServiceMonitor", GROUP, VERSION, "servicemonitors"), (POOL,)),
    (Resource("PodMonitor", GROUP, VERSION, "podmonitors"), (POOL,)),
    (Resource("Probe", GROUP, VERSION, "probes"), (POOL,)),
    (Resource("AlertmanagerConfig", GROUP, AMC_VERSIONS[0], "alertmanagerconfigs"), AM_KINDS),
)


@dataclass
class _Read:
    """The outcome of one list: its evidence (only when read to its end) or why it was not read."""

    res: Resource
    kinds: tuple[str, ...]
    evidence: list[Evidence] = field(default_factory=list)
    objects: int = 0
    unread: str | None = None  # 404 / 403 / not served: unknown here
    no_crd: bool = False  # not served in a served group: none can exist (a monitor kind is then none)
    failed: bool = False  # any other failure: the kinds are failed


def _rule_evidence(
    ctx: ProbeContext, obj: Mapping[str, Any], origin: str
) -> Iterator[Evidence]:  # as PrometheusFiles reads a PrometheusRule
    meta = norm.as_map(obj.get("metadata"))
    where = f"{meta.get('namespace', '')}/{meta.get('name', '')}".strip("/")
    try:
        facts = list(rule_facts(norm.as_map(obj.get("spec")).get("groups"), where))
    except ValueError as exc:
        raise CollectError(f"PrometheusRule {where}: {exc}", "malformed") from exc
    for kind, subject, data in facts:
        yield ctx.evidence(kind, subject, data, origin)


def _scrapes_elsewhere(obj: Mapping[str, Any]) -> bool:
    spec = norm.as_map(obj.get("spec"))
    return bool(spec.get("additionalScrapeConfigs")) or spec.get("scrapeConfigSelector") is not None


def _prometheus_config(obj: Mapping[str, Any]) -> dict[str, Any]:
    """As PrometheusFiles.accept reads a Prometheus resource."""
    facts = norm.config_facts(prometheus_cr_config(obj))
    replicas = norm.as_map(obj.get("spec")).get("replicas", 1)
    facts["ha_replicas"] = replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else None
    return facts


def _derive(ctx: ProbeContext, res: Resource, obj: dict[str, Any], origin: str) -> Iterator[Evidence]:
    obj["kind"] = res.kind  # list items of a CRD carry them, but never trust that
    obj["apiVersion"] = res.group_version
    if res.kind == "PrometheusRule":
        yield from _rule_evidence(ctx, obj, origin)
    elif res.kind in ("ServiceMonitor", "PodMonitor", "Probe"):
        try:
            configs = monitor_scrape_configs(obj)
        except ValueError as exc:
            raise CollectError(str(exc), "malformed") from None
        for sc in configs:
            job, data = norm.scrape_pool(sc, {})
            yield ctx.evidence(POOL, job, data, origin)
    elif res.kind == "AlertmanagerConfig":
        return  # rendered once every list is read (_Monitoring._alertmanager_configs)
    else:  # Prometheus, Alertmanager
        if res.kind == "Prometheus":
            ns, name = str(obj["metadata"].get("namespace") or "default"), str(obj["metadata"].get("name") or "")
            yield ctx.evidence(CONFIG, f"{ns}/Prometheus/{name}", _prometheus_config(obj), origin)
        yield ctx.evidence(SERVER, subject_of(obj), monitoring_server_facts(obj), origin)


class _Monitoring:
    def __init__(
        self,
        reader: KubeReader,
        ctx: ProbeContext,
        include: list[str],
        exclude: set[str],
        groups: Collection[str] | None = None,
        mounts: MountIndex | None = None,
    ) -> None:
        self.reader = reader
        self.mounts = mounts if mounts is not None else MountIndex()
        self.groups = groups
        self.ctx = ctx
        self.include = include
        self.exclude = exclude
        # Prometheus resources that also scrape what no monitor here shows (a Secret's raw
        # scrape configs, ScrapeConfig resources): the monitors are then only part of the jobs.
        self.scrapes_elsewhere: set[str] = set()
        # Alertmanager resources and AlertmanagerConfigs, trimmed to what rendering needs, with
        # the list each came from: rendered together once both lists are read.
        self.alertmanagers: list[dict[str, Any]] = []
        self.amconfigs: list[tuple[dict[str, Any], str]] = []

    def run(self) -> Iterator[Evidence]:
        served = self._served(VERSION, [k for _r, ks in RESOURCES for k in ks])
        reads: list[_Read | ConfigMapRead] = []
        for res, kinds in RESOURCES:
            if res.kind == "AlertmanagerConfig":
                res, amc_served = self._amc_served(res, served)
                reads.append(self._read(res, kinds, amc_served))
            else:
                reads.append(self._read(res, kinds, served))
        # Monitoring configured the plain way: prometheus.yml, rule files, alertmanager.yml and
        # sidecar dashboards in ConfigMaps (configmaps.py), settled with the operator's objects.
        reads.append(read_configmaps(self.reader, self.ctx, self.mounts))
        yield from self._settle(reads)

    def _amc_served(self, res: Resource, v1: set[str] | str) -> tuple[Resource, set[str] | str]:
        """The version AlertmanagerConfig is read in, and what that version serves. When the
        group's v1 is served but neither version is, the CRD is not installed (served: empty)."""
        if isinstance(v1, str):
            return res, v1
        for version in AMC_VERSIONS:
            served = self._served(version, list(AM_KINDS), quiet_404=True)
            if isinstance(served, set) and res.plural in served:
                return Resource(res.kind, GROUP, version, res.plural), served
            if isinstance(served, str) and served != "not served":
                return res, served
        return res, set()

    def _served(self, version: str, kinds: list[str], quiet_404: bool = False) -> set[str] | str:
        """The plurals monitoring.coreos.com/<version> serves, or why it cannot be told (404, 403)."""
        path = f"/apis/{GROUP}/{version}"
        if self.groups is not None and GROUP not in self.groups:  # /apis says: no such group
            if quiet_404:
                return "not served"
            return f"the Prometheus Operator's API ({GROUP}/{version}) {NOT_SERVED}"
        try:
            doc = self.reader.get(path)
        except SourceFailure:
            raise
        except CollectError as exc:
            if exc.category == "not_found":
                if quiet_404:
                    return "not served"
                return f"the Prometheus Operator's API ({GROUP}/{version}) {NOT_SERVED}"
            if exc.category == "forbidden":
                self.ctx.warn(f"cannot read {path}: {exc.reason}")
                return f"discovery of {GROUP}/{version} is forbidden"
            self.ctx.fail(kinds, exc, f"{GROUP}/{version} API discovery failed")
            return "failed"
        return {str(r.get("name")) for r in doc.get("resources") or [] if isinstance(r, dict)}

    def _paths(self, res: Resource) -> list[str]:
        return [res.list_path(ns) for ns in self.include] if self.include else [res.list_path()]

    def _read(self, res: Resource, kinds: tuple[str, ...], served: set[str] | str) -> _Read:
        out = _Read(res, kinds)
        if isinstance(served, str):
            out.unread, out.failed = served, served == "failed"
            out.no_crd = served.endswith(NOT_SERVED)  # no such group: none of its objects can exist
            return out
        if res.plural not in served:
            out.unread = f"{res.plural}.{GROUP} is not served (its CRD is not installed)"
            out.no_crd = True
            return out
        if all(self.ctx.any_failed((k,)) for k in kinds):
            out.failed = True
            return out
        self.ctx.progress(f"listing {res.plural}.{GROUP}")
        what = f"cannot list {res.plural}.{GROUP}"
        try:
            for path in self._paths(res):
                origin = f"{self.reader.host}{path}"
                for items in self.reader.list_pages(path):  # bounded: page size, page count, body size
                    for item in items:
                        meta = item.get("metadata")
                        if not isinstance(meta, dict) or meta.get("namespace") in self.exclude:
                            continue
                        out.objects += 1
                        if res.kind == "Prometheus" and _scrapes_elsewhere(item):
                            self.scrapes_elsewhere.add(f"{meta.get('namespace')}/{meta.get('name')}")
                        elif res.kind == "Alertmanager":
                            self.alertmanagers.append(_trim(item))
                        elif res.kind == "AlertmanagerConfig":
                            self.amconfigs.append((_trim(item), origin))
                        out.evidence.extend(_derive(self.ctx, res, item, origin))
                    del items  # a page's raw objects are let go once derived
        except SourceFailure:
            raise
        except CollectError as exc:
            out.evidence = []  # nothing half-collected
            if res.kind == "AlertmanagerConfig":
                self.amconfigs = []
            if exc.category in ("not_found", "forbidden"):
                out.unread = f"{what}: {exc.reason}"
                if exc.category == "forbidden":
                    self.ctx.warn(
                        f"{out.unread} (grant get/list on {res.plural} in {GROUP}: deploy/kubernetes/clusterrole.yaml)"
                    )
            else:
                self.ctx.fail(kinds, exc, what)
                out.failed = True
        return out

    def _settle(self, reads: list[_Read | ConfigMapRead]) -> Iterator[Evidence]:
        """Yield what was read and say, per kind, whether this source observed it."""
        servers = next(r for r in reads if r.res.kind == "Prometheus")
        cms = next(r for r in reads if isinstance(r, ConfigMapRead))
        ops = [r for r in reads if not isinstance(r, ConfigMapRead)]
        # A server: a Prometheus resource, or a Prometheus workload's prometheus.yml in a ConfigMap.
        no_server = (servers.unread is not None or servers.objects == 0) and not cms.objects
        yield from self._alertmanager_configs(reads, cms)
        for kind in MONITORING_KINDS:
            if kind in AM_KINDS:
                continue  # settled by _alertmanager_configs
            feeders = [r for r in ops if kind in r.kinds]
            if any(r.failed for r in feeders) or cms.failed or self.ctx.any_failed((kind,)):
                continue  # failed (by ctx.fail): no evidence of it from this source
            lost = cms.lost.get(kind, []) if kind in cms.kinds else []
            unread = [r for r in feeders if r.unread is not None]
            held = [e for r in feeders if r.unread is None for e in r.evidence if e.kind == kind]
            held += [e for e in cms.evidence if e.kind == kind]
            # the mounted ConfigMaps say something of a kind only where they hold a server's
            # configuration, items of the kind, or could have (lost): an operator's server loads
            # nothing from them
            cm_says = kind in cms.kinds and (cms.objects > 0 or bool(lost) or any(e.kind == kind for e in cms.evidence))
            if len(unread) == len(feeders) and not cm_says:
                unknown = "; ".join(dict.fromkeys(r.unread or "" for r in unread))
                if kind in cms.kinds:
                    unknown += "; and no Prometheus server here reads its configuration from a ConfigMap"
                self.ctx.kind_absent(kind, unknown)
                continue
            if not held:
                absent = self._absent(kind, cms, no_server, feeders)
                if absent is not None:
                    self.ctx.kind_absent(kind, "; ".join([absent, *lost]))
                    continue
            if kind in RULE_KINDS and cms.rulers:
                lost = [*lost, f"rules are also evaluated by {', '.join(cms.rulers)} (not read)"]
            why = self._partial(kind, unread, no_server, lost)
            if why:
                self.ctx.kind_partial(kind, why)
            yield from held

    def _absent(self, kind: str, cms: ConfigMapRead, no_server: bool, feeders: list[_Read]) -> str | None:
        """Why nothing held of `kind` is not knowing none (None: none is what was observed)."""
        if (kind in RULE_KINDS or kind == POOL) and no_server:
            return "no Prometheus resource, no Prometheus server reading a ConfigMap, and none of these objects in this cluster"
        if kind in RULE_KINDS and cms.rule_files:
            return (
                "a Prometheus server's prometheus.yml loads rule files (rule_files) that no ConfigMap read here holds"
            )
        if kind in RULE_KINDS and cms.objects and not any(r.objects for r in feeders if r.res.kind == "Prometheus"):
            return (
                "the Prometheus servers reading ConfigMaps load no rule files: alerting rules may be evaluated "
                "elsewhere (Thanos Ruler, vmalert, Grafana, a remote ruler where they write), not read here"
            )
        if kind in (CONFIG, SERVER) and not any(r.objects for r in feeders) and not cms.objects:
            return (
                "no Prometheus (or Alertmanager) resource, nor a Prometheus server reading a ConfigMap, in this cluster"
            )
        return None

    def _alertmanager_configs(self, reads: list[_Read | ConfigMapRead], cms: ConfigMapRead) -> Iterator[Evidence]:
        """`alertmanager.config` / `alertmanager.receiver` of an alertmanager.yml in a ConfigMap
        (a whole configuration) and of the AlertmanagerConfigs some Alertmanager resource
        selects (partial: the Alertmanager's own Secret is never read)."""
        ams = next(r for r in reads if r.res.kind == "Alertmanager")
        amcs = next(r for r in reads if r.res.kind == "AlertmanagerConfig")
        if ams.failed or amcs.failed or cms.failed or any(self.ctx.any_failed((k,)) for k in AM_KINDS):
            return  # failed (by ctx.fail)
        plain = [e for e in cms.evidence if e.kind in AM_KINDS]
        cm_lost = list(dict.fromkeys(w for k in AM_KINDS for w in cms.lost.get(k, [])))
        servers = next(r for r in reads if r.res.kind == "Prometheus")
        if cms.unsent and not servers.objects and (servers.unread is None or servers.no_crd):
            # no operator Prometheus could be sending to them: Alertmanagers no sender read here
            # points at are not the cluster's; unknown only when nothing else is left
            sent = [e for e in plain if not any(e.origin.startswith(o) for o in cms.unsent)]
            if not sent and plain:
                cm_lost = [*cm_lost, *cms.unsent.values()]
            plain = sent
        why: str | None = None
        if ams.unread is not None:
            why = ams.unread
        elif amcs.unread is not None and not amcs.no_crd:
            why = amcs.unread
        elif not self.alertmanagers:
            why = "no Alertmanager resource in this cluster: AlertmanagerConfigs configure nothing here"
        out: list[Evidence] = []
        undecided: list[str] = []
        if why is None:
            for amc, origin in sorted(self.amconfigs, key=lambda t: _name(t[0])):
                selecting = [am for am in self.alertmanagers if selected_by(am, amc)]
                if not selecting:
                    if any(selected_by(am, amc) is None for am in self.alertmanagers):
                        undecided.append(_name(amc))
                    continue
                try:
                    facts, receivers = amconfig_facts(amc, on_namespace(selecting[0]))
                except ValueError as exc:
                    raise CollectError(f"AlertmanagerConfig {_name(amc)}: {exc}", "malformed") from None
                ns, name = _name(amc).split("/", 1)
                out.append(self.ctx.evidence(AM_CONFIG, f"{ns}/AlertmanagerConfig/{name}", facts, origin))
                out.extend(self.ctx.evidence(AM_RECEIVER, n, data, origin) for n, data in receivers)
        secrets = ", ".join(sorted(_config_secret(am) for am in self.alertmanagers))
        if why is None and not out:
            why = (
                f"the Alertmanagers' configuration is in Secrets ({secrets}), never read, and no "
                "AlertmanagerConfig is selected by them"
            )
        scope = "only some namespaces were scanned (namespaces.include / exclude)"
        if why is not None:
            if not plain:
                for kind in AM_KINDS:
                    self.ctx.kind_absent(
                        kind, "; ".join(cm_lost) if cm_lost and ams.no_crd else "; ".join([why, *cm_lost])
                    )
                return
            # alertmanager.yml in a ConfigMap: whole, unless an Alertmanager resource (its Secret
            # unread) or a forbidden list hides other configurations
            lost = (ams.unread is not None and not ams.no_crd) or bool(self.alertmanagers)
            # another Alertmanager whose configuration is unread is a missing member (a gap),
            # not a fragment whose items could be judged alone (review v4: W7)
            part = f"{why}: the alertmanager.yml read from ConfigMaps is only part of it ({GAP_NOTE})" if lost else None
            if cm_lost:
                part = (
                    "; ".join([*([part] if part else []), *cm_lost])
                    + f": what was read is only part of it ({GAP_NOTE})"
                )
            if part is None and (self.include or self.exclude):
                part = scope
            if part:
                for kind in AM_KINDS:
                    self.ctx.kind_partial(kind, part)
            yield from plain
            return
        part = (
            f"the Alertmanagers' own configuration (root route, receivers and inhibit rules in Secrets {secrets}) "
            "is never read: the AlertmanagerConfigs are only part of it"
        )
        if undecided:
            part += (
                f"; whether {', '.join(undecided)} are selected depends on namespace labels "
                "(alertmanagerConfigNamespaceSelector), not read"
            )
        if cm_lost:
            part += "; " + "; ".join(cm_lost) + f" ({GAP_NOTE})"
        elif plain:
            part += f"; an Alertmanager configured from a ConfigMap runs beside them ({GAP_NOTE})"
        if self.include or self.exclude:
            part += "; " + scope
        for kind in AM_KINDS:
            self.ctx.kind_partial(kind, part)
        yield from out
        yield from plain

    def _partial(
        self, kind: str, unread: Sequence[_Read | ConfigMapRead], no_server: bool, lost: list[str] | None = None
    ) -> str | None:
        why = [r.unread or "" for r in unread if not r.no_crd]  # an uninstalled CRD hides nothing
        if lost:
            # servers, rulers or files not read: a gap in the population, never a fragment's own
            # configuration to judge on its items (scanner.partial)
            return "; ".join([*why, *lost]) + f": what was read is only part of it ({GAP_NOTE})"
        if why:
            return "; ".join(why) + ": what was read is only part of it"
        if (kind in RULE_KINDS or kind == POOL) and no_server:
            return (
                "no Prometheus resource and no Prometheus server reading a ConfigMap was seen in this cluster: these "
                "rules and monitors are only part of the configuration of a server not seen here"
            )
        if kind == POOL and self.scrapes_elsewhere:
            return (
                f"the Prometheus resource {', '.join(sorted(self.scrapes_elsewhere))} also scrapes jobs from "
                "additionalScrapeConfigs (a Secret, never read) or ScrapeConfig resources: the monitors are only part"
            )
        if self.include or self.exclude:
            return "only some namespaces were scanned (namespaces.include / exclude)"
        return None


def _trim(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An Alertmanager or AlertmanagerConfig reduced to what rendering reads."""
    meta = norm.as_map(obj.get("metadata"))
    return {
        "metadata": {k: meta.get(k) for k in ("name", "namespace", "labels")},
        "spec": dict(norm.as_map(obj.get("spec"))),
    }


def _name(obj: Mapping[str, Any]) -> str:
    meta = norm.as_map(obj.get("metadata"))
    return f"{meta.get('namespace') or 'default'}/{meta.get('name') or ''}"


def _config_secret(am: Mapping[str, Any]) -> str:
    """The Secret holding an Alertmanager's configuration (the operator's default name)."""
    spec = norm.as_map(am.get("spec"))
    meta = norm.as_map(am.get("metadata"))
    return f"{meta.get('namespace') or 'default'}/{spec.get('configSecret') or 'alertmanager-' + str(meta.get('name'))}"


def collect_monitoring(
    reader: KubeReader,
    ctx: ProbeContext,
    include: Iterable[str],
    exclude: Iterable[str],
    groups: Collection[str] | None = None,
    mounts: MountIndex | None = None,
) -> Iterator[Evidence]:
    """The Prometheus Operator's resources of one cluster, as evidence (see the module doc).
    `groups` are the API groups /apis listed (None when discovery failed): a cluster whose /apis
    does not list monitoring.coreos.com is not asked for the group (one request fewer)."""
    yield from _Monitoring(reader, ctx, list(include), set(exclude), groups, mounts).run()
