"""prometheus evidence from files in a GitOps repository (placeholder: reads nothing yet)."""

from __future__ import annotations

from probes.files.base import FileParser

__all__ = ["PrometheusFiles"]


class PrometheusFiles(FileParser):
    family = "prometheus"
