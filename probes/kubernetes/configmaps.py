"""Monitoring configured the plain way, read from the ConfigMaps a Prometheus, Alertmanager or
rule evaluator mounts: what the prometheus-community charts and hand-written Deployments give
them. Only a ConfigMap that a Prometheus server container (image `.../prometheus`, not in agent
mode), an Alertmanager container (image `.../alertmanager`) or a Thanos Ruler / vmalert mounts
as a volume is read, each by name with one GET; nothing is listed. So a Promtail,
CloudWatch-agent or Azure Monitor scrape configuration, Mimir's fallback Alertmanager
configuration or a stale prometheus.yml left in a namespace is never taken for the cluster's
monitoring, and a Grafana sidecar's dashboards (chart-shipped ones among them) are not read.

Which workloads: the Deployments, StatefulSets and DaemonSets the probe lists anyway
(`MountIndex.see`), except those the Prometheus Operator manages (their configuration is in a
Secret, their rule ConfigMaps are rendered from PrometheusRules, read as such), managed
collectors (`MANAGED`: GKE Managed Prometheus) and the private servers of known products
(`VENDORED`), which are not the organisation's monitoring. Rule evaluators whose rules are not
read (a Mimir or Cortex ruler) are noted: the rules read are then only part of those evaluated.

Within the ConfigMaps, only what a server loads is read (`_Reader.read`): each Prometheus's
configuration file (`--config.file`, else `prometheus.yml`), then the rule files its
`rule_files` (or a ruler's `--rule-file` / `-rule`) match where they are mounted, then each
Alertmanager's configuration file; a volume's `items` and a mount's `subPath` decide which keys
a container sees. Each key read goes through the file parsers of the GitOps path
(probes/prometheus/files.py, probes/alertmanager/files.py), so its evidence kinds and facts are
those of the same text as a file in Git; a Prometheus whose configuration is read is also a
`gitops.monitoring_server` (`server_facts`: replicas, retention, persistent storage, remote
write), as an operator's resource is. An Alertmanager no sender read here points at (a chart's
default left running while alerts go to a central one) is left out (monitoring.py). Subjects are
`<ns>/ConfigMap/<name>/<key>` and origins
`<server>/api/v1/namespaces/<ns>/configmaps/<name>#<key>`: declarations, like files
(scanner.rule_eval.declared).

Failure is this reader's own: a ConfigMap that cannot be read (403, 404, an error), a key past
the bounds or broken, a server whose configuration is not in a ConfigMap, rule or job files
loaded from elsewhere, or a workload list that failed, makes the kinds it would have fed `lost`:
a gap (partial where something else feeds them, unknown where nothing does); it never fails the
operator's evidence beside it. Secrets are never requested; `binaryData` is not read.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from probes.alertmanager.files import AlertmanagerFiles
from probes.files.base import FileParser, could_feed
from probes.kubernetes.client import KubeReader
from probes.kubernetes.resources import Resource
from probes.kubernetes.workloads import image_path
from probes.prometheus.files import PrometheusFiles
from probes.prometheus.normalise import duration_s
from probes.prometheus.values import url_host
from scanner.canonical import sha256_of
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.probe import CollectError, ProbeContext, SourceFailure
from scanner.yamlio import load_yaml_documents

__all__ = ["CONFIGMAPS", "CONFIGMAP_KINDS", "ConfigMapRead", "MountIndex", "read_configmaps"]

CONFIGMAPS = Resource("ConfigMap", "", "v1", "configmaps")
SERVER = "gitops.monitoring_server"
PROMETHEUS_KINDS = (*PrometheusFiles.kinds, SERVER)
ALERTMANAGER_KINDS = tuple(AlertmanagerFiles.kinds)
CONFIGMAP_KINDS = (*PROMETHEUS_KINDS, *ALERTMANAGER_KINDS)
RULE_KINDS = ("prometheus.alert_rule", "prometheus.recording_rule")
ROLE_KINDS = {"prometheus": PROMETHEUS_KINDS, "alertmanager": ALERTMANAGER_KINDS, "ruler": RULE_KINDS}
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")

MAX_KEY_BYTES = 1 << 20  # the API server refuses a ConfigMap over 1 MiB: one key cannot be more
MAX_TOTAL_BYTES = 64 << 20  # all kept keys of a cluster together
MAX_KEYS = 20_000  # as the files probe's max_files
MAX_CONFIGMAPS = 500  # ConfigMaps read by name in one cluster
MAX_SCRIPT = 64 << 10  # a shell wrapper's script read for the server's flags

# A top-level key of a prometheus.yml, a rule file or an alertmanager.yml, at the start of a line.
_MARKER = re.compile(r"^(?:groups|scrape_configs|rule_files|global|route|receivers)[ \t]*:", re.MULTILINE)
_OPERATOR_GROUP = "monitoring.coreos.com/"
# Products that ship a private Prometheus of their own (not the organisation's monitoring),
# matched as the workload's namespace or Helm release exactly, or as its chart (`vendored`).
VENDORED = ("kubecost", "cost-analyzer", "linkerd-viz", "openfaas", "gitlab", "flagger")
# Managed collectors whose configuration the cloud renders (GKE Managed Prometheus): not the
# cluster's own servers; their rules are the cloud's (matched in the image or namespace).
MANAGED = ("prometheus-engine", "gmp-system", "gke-gmp-system")
# Images of workloads that evaluate Prometheus rules beside the servers (`ruler`).
RULERS = ("vmalert", "thanos", "mimir", "cortex")
_RELEASE_LABELS = ("release", "app.kubernetes.io/instance", "app.kubernetes.io/part-of")
_CHART_LABELS = ("chart", "helm.sh/chart")


def _m(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _image_name(image: str) -> str:
    """The last path segment of an image's repository (quay.io/prometheus/prometheus:v2 -> prometheus)."""
    return image_path(image).rsplit("/", 1)[-1]


