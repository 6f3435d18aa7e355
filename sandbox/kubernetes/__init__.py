"""The demo's Kubernetes estate: the loopback API server seeded with a well-run namespace
(shop) and a neglected one (legacy) side by side, plus the platform's agents, nodes in three
zones, Argo Rollouts, Chaos Mesh and Velero. Fixtures: sandbox/kubernetes/estate/*.yaml.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sandbox.base import Estate
from sandbox.kubernetes.api import (
    SURFACE,
    ApiResource,
    Fault,
    KubeApiServer,
    RecordedRequest,
    default_estate_dir,
    load_objects,
    write_kubeconfig,
)

__all__ = [  # the demo estate, and the loopback API server (sandbox.kubernetes.api)
    "STORAGE_AND_SCHEDULING",
    "SURFACE",
    "ApiResource",
    "Fault",
    "KubeApiServer",
    "KubernetesEstate",
    "RecordedRequest",
    "default_estate_dir",
    "load_objects",
    "write_kubeconfig",
]

CONTEXT = "sandbox"
# Kinds real clusters hold that the default surface does not list (the probe reads none of them;
# an exported estate keeps them so the API answers for them as a real server would). PriorityClasses,
# which the probe reads, are in the default surface (sandbox.kubernetes.surface).
STORAGE_AND_SCHEDULING = (
    ApiResource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ApiResource("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False),
)


class KubernetesEstate(Estate):
    """Objects (the demo's by default, or a folder of exported YAML) on a loopback Kubernetes API,
    scanned through a kubeconfig; `extra` lists kinds the default surface does not serve."""

    name = "kubernetes"

    def __init__(
        self,
        objects: Path | None = None,
        *,
        context: str = CONTEXT,
        source: str = "cluster",
        extra: tuple[ApiResource, ...] = (),
    ) -> None:
        self.server: KubeApiServer | None = None
        self.objects = objects
        self.context = context
        self.source = source
        self.extra = extra

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        """Start the API server on a free loopback port and write a kubeconfig into `workdir`."""
        token = secrets.token_urlsafe(24)  # a throwaway token for this run only
        objects = load_objects(self.objects or default_estate_dir())
        self.server = KubeApiServer(objects, token=token, surface=SURFACE + self.extra).start()
        workdir.mkdir(parents=True, exist_ok=True)
        kubeconfig = write_kubeconfig(workdir / "kubeconfig.yaml", self.server.url, token=token, context=self.context)
        return [{"name": self.source, "probe": "kubernetes", "kubeconfig": str(kubeconfig), "context": self.context}]

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
