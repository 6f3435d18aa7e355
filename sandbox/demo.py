"""The demo: start the bundled sandbox estates, scan them for real, write the reports, stop them.

`maturity demo` finds this through the `maturity.demo` entry point (the engine never imports
the sandbox); the estates come through `maturity.estates` (sandbox/base.py). The estate is real
where a real server can run here (Prometheus, Alertmanager, moto for AWS) and loopback API
servers speaking the real wire format where none can (Kubernetes, GitLab, Grafana, PagerDuty,
Loki, Sentry). Each estate that cannot start (say, Prometheus is not installed) is left out and
said so; the scan then reports its sources as unknown rather than failing the demo.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sandbox.base import Estate, load_estates
from scanner.outputs import OUTPUTS, WriteContext, write_outputs

__all__ = ["run_demo"]

# The outputs the demo writes into its folder, each under the output's default file name.
DEMO_OUTPUTS = ("evidence", "json", "html")


def _say(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def _start(work: Path, cancel: threading.Event, quiet: bool) -> tuple[list[Estate], list[dict[str, Any]]]:
    started: list[Estate] = []
    sources: list[dict[str, Any]] = []
    for cls in load_estates():
        if cancel.is_set():
            break
        est = cls()
        _say(f"demo: starting {est.name} …", quiet)
        try:
            srcs = est.start(work)
        except Exception as exc:  # noqa: BLE001 - one estate that cannot start must not stop the demo
            _say(f"demo: {est.name} could not start ({type(exc).__name__}: {exc}); its sources are left out", quiet)
            est.stop()
            continue
        started.append(est)
        sources.extend(srcs)
    return started, sources


def run_demo(out: Path, *, cancel: threading.Event, keep_running: bool = False, quiet: bool = False) -> int:
    """Start the estates, scan them, write report.json, report.html and evidence/ into `out`."""
    from scanner.pipeline import load_inputs, scan
    from scanner.progress import Progress

    out = out.resolve()
    work = out / "sandbox-estate"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.monotonic()
    started: list[Estate] = []
    try:
        started, sources = _start(work, cancel, quiet)
        if cancel.is_set():
            _say("demo: interrupted", quiet)
            return 130
        config = {
            "sources": sources,
            "attestations": [str(Path(str(resources.files("sandbox"))) / "attestations.yaml")],
        }
        cfg_path = work / "maturity.yaml"
        cfg_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        _say(
            f"demo: estate up in {time.monotonic() - t0:.1f}s; scanning {len(sources)} sources (config: {cfg_path})",
            quiet,
        )
        inputs = load_inputs(cfg_path)
        with Progress([s["name"] for s in sources], quiet=quiet) as progress:
            report, evidence, _manifest = scan(inputs, cancel=cancel, on_event=progress.event)
        if cancel.is_set():
            _say("demo: interrupted; no report was written", quiet)
            return 130
        targets = {o.name: str(out / str(o.default)) for o in OUTPUTS if o.name in DEMO_OUTPUTS}
        write_outputs(report, targets, WriteContext(evidence=evidence))
        if not quiet:
            print("\n".join(summary_lines(report, out)), file=sys.stderr)
        return 0
    finally:
        if keep_running:
            _say("demo: --keep-running: the sandbox servers stay up; config in " + str(work / "maturity.yaml"), quiet)
        else:
            for est in reversed(started):
                est.stop()


def summary_lines(report: dict[str, Any], out: Path) -> list[str]:
    """What the demo found: sources, statuses per framework, the strongest levelled capabilities."""
    lines = ["", "maturity demo: done"]
    for s in report["scan"]["sources"]:
        err = f" — {s['error']}" if s["error"] else ""
        lines.append(f"  source {s['name']:<14} {s['status']:<8} {s['evidence_count']:>5} evidence items{err}")
    for fid, summ in report["summary"].items():
        st = summ["statuses"]
        lines.append(
            f"  {fid:<10} met {st['met']}, not met {st['not_met']}, attested {st['attested']}, unknown {st['unknown']}, n/a {st['not_applicable']}"
        )
    for fw in report["frameworks"]:
        # levelled frameworks only (a capability with a level), and only capabilities not waived whole
        graded = [c for c in fw["capabilities"] if c.get("level") is not None and c.get("in_scope", True)]
        if not graded:
            continue
        best = sorted(graded, key=lambda c: (-c["level_verified"], -c["level"], c["id"]))[:4]
        lines.append(
            f"  strongest ({fw['id']}): "
            + ", ".join(
                f"{c['id']} {c['name']['en']} (verified {c['level_verified']}, level {c['level']}, ceiling {c['level_ceiling']})"
                for c in best
            )
        )
    lines += [
        f"  report:   {out / 'report.json'}",
        f"  html:     {out / 'report.html'}",
        f"  evidence: {out / 'evidence'}  (check with: maturity verify {out / 'report.json'} --evidence-dir {out / 'evidence'})",
    ]
    return lines