def image_role(image: str) -> str | None:
    """`prometheus` or `alertmanager` when the image is that server's (by its repository's last
    path segment: quay.io/prometheus/prometheus, prom/alertmanager, bitnami/prometheus...)."""
    last = _image_name(image)
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
    last = _image_name(image)
    if last not in RULERS:
        return None
    args = list(argv)
    if last == "vmalert":
        return last
    if last == "thanos":  # the `rule` subcommand (a sidecar's --reloader.rule-dir is not one)
        return last if any(a == "rule" for a in args) else None
    targets = [a.split("=", 1)[1] for a in args if a.lstrip("-").startswith("target=")]
    if not targets:
        return last  # Mimir or Cortex monolithic: every component, the ruler among them
    parts = {p.strip() for t in targets for p in t.split(",")}
    return last if parts & {"ruler", "all", "backend"} else None


def config_file(argv: list[str]) -> str | None:
    """The `--config.file` a server is started with, if given."""
    return _flags(argv).get("config.file")


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
    """The product whose private server this is: its namespace or Helm release is the product's
    own name exactly, or its chart is the product's (a release named `gitlab-platform-monitoring`
    is the organisation's own)."""
    labels = _m(meta.get("labels"))
    exact = {ns.lower(), *(str(labels.get(k) or "").lower() for k in _RELEASE_LABELS)}
    charts = [str(labels.get(k) or "").lower() for k in _CHART_LABELS]
    for v in VENDORED:
        if v in exact or any(c == v or c.startswith(f"{v}-") for c in charts):
            return v
    return None


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
    shown: frozenset[str] | None = None  # the ConfigMap keys this mount shows (None: all)
    rule_globs: tuple[str, ...] = ()  # a ruler's rule files (--rule-file, -rule)
    renamed: tuple[tuple[str, str], ...] = ()  # a volume's items: (key, the path it is given)

    def file_of(self, key: str) -> str | None:
        """Where key `key` appears in the container (None: this mount does not show it)."""
        if self.shown is not None and key not in self.shown:
            return None
        if self.sub_path is not None:
            return posixpath.normpath(self.path)
        return posixpath.normpath(posixpath.join(self.path, dict(self.renamed).get(key, key)))


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
    # where the rulers read send their alerts (--alertmanagers.url, -notifier.url): (service, namespace)
    ruler_sends: list[tuple[str, str]] = field(default_factory=list)
    # the Prometheus servers read, by workload: their `gitops.monitoring_server` facts from the
    # workload (flags, replicas, volumes), completed from their prometheus.yml once it is read
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
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
                top = _m(item.get("spec"))
                replicas = top.get("replicas", 1) if kind != "DaemonSet" else None
                claims = {str(_m(_m(t).get("metadata")).get("name") or "") for t in _l(top.get("volumeClaimTemplates"))}
                self._pending.setdefault(kind, []).append((ns, name, meta, spec, (replicas, claims)))
                break

    def commit(self, kind: str) -> None:
        for ns, name, meta, spec, (replicas, claims) in self._pending.pop(kind, []):
            self._take(kind, ns, name, meta, spec, replicas if isinstance(replicas, int) else None, claims)

    def drop(self, kind: str, why: str) -> None:
        """A workload list that failed: whether it holds a server is unknown."""
        self._pending.pop(kind, None)
        if kind in WORKLOADS:
            self.lists_failed.append(why)

    def _take(
        self,
        kind: str,
        ns: str,
        name: str,
        meta: Mapping[str, Any],
        spec: Mapping[str, Any],
        replicas: int | None,
        claims: set[str],
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
            if role == "prometheus":
                self.servers[workload] = server_facts(kind, argv, mounts, volumes, claims, replicas)
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
                    rule_globs=_rule_globs(argv) if role == "ruler" else (),
                )
                for cm in _volume_configmaps(vol):
                    found = True
                    self._add(ns, cm, role, mount)
            if role == "ruler":
                self.ruler_sends.extend(_notifier_targets(argv, ns))
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
        renamed = tuple((k, p) for p, k in (paths or {}).items())
        t.mounts.append(replace(mount, shown=None if shown is None else frozenset(shown), renamed=renamed))


