"""`maturity report`: render a report JSON into other formats."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_OK, example
from scanner.errors import InputError
from scanner.outputs import OUTPUTS, add_output_flags

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="render a report JSON into other formats",
        epilog=example("maturity report report.json --html report.html --sarif report.sarif"),
    )
    p.add_argument("report", type=Path)
    add_output_flags(p, "report")
    p.add_argument("--baseline", type=Path, help="show what changed since this report (HTML)")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.gates import load_any_report
    from scanner.outputs import WriteContext, check_options, options, requested, write_outputs
    from scanner.report import load_report

    check_options(args)
    report = load_report(args.report)
    baseline = load_any_report(args.baseline) if args.baseline else None
    targets = requested(args, "report")
    if not targets:
        flags = [o.flag for o in OUTPUTS if "report" in o.verbs]
        raise InputError(f"name at least one output: {', '.join(flags)}")
    write_outputs(
        report, targets, WriteContext(baseline=baseline, options=options(args), lang=getattr(args, "lang", None))
    )
    return EXIT_OK
