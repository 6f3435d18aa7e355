"""The sandbox organisation's GitOps repository: manifests and monitoring config on disk.

It is assembled from the same files the live sandbox servers are loaded with (the Kubernetes
manifests and the Prometheus/Alertmanager config), the way a GitOps repository is the source
of what runs; scanning it with the `files` probe should agree with the live scan.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from sandbox.base import Estate

__all__ = ["GitOpsEstate"]

MANIFESTS = ("namespaces.yaml", "shop.yaml", "legacy.yaml", "platform.yaml")  # not cluster state (nodes, ReplicaSets)
MONITORING = ("prometheus.yml", "alertmanager.yml")


class GitOpsEstate(Estate):
    """Writes a GitOps repository into the work folder; scanned with the `files` probe."""

    name = "gitops repository"

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        root = Path(str(resources.files("sandbox")))
        repo = workdir / "gitops"
        (repo / "clusters" / "prod").mkdir(parents=True, exist_ok=True)
        (repo / "monitoring").mkdir(parents=True, exist_ok=True)
        for name in MANIFESTS:
            shutil.copy(root / "kubernetes" / "estate" / name, repo / "clusters" / "prod" / name)
        for name in MONITORING:
            shutil.copy(root / "prometheus" / "estate" / name, repo / "monitoring" / name)
        shutil.copytree(root / "prometheus" / "estate" / "rules", repo / "monitoring" / "rules", dirs_exist_ok=True)
        shutil.copy(root / "gitops" / "estate" / "mimir.yaml", repo / "monitoring" / "mimir.yaml")  # the central store
        return [{"name": "gitops", "probe": "files", "path": str(repo)}]

    def stop(self) -> None:
        return None