def _flags(argv: list[str]) -> dict[str, str]:
    """`--name=value` and `--name value` flags (a bare flag is "true")."""
    out: dict[str, str] = {}
    for i, arg in enumerate(argv):
        if not arg.startswith("--"):
            continue
        name, eq, value = arg[2:].partition("=")
        if not eq:
            value = argv[i + 1] if i + 1 < len(argv) and not argv[i + 1].startswith("-") else "true"
        out[name] = value
    return out


def server_facts(
    kind: str,
    argv: list[str],
    mounts: list[Mapping[str, Any]],
    volumes: Mapping[str, Mapping[str, Any]],
    claims: set[str],
    replicas: int | None,
) -> dict[str, Any]:
    """`gitops.monitoring_server` facts of a plain Prometheus container, as the operator's
    resource gives them: retention from its flags (Prometheus's default 15d when unset),
    persistent storage when the volume at its TSDB path is a PersistentVolumeClaim or one of the
    StatefulSet's volumeClaimTemplates. Remote write and Alertmanagers come from its
    prometheus.yml (`complete_server`)."""
    flags = _flags(argv)
    size_flag = flags.get("storage.tsdb.retention.size") or None
    time_flag = flags.get("storage.tsdb.retention.time") or flags.get("storage.tsdb.retention") or None
    # A value still holding a variable (`${SIZE}`, `$(RETENTION)`: set from the environment or a
    # shell wrapper at start) is not known here: neither its value nor the default it replaces.
    unresolved = any(v is not None and "$" in v for v in (size_flag, time_flag))
    size = size_flag if size_flag and "$" not in size_flag else None
    retention = time_flag if time_flag and "$" not in time_flag else None
    # Prometheus keeps 15d when neither limit is set; a size limit alone sets no time limit
    if retention is None and size is None and not unresolved:
        retention = "15d"
    path = posixpath.normpath(posixpath.join("/prometheus", flags.get("storage.tsdb.path") or "data/"))
    best: tuple[int, str] = (-1, "")
    for vm in mounts:
        mp = posixpath.normpath(str(vm.get("mountPath") or "/"))
        if (path == mp or path.startswith(mp.rstrip("/") + "/")) and len(mp) > best[0]:
            best = (len(mp), str(vm.get("name") or ""))
    vol = volumes.get(best[1], {})
    persistent = bool(best[1]) and ("persistentVolumeClaim" in vol or (best[1] in claims and not vol))
    return {
        "tool": "prometheus",
        "replicas": replicas if kind != "DaemonSet" else None,
        "shards": None,
        "retention": retention,
        "retention_s": duration_s(retention) if retention else None,
        "retention_size": size,
        "persistent_storage": persistent,
        "remote_write_count": 0,
        "remote_write_hosts": [],
        "alertmanagers": [],
        "rule_selector": {},
        "selects_rules": False,
        "selects_service_monitors": False,
        "config_source": None,
        "operator": False,
    }


