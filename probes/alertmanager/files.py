"""alertmanager evidence from a GitOps repository (same kinds and shapes as the live probe;
status and silences need a running Alertmanager and are not claimed).

Two places hold the configuration: an alertmanager.yml file, and (kube-prometheus style) a
Secret manifest whose `stringData` or base64 `data` carries `alertmanager.yaml`. A Secret is
read only for that key, and only when the decoded text is an Alertmanager configuration; any
other Secret is ignored entirely (not even its keys are looked at). Nothing of the Secret is
emitted: the configuration goes through the same normalisation as alertmanager.yml, which keeps
structure only (receiver names, integration types, matchers, timings), never an integration's
settings (API keys, webhook URLs, SMTP passwords). Errors about the embedded text never quote it.

A third place: `alertmanager.config` in kube-prometheus-stack Helm values (probes/files/kps.py),
read through the same normalisation. Helm merges it over the chart's default configuration, so a
configuration that leaves out the inhibit rules or route timings still has the chart's: then
alertmanager.config is partial (what it lacks is no finding). An `alertmanager.config` without
`route` and `receivers` only overrides another file's: nothing is read from it, and both kinds
are partial. A receiver written identically in a base and an override values file is one item.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from probes.alertmanager.normalise import config_facts, is_alertmanager_config
from probes.files import kps
from probes.files.base import FileParser
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.yamlio import load_yaml

__all__ = ["CONFIG_KEYS", "AlertmanagerFiles", "secret_config"]

# The keys the Prometheus Operator and kube-prometheus use for the configuration in the Secret.
CONFIG_KEYS = ("alertmanager.yaml", "alertmanager.yml")
MAX_EMBEDDED_BYTES = 1_000_000  # an Alertmanager configuration is kilobytes; more is not one


def _is_secret(doc: Any) -> bool:
    return isinstance(doc, Mapping) and doc.get("kind") == "Secret" and doc.get("apiVersion") == "v1"


def _decode(value: Any, encoded: bool) -> str:
    if not isinstance(value, str):
        raise ValueError("the configuration key is not a string")
    if len(value) > MAX_EMBEDDED_BYTES * 2:
        raise ValueError(f"the configuration is larger than {MAX_EMBEDDED_BYTES} bytes")
    if not encoded:
        return value
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise ValueError("the configuration in `data` is not base64-encoded UTF-8 text") from None


def secret_config(doc: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(key, parsed configuration) of a Secret manifest holding alertmanager.yaml, else None.

    Raises ValueError (never quoting the Secret) when the key is there but does not hold a
    readable Alertmanager configuration: the Secret was meant to configure Alertmanager, so the
    family's kinds cannot be read completely.
    """
    for field, encoded in (("stringData", False), ("data", True)):
        values = doc.get(field)
        if not isinstance(values, Mapping):
            continue
        for key in CONFIG_KEYS:
            if key not in values:
                continue
            text = _decode(values[key], encoded)
            try:
                parsed = load_yaml(f"Secret {field}.{key}", text)
            except InputError as exc:
                where = f" (line {exc.line})" if getattr(exc, "line", None) else ""
                raise ValueError(f"{field}.{key} is not valid YAML{where}") from None
            except (RecursionError, MemoryError, TypeError):
                raise ValueError(f"{field}.{key} cannot be loaded") from None
            if not is_alertmanager_config(parsed):
                raise ValueError(f"{field}.{key} is not an Alertmanager configuration (no route and receivers)")
            return key, parsed
    return None


def _secret_subject(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), Mapping) else {}
    assert isinstance(meta, Mapping)
    return f"{meta.get('namespace') or 'default'}/Secret/{meta.get('name') or ''}"


class AlertmanagerFiles(FileParser):
    family = "alertmanager"
    kinds: ClassVar[dict[str, str]] = {
        "alertmanager.config": "the routing tree flattened: grouping, timings, severity routes, inhibition, time intervals",
        "alertmanager.receiver": "a receiver: its integration types (email, slack, pagerduty, webhook, ...)",
    }
    # "alertmanager.y" finds a Secret that carries the configuration base64-encoded.
    markers: ClassVar[tuple[str, ...]] = ("route", "alertmanager.y")

    def __init__(self) -> None:
        super().__init__()
        self.configs = 0  # configurations emitted
        self.charts = kps.ChartFolders()
        # kube-prometheus-stack values, held until Chart.yaml folders are known:
        # (path, [(kind, subject, data, origin)], keys the chart's defaults fill in)
        self.kps_held: list[tuple[str, list[tuple[str, str, dict[str, Any], str]], list[str]]] = []
        self.kps_partial: dict[str, str] = {}

    def absent_kinds(self) -> dict[str, str]:
        """Every kind when no Alertmanager configuration was found, none otherwise."""
        why = "no alertmanager.yml (nor a Secret holding alertmanager.yaml) found"
        return {} if self.configs else dict.fromkeys(self.kinds, why)

    def partial_kinds(self) -> dict[str, str]:
        """kube-prometheus-stack values whose configuration Helm merges with another's."""
        return {k: why for k, why in self.kps_partial.items() if self.configs}

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        self.charts.note(path)
        if kps.is_kps_values(doc):
            config, line, filled = kps.alertmanager_config(doc)
            if config is not None:
                facts, receivers = config_facts(config)
                where = kps.origin(path, "alertmanager.config", line)
                items = [("alertmanager.config", f"{path}#alertmanager.config", facts, where)]
                items += [("alertmanager.receiver", name, data, where) for name, data in receivers]
                self.kps_held.append((path, items, filled))
                self.found = True
            elif filled:
                self.kps_held.append((path, [], filled))
            return []
        if _is_secret(doc):
            found = secret_config(doc)
            if found is None:
                return []  # some other Secret: not ours to read
            key, parsed = found
            return self._emit(_secret_subject(doc), parsed, f"file://{path}#{index + 1}:{key}")
        if not is_alertmanager_config(doc):
            return []
        return self._emit(path, doc, f"file://{path}")

    def _emit(self, subject: str, doc: Mapping[str, Any], origin: str) -> list[Evidence]:
        facts, receivers = config_facts(doc)
        out = [Evidence.draft("alertmanager.config", subject, facts, origin)]
        out.extend(Evidence.draft("alertmanager.receiver", name, data, origin) for name, data in receivers)
        self.found = True
        self.configs += 1
        return out

    def finish(self) -> Iterable[Evidence]:
        """kube-prometheus-stack values' configurations, less a chart's own values and receivers
        repeated exactly; the kinds partial where Helm merges them with what is not read here."""
        items = []
        for path, held, filled in self.kps_held:
            if self.charts.covers(path):
                continue
            items += held
            self.configs += sum(1 for i in held if i[0] == "alertmanager.config")
            if not held:
                why = (
                    f"{path} writes an alertmanager.config the chart does not load as it is (a part without route "
                    "and receivers that Helm merges with another values file's, or one ignored for an existing "
                    "Secret, an AlertmanagerConfig or stringConfig): the configuration that runs is not read"
                )
                self.kps_partial = {k: self.kps_partial.get(k, why) for k in self.kinds}
            elif filled:
                why = (
                    f"{path} leaves {', '.join(filled)} to the kube-prometheus-stack chart's default Alertmanager "
                    "configuration, which Helm merges under it: what it does not write may still be configured"
                )
                self.kps_partial.setdefault("alertmanager.config", why)
        return [Evidence.draft(k, s, d, o) for k, s, d, o in kps.first_of_each(items)]
