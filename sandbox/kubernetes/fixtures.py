"""Files around the loopback Kubernetes API: the bundled fixture estate, reading objects from
YAML fixtures, and writing a kubeconfig that points a client at the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["default_estate_dir", "load_objects", "write_kubeconfig"]


def load_objects(folder: Path) -> list[dict[str, Any]]:
    """Every Kubernetes object in the YAML files of `folder` (multi-document; `kind: List` expanded)."""
    out: list[dict[str, Any]] = []
    for f in sorted(folder.rglob("*.y*ml")):
        for doc in yaml.safe_load_all(f.read_text(encoding="utf-8")):
            if not isinstance(doc, dict):
                continue
            if doc.get("kind") == "List":
                out.extend(d for d in doc.get("items") or [] if isinstance(d, dict))
            else:
                out.append(doc)
    return out


def write_kubeconfig(
    path: Path, server: str, *, token: str, context: str = "sandbox", namespace: str = "default"
) -> Path:
    """A kubeconfig pointing at `server` with a bearer-token user."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server}}],
        "users": [{"name": f"{context}-reader", "user": {"token": token}}],
        "contexts": [
            {"name": context, "context": {"cluster": context, "user": f"{context}-reader", "namespace": namespace}}
        ],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def default_estate_dir() -> Path:
    """The bundled fixture estate (a well-run and a neglected namespace)."""
    return Path(__file__).with_name("estate")
