"""The sandbox organisation's GitOps repository: manifests and monitoring config on disk."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from sandbox.base import Estate

__all__ = ["GitOpsEstate"]


class GitOpsEstate(Estate):
    """Copies sandbox/gitops_estate into the work folder and scans it with the `files` probe."""

    name = "gitops repository"

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        src = Path(str(resources.files("sandbox"))) / "gitops_estate"
        dst = workdir / "gitops"
        shutil.copytree(src, dst, dirs_exist_ok=True)
        return [{"name": "gitops", "probe": "files", "path": str(dst)}]

    def stop(self) -> None:
        return None