def _rule_globs(argv: list[str]) -> tuple[str, ...]:
    """A Thanos Ruler's `--rule-file` and vmalert's `-rule` globs (flag=value or flag value)."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        flag, eq, value = arg.partition("=")
        if flag.startswith("-") and flag.lstrip("-") in ("rule-file", "rule"):
            if not eq:
                value = argv[i + 1] if i + 1 < len(argv) else ""
            out.extend(v for v in value.split(",") if v)
    return tuple(out)


def _shadows(other: str, where: str, full: str) -> bool:
    """Whether another volume mounted at `other` may hold files of the glob `full` (directory
    `where`): mounted at that directory, at a matching file, or, for a wildcard directory, at a
    directory the wildcard matches or inside one (a sidecar's emptyDir beside the ConfigMaps)."""
    if other == where or _matches(other, full):
        return True
    return any(c in where for c in "*?[") and (_matches(other, where) or _matches(posixpath.dirname(other), where))


def _matches(path: str, pattern: str) -> bool:
    """Whether a mounted file matches a rule or config glob (`*` never crosses a `/`, as Go's
    filepath.Match)."""
    return re.fullmatch(fnmatch.translate(pattern).replace(".*", "[^/]*"), path) is not None


def _argv(c: Mapping[str, Any]) -> list[str]:
    """A container's command and args; a shell wrapper's script (`sh -c "envsubst ... &&
    exec prometheus --config.file=..."`) is split into its words, so its flags are read."""
    argv = [str(a) for a in (*_l(c.get("command")), *_l(c.get("args")))]
    if not argv or posixpath.basename(argv[0]) not in ("sh", "bash", "ash", "dash"):
        return argv
    # the script follows the option cluster holding `c` (-c, -ec, -xc; after -o pipefail too)
    for i, arg in enumerate(argv[1:8], start=1):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:] and i + 1 < len(argv):
            script = argv[i + 1][:MAX_SCRIPT]
            try:
                words = shlex.split(script)
            except ValueError:
                words = script.split()
            return [*argv, *words]
    return argv


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
    # Alertmanagers no sender read here points at: origin prefix -> why (monitoring.py drops
    # them when no operator Prometheus could be sending to them)
    unsent: dict[str, str] = field(default_factory=dict)
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
        # workload -> the prometheus.yml it loads, and where it is mounted
        self.loaded: dict[str, tuple[Mapping[str, Any], str]] = {}
        self.parsed: set[tuple[str, str, str]] = set()
        # prometheus.config evidence id -> digest of its file with the replica label's value blanked
        self.pair_keys: dict[str, str] = {}
        # where the servers read send their alerts: (service, namespace), "*" for any
        self.sends: list[tuple[str, str]] = []
        self.sends_elsewhere: list[str] = []  # targets outside the cluster or not resolvable here

    def read(self, items: list[tuple[Target, Mapping[str, Any]]]) -> None:
        """What the servers load, in the order they load it: each Prometheus's configuration
        file (its `--config.file`, else a `prometheus.yml` key), then the rule files that
        configuration's `rule_files` (or a ruler's `--rule-file` / `-rule`) names, then each
        Alertmanager's configuration. A key nothing loads (a `.bak` copy, a job file of
        `scrape_config_files`, another product's file) is not read."""
        for t, item in items:
            if t.role == "prometheus":
                for key, value in self._keys(t, item):
                    if any(self._is_config(m, key) for m in t.mounts):
                        self._parse(t, key, value, self.parsers["prometheus"], ("prometheus.config",))
        for t, item in items:
            if t.role in ("prometheus", "ruler"):
                for key, value in self._keys(t, item):
                    if any(self._loads_rules(m, key) for m in t.mounts):
                        self._parse(t, key, value, self.parsers[t.role], RULE_KINDS)
            elif t.role == "alertmanager":
                for key, value in self._keys(t, item):
                    if any(self._is_config(m, key) for m in t.mounts):
                        self._parse(t, key, value, self.parsers["alertmanager"], ALERTMANAGER_KINDS)

    def _keys(self, t: Target, item: Mapping[str, Any]) -> list[tuple[str, str]]:
        data = _m(item.get("data"))
        return [
            (str(k), v)
            for k, v in sorted(data.items(), key=lambda kv: str(kv[0]))
            if isinstance(v, str) and (t.keys is None or str(k) in t.keys)
        ]

    @staticmethod
    def _is_config(m: Mount, key: str) -> bool:
        """Whether the container loads `key` as its configuration file."""
        where = m.file_of(key)
        if where is None:
            return False
        if m.config_file:
            return where == posixpath.normpath(posixpath.join("/prometheus", m.config_file))
        return key in ("prometheus.yml", "prometheus.yaml", "alertmanager.yml", "alertmanager.yaml")

    def _loads_rules(self, m: Mount, key: str) -> bool:
        """Whether the container loads `key` as a rule file: its prometheus.yml's rule_files (or a
        ruler's flags) match where the key is mounted."""
        where = m.file_of(key)
        if where is None:
            return False
        if m.rule_globs:
            return any(_matches(where, posixpath.normpath(posixpath.join("/", g))) for g in m.rule_globs)
        loaded = self.loaded.get(m.workload)
        if loaded is None:
            return False
        doc, config_path = loaded
        here = posixpath.dirname(config_path)
        return any(_matches(where, posixpath.normpath(posixpath.join(here, str(g)))) for g in _l(doc.get("rule_files")))

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

    def _parse(self, t: Target, key: str, text: str, parser: FileParser, wanted: tuple[str, ...]) -> None:
        """Every document of one key offered to the parser, as the files probe offers a file's,
        keeping the kinds `wanted` (a configuration file's, or a rule file's); a key that does
        not load or parse loses what it could have fed."""
        kinds = ROLE_KINDS[t.role]
        path = f"{t.ns}/ConfigMap/{t.name}/{key}"
        origin = f"{self.reader.host}{CONFIGMAPS.list_path(t.ns)}/{t.name}#{key}"
        if (t.ns, t.name, key) in self.parsed:
            return
        self.parsed.add((t.ns, t.name, key))
        if not _MARKER.search(text) or not could_feed(parser, text):
            return  # cannot be a prometheus.yml, a rule file or an alertmanager.yml
        if not self._keep(path, text, kinds):
            return
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
                if "prometheus.config" in wanted:  # a configuration file: the config and its jobs
                    drafts = [e for e in drafts if e.kind in ("prometheus.config", "prometheus.target_pool")]
                elif wanted == RULE_KINDS:
                    drafts = [e for e in drafts if e.kind in RULE_KINDS]
                if any(e.kind == "prometheus.config" for e in drafts):
                    self._config_read(t, key, doc)
                for e in drafts:
                    data = e.data
                    if e.kind == "prometheus.config" and data.get("ha_replicas") is None:
                        data = {**data, "ha_replicas": _replicas(t, key)}
                    made = self.ctx.evidence(e.kind, e.subject, data, origin)
                    if e.kind == "prometheus.config" and data.get("replica_label"):
                        if (digest := _pair_digest(doc, str(data["replica_label"]))) is not None:
                            self.pair_keys[made.id] = digest
                    got.append(made)
            i += 1
        self.out.evidence.extend(got)

    def _config_read(self, t: Target, key: str, doc: Mapping[str, Any]) -> None:
        """A Prometheus configuration read: the servers that load it, where they send alerts,
        and what they load that is not read (rule files elsewhere, scrape_config_files)."""
        self.out.objects += 1
        for m in t.mounts:
            where = m.file_of(key)
            if where is not None and self._is_config(m, key):
                self.loaded.setdefault(m.workload, (doc, where))
        self._alerting(doc.get("alerting"), t.ns)
        if doc.get("rule_files"):
            self.out.rule_files = True
            self._rules_elsewhere(t, key, doc.get("rule_files"))
        if doc.get("scrape_config_files"):
            self.out.lose(
                ("prometheus.target_pool",),
                f"{t.ns}/ConfigMap/{t.name}/{key} loads jobs from scrape_config_files, not read",
            )

    def _alerting(self, alerting: Any, ns: str) -> None:
        """Where a prometheus.yml sends alerts: in-cluster Services (static targets by a cluster
        name, or Kubernetes discovery, by namespace), or elsewhere."""
        for am in _l(_m(alerting).get("alertmanagers")):
            am = _m(am)
            for sd in _l(am.get("kubernetes_sd_configs")):
                names = _l(_m(_m(sd).get("namespaces")).get("names"))
                self.sends.extend(("*", str(n)) for n in names) if names else self.sends.append(("*", "*"))
            for key in am:
                if str(key).endswith("_sd_configs") and key not in ("kubernetes_sd_configs", "static_configs"):
                    self.sends_elsewhere.append(str(key))
            for sc in _l(am.get("static_configs")):
                for target in _l(_m(sc).get("targets")):
                    found = cluster_services(str(target), ns)
                    if not found:
                        self.sends_elsewhere.append(str(target))
                    self.sends.extend(found)

    def _rules_elsewhere(self, t: Target, key: str, globs: Any) -> None:
        """Rule files a server loads from a directory no ConfigMap is mounted at (an emptyDir a
        sidecar fills, a Secret, the image itself), or from another volume mounted at that
        directory or at a file the glob matches (a Secret's key by subPath): those rules are not
        read."""
        for mount in t.mounts:
            config = mount.file_of(key)
            if config is None or not self._is_config(mount, key):
                continue
            here = posixpath.dirname(config)
            dirs = {m.path if m.sub_path is None else posixpath.dirname(m.path) for m in self._mounts_of(mount)}
            for g in _l(globs):
                full = posixpath.normpath(posixpath.join(here, str(g)))
                where = posixpath.dirname(full)
                shadowed = any(_shadows(o, where, full) for o in mount.others)
                if not any(_matches(d, where) for d in dirs) or shadowed:
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
    items: list[tuple[Target, Mapping[str, Any]]] = []
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
        items.append((t, item))
    r.read(items)
    _pair_replicas(out, ctx, r.pair_keys)
    for ruler in {m.workload: m for t in targets if t.role == "ruler" for m in t.mounts}.values():
        _ruler_elsewhere(r, ruler, targets)
    _tie_alertmanagers(r, targets, index)
    out.rulers = list(index.rulers)
    for workload, facts in sorted(index.servers.items()):
        loaded = r.loaded.get(workload)
        if loaded is None:
            out.lose(PROMETHEUS_KINDS, f"{workload}: its configuration file was not found in the ConfigMaps it mounts")
            continue  # its configuration was not read: its facts are not known whole
        doc = loaded[0]
        ns, kind, name = workload.split("/", 2)
        plural = {"Deployment": "deployments", "StatefulSet": "statefulsets", "DaemonSet": "daemonsets"}[kind]
        origin = f"{reader.host}/apis/apps/v1/namespaces/{ns}/{plural}/{name}"
        out.evidence.append(ctx.evidence(SERVER, workload, complete_server(facts, doc), origin))
    return out


