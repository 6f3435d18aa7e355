"""The loki probe: which kinds of logs a Grafana Loki holds (system, application, access,
audit, event streams), how much it ingests and how fast it answers, its retention and
compaction settings, and its ruler (log-based alerting and recording) rules. Read-only, over
Loki's HTTP API; a multi-tenant Loki is read as one tenant (`tenant`, sent as X-Scope-OrgID).

Each group of kinds is one step: a 404 from the ruler (ruler not enabled) fails only
`loki.rule`. A Loki that cannot be reached or refuses the credentials fails the whole source.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import Field

from probes.http import HttpSourceConfig, JsonClient, safe_url
from probes.loki import collect
from probes.loki.kinds import MODELS
from scanner.evidence import Evidence
from scanner.probe import SOURCE_WIDE, CollectError, KindModel, Probe, ProbeContext, SourceFailure

__all__ = ["KINDS", "LokiConfig", "LokiProbe"]

KINDS: dict[str, str] = {
    "loki.log_type": "streams of one log type (system, application, access, audit, event) seen in the window",
    "loki.ingestion": "streams and labels in use, lines and bytes per second, and the time a rate query took",
    "loki.retention": "retention and compaction: global, per-stream and per-tenant retention periods",
    "loki.rule": "a ruler rule (alerting or recording) on log streams: LogQL, parsers used, for, severity",
}


class LokiConfig(HttpSourceConfig):
    """A Grafana Loki (single binary, simple scalable or microservices behind a gateway)."""

    tenant: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9!._*'()-]{1,150}$", description="tenant id sent as X-Scope-OrgID"
    )
    window_hours: float = Field(default=24.0, gt=0, le=24 * 30, description="streams are listed over this window")
    max_streams: int = Field(default=20000, ge=1, le=1_000_000, description="stop listing streams after this many")


class LokiProbe(Probe):
    name = "loki"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = LokiConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: LokiConfig = config
        base = safe_url(cfg.url)
        with JsonClient(cfg, ctx) as client:
            if cfg.tenant:
                client.client.headers["X-Scope-OrgID"] = cfg.tenant
            version = ""
            try:  # optional (gateways may hide it); a refused connection or token is not
                doc = client.get_json("/loki/api/v1/status/buildinfo")
                if isinstance(doc, dict):  # Loki answers without the status/data envelope
                    inner: dict[str, Any] = doc["data"] if isinstance(doc.get("data"), dict) else doc
                    version = str(inner.get("version", ""))[:100]
            except CollectError as exc:
                if exc.category in SOURCE_WIDE:
                    raise SourceFailure(exc.reason, exc.category, exc.status) from exc

            items: list[Evidence] = []
            with ctx.step(("loki.log_type", "loki.ingestion"), "streams"):
                labels, found, capped = collect.streams(client, cfg.window_hours, cfg.max_streams)
                if capped:
                    ctx.warn(f"more than {cfg.max_streams} streams: counts are lower bounds")
                types: list[str] = []
                for kind, data in collect.log_types(found, cfg.window_hours):
                    items.append(ctx.evidence("loki.log_type", kind, data, f"{base}/loki/api/v1/series"))
                    if kind != "unclassified" and int(data.get("streams") or 0) > 0:
                        types.append(kind)
                figures = collect.ingestion(client, found)
                data = {
                    "streams_total": len(found),
                    "labels": labels,
                    "version": version,
                    "streams_capped": capped,
                    "log_types": sorted(types),
                }
                items.append(ctx.evidence("loki.ingestion", "loki", {**data, **figures}, f"{base}/loki/api/v1/query"))
            yield from items

            items = []
            with ctx.step(("loki.retention",), "retention"):
                data = collect.retention(client)
                items.append(ctx.evidence("loki.retention", "loki", data, f"{base}/config"))
            yield from items

            items = []
            with ctx.step(("loki.rule",), "ruler"):
                for subject, data in collect.rules(client):
                    items.append(ctx.evidence("loki.rule", subject, data, f"{base}/prometheus/api/v1/rules"))
            yield from items
