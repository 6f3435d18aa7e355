"""Helm values of the kube-prometheus-stack chart, read as what they configure.

Platform teams often keep their monitoring as values files of this chart (`values.yaml` and a
`values-<env>.yaml` per environment, named by an Argo CD Application or a helmfile release).
The family parsers (probes/prometheus, probes/alertmanager, probes/gitops files.py) read from
such a document what the chart renders from it, into the kinds the rendered objects give:

- `additionalPrometheusRulesMap` (name -> {groups}) and `additionalPrometheusRules` (a list of
  {name, groups}): PrometheusRule objects -> prometheus.alert_rule / recording_rule;
- `alertmanager.config`: the Alertmanager configuration -> alertmanager.config / receiver;
- `prometheus.prometheusSpec` and `alertmanager.alertmanagerSpec`: the Prometheus and
  Alertmanager resources -> gitops.monitoring_server.

Only what a file writes is claimed, never the chart's defaults (the default rules, one replica,
10 days' retention, the default Alertmanager configuration): see each parser.

Recognition (conservative, `is_kps_values`): a mapping with neither `apiVersion` nor `kind`,
holding none of the top-level keys of the files read otherwise (`groups`, `route`,
`receivers`, `scrape_configs`, `rule_files`), nor those of the prometheus chart (`server`,
`serverFiles`) or of victoria-metrics-k8s-stack (any key starting `vm` or `victoria-metrics`),
and at least one of: `prometheus.prometheusSpec` (a mapping), `alertmanager.alertmanagerSpec`
(a mapping), `additionalPrometheusRulesMap` (a mapping), `additionalPrometheusRules` (a list),
`defaultRules` (a mapping), `prometheusOperator` (a mapping), or an `alertmanager.config` that
is a whole Alertmanager configuration (`route` and `receivers`). Values nested under a parent
chart's key (an umbrella chart's `kube-prometheus-stack:`) are not read.

A values document in a folder holding a Chart.yaml, or below one, is that chart's own (its
defaults, its ci/ test values, a vendored kube-prometheus-stack): the chart's rendered output is
read instead (probes/files/helm.py), so the parsers hold what they read until the walk is done
(`ChartFolders`) and drop those.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from scanner.yamlio import line_of

__all__ = [
    "ChartFolders",
    "alertmanager_config",
    "alertmanager_resource",
    "first_of_each",
    "is_kps_values",
    "origin",
    "prometheus_resource",
    "rule_groups",
]

_OTHER_FILES = ("groups", "route", "receivers", "scrape_configs", "rule_files", "server", "serverFiles")


def _m(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def is_kps_values(doc: Any) -> bool:
    """Whether `doc` reads as kube-prometheus-stack values (see the module's docstring)."""
    if not isinstance(doc, Mapping) or "apiVersion" in doc or "kind" in doc:
        return False
    if any(k in doc for k in _OTHER_FILES):
        return False
    if any(str(k).startswith(("vm", "victoria-metrics")) for k in doc):
        return False
    prom, am = doc.get("prometheus"), doc.get("alertmanager")
    return (
        (isinstance(prom, Mapping) and isinstance(prom.get("prometheusSpec"), Mapping))
        or (isinstance(am, Mapping) and isinstance(am.get("alertmanagerSpec"), Mapping))
        or isinstance(doc.get("additionalPrometheusRulesMap"), Mapping)
        or isinstance(doc.get("additionalPrometheusRules"), list)
        or isinstance(doc.get("defaultRules"), Mapping)
        or isinstance(doc.get("prometheusOperator"), Mapping)
        or (isinstance(am, Mapping) and _whole_config(am.get("config")))
    )


def _whole_config(config: Any) -> bool:
    return (
        isinstance(config, Mapping)
        and isinstance(config.get("route"), Mapping)
        and isinstance(config.get("receivers"), list)
    )


def _enabled(doc: Mapping[str, Any], key: str) -> bool:
    """`<key>.enabled` is not written false (the chart renders that component by default)."""
    return _m(doc.get(key)).get("enabled") is not False


def origin(path: str, fragment: str, line: int | None) -> str:
    """`file://path#fragment;line=N` (scanner.locations reads the line)."""
    frag = fragment.replace(";", "_").replace("#", "_")
    return f"file://{path}#{frag}" + (f";line={line}" if line else "")


def rule_groups(doc: Mapping[str, Any]) -> Iterator[tuple[str, Any, int | None]]:
    """(where, groups, line) of every PrometheusRule the values add: `where` names it as the
    values do (`additionalPrometheusRulesMap/<name>`), the same in every file that writes it.
    ValueError names an entry that is not a rule object."""
    rmap = doc.get("additionalPrometheusRulesMap")
    if rmap is not None and not isinstance(rmap, Mapping):
        raise ValueError("additionalPrometheusRulesMap is not a mapping")
    for name, entry in _m(rmap).items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("groups"), list):
            raise ValueError(f"additionalPrometheusRulesMap.{str(name)[:100]}: not a mapping with a `groups` list")
        yield (
            f"additionalPrometheusRulesMap/{name}",
            entry["groups"],
            line_of(doc, ["additionalPrometheusRulesMap", name]),
        )
    rlist = doc.get("additionalPrometheusRules")
    if rlist is not None and not isinstance(rlist, list):
        raise ValueError("additionalPrometheusRules is not a list")
    for i, entry in enumerate(rlist or []):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("groups"), list):
            raise ValueError(f"additionalPrometheusRules[{i}]: not a mapping with a `groups` list")
        yield (
            f"additionalPrometheusRules/{entry.get('name') or i}",
            entry["groups"],
            line_of(doc, ["additionalPrometheusRules", i]),
        )


