"""Run every configured source concurrently and record what was observed.

Each source runs in its own worker thread with a deadline. A probe that raises, times out or
is denied fails only its own kinds; whatever the other sources collected is kept. The result
says, per evidence kind, whether it was observed and, if not, why.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.config import ScanConfig, SourceConfig
from scanner.evidence import Evidence, redact_text
from scanner.partial import GAP_NOTE
from scanner.probe import Cancelled, CollectError, Probe, ProbeContext, ProbeRegistry

__all__ = ["KindObservation", "ScanResult", "SourceRun", "run_sources"]

log = logging.getLogger("maturity.runner")

CANCEL_GRACE_S = 2.0  # how long interrupted sources get to stop before they are abandoned


@dataclass
class SourceRun:
    name: str
    probe: str
    status: str = "skipped"  # ok | partial | error | skipped
    error: str | None = None
    evidence_count: int = 0
    duration_s: float = 0.0
    requests: int = 0
    observed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)
    partial: dict[str, str] = field(default_factory=dict)  # observed kinds it holds only part of
    fleet: str | None = None  # the configured source this unit is a member of (scanner/fleet.py)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "probe": self.probe,
            "status": self.status,
            "error": self.error,
            "evidence_count": self.evidence_count,
            "duration_s": round(self.duration_s, 3),
            "requests": self.requests,
            "observed_kinds": sorted(self.observed),
            "failed_kinds": dict(sorted(self.failed.items())),
            "absent_kinds": dict(sorted(self.absent.items())),
            "partial_kinds": dict(sorted(self.partial.items())),
        }
        if self.fleet is not None:  # only for fleet members: reports without fleets keep their shape
            out["fleet"] = self.fleet
        return out

    @staticmethod
    def from_json(doc: dict[str, Any]) -> SourceRun:
        return SourceRun(
            name=str(doc["name"]),
            probe=str(doc["probe"]),
            status=str(doc["status"]),
            error=doc.get("error"),
            evidence_count=int(doc.get("evidence_count", 0)),
            duration_s=float(doc.get("duration_s", 0.0)),
            requests=int(doc.get("requests", 0)),
            observed=list(doc.get("observed_kinds", [])),
            failed=dict(doc.get("failed_kinds", {})),
            absent=dict(doc.get("absent_kinds", {})),
            partial=dict(doc.get("partial_kinds", {})),
            fleet=doc.get("fleet"),
        )


@dataclass
class KindObservation:
    """Whether a kind was observed: by at least one source, and failed by none.

    `partial` (the sources' reasons) when every source that observed it holds only part of the
    system's population (a repository's rule files without the Prometheus that loads them):
    still observed, but rules may not read an absence in it as a finding (scanner.partial).
    """

    kind: str
    observed: bool
    sources: list[str]
    reason: str | None = None
    state: str = "observed"  # observed | failed | absent | not_configured (grading maps it to a reason code)
    partial: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "observed": self.observed,
            "sources": self.sources,
            "reason": self.reason,
            "state": self.state,
        }
        if self.partial:
            out["partial"] = self.partial
        return out


@dataclass
class ScanResult:
    sources: list[SourceRun]
    evidence: list[Evidence]
    observations: dict[str, KindObservation]


def observations_from(
    runs: list[SourceRun], registry_kinds: dict[str, str], producers: Callable[[str], list[str]]
) -> dict[str, KindObservation]:
    """Per kind: observed iff some source completed it and no source that tried it failed.

    A fleet member that could not be scanned at all (an account whose role cannot be assumed, a
    cluster that does not answer) does not fail a kind its fleet's other members observed: it
    makes that kind *partial* with a gap (scanner.partial), so only what the unscanned members
    could not undo stands (a `some` met, an `every` not met): no absence is a finding, and no
    `every` or `ratio` over the members seen is met for the whole fleet.
    """
    out: dict[str, KindObservation] = {}
    runs = sorted(runs, key=lambda r: r.name)  # one order, however the sources were listed or sharded
    lost = [r for r in runs if r.fleet is not None and r.status == "error"]
    for kind in sorted(registry_kinds):
        ok = [r.name for r in runs if kind in r.observed]
        seen_fleets = {r.fleet for r in runs if kind in r.observed and r.fleet is not None}
        gaps = [(str(r.fleet), r.name, r.failed[kind]) for r in lost if kind in r.failed and r.fleet in seen_fleets]
        failed = [(r.name, r.failed[kind]) for r in runs if kind in r.failed and r.name not in {g[1] for g in gaps}]
        if failed:
            reason = "; ".join(f"source {n!r}: {why}" for n, why in failed)
            out[kind] = KindObservation(kind, False, ok, reason, "failed")
        elif ok:
            out[kind] = KindObservation(
                kind, True, ok, partial=_partial(kind, [r for r in runs if kind in r.observed], gaps)
            )
        else:
            absent = [(r.name, r.absent[kind]) for r in runs if kind in r.absent]
            if absent:
                reason = "; ".join(f"source {n!r}: {why}" for n, why in absent)
            else:
                probes = ", ".join(producers(kind)) or "none"
                reason = f"no source configured that collects it (probe: {probes})"
            out[kind] = KindObservation(kind, False, [], reason, "absent" if absent else "not_configured")
    return out


def _partial(kind: str, seen: list[SourceRun], gaps: list[tuple[str, str, str]]) -> str | None:
    """Why `kind` is known only in part, when every source that observed it holds only part of
    it: a files source's fragments, or a fleet with members not scanned (one note per fleet)."""
    covered: set[str] = set()
    notes: list[str] = []
    for fleet in sorted({g[0] for g in gaps}):
        lost = [(n, why) for f, n, why in gaps if f == fleet]
        covered |= {r.name for r in seen if r.fleet == fleet}
        notes.append(f"fleet {fleet!r}: {len(lost)} {GAP_NOTE} ({lost[0][0]}: {lost[0][1]})")
    own = [(r.name, r.partial[kind]) for r in seen if kind in r.partial and r.name not in covered]
    covered |= {n for n, _ in own}
    if covered != {r.name for r in seen}:
        return None  # one source that saw the whole population (a live Prometheus) makes it complete
    return "; ".join([*(f"source {n!r}: {why}" for n, why in own), *notes])


