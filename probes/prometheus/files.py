"""prometheus evidence from files in a GitOps repository, into the same kinds and shapes as
the live probe (the normalisation is shared):

- rule files (`groups: [...]`) and PrometheusRule custom resources -> alert/recording rules;
- prometheus.yml -> prometheus.config and one prometheus.target_pool per scrape job;
- Prometheus Operator resources, which are the configuration the operator renders into the
  prometheus.yml a live server reports: a `Prometheus` resource -> prometheus.config (external
  labels, replica label when it runs two or more replicas, remote write, Alertmanagers);
  ServiceMonitor / PodMonitor endpoints and Probe resources -> prometheus.target_pool, named
  as the operator names the jobs (`serviceMonitor/<ns>/<name>/<i>`, `podMonitor/...`,
  `probe/<ns>/<name>`), so the pool read from Git and the one a live server reports are one
  subject.

Helm values of the kube-prometheus-stack chart (probes/files/kps.py): the PrometheusRule objects
its `additionalPrometheusRulesMap` / `additionalPrometheusRules` render -> alert/recording rules,
always partial (the chart's Prometheus also loads its default rules and PrometheusRules from
every namespace by default); a rule written identically in a base and an override values file
is one item.

Runtime, TSDB and measured SLOs need a running Prometheus, so this parser does not claim them.
Each kind is observed only when a file that declares it was read (scrape monitors alone do not
make "no remote_write" a finding).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

from probes.files import kps
from probes.files.base import FileParser
from probes.prometheus import normalise as norm
from scanner.evidence import Evidence

__all__ = ["PrometheusFiles"]

RULE_KINDS = ("prometheus.alert_rule", "prometheus.recording_rule")
CONFIG_KINDS = ("prometheus.config", "prometheus.target_pool")
MONITOR_KINDS = {"ServiceMonitor": "serviceMonitor", "PodMonitor": "podMonitor", "Probe": "probe"}
OPERATOR_REPLICA_LABEL = "prometheus_replica"  # the operator's default replicaExternalLabelName
# A Prometheus resource's limits the operator enforces on every scrape job, as prometheus.yml keys.
ENFORCED_LIMITS = (
    ("enforcedSampleLimit", "sample_limit"),
    ("enforcedTargetLimit", "target_limit"),
    ("enforcedLabelLimit", "label_limit"),
    ("enforcedLabelNameLengthLimit", "label_name_length_limit"),
    ("enforcedLabelValueLengthLimit", "label_value_length_limit"),
    ("enforcedBodySizeLimit", "body_size_limit"),
)


def _is_operator(doc: Mapping[str, Any], *kinds: str) -> bool:
    return doc.get("kind") in kinds and str(doc.get("apiVersion", "")).startswith("monitoring.coreos.com/")


def _ns_name(doc: Mapping[str, Any]) -> tuple[str, str]:
    meta = norm.as_map(doc.get("metadata"))
    return str(meta.get("namespace") or "default"), str(meta.get("name") or "")


def _auth(ep: Mapping[str, Any]) -> dict[str, Any]:
    """An operator endpoint's auth, in prometheus.yml keys (values are never read)."""
    keys = {"basicAuth": "basic_auth", "authorization": "authorization", "oauth2": "oauth2"}
    out: dict[str, Any] = {snake: True for camel, snake in keys.items() if ep.get(camel)}
    if ep.get("bearerTokenSecret") or ep.get("bearerTokenFile"):
        out["bearer_token_file"] = True
    return out


def _tls(ep: Mapping[str, Any]) -> dict[str, Any]:
    tls = norm.as_map(ep.get("tlsConfig"))
    return {
        "insecure_skip_verify": bool(tls.get("insecureSkipVerify")),
        "cert": bool(tls.get("cert") or tls.get("certFile")),
    }


