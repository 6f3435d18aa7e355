"""What a GitOps repository holds beyond the objects a cluster runs: Grafana dashboards, SLO
definitions, Argo CD Applications, Velero Backups, Prometheus/Alertmanager custom resources,
kustomize overlays (environments) and Helm charts.

Each kind is observed only once the repository declared at least one item of it: dashboards,
SLOs or Argo CD applications missing from Git may well live in Grafana, Prometheus or Argo CD
themselves, so "none in Git" is never read as "none" (rules on these kinds decide `met` or stay
`unknown`, except where they judge the items found, e.g. an Application without automated sync).
Subjects are `<namespace>/<Kind>/<name>` for Kubernetes objects, as the live probe names them.

kube-prometheus-stack Helm values (probes/files/kps.py): `prometheus.prometheusSpec` and
`alertmanager.alertmanagerSpec` are the Prometheus and Alertmanager resources the chart renders,
read as those resources (`kps_server_facts`), one subject per values file
(`<file>#prometheus`, `<file>#alertmanager`): which files a release merges is not known here.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from probes.files import kps
from probes.files.base import FileParser
from probes.gitops.dashboards import SIDECAR_LABEL, dashboard_facts, is_dashboard, sidecar_dashboards
from probes.gitops.slo import is_slo_document, slo_facts
from probes.gitops.storage import embedded_configs, store_facts
from probes.prometheus.normalise import duration_s, url_host
from scanner.evidence import Evidence
from scanner.jsonio import load_json

__all__ = ["KINDS", "GitopsFiles", "subject_of"]

KINDS: dict[str, str] = {
    "gitops.dashboard": "a Grafana dashboard (JSON file or sidecar ConfigMap): panels, datasources, variables, metrics, business or infrastructure",
    "gitops.slo": "an SLO definition (Sloth, Pyrra, OpenSLO): service, objective, window, SLI type",
    "gitops.argocd_app": "an Argo CD Application or ApplicationSet: automated sync, self-heal, prune, revision, destination",
    "gitops.velero_backup": "a Velero Backup: included namespaces, TTL, volume snapshots",
    "gitops.monitoring_server": "a Prometheus or Alertmanager custom resource: replicas, retention, remote write, alerting, selectors",
    "gitops.kustomize_app": "a kustomize application with overlays: its base and the environments the overlays name",
    "gitops.helm_chart": "a Helm chart: whether its templates were rendered and read",
    "gitops.monitoring_store": "where Thanos, Mimir/Cortex, Loki or Tempo keep their data: the storage backend type (object storage or local disk)",
}
ENV_DIRS = ("overlays", "envs", "environments")
VALUES_FILES = ("values.yaml", "values.yml")
KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_DASHBOARD_BYTES = 5_000_000


def _m(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def subject_of(doc: Mapping[str, Any]) -> str:
    """`<namespace>/<Kind>/<name>`: the one subject of a Kubernetes object, live or in Git."""
    meta = _m(doc.get("metadata"))
    return f"{meta.get('namespace') or 'default'}/{doc.get('kind')}/{meta.get('name') or ''}"


def _group(doc: Mapping[str, Any]) -> str:
    api = str(doc.get("apiVersion") or "")
    return api.rsplit("/", 1)[0] if "/" in api else ""


def argocd_facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An Application (or an ApplicationSet's template): sync policy, source revision, destination."""
    kind = str(doc.get("kind"))
    spec = _m(doc.get("spec"))
    annotations = _m(_m(doc.get("metadata")).get("annotations"))
    generators: list[str] = []
    if kind == "ApplicationSet":
        generators = sorted({str(k) for g in spec.get("generators") or [] if isinstance(g, Mapping) for k in g})
        annotations = {**annotations, **_m(_m(_m(spec.get("template")).get("metadata")).get("annotations"))}
        spec = _m(_m(spec.get("template")).get("spec"))
    policy = _m(spec.get("syncPolicy"))
    automated = policy.get("automated")
    enabled = isinstance(automated, Mapping) and automated.get("enabled", True) is not False
    auto = _m(automated)
    sources = [s for s in spec.get("sources") or [] if isinstance(s, Mapping)] or [_m(spec.get("source"))]
    dest = _m(spec.get("destination"))
    return {
        "kind": kind,
        "project": str(spec.get("project") or "default"),
        "automated": enabled,
        "self_heal": enabled and bool(auto.get("selfHeal")),
        "prune": enabled and bool(auto.get("prune")),
        "sync_options": sorted(str(o) for o in policy.get("syncOptions") or []),
        "retry": isinstance(policy.get("retry"), Mapping),
        "target_revisions": sorted({str(s.get("targetRevision") or "HEAD") for s in sources}),
        "repo_hosts": sorted({h for s in sources if (h := url_host(s.get("repoURL")))}),
        "helm": any("chart" in s or "helm" in s for s in sources),
        "destination_namespace": str(dest.get("namespace") or "") or None,
        "destination_cluster": url_host(dest.get("server")) or (str(dest.get("name")) if dest.get("name") else None),
        "generators": generators,
        "notifications": _notification_triggers(annotations),
    }


