"""Outputs as a registry: every writer declares its flag, its default file and how it writes.

scan, rescore, merge, report and the demo all write through `write_outputs`, one loop over
`OUTPUTS` in order (the evidence bundle, then report JSON, then the renderings). A writer reads
only the report (and the baseline report, for HTML): never the installed catalog, so an old
report renders with its own names. JSON is always written by the streaming writer
(`scanner.report.write_report`): a large report is never one string in memory.

To add an output: write `render_x(report) -> str` in its own module, add an `Output` here with
its flag, and a golden file in tests/golden/ if its bytes are stable.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["OUTPUTS", "Output", "WriteContext", "add_output_flags", "requested", "write_outputs"]


@dataclass(frozen=True)
class WriteContext:
    """What a writer may need besides the report: the baseline (HTML), the evidence objects
    and the shard of a bundle (else taken from the report)."""

    baseline: Mapping[str, Any] | None = None
    evidence: Iterable[Any] | None = None
    shard: Mapping[str, Any] | None = None


Writer = Callable[[str, Mapping[str, Any], WriteContext], None]


@dataclass(frozen=True)
class Output:
    """One output format: `--flag TARGET` on the verbs in `verbs`; `default` is the file the demo
    (and, for JSON, scan/rescore/merge) writes when the flag is not given."""

    name: str
    flag: str
    metavar: str
    help: str
    write: Writer
    verbs: frozenset[str] = field(default_factory=lambda: frozenset({"scan", "rescore", "merge", "report", "demo"}))
    default: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


def _write_bundle(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    """The evidence bundle: a folder or s3://bucket/prefix; its manifest comes from `report.scan`."""
    import tempfile

    from scanner.attest import Statements
    from scanner.bundle import manifest_from_scan, write_bundle
    from scanner.evidence import Evidence
    from scanner.storage import is_s3, publish_bundle

    evidence = ctx.evidence if ctx.evidence is not None else (Evidence.from_json(e) for e in report["evidence"])
    parts: dict[str, Any] = {
        "manifest": manifest_from_scan(report["scan"], shard=ctx.shard),
        "evidence": evidence,
        "rules": report["rules"],
        "statements": Statements.from_json(report["statements"]).to_json(),
    }
    if not is_s3(target):
        write_bundle(Path(target), **parts)
        return
    with tempfile.TemporaryDirectory(prefix="maturity-bundle-") as tmp:
        local = Path(tmp) / "bundle"
        write_bundle(local, **parts)
        publish_bundle(local, target)


def _write_json(target: str, report: Mapping[str, Any], _ctx: WriteContext) -> None:
    from scanner.report import write_report

    write_report(Path(target), report)


def _write_text(render: Callable[[Mapping[str, Any]], str]) -> Writer:
    def write(target: str, report: Mapping[str, Any], _ctx: WriteContext) -> None:
        from scanner.report import atomic_write

        atomic_write(Path(target), render(report))

    return write


def _write_html(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.html import render_html
    from scanner.report import atomic_write

    atomic_write(Path(target), render_html(report, baseline=ctx.baseline))


def _render_sarif(report: Mapping[str, Any]) -> str:
    from scanner.sarif import render_sarif

    return render_sarif(report)


def _render_junit(report: Mapping[str, Any]) -> str:
    from scanner.junit import render_junit

    return render_junit(report)


def _render_metrics(report: Mapping[str, Any]) -> str:
    from scanner.metrics import render_metrics

    return render_metrics(report)


def _push_metrics(target: str, report: Mapping[str, Any], _ctx: WriteContext) -> None:
    from scanner.metrics import push_metrics

    push_metrics(target, _render_metrics(report))


GRADED = frozenset({"scan", "rescore", "merge"})

OUTPUTS: tuple[Output, ...] = (
    Output(
        "evidence",
        "--evidence-dir",
        "D",
        "write the evidence bundle here (a folder or s3://bucket/prefix)",
        _write_bundle,
        verbs=frozenset({"scan", "merge", "demo"}),
        default="evidence",
    ),
    Output(
        "json",
        "--json",
        "F",
        "write the report JSON here (default report.json)",
        _write_json,
        verbs=GRADED | {"demo"},
        default="report.json",
    ),
    Output("html", "--html", "F", "write the self-contained HTML report here", _write_html, default="report.html"),
    Output("sarif", "--sarif", "F", "write SARIF 2.1.0 here", _write_text(_render_sarif)),
    Output("junit", "--junit", "F", "write JUnit XML here", _write_text(_render_junit)),
    Output("metrics", "--metrics-file", "F", "write Prometheus text-format metrics here", _write_text(_render_metrics)),
    Output("pushgateway", "--pushgateway", "URL", "push the metrics to this Pushgateway", _push_metrics),
)


def add_output_flags(parser: argparse.ArgumentParser, verb: str, *, skip: Iterable[str] = ()) -> None:
    """The flags of every output `verb` offers (`skip`: names the verb defines itself)."""
    skipped = set(skip)
    for out in OUTPUTS:
        if verb in out.verbs and out.name not in skipped:
            parser.add_argument(out.flag, metavar=out.metavar, help=out.help, dest=out.dest)


def requested(args: argparse.Namespace, verb: str, *, default_json: bool = False) -> dict[str, str]:
    """Output name -> target for the flags given (JSON to report.json when `default_json`)."""
    targets = {
        out.name: str(getattr(args, out.dest)) for out in OUTPUTS if verb in out.verbs and getattr(args, out.dest, None)
    }
    if default_json and "json" not in targets:
        targets["json"] = "report.json"
    return targets


def write_outputs(report: Mapping[str, Any], targets: Mapping[str, str], ctx: WriteContext | None = None) -> list[str]:
    """Write each requested output, in registry order; returns the names written."""
    unknown = set(targets) - {o.name for o in OUTPUTS}
    if unknown:
        raise ValueError(f"unknown output(s): {', '.join(sorted(unknown))}")
    context = ctx or WriteContext()
    written = []
    for out in OUTPUTS:
        if out.name in targets:
            out.write(targets[out.name], report, context)
            written.append(out.name)
    return written
