"""Monitoring configured the plain way, read from the ConfigMaps a Prometheus or Alertmanager
server mounts: what the prometheus-community `prometheus` chart and hand-written Deployments
give them. Only a ConfigMap that a Prometheus server container (image `.../prometheus`, not in
agent mode) or an Alertmanager container (image `.../alertmanager`) mounts as a volume is read,
each by name with one GET; nothing is listed. So a Promtail, CloudWatch-agent or Azure Monitor
scrape configuration, Mimir's fallback Alertmanager configuration or a stale prometheus.yml left
in a namespace is never taken for the cluster's monitoring, and a Grafana sidecar's dashboards
(chart-shipped ones among them) are not read here.

Which workloads: the Deployments, StatefulSets and DaemonSets the probe lists anyway
(`MountIndex.see`), except those the Prometheus Operator manages (their configuration is in a
Secret, their rule ConfigMaps are rendered from PrometheusRules, read as such), managed
collectors (`MANAGED`: GKE Managed Prometheus) and the private servers of known products
(`VENDORED`: Kubecost, Linkerd viz, OpenFaaS, GitLab's bundled Prometheus), which are not the
organisation's monitoring. Only the keys the container sees are read (a volume's `items`, a
mount's `subPath`). Rule evaluators beside the servers (`RULERS`): a Thanos Ruler's or vmalert's
mounted rule files are read as rules; a Mimir or Cortex ruler, or a ruler whose rules are not in a
ConfigMap, is noted: the rules read are then only part of the rules evaluated.

Each kept key goes through the file parsers of the GitOps path (probes/prometheus/files.py,
probes/alertmanager/files.py), so its evidence kinds and facts are those of the same text as a
file in Git: a prometheus.yml gives `prometheus.config` (with `ha_replicas`, the replicas of the
workloads that mount it) and one `prometheus.target_pool` per job, a rule file
`prometheus.alert_rule` / `prometheus.recording_rule`, an alertmanager.yml `alertmanager.config`
and `alertmanager.receiver` (structure only). A Prometheus's ConfigMap feeds only the Prometheus
parser, an Alertmanager's only the Alertmanager parser. An Alertmanager that none of the
prometheus.yml read sends to (a chart's default left running while alerts go to a central one)
is left out. Subjects are `<ns>/ConfigMap/<name>/<key>` and origins
`<server>/api/v1/namespaces/<ns>/configmaps/<name>#<key>`: declarations, like files
(scanner.rule_eval.declared).

Failure is this reader's own: a ConfigMap that cannot be read (403, 404, an error), a key past
the bounds or broken, a server whose configuration is not in a ConfigMap, rule files loaded from
elsewhere, or a workload list that failed, makes the kinds it would have fed `lost` (partial
where something else feeds them, unknown where nothing does); it never fails the operator's
evidence beside it. Secrets are never requested; `binaryData` is not read.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from probes.alertmanager.files import AlertmanagerFiles
from probes.files.base import FileParser, could_feed
from probes.kubernetes.client import KubeReader
from probes.kubernetes.resources import Resource
from probes.prometheus.files import PrometheusFiles
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.probe import CollectError, ProbeContext, SourceFailure
from scanner.yamlio import load_yaml_documents

__all__ = ["CONFIGMAPS", "CONFIGMAP_KINDS", "ConfigMapRead", "MountIndex", "read_configmaps"]

CONFIGMAPS = Resource("ConfigMap", "", "v1", "configmaps")
PROMETHEUS_KINDS = tuple(PrometheusFiles.kinds)
ALERTMANAGER_KINDS = tuple(AlertmanagerFiles.kinds)
CONFIGMAP_KINDS = (*PROMETHEUS_KINDS, *ALERTMANAGER_KINDS)
RULE_KINDS = ("prometheus.alert_rule", "prometheus.recording_rule")
ROLE_KINDS = {"prometheus": PROMETHEUS_KINDS, "alertmanager": ALERTMANAGER_KINDS, "ruler": RULE_KINDS}
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")

MAX_KEY_BYTES = 1 << 20  # the API server refuses a ConfigMap over 1 MiB: one key cannot be more
MAX_TOTAL_BYTES = 64 << 20  # all kept keys of a cluster together
MAX_KEYS = 20_000  # as the files probe's max_files
MAX_CONFIGMAPS = 500  # ConfigMaps read by name in one cluster

# A top-level key of a prometheus.yml, a rule file or an alertmanager.yml, at the start of a line.
_MARKER = re.compile(r"^(?:groups|scrape_configs|rule_files|global|route|receivers)[ \t]*:", re.MULTILINE)
_OPERATOR_GROUP = "monitoring.coreos.com/"
# Products that ship a private Prometheus of their own (not the organisation's monitoring),
# matched in the workload's namespace, name or Helm release/chart labels.
VENDORED = ("kubecost", "cost-analyzer", "linkerd-viz", "openfaas", "gitlab")
# Managed collectors whose configuration the cloud renders (GKE Managed Prometheus): not the
# cluster's own servers; their rules are the cloud's (matched in the image or namespace).
MANAGED = ("prometheus-engine", "gmp-system", "gke-gmp-system")
# Workloads that evaluate Prometheus rules beside the servers (their rules are not read here):
# image segment -> the argument that makes it a ruler (None: always).
RULERS: dict[str, str | None] = {"vmalert": None, "thanos": "rule", "mimir": "ruler", "cortex": "ruler"}
_RELEASE_LABELS = ("release", "chart", "helm.sh/chart", "app.kubernetes.io/instance", "app.kubernetes.io/part-of")


def _m(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def image_role(image: str) -> str | None:
    """`prometheus` or `alertmanager` when the image is that server's (by its repository's last
    path segment: quay.io/prometheus/prometheus, prom/alertmanager, bitnami/prometheus...)."""
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1].split(":", 1)[0]
    return last if last in ("prometheus", "alertmanager") else None


def agent_mode(argv: Iterable[str]) -> bool:
    """Prometheus in agent mode (`--enable-feature=agent` or `--enable-feature agent`, Prometheus
    3's `--agent`): it scrapes and remote-writes but loads no rules."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--agent":
            return True
        value = arg.split("=", 1)[1] if arg.startswith("--enable-feature=") else None
        if arg == "--enable-feature" and i + 1 < len(args):
            value = args[i + 1]
        if value is not None and "agent" in value.split(","):
            return True
    return False


def ruler(image: str, argv: Iterable[str]) -> str | None:
    """The rule evaluator an image runs (Thanos Ruler, vmalert, a Mimir/Cortex ruler), if any."""
    last = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    if last not in RULERS:
        return None
    need = RULERS[last]
    args = list(argv)
    if need is None or any(need in a for a in args):
        return last
    if last in ("mimir", "cortex") and not any("-target" in a for a in args):
        return last  # monolithic: every component, the ruler among them
    if last in ("mimir", "cortex") and any("-target" in a and "all" in a for a in args):
        return last
    return None


def config_file(argv: Iterable[str]) -> str | None:
    """The `--config.file` a server is started with, if given."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg.startswith("--config.file="):
            return arg.split("=", 1)[1]
        if arg == "--config.file" and i + 1 < len(args):
            return str(args[i + 1])
    return None


def operator_managed(meta: Mapping[str, Any]) -> bool:
    """Whether the Prometheus Operator made this object (owned by one of its resources, or
    carrying its labels where an export dropped the owners)."""
    labels = _m(meta.get("labels"))
    if str(labels.get("managed-by") or labels.get("app.kubernetes.io/managed-by") or "") == "prometheus-operator":
        return True
    if "operator.prometheus.io/name" in labels:
        return True
    return any(
        isinstance(o, Mapping) and str(o.get("apiVersion") or "").startswith(_OPERATOR_GROUP)
        for o in _l(meta.get("ownerReferences"))
    )


def vendored(ns: str, meta: Mapping[str, Any]) -> str | None:
    labels = _m(meta.get("labels"))
    values = [ns, str(meta.get("name") or ""), *(str(labels.get(k) or "") for k in _RELEASE_LABELS)]
    return next((v for v in VENDORED if any(v in x.lower() for x in values)), None)


@dataclass
class Mount:
    """One container's view of one ConfigMap."""

    workload: str  # <ns>/<Kind>/<name>
    container: str
    path: str  # mountPath
    sub_path: str | None
    config_file: str | None  # the server's --config.file
    replicas: int | None = 1  # the workload's (None: a DaemonSet, one per node)
    others: tuple[str, ...] = ()  # the container's mount paths of other volumes (Secrets, emptyDirs)


@dataclass
class Target:
    """A ConfigMap some server mounts, and how."""

    ns: str
    name: str
    role: str  # prometheus | alertmanager
    keys: set[str] | None = None  # the keys the containers see (None: all)
    mounts: list[Mount] = field(default_factory=list)


@dataclass
class MountIndex:
    """The ConfigMaps mounted by Prometheus and Alertmanager servers, gathered from the workload
    lists as they are folded (committed per list only when it was read to its end)."""

    targets: dict[tuple[str, str, str], Target] = field(default_factory=dict)
    unread: dict[str, list[str]] = field(default_factory=dict)  # role -> why a server is not read
    notes: list[str] = field(default_factory=list)
    rulers: list[str] = field(default_factory=list)  # workloads evaluating rules beside the servers
    lists_failed: list[str] = field(default_factory=list)
    _pending: dict[str, list[tuple[str, str, Mapping[str, Any], Mapping[str, Any], Any]]] = field(default_factory=dict)

    def see(self, kind: str, item: Mapping[str, Any]) -> None:
        """A listed workload (Deployment, StatefulSet, DaemonSet): its server containers noted."""
        if kind not in WORKLOADS:
            return
        meta = _m(item.get("metadata"))
        ns, name = str(meta.get("namespace") or "default"), str(meta.get("name") or "")
        spec = _m(_m(_m(item.get("spec")).get("template")).get("spec"))
        for c in _l(spec.get("containers")):
            c = _m(c)
            image = str(c.get("image") or "")
            if image_role(image) is not None or ruler(image, _argv(c)) is not None:
                replicas = _m(item.get("spec")).get("replicas", 1) if kind != "DaemonSet" else None
                self._pending.setdefault(kind, []).append((ns, name, meta, spec, replicas))
                break

    def commit(self, kind: str) -> None:
        for ns, name, meta, spec, replicas in self._pending.pop(kind, []):
            self._take(kind, ns, name, meta, spec, replicas if isinstance(replicas, int) else None)

    def drop(self, kind: str, why: str) -> None:
        """A workload list that failed: whether it holds a server is unknown."""
        self._pending.pop(kind, None)
        if kind in WORKLOADS:
            self.lists_failed.append(why)

    def _take(
        self, kind: str, ns: str, name: str, meta: Mapping[str, Any], spec: Mapping[str, Any], replicas: int | None
    ) -> None:
        workload = f"{ns}/{kind}/{name}"
        if operator_managed(meta):
            return  # the operator's: read through its resources (monitoring.py)
        volumes = {str(_m(v).get("name") or ""): _m(v) for v in _l(spec.get("volumes"))}
        for c in _l(spec.get("containers")):
            c = _m(c)
            image = str(c.get("image") or "")
            argv = _argv(c)
            evaluator = ruler(image, argv)
            role = image_role(image)
            if role is None and evaluator is not None and vendored(ns, meta) is None:
                # a rule evaluator beside the servers: its rule files are read where mounted
                # from ConfigMaps (Thanos Ruler, vmalert), else its rules are unknown
                role = "ruler" if evaluator in ("thanos", "vmalert") else None
                if role is None:
                    self.rulers.append(f"{workload} ({evaluator})")
                    continue
            if role is None:
                continue
            if any(m in image or m == ns for m in MANAGED):
                self.notes.append(f"{workload}: a managed collector (GKE Managed Prometheus; not read)")
                continue
            if role == "prometheus" and agent_mode(argv):
                self.notes.append(f"{workload}: Prometheus in agent mode (no rules; not read)")
                continue
            product = vendored(ns, meta)
            if product is not None:
                self.notes.append(f"{workload}: {product}'s own {role.title()} (not the organisation's; not read)")
                continue
            found = False
            mounts = [_m(vm) for vm in _l(c.get("volumeMounts"))]
            others = tuple(
                str(vm.get("mountPath") or "")
                for vm in mounts
                if not _only_configmaps(volumes.get(str(vm.get("name") or ""), {}))
            )
            for vm in mounts:
                vol = volumes.get(str(vm.get("name") or ""))
                if vol is None:
                    continue
                sub = str(vm.get("subPath") or "") or None
                mount = Mount(
                    workload,
                    str(c.get("name") or ""),
                    str(vm.get("mountPath") or ""),
                    sub,
                    config_file(argv),
                    replicas,
                    others,
                )
                for cm in _volume_configmaps(vol):
                    found = True
                    self._add(ns, cm, role, mount)
            if not found and role == "ruler":
                self.rulers.append(f"{workload} ({evaluator}, its rules not in a ConfigMap)")
            elif not found:
                self.unread.setdefault(role, []).append(
                    f"{workload} runs {role.title()} with no configuration in a ConfigMap (not read)"
                )

    def _add(self, ns: str, cm: Mapping[str, Any], role: str, mount: Mount) -> None:
        name = str(cm.get("name") or "")
        if not name:
            return
        t = self.targets.setdefault((ns, name, role), Target(ns, name, role, keys=set()))
        # the keys this mount shows: the volume's items (key -> path) or every key; a subPath
        # shows one of them
        items = [_m(i) for i in _l(cm.get("items"))]
        paths = {str(i.get("path") or ""): str(i.get("key") or "") for i in items} if items else None
        if mount.sub_path is not None:
            shown = {paths.get(mount.sub_path, "")} if paths is not None else {mount.sub_path.split("/", 1)[0]}
        elif paths is not None:
            shown = set(paths.values())
        else:
            shown = None
        if t.keys is not None:
            t.keys = None if shown is None else t.keys | shown
        t.mounts.append(mount)


def _argv(c: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in (*_l(c.get("command")), *_l(c.get("args")))]


def _only_configmaps(vol: Mapping[str, Any]) -> bool:
    """A volume whose files all come from ConfigMaps (plain, or projected from ConfigMaps only)."""
    if "configMap" in vol:
        return True
    sources = _l(_m(vol.get("projected")).get("sources"))
    return bool(sources) and all("configMap" in _m(src) for src in sources)


def _volume_configmaps(vol: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "configMap" in vol:
        return [_m(vol.get("configMap"))]
    out = []
    for src in _l(_m(vol.get("projected")).get("sources")):
        if "configMap" in _m(src):
            out.append(_m(_m(src).get("configMap")))
    return out


@dataclass
class ConfigMapRead:
    """What the mounted ConfigMaps gave: evidence, and per kind why some of it is not known."""

    res: Resource = CONFIGMAPS
    kinds: tuple[str, ...] = CONFIGMAP_KINDS
    evidence: list[Evidence] = field(default_factory=list)
    objects: int = 0  # prometheus.yml keys read (the servers read whole)
    unread: str | None = None  # (the shape of monitoring._Read: never set, losses are per kind)
    no_crd: bool = False
    failed: bool = False  # every kind already failed before the read
    lost: dict[str, list[str]] = field(default_factory=dict)  # kind -> why some of it is unknown
    rule_files: bool = False  # some prometheus.yml read loads rule files
    rulers: list[str] = field(default_factory=list)  # workloads evaluating rules beside the servers
    keys: int = 0
    bytes: int = 0

    def lose(self, kinds: Iterable[str], why: str) -> None:
        for kind in kinds:
            reasons = self.lost.setdefault(kind, [])
            if why not in reasons:
                reasons.append(why)


class _Reader:
    def __init__(self, reader: KubeReader, ctx: ProbeContext) -> None:
        self.reader = reader
        self.ctx = ctx
        self.parsers: dict[str, FileParser] = {
            "prometheus": PrometheusFiles(),
            "alertmanager": AlertmanagerFiles(),
            "ruler": PrometheusFiles(),
        }
        self.out = ConfigMapRead()
        self.targets: list[Target] = []
        # where the servers read send their alerts: static hosts, and whether any is discovered
        self.am_hosts: set[str] = set()
        self.am_discovered = False

    def take(self, t: Target, item: Mapping[str, Any]) -> None:
        data = _m(item.get("data"))
        origin = f"{self.reader.host}{CONFIGMAPS.list_path(t.ns)}/{t.name}"
        where = f"{t.ns}/ConfigMap/{t.name}"
        parser = self.parsers[t.role]
        kinds = ROLE_KINDS[t.role]
        for key, value in sorted(data.items(), key=lambda kv: str(kv[0])):
            key = str(key)
            if not isinstance(value, str) or (t.keys is not None and key not in t.keys):
                continue
            if not _MARKER.search(value) or not could_feed(parser, value):
                continue  # cannot be a prometheus.yml, a rule file or an alertmanager.yml
            if not self._keep(f"{where}/{key}", value, kinds):
                continue
            self._parse(t, f"{where}/{key}", value, f"{origin}#{key}", parser, kinds)

    def _keep(self, where: str, value: str, kinds: tuple[str, ...]) -> bool:
        size = len(value)
        if size > MAX_KEY_BYTES:
            self.out.lose(kinds, f"ConfigMap key {where}: larger than {MAX_KEY_BYTES} bytes; not read")
            return False
        if self.out.keys >= MAX_KEYS or self.out.bytes + size > MAX_TOTAL_BYTES:
            self.out.lose(
                kinds,
                f"more than {MAX_KEYS} configuration keys or {MAX_TOTAL_BYTES} bytes in ConfigMaps; the rest not read",
            )
            return False
        self.out.keys += 1
        self.out.bytes += size
        return True

    def _parse(self, t: Target, path: str, text: str, origin: str, parser: FileParser, kinds: tuple[str, ...]) -> None:
        """Every document of one key offered to the parser, as the files probe offers a file's;
        a key that does not load or parse loses what it could have fed."""
        got: list[Evidence] = []
        docs = load_yaml_documents(path, text)
        i = 0
        while True:
            try:
                doc = next(docs)
            except StopIteration:
                break
            except (InputError, RecursionError, MemoryError, ValueError, TypeError) as exc:
                why = str(exc) if isinstance(exc, InputError) else f"cannot load: {type(exc).__name__}"
                self.out.lose(kinds, f"ConfigMap key {path} (document {i + 1}): {why}")
                return
            # A manifest kept in a ConfigMap is loaded by nothing: only plain configuration files.
            if isinstance(doc, Mapping) and "apiVersion" not in doc and "kind" not in doc:
                try:
                    drafts = list(parser.accept(path, i, doc))
                except (SourceFailure, CollectError):
                    raise
                except Exception as exc:  # noqa: BLE001 - a parser fault loses this key only
                    self.out.lose(kinds, f"ConfigMap key {path} (document {i + 1}): {type(exc).__name__}: {exc}")
                    return
                if t.role == "ruler":  # a ruler loads rule files only
                    drafts = [e for e in drafts if e.kind in RULE_KINDS]
                if any(e.kind == "prometheus.config" for e in drafts):
                    self.out.objects += 1
                    self._alerting(doc.get("alerting"))
                    if doc.get("rule_files"):
                        self.out.rule_files = True
                        self._rules_elsewhere(t, doc.get("rule_files"))
                for e in drafts:
                    data = e.data
                    if e.kind == "prometheus.config" and data.get("ha_replicas") is None:
                        data = {**data, "ha_replicas": _replicas(t)}
                    got.append(self.ctx.evidence(e.kind, e.subject, data, origin))
            i += 1
        self.out.evidence.extend(got)

    def _alerting(self, alerting: Any) -> None:
        for am in _l(_m(alerting).get("alertmanagers")):
            am = _m(am)
            if any(k.endswith("_sd_configs") and k != "static_configs" for k in am):
                self.am_discovered = True
            for sc in _l(am.get("static_configs")):
                for target in _l(_m(sc).get("targets")):
                    self.am_hosts.add(str(target).split("://")[-1].split(":", 1)[0].split(".", 1)[0].lower())

    def _rules_elsewhere(self, t: Target, globs: Any) -> None:
        """Rule files a server loads from a directory no ConfigMap is mounted at (an emptyDir a
        sidecar fills, a Secret, the image itself), or where another volume is mounted too:
        those rules are not read."""
        for mount in t.mounts:
            here = posixpath.dirname(mount.config_file) if mount.config_file else mount.path
            dirs = {m.path if m.sub_path is None else posixpath.dirname(m.path) for m in self._mounts_of(mount)}
            for g in _l(globs):
                full = posixpath.normpath(posixpath.join(here, str(g)))
                where = posixpath.dirname(full)
                if where not in dirs or where in mount.others:
                    self.out.lose(
                        ("prometheus.alert_rule", "prometheus.recording_rule"),
                        f"{mount.workload} loads rule files {g} from outside its ConfigMaps (not read)",
                    )

    def _mounts_of(self, mount: Mount) -> list[Mount]:
        return [
            m for t in self.targets for m in t.mounts if (m.workload, m.container) == (mount.workload, mount.container)
        ]


def read_configmaps(reader: KubeReader, ctx: ProbeContext, index: MountIndex) -> ConfigMapRead:
    """GET every ConfigMap a Prometheus or Alertmanager server mounts (MountIndex) and read the
    monitoring configuration in it (see the module doc); whatever cannot be read is `lost`."""
    if all(ctx.any_failed((k,)) for k in CONFIGMAP_KINDS):
        return ConfigMapRead(failed=True)
    r = _Reader(reader, ctx)
    out = r.out
    for why in index.lists_failed:
        out.lose(CONFIGMAP_KINDS, f"{why}: whether a Prometheus or Alertmanager reads a ConfigMap is unknown")
    for role, whys in index.unread.items():
        for why in whys:
            out.lose(ROLE_KINDS[role], why)
    targets = sorted(index.targets.values(), key=lambda t: (t.ns, t.name, t.role))
    r.targets = targets
    if targets:
        ctx.progress(f"reading {len(targets)} mounted configmaps")
    for n, t in enumerate(targets):
        kinds = ROLE_KINDS[t.role]
        if n >= MAX_CONFIGMAPS:
            out.lose(kinds, f"more than {MAX_CONFIGMAPS} mounted ConfigMaps; {t.ns}/{t.name} not read")
            continue
        path = f"{CONFIGMAPS.list_path(t.ns)}/{t.name}"
        try:
            item = reader.get(path)
        except SourceFailure:
            raise
        except CollectError as exc:
            why = f"cannot read ConfigMap {t.ns}/{t.name} ({t.role.title()} {t.mounts[0].workload} mounts it): {exc.reason}"
            out.lose(kinds, why)
            if exc.category == "forbidden":
                ctx.warn(f"{why} (grant get on configmaps: deploy/kubernetes/clusterrole.yaml)")
            continue
        r.take(t, item)
    _tie_alertmanagers(r, targets)
    out.rulers = list(index.rulers)
    return out


def _replicas(t: Target) -> int | None:
    """The Prometheus replicas that load a ConfigMap: its mounting workloads' replicas summed
    (None when one is a DaemonSet or does not say)."""
    seen: dict[str, int | None] = {m.workload: m.replicas for m in t.mounts}
    if not seen or any(v is None for v in seen.values()):
        return None
    return sum(v for v in seen.values() if v is not None)


def _tie_alertmanagers(r: _Reader, targets: list[Target]) -> None:
    """An Alertmanager's configuration is the cluster's only where a Prometheus read here sends
    to it (a static target naming its workload, or any discovered target), or where no
    prometheus.yml was read (its senders are not known here). One that no server sends to, a
    chart's default left running while alerts go to a central Alertmanager, is left out."""
    if not r.out.objects or r.am_discovered:
        return
    for t in targets:
        if t.role != "alertmanager":
            continue
        names = {m.workload.rsplit("/", 1)[-1].lower() for m in t.mounts}
        if names & r.am_hosts or any(h.startswith(n) or n.startswith(h) for h in r.am_hosts for n in names if h):
            continue
        origin = f"{r.reader.host}{CONFIGMAPS.list_path(t.ns)}/{t.name}#"
        before = len(r.out.evidence)
        r.out.evidence = [e for e in r.out.evidence if not e.origin.startswith(origin)]
        if len(r.out.evidence) < before:
            sends = ", ".join(sorted(r.am_hosts)) or "no Alertmanager"
            r.out.lose(
                ALERTMANAGER_KINDS,
                f"the Prometheus servers read send alerts to {sends}, not to {t.mounts[0].workload} "
                f"(its configuration, ConfigMap {t.ns}/{t.name}, is left out)",
            )
