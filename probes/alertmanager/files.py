"""alertmanager evidence from alertmanager.yml in a GitOps repository (same kinds and shapes
as the live probe; status and silences need a running Alertmanager and are not claimed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from probes.alertmanager.normalise import config_facts, is_alertmanager_config
from probes.files.base import FileParser
from scanner.evidence import Evidence

__all__ = ["AlertmanagerFiles"]


class AlertmanagerFiles(FileParser):
    family = "alertmanager"
    kinds: ClassVar[dict[str, str]] = {
        "alertmanager.config": "the routing tree flattened: grouping, timings, severity routes, inhibition, time intervals",
        "alertmanager.receiver": "a receiver: its integration types (email, slack, pagerduty, webhook, ...)",
    }
    markers: ClassVar[tuple[str, ...]] = ("route",)

    def absent_kinds(self) -> dict[str, str]:
        """Every kind when no alertmanager.yml was found, none otherwise."""
        return {} if self.found else dict.fromkeys(self.kinds, "no alertmanager.yml found")

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        if not is_alertmanager_config(doc):
            return []
        facts, receivers = config_facts(doc)
        origin = f"file://{path}"
        out = [Evidence.make("alertmanager.config", path, facts, origin)]
        out.extend(Evidence.make("alertmanager.receiver", name, data, origin) for name, data in receivers)
        self.found = True
        return out
