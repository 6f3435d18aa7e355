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

__all__ = [
    "OPTIONS",
    "OUTPUTS",
    "Output",
    "WriteContext",
    "add_output_flags",
    "check_options",
    "options",
    "requested",
    "write_outputs",
]


@dataclass(frozen=True)
class WriteContext:
    """What a writer may need besides the report: the baseline (HTML), the evidence objects
    and the shard of a bundle (else taken from the report)."""

    baseline: Mapping[str, Any] | None = None
    evidence: Iterable[Any] | None = None
    shard: Mapping[str, Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # the OPTIONS given, by dest
    gate: Any = None  # the gates' result (scanner.gates.GateResult) when gates were applied
    lang: str | None = None  # --lang: the one language of text outputs (None: both, or the reader's)


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
    localised: bool = False  # text for people: written in --lang zh from the report's Chinese fields
    default_lang: str | None = None  # the language it is written in without --lang (None: English)

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
    from scanner.html import iter_html
    from scanner.report import atomic_write

    atomic_write(
        Path(target), iter_html(report, baseline=ctx.baseline, lang=ctx.lang)
    )  # written as the template renders


def _write_sarif(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.report import atomic_write
    from scanner.sarif import render_sarif

    atomic_write(Path(target), render_sarif(report, unknown=bool(ctx.options.get("sarif_unknown"))))


def _render_junit(report: Mapping[str, Any]) -> str:
    from scanner.junit import render_junit

    return render_junit(report)


def _render_metrics(report: Mapping[str, Any]) -> str:
    from scanner.metrics import render_metrics

    return render_metrics(report)


def _push_metrics(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.metrics import grouping_key, push_metrics, pushgateway_auth

    group = grouping_key(ctx.options.get("pushgateway_group") or [], ctx.shard)
    push_metrics(target, _render_metrics(report), group=group, auth=pushgateway_auth())


def _write_summary_md(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.gates import GateSpec, evaluate
    from scanner.report import atomic_write
    from scanner.summary_md import render_summary_md

    gate = ctx.gate
    if gate is None and ctx.baseline is not None:  # `report --baseline`: list regressions, gate nothing
        gate = evaluate(report, GateSpec(), ctx.baseline)
    atomic_write(Path(target), render_summary_md(report, gate))


def _render_codequality(report: Mapping[str, Any]) -> str:
    from scanner.codequality import render_codequality

    return render_codequality(report)


def _render_openmetrics(report: Mapping[str, Any]) -> str:
    from scanner.metrics import render_openmetrics

    return render_openmetrics(report)


def _write_dotenv(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.dotenv import render_dotenv
    from scanner.report import atomic_write

    atomic_write(Path(target), render_dotenv(report, ctx.gate, getattr(ctx.gate, "changed_files", None)))


def _write_annotations(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.annotations import render_annotations
    from scanner.report import atomic_write

    urls = ctx.options.get("report_url") or []
    if not urls:
        from scanner.errors import InputError

        raise InputError("--annotations needs --report-url (where CI serves the HTML report)", field="--report-url")
    atomic_write(Path(target), render_annotations(report, urls[-1], ctx.gate))


def _write_csv(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.workpapers import write_csv_dir

    write_csv_dir(Path(target), report)


def _write_xlsx(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.workpapers import write_xlsx

    write_xlsx(Path(target), report)


def _write_caict_form(target: str, report: Mapping[str, Any], ctx: WriteContext) -> None:
    from scanner.caict_form import write_caict_form

    levels = ctx.options.get("target_level") or []
    write_caict_form(Path(target), report, int(levels[-1]) if levels else None)


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
    Output("sarif", "--sarif", "F", "write SARIF 2.1.0 here", _write_sarif, localised=True),
    Output("junit", "--junit", "F", "write JUnit XML here", _write_text(_render_junit), localised=True),
    Output("metrics", "--metrics-file", "F", "write Prometheus text-format metrics here", _write_text(_render_metrics)),
    Output(
        "openmetrics",
        "--openmetrics",
        "F",
        "write the metrics in OpenMetrics text here (a GitLab metrics report)",
        _write_text(_render_openmetrics),
    ),
    Output("pushgateway", "--pushgateway", "URL", "push the metrics to this Pushgateway", _push_metrics),
    Output(
        "codequality",
        "--codequality",
        "F",
        "write a GitLab Code Quality report here (failures whose evidence was read from a file, with its line)",
        _write_text(_render_codequality),
        localised=True,
    ),
    Output(
        "dotenv",
        "--dotenv",
        "F",
        "write KEY=VALUE lines for later CI jobs here (gate, counts, levels; a GitLab dotenv report or $GITHUB_OUTPUT)",
        _write_dotenv,
        verbs=GRADED | {"report"},
    ),
    Output(
        "annotations",
        "--annotations",
        "F",
        "write GitLab job annotations here: a link to the HTML report at --report-url",
        _write_annotations,
        verbs=GRADED | {"report"},
        localised=True,
    ),
    Output(
        "summary_md",
        "--summary-md",
        "F",
        "write a Markdown summary here (gates, regressions with subjects, sources); e.g. $GITHUB_STEP_SUMMARY",
        _write_summary_md,
        verbs=GRADED | {"report"},
        localised=True,
    ),
    Output(
        "csv",
        "--csv",
        "D",
        "write the workpapers as CSV files here: items, clauses, rules, evidence, statements",
        _write_csv,
    ),
    Output("xlsx", "--xlsx", "F", "write the workpapers as one Excel workbook (a sheet per table) here", _write_xlsx),
    Output(
        "caict_form",
        "--caict-form",
        "F",
        "write the CAICT self-assessment form (自评表) and materials checklist here (.xlsx), one pair of sheets "
        "for the estate and for each scope",
        _write_caict_form,
        localised=True,
        default_lang="zh",  # CAICT's form is a Chinese document: its rule texts are Chinese unless --lang en
    ),
)


@dataclass(frozen=True)
class Option:
    """A flag that changes how one output is written: an on/off switch, or a repeatable value."""

    flag: str
    help: str
    metavar: str | None = None  # None: a switch; else the flag takes a value and may repeat

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


OPTIONS: dict[str, tuple[Option, ...]] = {
    "sarif": (
        Option("--sarif-unknown", "also write unknown items to the SARIF file (as warnings); default: not_met only"),
    ),
    "annotations": (
        Option("--report-url", "where CI serves the HTML report (for --annotations); an http(s) URL", "URL"),
    ),
    "caict_form": (
        Option(
            "--target-level",
            "the estate's target level on the CAICT form (0-5; each scope uses its own target_level)",
            "N",
        ),
    ),
    "pushgateway": (
        Option(
            "--pushgateway-group",
            "add a grouping key to the pushed group (repeatable; e.g. scope=shop); a sharded scan adds shard=I "
            "itself. Basic auth from $MATURITY_PUSHGATEWAY_USERNAME/$MATURITY_PUSHGATEWAY_PASSWORD, a bearer "
            "token from $MATURITY_PUSHGATEWAY_TOKEN",
            "KEY=VALUE",
        ),
    ),
}


def add_output_flags(parser: argparse.ArgumentParser, verb: str, *, skip: Iterable[str] = ()) -> None:
    """The flags of every output `verb` offers (`skip`: names the verb defines itself)."""
    skipped = set(skip)
    for out in OUTPUTS:
        if verb in out.verbs and out.name not in skipped:
            parser.add_argument(out.flag, metavar=out.metavar, help=out.help, dest=out.dest)
            for opt in OPTIONS.get(out.name, ()):
                if opt.metavar is None:
                    parser.add_argument(opt.flag, action="store_true", help=opt.help)
                else:
                    parser.add_argument(opt.flag, metavar=opt.metavar, action="append", default=[], help=opt.help)


def options(args: argparse.Namespace) -> dict[str, Any]:
    """The OPTIONS given on the command line, by dest (`sarif_unknown`, `pushgateway_group`)."""
    found = (opt.dest for opts in OPTIONS.values() for opt in opts)
    return {d: getattr(args, d) for d in found if getattr(args, d, None)}


def check_options(args: argparse.Namespace) -> None:
    """Output options that are wrong or missing are invalid input, found before any work or write."""
    urls = getattr(args, "report_url", None) or []
    if getattr(args, "annotations", None) and not urls:
        from scanner.errors import InputError

        raise InputError("--annotations needs --report-url (where CI serves the HTML report)", field="--report-url")
    if urls:
        from scanner.annotations import check_report_url

        check_report_url(urls[-1])
    levels = getattr(args, "target_level", None) or []
    if levels:
        from scanner.errors import InputError

        if not getattr(args, "caict_form", None):
            raise InputError("--target-level is for the CAICT form: add --caict-form F.xlsx", field="--target-level")
        if levels[-1] not in {str(n) for n in range(6)}:
            raise InputError(f"--target-level {levels[-1]!r}: a level from 0 to 5", field="--target-level")


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
    from scanner.localise import localise

    context = ctx or WriteContext()
    written = []
    for out in OUTPUTS:
        if out.name in targets:
            out.write(
                targets[out.name],
                localise(report, context.lang or out.default_lang) if out.localised else report,
                context,
            )
            written.append(out.name)
    return written
