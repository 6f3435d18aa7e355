"""The prometheus probe: rules, scrape targets, configuration, runtime, TSDB, Alertmanagers and
aggregated facts about what is monitored, read from a live Prometheus HTTP API (read-only).

Each group of kinds is collected on its own: a 403 on /api/v1/status/config fails only the
kinds that need it. When the source cannot be reached at all (or refuses the credentials) the
whole source fails, so every kind it would give stays unobserved and never reads as "none".

The steps run at once on a pool of the source's `concurrency` workers (a step that needs
another's answer runs after it, in the same chain), and so do the PromQL queries inside a
step, on the same workers (probes/fanout.py): every request still passes the client's one
rate limit and retry policy. Evidence is yielded in the fixed order of the steps, whichever
answer came first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import yaml

from probes.daemonpool import DaemonThreadPool
from probes.fanout import Fanout
from probes.http import HttpSourceConfig, JsonClient, safe_url
from probes.prometheus import live
from probes.prometheus.kinds import MODELS
from scanner.evidence import Evidence
from scanner.probe import CollectError, KindModel, Probe, ProbeContext

__all__ = ["KINDS", "PrometheusConfig", "PrometheusProbe"]

KINDS: dict[str, str] = {
    "prometheus.alert_rule": "an alerting rule: group, file, expression, for, severity, annotations, health",
    "prometheus.recording_rule": "a recording rule: group, file, name, expression, health",
    "prometheus.target_pool": "a scrape job: targets up/down, interval, scheme/TLS, exporter family",
    "prometheus.config": "global settings: intervals, external labels, remote write/read hosts, alerting",
    "prometheus.runtime": "runtime facts: version, retention, storage flags, config reload status",
    "prometheus.tsdb": "TSDB status: series count, data span, top metric cardinality",
    "prometheus.alertmanagers": "an Alertmanager Prometheus sends to, and whether it is reachable",
    "prometheus.exporters": "which exporter families and histogram metrics are scraped (aggregated)",
    "prometheus.slo": "measured availability of an SLI over 30 days (recording rule or probe_success)",
}


Step = tuple[tuple[str, ...], Callable[[], Iterator[Evidence]]]
# The order evidence is yielded in: each entry is the kinds of one step.
_ORDER: tuple[tuple[str, ...], ...] = (
    ("prometheus.alert_rule", "prometheus.recording_rule"),
    ("prometheus.config",),
    ("prometheus.target_pool",),
    ("prometheus.runtime",),
    ("prometheus.tsdb",),
    ("prometheus.alertmanagers",),
    ("prometheus.exporters",),
    ("prometheus.slo",),
)


def _run_step(ctx: ProbeContext, kinds: tuple[str, ...], step: Callable[[], Iterator[Evidence]]) -> list[Evidence]:
    """A step's items, or none when it failed (it then fails only its kinds)."""
    items: list[Evidence] = []
    with ctx.step(kinds):
        items = list(step())
    return items


class PrometheusConfig(HttpSourceConfig):
    """A Prometheus server (or a compatible API: Thanos Query, Mimir, VictoriaMetrics)."""

    measure_slo: bool = True


