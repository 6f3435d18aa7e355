"""Typed evidence kinds of the loki probe: one model per kind, the fields of `data`.

Rules' `data.*` paths are checked against these models (`maturity rules lint`) and every item
the probe yields is validated by them, so keep them exact.
"""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["MODELS"]


class LokiLogType(KindModel):
    """`loki.log_type`: the streams of one log type seen in the window (one item per type)."""

    type: str = Field(description="audit | system | access | event | application | unclassified")
    streams: int = Field(description="streams of this type that received lines in the window")
    sample_streams: list[str] = Field(description="up to five of the streams, as LogQL selectors")
    window_hours: float = Field(description="the window the streams were listed over, in hours")


class LokiIngestion(KindModel):
    """`loki.ingestion`: what the store holds and how fast it answers (one item per source)."""

    streams_total: int = Field(description="streams that received lines in the window")
    log_types: list[str] = Field(
        default_factory=list, description="log types (system, application, access, audit, event) with streams"
    )
    labels: list[str] = Field(description="label names in use (bounded)")
    selector: str | None = Field(description="the LogQL selector the figures were measured with (null: no stream)")
    lines_per_second: float | None = Field(description="log lines per second ingested over the last 5 minutes")
    bytes_per_second: float | None = Field(description="bytes per second ingested over the last 5 minutes")
    query_seconds: float | None = Field(description="wall-clock seconds the rate query took to answer (null: not run)")
    version: str = Field(description="Loki's version from buildinfo ('' when not served)")
    streams_capped: bool = Field(description="whether the stream list hit the probe's cap (counts are lower bounds)")


class LokiRetention(KindModel):
    """`loki.retention`: retention and compaction settings from /config and /runtime_config."""

    retention_enabled: bool = Field(description="compactor.retention_enabled: the compactor deletes old data")
    compactor_configured: bool = Field(description="a compactor section with a working directory is configured")
    retention_period_hours: float | None = Field(
        description="limits_config.retention_period in hours (0 or null: keep forever)"
    )
    stream_rules: int = Field(description="limits_config.retention_stream entries: per-stream periods by selector")
    stream_periods_hours: list[float] = Field(description="the distinct per-stream retention periods, in hours")
    tenant_overrides: int = Field(description="tenants whose runtime overrides set a retention period or stream rules")
    tenant_periods_hours: list[float] = Field(description="the distinct per-tenant retention periods, in hours")
    auth_enabled: bool = Field(description="auth_enabled: the store is multi-tenant (X-Scope-OrgID)")
    runtime_config_read: bool = Field(description="whether /runtime_config answered (false: overrides not seen)")


class LokiRule(KindModel):
    """`loki.rule`: a ruler rule (alerting or recording) evaluated on log streams."""

    namespace: str = Field(description="the rule namespace (file)")
    group: str = Field(description="the rule group")
    name: str = Field(description="alert name or recorded metric name")
    type: str = Field(description="alerting | recording")
    expr: str = Field(description="the LogQL expression (bounded)")
    parsers: list[str] = Field(description="parser stages the expression runs: json, logfmt, pattern, regexp, unpack")
    unwraps: bool = Field(description="whether a parsed field is unwrapped into a sample (| unwrap)")
    for_seconds: float = Field(description="how long the condition must hold before firing (0 for recording rules)")
    severity: str | None = Field(description="the severity label, if any")
    label_keys: list[str] = Field(
        default_factory=list, description="label names the rule adds (values are kept only for severity; at most 50)"
    )
    has_runbook: bool = Field(
        default=False,
        description="an alerting rule's annotation key names a runbook, playbook or SOP (runbook_url, ...) and is not empty",
    )
    health: str = Field(description="ok | err | unknown, as the ruler reports it")


MODELS: dict[str, type[KindModel]] = {
    "loki.log_type": LokiLogType,
    "loki.ingestion": LokiIngestion,
    "loki.retention": LokiRetention,
    "loki.rule": LokiRule,
}