def _run_one(probe: Probe, src: SourceConfig, ctx: ProbeContext, sink: list[Evidence], run: SourceRun) -> None:
    start = time.monotonic()
    try:
        for ev in probe.collect(src, ctx):
            ctx.check()
            if not probe.accepts(ev, ctx):  # data that does not fit its kind's model fails the kind
                continue
            # Sealed with its source by the probe (`ctx.evidence`): kept as made, not hashed again.
            sink.append(ev if ev.source == src.name and ev.sha256 else ev.with_source(src.name))
            if len(sink) % 500 == 0:
                ctx.progress(f"{len(sink)} evidence items")
        for kind in probe.kinds:
            if kind not in ctx.failures and kind not in ctx.absent:
                ctx.kind_observed(kind)
        run.status = "partial" if ctx.failures or ctx.warnings else "ok"
        if ctx.warnings and not ctx.failures:
            more = f" (and {len(ctx.warnings) - 1} more)" if len(ctx.warnings) > 1 else ""
            run.error = redact_text(ctx.warnings[0])[:500] + more
        if ctx.failures and not ctx.observed:
            run.status = "error"
            run.error = next(iter(ctx.failures.values())).reason
    except Cancelled as exc:
        reason = f"timed out after {src.timeout_s:g}s" if str(exc) == "timed out" else str(exc)
        _fail_rest(probe, ctx, run, reason, "timeout")
    except CollectError as exc:  # SourceFailure, or a probe's first read failing outright
        _fail_rest(probe, ctx, run, exc.reason, exc.category)
    except Exception as exc:
        log.debug("source %s raised", src.name, exc_info=True)
        _fail_rest(probe, ctx, run, f"probe error: {type(exc).__name__}: {exc}", "error")
    finally:
        run.duration_s = time.monotonic() - start


def _fail_rest(probe: Probe, ctx: ProbeContext, run: SourceRun, reason: str, category: str) -> None:
    reason = redact_text(reason)[:500]
    for kind in probe.kinds:
        if kind not in ctx.observed and kind not in ctx.failures and kind not in ctx.absent:
            ctx.kind_failed(kind, reason, category)
    run.status = "partial" if ctx.observed else "error"
    run.error = reason