# Keys of the chart's default Alertmanager configuration, which Helm merges under the values'
# own: a configuration that leaves one out still has the chart's (its inhibit rules, its route
# timings and Watchdog route), so its absence in the file is no finding.
CHART_DEFAULT_ROUTE_KEYS = ("group_by", "group_wait", "group_interval", "repeat_interval", "routes")


def alertmanager_config(doc: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, int | None, list[str]]:
    """(configuration, line, keys the chart's defaults fill in) of `alertmanager.config`.

    The configuration is None when there is none, when the Alertmanager is disabled, when the
    chart ignores it (`alertmanagerSpec.useExistingSecret`, `configSecret` or
    `alertmanagerConfiguration`, or a `stringConfig` beside it), or when it is not whole (no
    `route` and `receivers`): then the keys list is ["route", "receivers"] (what runs is unknown
    here).
    """
    am = _m(doc.get("alertmanager"))
    config = am.get("config")
    if config is None or not _enabled(doc, "alertmanager"):
        return None, None, []
    line = line_of(doc, ["alertmanager", "config"])
    spec = _m(am.get("alertmanagerSpec"))
    if (
        spec.get("useExistingSecret") is True
        or spec.get("configSecret")
        or spec.get("alertmanagerConfiguration")
        or am.get("stringConfig")
    ):
        # The chart then ignores `config` (the Alertmanager loads an existing Secret, an
        # AlertmanagerConfig resource, or `stringConfig`): what runs is not in this file.
        return None, line, ["route", "receivers"]
    if not _whole_config(config):
        return None, line, ["route", "receivers"]
    assert isinstance(config, Mapping)
    route = _m(config.get("route"))
    filled = [f"route.{k}" for k in CHART_DEFAULT_ROUTE_KEYS if k not in route]
    if "inhibit_rules" not in config:
        filled.append("inhibit_rules")
    return config, line, filled


def _resource(kind: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": kind, "metadata": {}, "spec": spec}


def prometheus_resource(doc: Mapping[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any], int | None] | None:
    """(the Prometheus resource the chart renders from `prometheus.prometheusSpec`, as written
    (storageSpec -> storage, alertingEndpoints -> alerting.alertmanagers), the spec as written,
    line), or None when there is no prometheusSpec or `prometheus.enabled` is false."""
    spec = _m(doc.get("prometheus")).get("prometheusSpec")
    if not isinstance(spec, Mapping) or not _enabled(doc, "prometheus"):
        return None
    out = {k: v for k, v in spec.items() if k not in ("storageSpec", "alertingEndpoints")}
    if "storageSpec" in spec:
        out["storage"] = spec["storageSpec"]
    if isinstance(spec.get("alertingEndpoints"), list):
        out["alerting"] = {"alertmanagers": spec["alertingEndpoints"]}
    return _resource("Prometheus", out), spec, line_of(doc, ["prometheus", "prometheusSpec"])


def alertmanager_resource(doc: Mapping[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any], int | None] | None:
    """As `prometheus_resource`, for `alertmanager.alertmanagerSpec` (the same field names)."""
    spec = _m(doc.get("alertmanager")).get("alertmanagerSpec")
    if not isinstance(spec, Mapping) or not _enabled(doc, "alertmanager"):
        return None
    return _resource("Alertmanager", dict(spec)), spec, line_of(doc, ["alertmanager", "alertmanagerSpec"])


class ChartFolders:
    """Folders holding a Chart.yaml, noted as the walk offers them: values read in one (or
    below one) are that chart's own, and are dropped once the walk is done."""

    def __init__(self) -> None:
        self.folders: set[str] = set()

    def note(self, path: str) -> None:
        if posixpath.basename(path) == "Chart.yaml":
            self.folders.add(posixpath.dirname(path) or ".")

    def covers(self, path: str) -> bool:
        folder = posixpath.dirname(path) or "."
        return any(f == "." or folder == f or folder.startswith(f + "/") for f in self.folders)


def first_of_each(items: list[tuple[str, str, dict[str, Any], str]]) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(kind, subject, data, origin) items less those repeating an earlier one's kind, subject
    and data exactly (a base values file and an override that repeats it): one item each."""
    seen: set[tuple[str, str, str]] = set()
    for kind, subject, data, where in items:
        key = (kind, subject, json.dumps(data, sort_keys=True, default=str))
        if key not in seen:
            seen.add(key)
            yield kind, subject, data, where
