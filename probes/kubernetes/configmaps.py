"""Monitoring configured the plain way, read from a live cluster's ConfigMaps: what the
prometheus-community `prometheus` chart and hand-written Deployments mount into Prometheus,
Alertmanager and Grafana. Each data key that holds such a configuration goes through the file
parsers of the GitOps path (probes/prometheus/files.py, probes/alertmanager/files.py,
probes/gitops/files.py), so its evidence kinds and facts are exactly those of the same text as
a file in Git:

- a key whose YAML is a prometheus.yml (`scrape_configs`, or `global` with `rule_files` /
  `alerting` / `remote_write`) -> `prometheus.config` and one `prometheus.target_pool` per job;
- a key whose YAML is a rule file (`groups:` of `rules`) -> `prometheus.alert_rule` /
  `prometheus.recording_rule` (the chart's `alerting_rules.yml`, `recording_rules.yml`, `*.rules`);
- a key whose YAML is an alertmanager.yml (`route` and `receivers`) -> `alertmanager.config` and
  `alertmanager.receiver` (structure only: integration settings are never kept);
- the `*.json` keys of a ConfigMap labelled `grafana_dashboard` (the Grafana sidecar's) ->
  `gitops.dashboard`.

The parsers decide by content, as in Git, whatever the key's name. Subjects and rule files are
named `<ns>/ConfigMap/<name>/<key>` and every item's origin is
`<server>/api/v1/namespaces/<ns>/configmaps/<name>#<key>`: a declaration, like a file
(scanner.rule_eval.declared), so a rule the live Prometheus also reports counts once.

Read-only and bounded: one list (`limit`/`continue`, like every list of the probe), each page
folded as it arrives. Keys that cannot be such a configuration are dropped at once (a rule,
scrape or Alertmanager key must spell one of its top-level keys at the start of a line; a
dashboard key must be `*.json` in a labelled ConfigMap). A kept key is at most MAX_KEY_BYTES
(the API server's own limit on a ConfigMap) and all kept keys at most MAX_TOTAL_BYTES /
MAX_KEYS; as the files probe does with a file over its limits or one that does not parse, a key
past these bounds or broken fails the kinds it could have fed (its contents are unknown). The
ConfigMaps the Prometheus Operator renders from PrometheusRules (owned by a
monitoring.coreos.com object, or labelled `managed-by: prometheus-operator`) are skipped: those rules are read as PrometheusRules. Secrets are
never requested. Binary data (`binaryData`) is not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from probes.alertmanager.files import AlertmanagerFiles
from probes.files.base import FileParser, could_feed
from probes.gitops.dashboards import SIDECAR_LABEL
from probes.gitops.files import GitopsFiles
from probes.kubernetes.client import KubeReader
from probes.kubernetes.resources import Resource
from probes.prometheus.files import PrometheusFiles
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.probe import CollectError, ProbeContext, SourceFailure
from scanner.yamlio import load_yaml_documents

__all__ = ["CONFIGMAPS", "CONFIGMAP_KINDS", "DASHBOARD", "ConfigMapRead", "read_configmaps"]

CONFIGMAPS = Resource("ConfigMap", "", "v1", "configmaps")
DASHBOARD = "gitops.dashboard"
PROMETHEUS_KINDS = tuple(PrometheusFiles.kinds)
ALERTMANAGER_KINDS = tuple(AlertmanagerFiles.kinds)
CONFIGMAP_KINDS = (*PROMETHEUS_KINDS, *ALERTMANAGER_KINDS, DASHBOARD)

MAX_KEY_BYTES = 1 << 20  # the API server refuses a ConfigMap over 1 MiB: one key cannot be more
MAX_TOTAL_BYTES = 64 << 20  # all kept keys of a cluster together
MAX_KEYS = 20_000  # as the files probe's max_files

# A top-level key of a prometheus.yml, a rule file or an alertmanager.yml, at the start of a line.
_MARKER = re.compile(r"^(?:groups|scrape_configs|rule_files|global|route|receivers)[ \t]*:", re.MULTILINE)
# The operator's own: rule ConfigMaps it renders (prometheus-<name>-rulefiles-<n>), ...
_OPERATOR_GROUP = "monitoring.coreos.com/"


@dataclass
class ConfigMapRead:
    """The outcome of the ConfigMap list: evidence (only when read to its end) or why not."""

    res: Resource = CONFIGMAPS
    kinds: tuple[str, ...] = CONFIGMAP_KINDS
    evidence: list[Evidence] = field(default_factory=list)
    objects: int = 0  # prometheus.yml keys read (the servers this list shows)
    unread: str | None = None  # 403 / 404: unknown here
    no_crd: bool = False  # (the shape of monitoring._Read)
    failed: bool = False  # any other failure: every kind failed
    rule_files: bool = False  # some prometheus.yml read loads rule files (`rule_files`)
    keys: int = 0  # keys kept and parsed
    bytes: int = 0  # their size


def _m(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def operator_owned(meta: Mapping[str, Any]) -> bool:
    """Whether the Prometheus Operator rendered this ConfigMap (owned by one of its objects, or
    labelled as its own where an export dropped the owners)."""
    if str(_m(meta.get("labels")).get("managed-by") or "") == "prometheus-operator":
        return True
    owners = meta.get("ownerReferences")
    return any(
        isinstance(o, Mapping) and str(o.get("apiVersion") or "").startswith(_OPERATOR_GROUP)
        for o in (owners if isinstance(owners, list) else [])
    )


def is_sidecar(labels: Mapping[str, Any]) -> bool:
    return SIDECAR_LABEL in labels and str(labels[SIDECAR_LABEL]).lower() not in ("0", "false", "")


class _Reader:
    def __init__(self, reader: KubeReader, ctx: ProbeContext, exclude: set[str]) -> None:
        self.reader = reader
        self.ctx = ctx
        self.exclude = exclude
        self.prometheus = PrometheusFiles()
        self.alertmanager = AlertmanagerFiles()
        self.gitops = GitopsFiles()
        self.spoiled: dict[str, str] = {}  # kind -> why (a key past the bounds or broken)
        self.out = ConfigMapRead()

    def spoil(self, why: str, parsers: Iterable[FileParser]) -> None:
        for parser in parsers:
            for kind in self._kinds_of(parser):
                self.spoiled.setdefault(kind, why)

    @staticmethod
    def _kinds_of(parser: FileParser) -> tuple[str, ...]:
        return (DASHBOARD,) if isinstance(parser, GitopsFiles) else tuple(type(parser).kinds)

    def take(self, item: Mapping[str, Any]) -> None:
        """One ConfigMap: its configuration keys parsed, the rest let go."""
        meta = _m(item.get("metadata"))
        ns, name = str(meta.get("namespace") or "default"), str(meta.get("name") or "")
        if ns in self.exclude or operator_owned(meta):
            return
        data = _m(item.get("data"))
        if not data:
            return
        origin = f"{self.reader.host}{CONFIGMAPS.list_path(ns)}/{name}"
        where = f"{ns}/ConfigMap/{name}"
        sidecar = is_sidecar(_m(meta.get("labels")))
        dashboards: dict[str, str] = {}
        for key, value in sorted(data.items(), key=lambda kv: str(kv[0])):
            if not isinstance(value, str):
                continue
            key = str(key)
            if key.endswith(".json"):
                if sidecar and self._keep(f"{where}/{key}", value, [self.gitops]):
                    dashboards[key] = value
                continue
            if not _MARKER.search(value):
                continue  # cannot be a prometheus.yml, a rule file or an alertmanager.yml
            parsers: list[FileParser] = [p for p in (self.prometheus, self.alertmanager) if could_feed(p, value)]
            if parsers and self._keep(f"{where}/{key}", value, parsers):
                self._parse(f"{where}/{key}", value, f"{origin}#{key}", parsers)
        if dashboards:
            doc = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": dict(meta), "data": dashboards}
            try:
                drafts = list(self.gitops.accept(where, 0, doc))
            except (SourceFailure, CollectError):
                raise
            except Exception as exc:  # noqa: BLE001 - a broken dashboard fails the dashboards, as in Git
                self.spoil(f"ConfigMap {where}: {type(exc).__name__}: {exc}", [self.gitops])
                return
            for ev in drafts:
                if ev.kind == DASHBOARD:
                    key = ev.subject.rsplit("/", 1)[-1]
                    self.out.evidence.append(self.ctx.evidence(ev.kind, ev.subject, ev.data, f"{origin}#{key}"))

    def _keep(self, where: str, value: str, parsers: list[FileParser]) -> bool:
        """Whether a key is within the bounds (else it spoils what it could have fed)."""
        size = len(value)
        if size > MAX_KEY_BYTES:
            self.spoil(f"ConfigMap key {where}: larger than {MAX_KEY_BYTES} bytes; not read", parsers)
            return False
        if self.out.keys >= MAX_KEYS or self.out.bytes + size > MAX_TOTAL_BYTES:
            why = f"more than {MAX_KEYS} configuration keys or {MAX_TOTAL_BYTES} bytes in ConfigMaps; the rest were not read"
            self.spoil(why, parsers)
            return False
        self.out.keys += 1
        self.out.bytes += size
        return True

    def _parse(self, path: str, text: str, origin: str, parsers: list[FileParser]) -> None:
        """Every document of one key offered to the parsers, as the files probe offers a file's."""
        docs = load_yaml_documents(path, text)
        i = 0
        while True:
            try:
                doc = next(docs)
            except StopIteration:
                return
            except (InputError, RecursionError, MemoryError, ValueError, TypeError) as exc:
                why = str(exc) if isinstance(exc, InputError) else f"cannot load: {type(exc).__name__}"
                self.spoil(f"ConfigMap key {path} (document {i + 1}): {why}", parsers)
                return
            # A manifest kept in a ConfigMap is loaded by nothing: only plain configuration files.
            if isinstance(doc, Mapping) and "apiVersion" not in doc and "kind" not in doc:
                for parser in parsers:
                    try:
                        drafts = list(parser.accept(path, i, doc))
                    except (SourceFailure, CollectError):
                        raise
                    except Exception as exc:  # noqa: BLE001 - any parser fault fails its family only
                        why = f"ConfigMap key {path} (document {i + 1}): {parser.family}: {type(exc).__name__}: {exc}"
                        self.spoil(why, [parser])
                        continue
                    if parser is self.prometheus and any(e.kind == "prometheus.config" for e in drafts):
                        self.out.objects += 1
                        self.out.rule_files = self.out.rule_files or bool(doc.get("rule_files"))
                    self.out.evidence.extend(self.ctx.evidence(e.kind, e.subject, e.data, origin) for e in drafts)
            i += 1