def monitor_scrape_configs(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The scrape_configs (prometheus.yml shape) the operator renders for one ServiceMonitor,
    PodMonitor or Probe: one per endpoint, job named as the operator names it."""
    kind = str(doc.get("kind"))
    ns, name = _ns_name(doc)
    spec = norm.as_map(doc.get("spec"))
    limits = {
        snake: spec[camel]
        for camel, snake in (
            ("sampleLimit", "sample_limit"),
            ("labelLimit", "label_limit"),
            ("targetLimit", "target_limit"),
        )
        if spec.get(camel)
    }
    if kind == "Probe":
        prober = norm.as_map(spec.get("prober"))
        targets = norm.as_map(spec.get("targets"))
        static = norm.as_map(targets.get("staticConfig")).get("static") or []
        sc: dict[str, Any] = {
            "job_name": f"probe/{ns}/{name}",
            "metrics_path": str(prober.get("path") or "/probe"),
            "scheme": str(prober.get("scheme") or "http"),
            "scrape_interval": spec.get("interval"),
            "scrape_timeout": spec.get("scrapeTimeout"),
            "tls_config": _tls(spec),
            "metric_relabel_configs": spec.get("metricRelabelings") or [],
            **_auth(spec),
            **limits,
        }
        if isinstance(static, list) and static:
            sc["static_configs"] = [{"targets": [str(t) for t in static]}]
        if targets.get("ingress"):
            sc["kubernetes_sd_configs"] = [{"role": "ingress"}]
        return [sc]
    role = "endpoints" if kind == "ServiceMonitor" else "pod"
    key = "endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints"
    out = []
    for i, ep in enumerate(spec.get(key) or []):
        if not isinstance(ep, Mapping):
            raise ValueError(f"{kind} {ns}/{name}: endpoint {i} is not a mapping")
        out.append(
            {
                "job_name": f"{MONITOR_KINDS[kind]}/{ns}/{name}/{i}",
                "metrics_path": str(ep.get("path") or "/metrics"),
                "scheme": str(ep.get("scheme") or "http"),
                "scrape_interval": ep.get("interval"),
                "scrape_timeout": ep.get("scrapeTimeout"),
                "honor_labels": bool(ep.get("honorLabels")),
                "tls_config": _tls(ep),
                "kubernetes_sd_configs": [{"role": role}],
                # rendered by the operator as the job's metric_relabel_configs
                "metric_relabel_configs": ep.get("metricRelabelings") or [],
                **_auth(ep),
                **limits,
            }
        )
    return out


def prometheus_cr_config(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The prometheus.yml (the parts a `Prometheus` resource sets) the operator renders from it."""
    ns, name = _ns_name(doc)
    spec = norm.as_map(doc.get("spec"))
    replicas = spec.get("replicas", 1)
    external = {str(k): str(v) for k, v in norm.as_map(spec.get("externalLabels")).items()}
    external.setdefault(str(spec.get("prometheusExternalLabelName") or "prometheus"), f"{ns}/{name}")
    # The operator always adds the replica label, but only two or more replicas duplicate data.
    if isinstance(replicas, int) and replicas >= 2:
        external.setdefault(str(spec.get("replicaExternalLabelName") or OPERATOR_REPLICA_LABEL), "$(POD_NAME)")
    remote: list[dict[str, Any]] = []
    for rw in spec.get("remoteWrite") or []:
        if isinstance(rw, Mapping):
            remote.append(
                {
                    "url": rw.get("url"),
                    **({"queue_config": {}} if isinstance(rw.get("queueConfig"), Mapping) else {}),
                    **({"write_relabel_configs": [1]} if rw.get("writeRelabelConfigs") else {}),
                    **{k: True for k in ("basic_auth", "oauth2", "sigv4", "authorization") if rw.get(_camel(k))},
                }
            )
    alerting = norm.as_map(spec.get("alerting"))
    # The operator renders enforced limits onto every scrape job it generates (a monitor's own
    # lower limit wins): in prometheus.yml terms, limits on every job, as global limits would be.
    enforced = {snake: spec[camel] for camel, snake in ENFORCED_LIMITS if spec.get(camel)}
    return {
        "global": {
            "scrape_interval": spec.get("scrapeInterval") or "30s",
            "scrape_timeout": spec.get("scrapeTimeout"),
            "evaluation_interval": spec.get("evaluationInterval") or "30s",
            "external_labels": external,
            **enforced,
        },
        "remote_write": remote,
        "alerting": {"alertmanagers": [a for a in alerting.get("alertmanagers") or [] if isinstance(a, Mapping)]},
    }


def rule_facts(groups: Any, file: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(kind, subject, data) of every rule in a rule file's `groups` (or a PrometheusRule's
    `spec.groups`), `file` naming where they were declared; ValueError names the malformed group.
    Alerting rules' `peer_severities` are read across the whole file (`mark_peers`)."""
    yield from norm.mark_peers(list(_group_rules(groups, file)))


def _group_rules(groups: Any, file: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for g in groups or []:
        if not isinstance(g, Mapping) or not isinstance(g.get("rules"), list):
            raise ValueError("a rule group must be a mapping with a `rules` list")
        gname = str(g.get("name") or "")
        for r in g["rules"]:
            if not isinstance(r, Mapping) or not isinstance(r.get("expr"), (str, int, float)):
                raise ValueError(f"group {gname!r}: a rule without `expr`")
            if r.get("alert"):
                subject, data = norm.alert_rule(gname, file, r)
                kind = "prometheus.alert_rule"
            elif r.get("record"):
                subject, data = norm.recording_rule(gname, file, r)
                kind = "prometheus.recording_rule"
            else:
                raise ValueError(f"group {gname!r}: a rule with neither `alert` nor `record`")
            data["group_interval_s"] = norm.duration_s(g.get("interval"))
            yield kind, subject, data


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p.title() for p in rest)


def _is_rule_cr(doc: Mapping[str, Any]) -> bool:
    return doc.get("kind") == "PrometheusRule" and str(doc.get("apiVersion", "")).startswith("monitoring.coreos.com/")


def _is_rule_file(doc: Mapping[str, Any]) -> bool:
    groups = doc.get("groups")
    return (
        "apiVersion" not in doc
        and isinstance(groups, list)
        and bool(groups)
        and all(isinstance(g, Mapping) and "rules" in g for g in groups)
    )


def _is_prometheus_yml(doc: Mapping[str, Any]) -> bool:
    if "apiVersion" in doc or "route" in doc:
        return False
    if isinstance(doc.get("scrape_configs"), list):
        return True
    return isinstance(doc.get("global"), Mapping) and any(k in doc for k in ("rule_files", "alerting", "remote_write"))


class PrometheusFiles(FileParser):
    family = "prometheus"
    kinds: ClassVar[dict[str, str]] = {
        "prometheus.alert_rule": "an alerting rule: group, file, expression, for, severity, annotations, health",
        "prometheus.recording_rule": "a recording rule: group, file, name, expression, health",
        "prometheus.target_pool": "a scrape job: targets up/down, interval, scheme/TLS, exporter family",
        "prometheus.config": "global settings: intervals, external labels, remote write/read hosts, alerting",
    }
    markers: ClassVar[tuple[str, ...]] = (
        "groups", "scrape_configs", "global", "monitoring.coreos.com", "additionalPrometheusRules",
    )  # fmt: skip
    # An unrendered chart hides rules only if a template spells a PrometheusRule or a `groups:`
    # key (a rule file in a ConfigMap), scrape jobs only with a monitor kind or scrape configs.
    template_markers: ClassVar[dict[str, tuple[str, ...]]] = {
        "prometheus.alert_rule": (r"PrometheusRule", r"^[ \t]*\"?groups\"?[ \t]*:"),
        "prometheus.recording_rule": (r"PrometheusRule", r"^[ \t]*\"?groups\"?[ \t]*:"),
        "prometheus.target_pool": (
            r"ServiceMonitor|PodMonitor|ScrapeConfig|kind:[ \t]*[\"']?Probe\b",
            r"scrape_configs",
        ),
        "prometheus.config": (r"scrape_configs", r"^[ \t]*global[ \t]*:", r"kind:[ \t]*[\"']?Prometheus[\"']?[ \t]*$"),
    }

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.recording_rules = 0
        # Prometheus resources that select rules / monitors from other namespaces too
        self.rules_elsewhere: set[str] = set()
        self.monitors_elsewhere: set[str] = set()
        # kube-prometheus-stack values: their rules, held until Chart.yaml folders are known
        self.charts = kps.ChartFolders()
        self.kps_rules: list[tuple[str, str, dict[str, Any], str]] = []  # (kind, subject, data, origin)
        self.kps_files: set[str] = set()  # values files read (not a chart's own)

    def absent_kinds(self) -> dict[str, str]:
        """Kinds of this family the repository had no file for (e.g. rules but no prometheus.yml)."""
        out = {}
        if not self.seen & set(RULE_KINDS):
            out.update(dict.fromkeys(RULE_KINDS, "no Prometheus rule files found"))
        for kind in CONFIG_KINDS:
            if kind not in self.seen:
                out[kind] = "no prometheus.yml (nor a Prometheus Operator resource declaring it) found"
        return out

    def partial_kinds(self) -> dict[str, str]:
        """Rules and scrape jobs that are only part of what a Prometheus loads: all of them when
        the repository has no Prometheus configuration (an application's PrometheusRule and
        ServiceMonitor, a rule collection), and those a Prometheus resource also selects from
        other namespaces (`ruleNamespaceSelector`, `serviceMonitorNamespaceSelector`, ...)."""
        held = self.seen & {*RULE_KINDS, "prometheus.target_pool"}
        kps_why = (
            f"kube-prometheus-stack values ({', '.join(sorted(self.kps_files)[:3])}) configure a Prometheus that also "
            "loads the chart's default rules (defaultRules) and PrometheusRules from every namespace by default: "
            "the rules read here are part of what it loads"
        )
        kps_partial = dict.fromkeys(sorted(held & set(RULE_KINDS)), kps_why) if self.kps_files else {}
        if "prometheus.config" not in self.seen:
            why = (
                "this repository holds only part of a Prometheus's configuration: rules or monitors without "
                "the Prometheus that loads them (no prometheus.yml, no Prometheus resource); its other rules "
                "and scrape jobs live elsewhere"
            )
            return {**dict.fromkeys(sorted(held), why), **kps_partial}
        out: dict[str, str] = {}
        for kinds, who in ((RULE_KINDS, self.rules_elsewhere), (("prometheus.target_pool",), self.monitors_elsewhere)):
            if who:
                why = (
                    f"the Prometheus resource {', '.join(sorted(who))} also loads objects from other namespaces "
                    "(namespace selector): those here are only part of what it loads"
                )
                out.update({k: why for k in kinds if k in held})
        return {**out, **kps_partial}

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        self.charts.note(path)
        if not isinstance(doc, Mapping):
            return []
        if kps.is_kps_values(doc):
            return self._kps_values(path, doc)
        if _is_rule_cr(doc):
            spec = doc.get("spec")
            if not isinstance(spec, Mapping) or not isinstance(spec.get("groups"), list):
                raise ValueError("PrometheusRule without spec.groups")
            meta = norm.as_map(doc.get("metadata"))
            where = f"{meta.get('namespace', '')}/{meta.get('name', '')}".strip("/") or path
            return self._rules(path, spec["groups"], where)
        if _is_rule_file(doc):
            return self._rules(path, doc["groups"], path)
        if _is_prometheus_yml(doc):
            return self._config(path, doc)
        if _is_operator(doc, *MONITOR_KINDS):
            return self._pools(path, index, doc)
        if _is_operator(doc, "Prometheus"):
            ns, name = _ns_name(doc)
            facts = norm.config_facts(prometheus_cr_config(doc))
            spec = norm.as_map(doc.get("spec"))
            replicas = spec.get("replicas", 1)
            facts["ha_replicas"] = replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else None
            # A namespace selector, even `{}` (every namespace), reaches beyond this repository;
            # without one the operator loads objects of the Prometheus's own namespace only.
            if spec.get("ruleNamespaceSelector") is not None:
                self.rules_elsewhere.add(f"{ns}/{name}")
            if any(spec.get(f"{k}NamespaceSelector") is not None for k in ("serviceMonitor", "podMonitor", "probe")):
                self.monitors_elsewhere.add(f"{ns}/{name}")
            self.found = True
            self.seen.add("prometheus.config")
            return [Evidence.draft("prometheus.config", f"{ns}/Prometheus/{name}", facts, f"file://{path}#{index + 1}")]
        return []

    def _kps_values(self, path: str, doc: Mapping[str, Any]) -> list[Evidence]:
        """Read now (a malformed entry fails this file only), emitted by `finish`."""
        held = []
        for where, groups, line in kps.rule_groups(doc):
            try:
                facts = list(rule_facts(groups, where))
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
            held += [(kind, subject, data, kps.origin(path, where, line)) for kind, subject, data in facts]
        self.kps_rules += held
        self.kps_files.add(path)  # until finish: a chart's own values are dropped there
        self.found = self.found or bool(held)
        return []

    def finish(self) -> Iterable[Evidence]:
        """kube-prometheus-stack values' rules, less a chart's own values and exact repeats."""
        self.kps_files = {p for p in self.kps_files if not self.charts.covers(p)}
        kept = [i for i in self.kps_rules if not self.charts.covers(i[3][len("file://") :].split("#")[0])]
        out = [Evidence.draft(k, s, d, o) for k, s, d, o in kps.first_of_each(kept)]
        if out:
            self.seen.update(RULE_KINDS)
            self.recording_rules += sum(1 for e in out if e.kind == "prometheus.recording_rule")
        return out

    def _pools(self, path: str, index: int, doc: Mapping[str, Any]) -> list[Evidence]:
        out = []
        for sc in monitor_scrape_configs(doc):
            job, data = norm.scrape_pool(sc, {})
            out.append(Evidence.draft("prometheus.target_pool", job, data, f"file://{path}#{index + 1}"))
        self.found = True
        self.seen.add("prometheus.target_pool")
        return out

    def _rules(self, path: str, groups: list[Any], file: str) -> list[Evidence]:
        out = [
            Evidence.draft(kind, subject, data, f"file://{path}") for kind, subject, data in rule_facts(groups, file)
        ]
        self.found = True
        self.seen.update(RULE_KINDS)
        self.recording_rules += sum(1 for e in out if e.kind == "prometheus.recording_rule")
        return out

    def _config(self, path: str, doc: Mapping[str, Any]) -> list[Evidence]:
        glob = norm.as_map(doc.get("global"))
        out = [Evidence.draft("prometheus.config", path, norm.config_facts(doc), f"file://{path}")]
        for sc in doc.get("scrape_configs") or []:
            if not isinstance(sc, Mapping) or not sc.get("job_name"):
                raise ValueError("a scrape_config without job_name")
            job, data = norm.scrape_pool(sc, glob)
            out.append(Evidence.draft("prometheus.target_pool", job, data, f"file://{path}"))
        self.found = True
        self.seen.update(CONFIG_KINDS)
        return out