def _pair_digest(doc: Mapping[str, Any], replica_label: str) -> str | None:
    """A prometheus.yml's identity apart from its replica: the whole file, the replica label's
    value blanked, hashed as canonical JSON (None when the file is not plain JSON data, e.g. a
    mapping with non-string keys: it is then paired with nothing)."""
    g = doc.get("global")
    glob = dict(g) if isinstance(g, Mapping) else {}
    labels = glob.get("external_labels")
    if isinstance(labels, Mapping):
        glob["external_labels"] = {**labels, replica_label: ""}
    try:
        return sha256_of({**doc, "global": glob})
    except (TypeError, ValueError, RecursionError):
        return None


def _pair_replicas(out: ConfigMapRead, ctx: ProbeContext, keys: Mapping[str, str]) -> None:
    """An HA pair written as separate workloads, each with its own copy of prometheus.yml.

    The usual plain HA pair is two Deployments (or StatefulSets) whose configurations differ only
    in the replica label's value (`replica: a`, `replica: b`). Each copy alone counts only its own
    workload's replicas; configurations identical but for that value (the whole file compared,
    the value blanked: review 2026-12-04, P1, where equal job counts paired two teams' servers)
    are one pair: each is given the replicas of all of them, counted once per replica value.
    """
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(out.evidence):
        if e.kind == "prometheus.config" and e.id in keys and isinstance(e.data.get("ha_replicas"), int):
            groups.setdefault(keys[e.id], []).append(i)
    for members in groups.values():
        per_value: dict[str, int] = {}
        for i in members:
            d = out.evidence[i].data
            value = str(_m(d.get("external_labels")).get(str(d.get("replica_label")), ""))
            per_value[value] = max(per_value.get(value, 0), int(d["ha_replicas"]))
        if len(per_value) < 2:
            continue  # one replica value: the same server read twice, or one server's copies
        total = sum(per_value.values())
        for i in members:
            e = out.evidence[i]
            out.evidence[i] = ctx.evidence(e.kind, e.subject, {**e.data, "ha_replicas": total}, e.origin)


