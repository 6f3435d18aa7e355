"""alertmanager evidence from files in a GitOps repository (placeholder: reads nothing yet)."""

from __future__ import annotations

from probes.files.base import FileParser

__all__ = ["AlertmanagerFiles"]


class AlertmanagerFiles(FileParser):
    family = "alertmanager"
