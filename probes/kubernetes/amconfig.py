"""AlertmanagerConfig resources (monitoring.coreos.com v1alpha1 / v1beta1) into the facts an
alertmanager.yml gives (probes/alertmanager/normalise.py), rendered as the Prometheus Operator
renders them into the configuration of the Alertmanagers that select them:

- receivers are renamed `<namespace>/<AlertmanagerConfig>/<receiver>`;
- the top-level route gets a `namespace="<ns>"` matcher (unless the Alertmanager's
  `alertmanagerConfigMatcherStrategy.type` is `None`) and `continue: true`, and hangs below the
  root route of the Alertmanager's own configuration (a Secret, never read here);
- inhibit rules get the same namespace matcher on their source and target.

Only structure is kept, as for alertmanager.yml: receiver names, integration types (`slackConfigs`
-> slack), matchers, timings. Secret references, URLs of webhooks (beyond the category
`webhook_target` derives from the host) and keys are never copied.

Each AlertmanagerConfig is one `alertmanager.config` (subject `<ns>/AlertmanagerConfig/<name>`):
its route is the root of the facts (its grouping and timings are the team's), and the routes that
hand alerts to an owner (`owner_routes`) are counted in the tree as rendered, where the
AlertmanagerConfig's own route is a child of the unseen root and chooses its alerts by namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from probes.alertmanager.normalise import config_facts
from probes.kubernetes.derive import label_selector_matches

__all__ = ["amconfig_facts", "selected_by"]

_OPS = {"=", "!=", "=~", "!~"}
_ROUTE_KEYS = {
    "groupBy": "group_by",
    "groupWait": "group_wait",
    "groupInterval": "group_interval",
    "repeatInterval": "repeat_interval",
    "muteTimeIntervals": "mute_time_intervals",
    "activeTimeIntervals": "active_time_intervals",
    "continue": "continue",
}
MAX_DEPTH = 32


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _matcher(m: Any) -> str | None:
    """`{name, value, matchType | regex}` as alertmanager.yml matcher text."""
    if not isinstance(m, Mapping) or not m.get("name"):
        return None
    op = str(m.get("matchType") or ("=~" if m.get("regex") else "="))
    op = op if op in _OPS else "="
    return f'{m["name"]}{op}"{m.get("value", "")}"'[:200]


def _matchers(items: Any) -> list[str]:
    return [t for t in (_matcher(m) for m in _list(items)) if t]


def _route(route: Mapping[str, Any], prefix: str, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise ValueError(f"routing tree deeper than {MAX_DEPTH} levels")
    out: dict[str, Any] = {k2: route[k] for k, k2 in _ROUTE_KEYS.items() if route.get(k) is not None}
    if route.get("receiver"):
        out["receiver"] = f"{prefix}/{route['receiver']}"
    out["matchers"] = _matchers(route.get("matchers"))
    out["routes"] = [_route(r, prefix, depth + 1) for r in _list(route.get("routes")) if isinstance(r, Mapping)]
    return out


def _receiver(rcv: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f"{prefix}/{rcv.get('name') or ''}"}
    for key, value in rcv.items():
        if not (isinstance(key, str) and key.endswith("Configs") and isinstance(value, list)):
            continue
        configs = []
        for c in value:
            if not isinstance(c, Mapping):
                continue
            kept: dict[str, Any] = {"send_resolved": bool(c.get("sendResolved"))}
            if isinstance(c.get("url"), str):
                kept["url"] = c["url"]  # only its host's category is derived (webhook_target)
            configs.append(kept)
        out[key.removesuffix("Configs").lower() + "_configs"] = configs
    return out


def _inhibit(rule: Mapping[str, Any], ns_matcher: list[str]) -> dict[str, Any]:
    return {
        "source_matchers": _matchers(rule.get("sourceMatch")) + ns_matcher,
        "target_matchers": _matchers(rule.get("targetMatch")) + ns_matcher,
        "equal": [str(e) for e in _list(rule.get("equal"))],
    }


def _document(obj: Mapping[str, Any], on_namespace: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the AlertmanagerConfig as an alertmanager.yml document rooted at its route, the same
    route below an unseen root, as the operator renders it)."""
    meta, spec = _map(obj.get("metadata")), _map(obj.get("spec"))
    ns, name = str(meta.get("namespace") or "default"), str(meta.get("name") or "")
    prefix = f"{ns}/{name}"
    ns_matcher = [f'namespace="{ns}"'] if on_namespace else []
    route = _route(_map(spec.get("route")), prefix, 0)
    route["matchers"] = route["matchers"] + ns_matcher
    route["continue"] = True
    intervals = [
        {"name": f"{prefix}/{t.get('name') or ''}"}
        for key in ("timeIntervals", "muteTimeIntervals")  # v1beta1, v1alpha1
        for t in _list(spec.get(key))
        if isinstance(t, Mapping)
    ]
    doc = {
        "route": route,
        "receivers": [_receiver(r, prefix) for r in _list(spec.get("receivers")) if isinstance(r, Mapping)],
        "inhibit_rules": [_inhibit(r, ns_matcher) for r in _list(spec.get("inhibitRules")) if isinstance(r, Mapping)],
        "time_intervals": intervals,
    }
    rendered = {**doc, "route": {"receiver": "", "routes": [route]}}
    return doc, rendered


def amconfig_facts(
    obj: Mapping[str, Any], on_namespace: bool = True
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """(alertmanager.config facts, [(receiver, alertmanager.receiver facts)]) of one
    AlertmanagerConfig. Raises ValueError on a tree too deep or too large."""
    doc, rendered = _document(obj, on_namespace)
    facts, receivers = config_facts(doc)
    below, _ = config_facts(rendered)
    facts["owner_routes"] = below["owner_routes"]
    facts["owner_receivers"] = below["owner_receivers"]
    return facts, receivers


def on_namespace(alertmanager: Mapping[str, Any]) -> bool:
    """Whether the operator adds the namespace matcher for this Alertmanager (the default)."""
    strategy = _map(_map(alertmanager.get("spec")).get("alertmanagerConfigMatcherStrategy"))
    return str(strategy.get("type") or "OnNamespace") != "None"


def selected_by(alertmanager: Mapping[str, Any], amc: Mapping[str, Any]) -> bool | None:
    """Whether an Alertmanager resource selects an AlertmanagerConfig: True, False, or None when
    its namespace selector needs namespace labels (not read here)."""
    spec = _map(alertmanager.get("spec"))
    am_ns = str(_map(alertmanager.get("metadata")).get("namespace") or "default")
    meta = _map(amc.get("metadata"))
    labels = {str(k): str(v) for k, v in _map(meta.get("labels")).items()}
    if not label_selector_matches(spec.get("alertmanagerConfigSelector"), labels):
        return False  # no selector (None) selects nothing, {} everything
    ns_sel = spec.get("alertmanagerConfigNamespaceSelector")
    if ns_sel is None:
        return str(meta.get("namespace") or "default") == am_ns
    if isinstance(ns_sel, Mapping) and not ns_sel.get("matchLabels") and not ns_sel.get("matchExpressions"):
        return True
    return None