NOTIFY_PREFIX = "notifications.argoproj.io/subscribe."


def _notification_triggers(annotations: Mapping[str, Any]) -> list[str]:
    """Triggers an Application subscribes to: `notifications.argoproj.io/subscribe.<trigger>.<service>`
    with a non-empty recipient (the recipient itself, a channel or address, is never kept)."""
    out = set()
    for key, value in annotations.items():
        k = str(key)
        if k.startswith(NOTIFY_PREFIX) and str(value or "").strip():
            rest = k[len(NOTIFY_PREFIX) :]
            # `subscribe.<service>` alone subscribes to the default triggers
            out.add(rest.split(".", 1)[0][:100] if "." in rest else "default")
    return sorted(out)[:50]


def velero_backup_facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    spec = _m(doc.get("spec"))
    return {
        "included_namespaces": [str(x) for x in spec.get("includedNamespaces") or []] or ["*"],
        "excluded_namespaces": [str(x) for x in spec.get("excludedNamespaces") or []],
        "ttl_s": duration_s(spec.get("ttl")),
        "snapshot_volumes": spec.get("snapshotVolumes") if isinstance(spec.get("snapshotVolumes"), bool) else None,
        "storage_location": str(spec.get("storageLocation") or "") or None,
    }


def monitoring_server_facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A Prometheus or Alertmanager resource of the Prometheus Operator."""
    kind = str(doc.get("kind"))
    spec = _m(doc.get("spec"))
    replicas = spec.get("replicas", 1)
    retention = spec.get("retention") or ("24h" if kind == "Prometheus" else "120h")  # operator defaults
    storage = _m(spec.get("storage"))
    alerting = _m(spec.get("alerting"))
    return {
        "tool": kind.lower(),
        "replicas": replicas if isinstance(replicas, int) else None,
        "shards": spec.get("shards") if isinstance(spec.get("shards"), int) else None,
        "retention": str(retention),
        "retention_s": duration_s(retention),
        "retention_size": str(spec.get("retentionSize")) if spec.get("retentionSize") else None,
        "persistent_storage": bool(storage.get("volumeClaimTemplate")),
        "remote_write_count": len([r for r in spec.get("remoteWrite") or [] if isinstance(r, Mapping)]),
        "remote_write_hosts": sorted({h for r in spec.get("remoteWrite") or [] if (h := url_host(_m(r).get("url")))}),
        "alertmanagers": sorted(
            f"{a.get('namespace') or ''}/{a.get('name') or ''}".strip("/")
            for a in alerting.get("alertmanagers") or []
            if isinstance(a, Mapping)
        ),
        "rule_selector": {str(k): str(v) for k, v in _m(_m(spec.get("ruleSelector")).get("matchLabels")).items()},
        "selects_rules": "ruleSelector" in spec,
        "selects_service_monitors": "serviceMonitorSelector" in spec or "podMonitorSelector" in spec,
        "config_source": str(spec.get("configSecret")) if spec.get("configSecret") else None,
        "operator": True,
    }


def kps_server_facts(resource: Mapping[str, Any], written: Mapping[str, Any]) -> dict[str, Any]:
    """`monitoring_server_facts` of the resource kube-prometheus-stack renders from a values
    file's prometheusSpec / alertmanagerSpec (`written`), claiming only what the file writes:
    replicas and retention it leaves out are null (the chart's defaults, not the operator's,
    apply). The chart always renders a Prometheus's rule and monitor selectors (the release
    label, or every object with `*SelectorNilUsesHelmValues: false`), so the Prometheus selects
    both; `rule_selector` is what the file writes (the release name is not known here)."""
    facts = monitoring_server_facts(resource)
    if "replicas" not in written:
        facts["replicas"] = None
    if "retention" not in written:
        facts["retention"], facts["retention_s"] = None, None
    if facts["tool"] == "prometheus":
        facts["selects_rules"] = facts["selects_service_monitors"] = True
    return facts


class GitopsFiles(FileParser):
    family = "gitops"
    kinds: ClassVar[dict[str, str]] = KINDS
    markers: ClassVar[tuple[str, ...]] = (
        "panels", "grafana_dashboard", "slos", "ServiceLevelObjective", "SLO", "argoproj.io",
        "velero.io", "monitoring.coreos.com", "resources", "bases", "Chart",
        "blocks_storage", "schema_config", "schemaConfig", "objstore", "backend", "config",
        "prometheusSpec", "alertmanagerSpec",
    )  # fmt: skip
    # What an unrendered chart's templates must spell to hide one of these (regular expressions,
    # base.template_kinds): an Application's apiVersion group, a Velero group, a Prometheus or
    # Alertmanager resource's kind line (not a ServiceMonitor's), an SLO tool's group, and for
    # dashboards any ConfigMap (the sidecar label key is often itself templated). Kustomize apps
    # and charts come from the repository's layout, never from a template's objects.
    template_markers: ClassVar[dict[str, tuple[str, ...]]] = {
        "gitops.argocd_app": ("argoproj.io",),
        "gitops.velero_backup": ("velero.io",),
        "gitops.monitoring_server": (r"^[ \t]*kind:[ \t]*[\"']?(?:Prometheus|Alertmanager)[\"']?[ \t]*$",),
        "gitops.slo": ("sloth.slok.dev", "pyrra.dev", "openslo", "slos"),
        "gitops.dashboard": (SIDECAR_LABEL, "panels", "ConfigMap"),
        "gitops.kustomize_app": (),
        "gitops.helm_chart": (),
    }

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.overlays: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.overlay_origin: dict[str, str] = {}
        self.overlay_dirs: dict[str, str] = {}
        self.charts: list[tuple[str, dict[str, Any]]] = []
        self.values_stores: list[tuple[str, str, dict[str, Any], str]] = []  # (folder, subject, facts, origin)
        # kube-prometheus-stack values' servers, held until Chart.yaml folders are known
        self.kps_charts = kps.ChartFolders()
        self.kps_servers: list[tuple[str, str, dict[str, Any], str]] = []  # (path, subject, facts, origin)
        self.kps_read: set[str] = set()  # values files whose servers were emitted

    def absent_kinds(self) -> dict[str, str]:
        """Every kind of which the repository declared nothing (it may live outside Git)."""
        return {k: f"the repository declares no {d.split(':')[0]}" for k, d in KINDS.items() if k not in self.seen}

    def partial_kinds(self) -> dict[str, str]:
        """Servers read from kube-prometheus-stack values: each file alone, without the chart's
        defaults or values given elsewhere, so a setting one leaves out is no finding."""
        if not self.kps_read:
            return {}
        files = ", ".join(sorted(self.kps_read)[:3]) + (" and more" if len(self.kps_read) > 3 else "")
        why = (
            f"Prometheus/Alertmanager resources read from kube-prometheus-stack values ({files}), each file on its "
            "own: Helm merges them with other values files, values in an Argo CD Application or helmfile, and the "
            "chart's defaults, so a setting a file leaves out may be set elsewhere"
        )
        return {"gitops.monitoring_server": why}

    def _make(self, kind: str, subject: str, data: dict[str, Any], origin: str) -> Evidence:
        self.found = True
        self.seen.add(kind)
        return Evidence.draft(kind, subject, data, origin)  # the files probe seals it

    def add_chart(self, chart_dir: str, data: dict[str, Any]) -> None:
        """Record a Helm chart (called by the files probe, which finds and renders charts)."""
        self.charts.append((chart_dir, data))
        self.found = True

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        self.kps_charts.note(path)
        if not isinstance(doc, Mapping):
            return []
        if kps.is_kps_values(doc):
            self._kps_values(path, doc)
        origin = f"file://{path}#{index + 1}"
        if posixpath.basename(path) in KUSTOMIZATION[:2] or doc.get("kind") == "Kustomization":
            self._kustomization(path, doc)
            return []
        if is_dashboard(doc):
            return [self._make("gitops.dashboard", path, dashboard_facts(doc, "json_file"), f"file://{path}")]
        if (tool := is_slo_document(doc)) is not None:
            base = subject_of(doc) if "apiVersion" in doc else path
            own = str(_m(doc.get("metadata")).get("name") or "")
            return [
                self._make("gitops.slo", base if f["name"] == own else f"{base}/{f['name']}", f, origin)
                for f in slo_facts(tool, doc)
            ]
        group, kind = _group(doc), doc.get("kind")
        if doc.get("apiVersion") == "v1" and kind == "ConfigMap":
            return self._sidecar(doc, origin) + self._embedded_stores(doc, origin)
        if doc.get("apiVersion") == "v1" and kind == "Secret":
            return self._embedded_stores(doc, origin)
        if group == "argoproj.io" and kind in ("Application", "ApplicationSet"):
            return [self._make("gitops.argocd_app", subject_of(doc), argocd_facts(doc), origin)]
        if group == "velero.io" and kind == "Backup":
            return [self._make("gitops.velero_backup", subject_of(doc), velero_backup_facts(doc), origin)]
        if group == "monitoring.coreos.com" and kind in ("Prometheus", "Alertmanager"):
            return [self._make("gitops.monitoring_server", subject_of(doc), monitoring_server_facts(doc), origin)]
        if "apiVersion" not in doc:  # a store's own configuration file, or Helm values
            stores = store_facts(doc, "file")
            subjects = [path if len(stores) == 1 else f"{path}#{f['tool']}" for f in stores]
            if stores and posixpath.basename(path) in VALUES_FILES:
                # Held until the charts are known: a chart's own values.yaml holds its defaults
                # (the Loki chart's say `storage.type: s3` with no bucket), not a deployment's.
                line = getattr(doc, "line", 0)
                held = f"{origin};line={line}" if line > 0 else origin
                self.values_stores += [
                    (posixpath.dirname(path) or ".", s, f, held) for s, f in zip(subjects, stores, strict=True)
                ]
                self.found = True
                return []
            return [self._make("gitops.monitoring_store", s, f, origin) for s, f in zip(subjects, stores, strict=True)]
        return []

    def _kps_values(self, path: str, doc: Mapping[str, Any]) -> None:
        """Read now (a fault fails this file only), emitted by `finish`."""
        for tool, found in (
            ("prometheus", kps.prometheus_resource(doc)),
            ("alertmanager", kps.alertmanager_resource(doc)),
        ):
            if found is not None:
                resource, written, line = found
                where = kps.origin(path, f"{tool}.{tool}Spec", line)
                self.kps_servers.append((path, f"{path}#{tool}", kps_server_facts(resource, written), where))
                self.found = True

    def _embedded_stores(self, doc: Mapping[str, Any], origin: str) -> list[Evidence]:
        """Store configurations held in a ConfigMap's or Secret's `*.yaml` keys (only the type is kept)."""
        out = []
        for key, parsed, found_in in embedded_configs(doc):
            stores = store_facts(parsed, found_in)
            for f in stores:
                subject = f"{subject_of(doc)}/{key}" + (f"#{f['tool']}" if len(stores) > 1 else "")
                out.append(self._make("gitops.monitoring_store", subject, f, origin))
        return out

    def _sidecar(self, doc: Mapping[str, Any], origin: str) -> list[Evidence]:
        out = []
        for key, text in sidecar_dashboards(doc):
            if len(text) > MAX_DASHBOARD_BYTES:
                raise ValueError(f"ConfigMap key {key}: dashboard larger than {MAX_DASHBOARD_BYTES} bytes")
            model = load_json(text)  # ValueError on bad JSON: fails this family for this file only
            if not is_dashboard(model):
                raise ValueError(f"ConfigMap key {key}: not a Grafana dashboard model")
            out.append(
                self._make("gitops.dashboard", f"{subject_of(doc)}/{key}", dashboard_facts(model, "configmap"), origin)
            )
        return out

    def _kustomization(self, path: str, doc: Mapping[str, Any]) -> None:
        """An overlay is `<app>/<overlays|envs|environments>/<env>/kustomization.yaml`."""
        folder = posixpath.dirname(path)
        parent, env = posixpath.split(folder)
        app, env_dir = posixpath.split(parent)
        if env_dir not in ENV_DIRS or not env:
            return
        refs = [r for key in ("resources", "bases", "components") for r in doc.get(key) or [] if isinstance(r, str)]
        bases = {posixpath.normpath(posixpath.join(folder, r)) for r in refs if r.startswith("..")}
        self.overlays[app or "."][env] |= bases
        self.overlay_origin.setdefault(app or ".", f"file://{path}")
        self.overlay_dirs.setdefault(app or ".", env_dir)

    def finish(self) -> Iterable[Evidence]:
        out: list[Evidence] = []
        for app, envs in sorted(self.overlays.items()):
            bases = sorted({b for bs in envs.values() for b in bs})
            data = {
                "path": app,
                "environments": sorted(envs),
                "environment_count": len(envs),
                "bases": bases,
                "shared_base": bool(bases) and all(set(bases) & bs for bs in envs.values()),
                "overlay_dir": self.overlay_dirs[app],
            }
            out.append(self._make("gitops.kustomize_app", app, data, self.overlay_origin[app]))
        for chart_dir, data in self.charts:
            out.append(self._make("gitops.helm_chart", chart_dir, data, f"file://{chart_dir}/Chart.yaml"))
        chart_dirs = {chart_dir for chart_dir, _ in self.charts}
        for folder, subject, facts, origin in self.values_stores:
            if folder not in chart_dirs:  # a chart's defaults are read from its rendered output instead
                out.append(self._make("gitops.monitoring_store", subject, facts, origin))
        for path, subject, facts, origin in self.kps_servers:
            if not self.kps_charts.covers(path):  # a chart's own values: its rendered output is read
                out.append(self._make("gitops.monitoring_server", subject, facts, origin))
                self.kps_read.add(path)
        return out
