"""Reading one Kubernetes object (a plain camelCase dict, as the API or a manifest spells it):
bounded accessors that never raise on an odd shape, its metadata, who owns it and which tool
manages it. Shared by the derivations in workloads.py and derive.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeGuard

__all__ = ["is_map", "managed_by", "meta_of", "owner_of", "str_map", "sub_list", "sub_map", "to_int"]

# Label/annotation keys that name who owns a thing (team, owner, squad, on-call contact).
_OWNER_KEY = re.compile(r"(^|[/._-])(team|owner|squad|contact|maintainer|on-?call)s?$", re.I)

# JSON gives plain dicts: `type(x) is dict` first spares the slow abstract Mapping check
# (these run a few hundred thousand times on a large cluster); other mappings still work.


def is_map(v: Any) -> TypeGuard[Mapping[Any, Any]]:
    return type(v) is dict or isinstance(v, Mapping)


def sub_map(obj: Any, key: str) -> dict[str, Any]:
    v = obj.get(key) if is_map(obj) else None
    return dict(v) if is_map(v) else {}


def sub_list(obj: Any, key: str) -> list[Any]:
    v = obj.get(key) if is_map(obj) else None
    return list(v) if isinstance(v, list) else []


def str_map(v: Any) -> dict[str, str]:
    if type(v) is dict and all(type(k) is str and type(x) is str for k, x in v.items()):
        return dict(v)  # already strings (labels, annotations): a copy, as below
    return {str(k): str(x) for k, x in v.items()} if is_map(v) else {}


def to_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return None


def meta_of(obj: Mapping[str, Any]) -> tuple[str, str, dict[str, str], dict[str, str]]:
    meta = sub_map(obj, "metadata")
    return (
        str(meta.get("namespace") or "default"),
        str(meta.get("name") or ""),
        str_map(meta.get("labels")),
        str_map(meta.get("annotations")),
    )


def owner_of(*maps: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(owner, the key it came from): the first owner-like label or annotation found."""
    for m in maps:
        for key in sorted(m):
            if _OWNER_KEY.search(key) and m[key].strip():
                return m[key].strip(), key
    return None, None


def managed_by(labels: Mapping[str, str], annotations: Mapping[str, str]) -> str | None:
    """Which deployment tool manages the object, from the labels the tools set themselves."""
    if "argocd.argoproj.io/instance" in labels or "argocd.argoproj.io/tracking-id" in annotations:
        return "argocd"
    if any(k.startswith(("kustomize.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/")) for k in labels):
        return "flux"
    tool = labels.get("app.kubernetes.io/managed-by")
    installed_by_helm = "meta.helm.sh/release-name" in annotations
    if tool:
        # A chart's own label says "Helm" whoever applied it; Helm itself also annotates what it
        # installs. Without that annotation the chart was rendered (`helm template`) and applied
        # by something else: Argo CD with label tracking, or a pipeline. Which one is unknown.
        if tool.lower() == "helm" and not installed_by_helm:
            return "helm-template"
        return tool.lower()
    if installed_by_helm:
        return "helm"
    if labels.get("app.kubernetes.io/instance"):
        # Argo CD's default label tracking (before 3.0) sets only this label, and so do many
        # hand-written manifests: some tool may manage it, which one is unknown.
        return "instance-label"
    return None
