"""The interface between the `files` probe and each source's file parser."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import Any, ClassVar

from scanner.evidence import Evidence

__all__ = ["PARSERS", "FileParser", "load_parsers"]

# Each source that can be read from a GitOps repository provides one parser.
PARSERS = (
    "probes.prometheus.files:PrometheusFiles",
    "probes.alertmanager.files:AlertmanagerFiles",
    "probes.kubernetes.files:KubernetesFiles",
)


class FileParser:
    """Offered every YAML document of the repository; keeps what belongs to its family.

    `accept` yields evidence right away where a document stands alone, or remembers it and
    yields derived evidence from `finish` (e.g. joining workloads with their HPAs). Set
    `found = True` once a document of the family was seen: only then are its kinds observed.
    """

    family: ClassVar[str] = ""
    kinds: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        self.found = False

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        return ()

    def finish(self) -> Iterable[Evidence]:
        return ()

    def absent_kinds(self) -> dict[str, str]:
        """Kinds of the family this repository says nothing about, with why.

        A repository with rule files but no prometheus.yml has observed alert rules but not the
        scrape configuration: those kinds stay absent rather than "observed, zero".
        """
        return {}


def load_parsers() -> list[type[FileParser]]:
    out: list[type[FileParser]] = []
    for spec in PARSERS:
        mod, _, cls = spec.partition(":")
        out.append(getattr(import_module(mod), cls))
    return out