def complete_server(facts: Mapping[str, Any], doc: Mapping[str, Any]) -> dict[str, Any]:
    """A plain server's facts with its prometheus.yml's remote_write endpoints."""
    remote = [_m(r) for r in _l(doc.get("remote_write")) if isinstance(r, Mapping)]
    return {
        **facts,
        "remote_write_count": len(remote),
        "remote_write_hosts": sorted({h for r in remote if (h := url_host(r.get("url")))}),
    }


def _ruler_elsewhere(r: _Reader, ruler: Mount, targets: list[Target]) -> None:
    """A ruler's rule-file globs that no ConfigMap it mounts covers (a directory a sidecar
    fills): those rules are not read."""
    mounts = [m for t in targets for m in t.mounts if (m.workload, m.container) == (ruler.workload, ruler.container)]
    dirs = {m.path if m.sub_path is None else posixpath.dirname(m.path) for m in mounts}
    globs = ruler.rule_globs or ("(none given)",)
    for g in globs:
        full = posixpath.normpath(posixpath.join("/", g))
        where = posixpath.dirname(full)
        covered = any(_matches(d, where) for d in dirs)
        if not ruler.rule_globs or not covered or any(_shadows(o, where, full) for o in ruler.others):
            r.out.lose(RULE_KINDS, f"{ruler.workload} evaluates rule files {g} from outside its ConfigMaps (not read)")