def read_configmaps(reader: KubeReader, ctx: ProbeContext, include: list[str], exclude: set[str]) -> ConfigMapRead:
    """List ConfigMaps (cluster-wide, or per included namespace) and read the monitoring
    configuration they hold (see the module doc). A key past the bounds or broken fails the
    kinds it could have fed (ctx.fail); a 403 or 404 leaves the read `unread`."""
    if all(ctx.any_failed((k,)) for k in CONFIGMAP_KINDS):
        return ConfigMapRead(failed=True)
    ctx.progress("listing configmaps")
    what = "cannot list configmaps"
    r = _Reader(reader, ctx, exclude)
    paths = [CONFIGMAPS.list_path(ns) for ns in include] if include else [CONFIGMAPS.list_path()]
    try:
        for path in paths:
            for items in reader.list_pages(path):  # bounded: page size, page count, body size
                for item in items:
                    r.take(item)
                del items  # a page's raw objects (and every key not kept) are let go at once
    except SourceFailure:
        raise
    except CollectError as exc:
        out = ConfigMapRead()  # nothing half-collected
        if exc.category in ("not_found", "forbidden"):
            out.unread = f"{what}: {exc.reason}"
            if exc.category == "forbidden":
                ctx.warn(f"{out.unread} (grant get/list on configmaps: deploy/kubernetes/clusterrole.yaml)")
        else:
            ctx.fail(CONFIGMAP_KINDS, exc, what)
            out.failed = True
        return out
    for kind, why in r.spoiled.items():
        ctx.fail((kind,), CollectError(why, "malformed"))
    r.out.evidence = [e for e in r.out.evidence if e.kind not in r.spoiled]
    return r.out
