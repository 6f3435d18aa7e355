"""The alertmanager probe (placeholder until its issue lands: declares no kinds, so it decides nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from scanner.evidence import Evidence
from scanner.probe import Probe, ProbeContext, SourceFailure

__all__ = ["AlertmanagerProbe"]


class AlertmanagerProbe(Probe):
    name = "alertmanager"
    kinds: ClassVar[dict[str, str]] = {}

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        raise SourceFailure("the alertmanager probe is not implemented yet")
        yield  # pragma: no cover