def _replicas(t: Target, key: str) -> int | None:
    """The Prometheus replicas that load a prometheus.yml: the replicas of the workloads that
    load that key as their configuration, summed (None when one is a DaemonSet or does not say)."""
    mine = {m.workload for m in t.mounts if m.file_of(key) is not None and _Reader._is_config(m, key)}
    seen: dict[str, int | None] = {m.workload: m.replicas for m in t.mounts if m.workload in mine}
    if not seen or any(v is None for v in seen.values()):
        return None
    return sum(v for v in seen.values() if v is not None)


# Second labels that make a two-label host a domain name, not `service.namespace`.
_DOMAIN_LABELS = frozenset(
    {
        "com",
        "net",
        "org",
        "io",
        "local",
        "internal",
        "corp",
        "lan",
        "intra",
        "intranet",
        "cloud",
        "dev",
        "example",
        "home",
    }
)


def cluster_services(target: str, ns: str) -> list[tuple[str, str]]:
    """The in-cluster (service, namespace) an Alertmanager target may name: `name`, `name.ns`,
    `name.ns.svc[.cluster.local]`, and a StatefulSet pod's `pod.service[.ns.svc...]` (both
    readings kept when the form is ambiguous); [] for a host elsewhere."""
    host = target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].lower().rstrip(".")
    for prefix in ("dnssrv+", "dnssrvnoa+", "dns+"):
        host = host.removeprefix(prefix)
    labels = host.split(".")
    while len(labels) > 1 and labels[0].startswith("_"):  # SRV names: _web._tcp.<service>...
        labels = labels[1:]
    if not labels[0] or all(part.isdigit() for part in labels):
        return []
    if len(labels) == 1:
        return [(labels[0], ns)]
    if len(labels) == 2:
        return [] if labels[1] in _DOMAIN_LABELS else [(labels[0], labels[1]), (labels[1], ns)]
    if labels[2] == "svc":  # name.ns.svc, with the cluster domain (cluster.local or another)
        return [(labels[0], labels[1])]
    if len(labels) >= 4 and labels[3] == "svc":  # pod.service.namespace.svc...
        return [(labels[1], labels[2])]
    return []


