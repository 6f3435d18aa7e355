"""The alertmanager probe: routing tree, receivers by integration type, inhibition, time
intervals, silences and cluster status, read from the Alertmanager v2 API (read-only).

The configuration comes from /api/v2/status (Alertmanager renders secrets there as
`<secret>`; we keep only structure anyway). Unreachable or refused: the whole source fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

from probes.alertmanager.kinds import MODELS
from probes.alertmanager.normalise import config_facts
from probes.http import HttpSourceConfig, JsonClient, safe_url
from probes.prometheus.normalise import as_map
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.probe import CollectError, KindModel, Probe, ProbeContext
from scanner.yamlio import load_yaml

__all__ = ["KINDS", "AlertmanagerConfig", "AlertmanagerProbe"]

KINDS: dict[str, str] = {
    "alertmanager.config": "the routing tree flattened: grouping, timings, severity routes, inhibition, time intervals",
    "alertmanager.receiver": "a receiver: its integration types (email, slack, pagerduty, webhook, ...)",
    "alertmanager.status": "version, uptime and cluster status (peers: high availability)",
    "alertmanager.silence": "counts of active, pending and expired silences",
}


class AlertmanagerConfig(HttpSourceConfig):
    """An Alertmanager (v0.16 or later: API v2)."""


def _parse_time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def silence_facts(silences: list[Any]) -> dict[str, Any]:
    """Counts only: who silenced what and why stays out of the evidence."""
    counts = {"active": 0, "pending": 0, "expired": 0}
    long_active, no_comment = 0, 0
    for s in silences:
        if not isinstance(s, dict) or not isinstance(s.get("status"), dict):
            raise CollectError("/api/v2/silences: unexpected answer shape", "malformed")
        state = str(s["status"].get("state", ""))
        if state in counts:
            counts[state] += 1
        if state == "active":
            start, end = _parse_time(s.get("startsAt")), _parse_time(s.get("endsAt"))
            if start and end and (end - start) > dt.timedelta(days=7):
                long_active += 1
            if not str(s.get("comment") or "").strip():
                no_comment += 1
    return {
        **counts,
        "total": len(silences),
        "active_longer_than_7d": long_active,
        "active_without_comment": no_comment,
    }


class AlertmanagerProbe(Probe):
    name = "alertmanager"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = AlertmanagerConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: AlertmanagerConfig = config
        base = safe_url(cfg.url)
        with JsonClient(cfg, ctx) as client:  # failing here or on /api/v2/status fails the source
            status = client.get_json("/api/v2/status")
            yield from self._status(status, base, ctx)
            items: list[Evidence] = []
            with ctx.step(("alertmanager.silence",)):
                silences = client.get_json("/api/v2/silences")
                if not isinstance(silences, list):
                    raise CollectError("/api/v2/silences: unexpected answer shape", "malformed")
                items.append(
                    ctx.evidence("alertmanager.silence", "silences", silence_facts(silences), f"{base}/api/v2/silences")
                )
            yield from items

    @staticmethod
    def _status(status: Any, base: str, ctx: ProbeContext) -> Iterator[Evidence]:
        origin = f"{base}/api/v2/status"
        if not isinstance(status, dict) or not isinstance(status.get("cluster"), dict):
            for kind in ("alertmanager.status", "alertmanager.config", "alertmanager.receiver"):
                ctx.kind_failed(kind, "/api/v2/status: unexpected answer shape", "malformed")
            return
        cluster = status["cluster"]
        peers = cluster.get("peers") if isinstance(cluster.get("peers"), list) else []
        version = as_map(status.get("versionInfo"))
        yield ctx.evidence(
            "alertmanager.status",
            "alertmanager",
            {
                "version": str(version.get("version", "")),
                "uptime": str(status.get("uptime", "")),
                "cluster_status": str(cluster.get("status", "")),
                "peers": len(peers),
                "ha": len(peers) >= 2 and cluster.get("status") != "disabled",
            },
            origin,
        )
        text = as_map(status.get("config")).get("original")
        try:  # the bounded loader: an alias bomb or deep nesting in the config fails these kinds only
            doc = load_yaml("/api/v2/status config", text) if isinstance(text, str) else None
        except InputError:
            doc = None
        if not isinstance(doc, dict):
            for kind in ("alertmanager.config", "alertmanager.receiver"):
                ctx.kind_failed(kind, "/api/v2/status: the configuration is missing or not YAML", "malformed")
            return
        facts, receivers = config_facts(doc)
        yield ctx.evidence("alertmanager.config", "alertmanager", facts, origin)
        for name, rfacts in receivers:
            yield ctx.evidence("alertmanager.receiver", name, rfacts, origin)