@dataclass
class _Job:
    src: SourceConfig
    probe: Probe
    ctx: ProbeContext
    run: SourceRun
    sink: list[Evidence] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


def run_sources(
    config: ScanConfig,
    registry: ProbeRegistry,
    *,
    cancel: threading.Event | None = None,
    on_event: Callable[[str, str], None] = lambda _src, _msg: None,
    selected: set[str] | None = None,
    preset: Mapping[str, tuple[str, str]] | None = None,
    fleets: Mapping[str, str] | None = None,
) -> ScanResult:
    """Run the sources of `config` (or those in `selected`) and gather their evidence.

    `fleets` names the source each fleet member belongs to; `preset` gives the outcome of a
    member known not to be scannable (status, why) without running it (scanner/fleet.py)."""
    cancel = cancel or threading.Event()
    runs: list[SourceRun] = []
    jobs: list[_Job] = []
    for src in config.source_configs():
        run = SourceRun(src.name, src.probe, fleet=(fleets or {}).get(src.name))
        runs.append(run)
        if not src.enabled or (selected is not None and src.name not in selected):
            run.error = "disabled in config" if not src.enabled else "not in this shard"
            continue
        if preset and src.name in preset:
            run.status, run.error = preset[src.name]
            if run.status == "error":
                run.failed = {k: run.error for k in sorted(registry.probes[src.probe].kinds)}
            continue
        ctx = ProbeContext(
            source=src.name,
            deadline=time.monotonic() + src.timeout_s,
            log=logging.getLogger(f"maturity.probe.{src.name}"),
            cancel_event=threading.Event(),
            progress=functools.partial(on_event, src.name),
        )
        jobs.append(_Job(src, registry.probes[src.probe](), ctx, run))

    slots = threading.Semaphore(config.scan.concurrency)

    def worker(job: _Job) -> None:
        with slots:
            if cancel.is_set():
                return
            job.ctx.deadline = time.monotonic() + job.src.timeout_s
            job.started.set()
            on_event(job.src.name, "started")
            _run_one(job.probe, job.src, job.ctx, job.sink, job.run)
            job.run.requests = job.ctx.requests
            extra = f" ({job.run.error})" if job.run.error else ""
            on_event(job.src.name, f"{job.run.status}: {len(job.sink)} items{extra}")

    for job in jobs:
        job.thread = threading.Thread(target=worker, args=(job,), name=f"source-{job.src.name}", daemon=True)
        job.thread.start()

    for job in jobs:
        assert job.thread is not None
        while job.thread.is_alive() and not cancel.is_set():
            job.thread.join(0.2)
            if job.started.is_set() and time.monotonic() > job.ctx.deadline + 5.0:
                # The probe ignored its deadline (blocked in I/O): abandon it, keep the rest.
                job.ctx.cancel_event.set()
                break
    if cancel.is_set():
        # Every source is told at once and they share one grace period, so an interrupted
        # scan stops within CANCEL_GRACE_S however many sources are stuck (their threads are
        # daemons: the process exits without them).
        for job in jobs:
            job.ctx.cancel_event.set()
        until = time.monotonic() + CANCEL_GRACE_S
        for job in jobs:
            assert job.thread is not None
            job.thread.join(max(0.0, until - time.monotonic()))
    for job in jobs:
        assert job.thread is not None
        if job.thread.is_alive() or (cancel.is_set() and not job.started.is_set()):
            reason = "scan interrupted" if cancel.is_set() else f"timed out after {job.src.timeout_s:g}s"
            _fail_rest(job.probe, job.ctx, job.run, reason, "timeout")

    evidence: list[Evidence] = []
    seen: set[str] = set()
    for job in jobs:
        kept = 0
        for ev in list(job.sink):  # a timed-out source keeps what it collected before its deadline
            if ev.id not in seen:
                seen.add(ev.id)
                evidence.append(ev)
                kept += 1
        job.run.evidence_count = kept
        job.run.observed = sorted(job.ctx.observed)
        job.run.failed = {k: f.reason for k, f in sorted(job.ctx.failures.items())}
        job.run.absent = dict(sorted(job.ctx.absent.items()))
        job.run.partial = {k: v for k, v in sorted(job.ctx.partial.items()) if k in job.ctx.observed}
    observations = observations_from(runs, registry.kinds(), registry.producers)
    return ScanResult(runs, evidence, observations)