def _notifier_targets(argv: list[str], ns: str) -> list[tuple[str, str]]:
    """Where a Thanos Ruler (--alertmanagers.url) or vmalert (-notifier.url) sends alerts."""
    out: list[tuple[str, str]] = []
    for i, arg in enumerate(argv):
        flag, eq, value = arg.partition("=")
        if not eq and i + 1 < len(argv):
            value = argv[i + 1]  # --alertmanagers.url http://...
        if flag.startswith("-") and flag.lstrip("-") in ("alertmanagers.url", "notifier.url") and value:
            for url in value.split(","):
                out.extend(cluster_services(url, ns))
    return out


def _sent_to(name: str, ns: str, sends: list[tuple[str, str]]) -> bool:
    """Whether an Alertmanager workload `ns/name` is among the in-cluster targets: same
    namespace (or any) and a Service named as the workload or after it (`alertmanager-main`,
    the operator's `alertmanager-operated`, the chart's `<release>-alertmanager`)."""
    for svc, where in sends:
        if where not in ("*", ns):
            continue
        if svc == "*" or svc == name or svc.startswith(f"{name}-") or name.startswith(f"{svc}-"):
            return True
    return False


def _tie_alertmanagers(r: _Reader, targets: list[Target], index: MountIndex) -> None:
    """An Alertmanager's configuration is the cluster's only where a sender read here (a
    prometheus.yml's `alerting`, a ruler's notifier flags) points at it, or where no sender was
    read (its senders are not known here). Those no sender points at (a chart's default left
    running while alerts go to a central Alertmanager) are noted in `unsent`: monitoring.py
    leaves them out unless an operator's Prometheus, not read here, could be sending to them."""
    sends = [*r.sends, *index.ruler_sends]
    if not r.out.objects and not index.ruler_sends:
        return
    if any(w not in r.loaded for w in index.servers):
        return  # a Prometheus whose configuration was not read may be the sender
    elsewhere = ", ".join(sorted(set(r.sends_elsewhere))) or "no Alertmanager in this cluster"
    for t in targets:
        if t.role != "alertmanager":
            continue
        if any(_sent_to(m.workload.rsplit("/", 1)[-1].lower(), t.ns, sends) for m in t.mounts):
            continue
        origin = f"{r.reader.host}{CONFIGMAPS.list_path(t.ns)}/{t.name}#"
        r.out.unsent[origin] = (
            f"the alert senders read here send to {elsewhere}, not to {t.mounts[0].workload} "
            f"(its configuration, ConfigMap {t.ns}/{t.name}, is left out)"
        )
