"""The prometheus probe (placeholder until its issue lands: declares no kinds, so it decides nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from scanner.evidence import Evidence
from scanner.probe import Probe, ProbeContext, SourceFailure

__all__ = ["PrometheusProbe"]


class PrometheusProbe(Probe):
    name = "prometheus"
    kinds: ClassVar[dict[str, str]] = {}

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        raise SourceFailure("the prometheus probe is not implemented yet")
        yield  # pragma: no cover
