"""prometheus evidence from files in a GitOps repository: rule files (`groups: [...]`),
PrometheusRule custom resources and prometheus.yml, into the same kinds and shapes as the
live probe (the normalisation is shared). Runtime, TSDB and measured SLOs need a running
Prometheus, so this parser does not claim them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from probes.files.base import FileParser
from probes.prometheus import normalise as norm
from scanner.evidence import Evidence

__all__ = ["PrometheusFiles"]

RULE_KINDS = ("prometheus.alert_rule", "prometheus.recording_rule")
CONFIG_KINDS = ("prometheus.config", "prometheus.target_pool")


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
    markers: ClassVar[tuple[str, ...]] = ("groups", "scrape_configs", "global")

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def absent_kinds(self) -> dict[str, str]:
        """Kinds of this family the repository had no file for (e.g. rules but no prometheus.yml)."""
        out = {}
        if not self.seen & set(RULE_KINDS):
            out.update(dict.fromkeys(RULE_KINDS, "no Prometheus rule files found"))
        if not self.seen & set(CONFIG_KINDS):
            out.update(dict.fromkeys(CONFIG_KINDS, "no prometheus.yml found"))
        return out

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        if not isinstance(doc, Mapping):
            return []
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
        return []

    def _rules(self, path: str, groups: list[Any], file: str) -> list[Evidence]:
        out: list[Evidence] = []
        for g in groups:
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
                out.append(Evidence.make(kind, subject, data, f"file://{path}"))
        self.found = True
        self.seen.update(RULE_KINDS)
        return out

    def _config(self, path: str, doc: Mapping[str, Any]) -> list[Evidence]:
        glob = norm.as_map(doc.get("global"))
        out = [Evidence.make("prometheus.config", path, norm.config_facts(doc), f"file://{path}")]
        for sc in doc.get("scrape_configs") or []:
            if not isinstance(sc, Mapping) or not sc.get("job_name"):
                raise ValueError("a scrape_config without job_name")
            job, data = norm.scrape_pool(sc, glob)
            out.append(Evidence.make("prometheus.target_pool", job, data, f"file://{path}"))
        self.found = True
        self.seen.update(CONFIG_KINDS)
        return out
