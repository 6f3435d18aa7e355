"""What scan, rescore and merge share after grading: checks before work, outputs, summary, gates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.errors import InputError, ScanError

__all__ = [
    "EXIT_ERROR",
    "EXIT_GATE",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "Interrupted",
    "add_gate_flags",
    "check_before_work",
    "check_min_level_names",
    "example",
    "finish",
]

EXIT_OK, EXIT_GATE, EXIT_INPUT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Interrupted(Exception):
    """SIGINT/SIGTERM stopped the work; nothing was written."""


def example(*lines: str) -> str:
    """An epilog for a verb's --help."""
    return "example:\n" + "\n".join(f"  {line}" for line in lines)


def add_gate_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--baseline", metavar="F", type=Path, help="a previous report to compare with")
    p.add_argument("--fail-on-regression", action="store_true", help="exit 1 if anything got worse than --baseline")
    p.add_argument(
        "--min-level",
        metavar="CAP=L",
        action="append",
        default=[],
        help="exit 1 if capability (or every capability of a domain) is below level L",
    )
    p.add_argument(
        "--fail-on-source-error", action="store_true", help="exit 1 if any source failed outright (status error)"
    )
    p.add_argument(
        "--allow-missing-baseline",
        action="store_true",
        help="a --baseline file that does not exist or is empty skips the regression gate (with a note) instead "
        "of failing; a baseline that exists but does not parse still fails",
    )
    from scanner.signing import add_sign_flags

    add_sign_flags(p)  # scan, rescore and merge write reports: each can sign them


def check_before_work(args: argparse.Namespace) -> None:
    """Reject bad gate arguments and a foreign --evidence-dir before any work (exit 2, nothing
    written); read the baseline once, for the gates and the HTML."""
    from scanner.gates import load_any_report, parse_min_levels

    parse_min_levels(args.min_level)
    if args.fail_on_regression and not args.baseline:
        raise InputError("--fail-on-regression needs --baseline", field="--baseline")
    args.baseline_missing = None
    if args.baseline and getattr(args, "allow_missing_baseline", False) and _absent(Path(args.baseline)):
        args.baseline_missing = str(args.baseline)
    args.baseline_report = load_any_report(args.baseline) if args.baseline and not args.baseline_missing else None
    from scanner.signing import check_sign_args

    check_sign_args(args)
    from scanner.outputs import check_options

    check_options(args)
    if getattr(args, "pushgateway_group", None):
        from scanner.metrics import grouping_key

        grouping_key(args.pushgateway_group)  # a malformed key is invalid input, found before the scan
    target = getattr(args, "evidence_dir", None)
    if target and getattr(args, "command", "") != "rescore":
        from scanner.bundle import check_destination
        from scanner.storage import is_s3

        if not is_s3(target):
            check_destination(Path(target))


def _absent(path: Path) -> bool:
    """No baseline to compare with: the file does not exist or is empty (a fetch that found
    nothing). A file with content that does not parse is not absent: it fails as invalid input."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def check_min_level_names(args: argparse.Namespace, catalog: Any, scopes: Any = None) -> None:
    """A --min-level naming nothing in the catalog (or, given `scopes`, no declared scope) is
    invalid input, found before anything is written."""
    from scanner.gates import check_min_level_names as check
    from scanner.gates import parse_min_levels

    caps = [{"id": c.id, "domain": c.subdomain or c.domain} for c in catalog.capabilities.values()]
    check(parse_min_levels(args.min_level), caps, scopes)


def _evaluate(report: dict[str, Any], args: argparse.Namespace) -> Any:
    """The gates' result (scanner/gates.py), before anything is written: a gate naming nothing in
    this report is invalid input (exit 2, nothing written), and the Markdown summary shows it."""
    from scanner.gates import GateSpec, evaluate, parse_min_levels

    spec = GateSpec(
        min_levels=parse_min_levels(args.min_level),
        fail_on_regression=args.fail_on_regression,
        fail_on_source_error=args.fail_on_source_error,
        missing_baseline=getattr(args, "baseline_missing", None),
    )
    result = evaluate(report, spec, getattr(args, "baseline_report", None))
    result.changed_files = getattr(args, "changed_inputs", None)
    return result


def _gates(report: dict[str, Any], args: argparse.Namespace, result: Any = None) -> int:
    """Print the gates' lines (`result`, else evaluated here); a report no source could feed is
    a scan error."""
    from scanner.gates import failed_sources, no_source_scanned

    if result is None:
        result = _evaluate(report, args)

    for line in result.lines():
        print(line, file=sys.stderr)
    if no_source_scanned(report):
        why = "; ".join(f"{n}: {w}" for n, w in failed_sources(report))
        raise ScanError(f"no source could be scanned ({why}); the report was written but grades nothing")
    return EXIT_GATE if result.failed else EXIT_OK


def finish(
    report: dict[str, Any], args: argparse.Namespace, *, quiet: bool, evidence: Any = None, shard: Any = None
) -> int:
    """Apply the gates, write every requested output (the bundle first, then JSON), print the
    summary and the gates' lines."""
    from scanner.outputs import WriteContext, options, requested, write_outputs

    result = _evaluate(report, args)
    targets = requested(args, args.command, default_json=True)
    ctx = WriteContext(
        baseline=getattr(args, "baseline_report", None),
        evidence=evidence,
        shard=shard,
        options=options(args),
        gate=result,
        lang=getattr(args, "lang", None),
    )
    write_outputs(report, targets, ctx)
    from scanner.signing import sign_written

    signed = sign_written(report, args, targets)
    if not quiet:
        from scanner.summary_text import summary_text

        print(summary_text(report, targets, getattr(args, "lang", None)), file=sys.stderr)
        if signed:
            print(signed, file=sys.stderr)
    return _gates(report, args, result)