class PrometheusProbe(Probe):
    name = "prometheus"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = PrometheusConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: PrometheusConfig = config
        # A failure before the first step (TLS files, credentials, buildinfo) fails the source.
        with (
            JsonClient(cfg, ctx) as client,
            DaemonThreadPool(max_workers=cfg.concurrency, thread_name_prefix=f"prometheus-{ctx.source}") as pool,
        ):
            fan = Fanout(pool, cfg.concurrency)
            base = safe_url(cfg.url)
            build = live.api_data(client, "/api/v1/status/buildinfo")
            version = str(build.get("version", "")) if isinstance(build, dict) else ""
            rules: list[str] = []
            config_doc: dict[str, Any] = {}

            # The rules step only reads and checks the rules answer: its rules are normalised into
            # evidence on this thread (which makes no request) while the SLO step, which needs only
            # the recording rules' names, and the other chains run on the workers.
            listed: list[list[live.RuleRow]] = []
            rules_read = threading.Event()  # set when the rules step ends, read or not

            def rules_step() -> Iterator[Evidence]:
                try:
                    rows = live.rule_listing(client)
                    rules.extend(live.recording_names(rows))
                    listed.append(rows)
                finally:
                    rules_read.set()
                return iter(())

            def config_step() -> Iterator[Evidence]:
                text = live.api_data(client, "/api/v1/status/config")
                try:
                    doc = yaml.safe_load(text.get("yaml", "")) if isinstance(text, dict) else None
                except yaml.YAMLError as exc:
                    raise CollectError("/api/v1/status/config: the configuration is not YAML", "malformed") from exc
                if not isinstance(doc, dict):
                    raise CollectError("/api/v1/status/config: unexpected answer shape", "malformed")
                config_doc.update(doc)
                yield ctx.evidence(
                    "prometheus.config", "prometheus", live.config(client, doc), f"{base}/api/v1/status/config"
                )

            def targets_step() -> Iterator[Evidence]:
                for job, data in live.target_pools(client, config_doc):
                    yield ctx.evidence("prometheus.target_pool", job, data, f"{base}/api/v1/targets")

            def runtime_step() -> Iterator[Evidence]:
                yield ctx.evidence(
                    "prometheus.runtime",
                    "prometheus",
                    live.runtime(client, version),
                    f"{base}/api/v1/status/runtimeinfo",
                )

            def tsdb_step() -> Iterator[Evidence]:
                yield ctx.evidence("prometheus.tsdb", "prometheus", live.tsdb(client), f"{base}/api/v1/status/tsdb")

            def alertmanagers_step() -> Iterator[Evidence]:
                for subject, data in live.alertmanagers(client, fan):
                    yield ctx.evidence("prometheus.alertmanagers", subject, data, f"{base}/api/v1/alertmanagers")

            def exporters_step() -> Iterator[Evidence]:
                yield ctx.evidence(
                    "prometheus.exporters", "prometheus", live.exporters(client, fan), f"{base}/api/v1/query"
                )

            def slo_step() -> Iterator[Evidence]:
                if "prometheus.recording_rule" in ctx.failures:
                    raise CollectError("needs the recording rules, which could not be read", "error")
                for subject, data in live.slo(client, rules, fan):
                    yield ctx.evidence("prometheus.slo", subject, data, f"{base}/api/v1/query")

            rules_kinds = ("prometheus.alert_rule", "prometheus.recording_rule")
            # Chains of steps: one chain runs its steps in order (the SLO step needs the recording
            # rules, the targets step the configuration); the chains run at once.
            chains: list[list[Step]] = [
                [(rules_kinds, rules_step)],
                [(("prometheus.config",), config_step), (("prometheus.target_pool",), targets_step)],
                [(("prometheus.runtime",), runtime_step)],
                [(("prometheus.tsdb",), tsdb_step)],
                [(("prometheus.alertmanagers",), alertmanagers_step)],
                [(("prometheus.exporters",), exporters_step)],
            ]
            if cfg.measure_slo:
                chains[0].append((("prometheus.slo",), slo_step))
            else:
                ctx.kind_absent("prometheus.slo", "measure_slo is off for this source")
            done: dict[tuple[str, ...], list[Evidence]] = {k: [] for k in _ORDER}
            # Each chain on a worker (this thread makes no request), so the queries a step fans
            # out over the same pool never make more than `concurrency` requests at once.
            futures = [pool.submit(lambda c=chain: [(k, _run_step(ctx, k, s)) for k, s in c]) for chain in chains]
            futures[0].add_done_callback(lambda _: rules_read.set())  # in case the step never ran
            rules_read.wait()
            made: list[Evidence] | None = None
            if listed:  # read and checked: normalising cannot fail
                origin = f"{base}/api/v1/rules"
                made = [
                    ctx.evidence(kind, subject, data, origin) for kind, subject, data in live.rule_facts(listed.pop())
                ]
            for fut in futures:
                done.update(fut.result())
            if made is not None:
                done[rules_kinds] = made
            for kinds in _ORDER:  # the fixed order of the steps, whichever answered first
                yield from done[kinds]
