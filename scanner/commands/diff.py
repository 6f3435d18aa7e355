"""`maturity diff`: what changed between two reports."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_GATE, EXIT_OK, example

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "diff",
        help="what changed between two reports",
        epilog=example("maturity diff last-week.json report.json --fail-on-regression"),
    )
    p.add_argument("base", type=Path)
    p.add_argument("new", type=Path)
    p.add_argument("--fail-on-regression", action="store_true", help="exit 1 if anything got worse")
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.diff import Category, diff_reports
    from scanner.gates import load_any_report

    d = diff_reports(load_any_report(args.base), load_any_report(args.new))
    if args.format == "json":
        print(json.dumps(d.to_json(), ensure_ascii=False, indent=1))
    else:
        for note in d.notes:
            print(f"note: {note}")
        if not d.changes:
            print("no changes")
        for ch in d.changes:
            print(f"{'REGRESSION' if ch.regression else '':<11}[{ch.category.heading}] {ch.detail}")
        n_stmt = len(d.of(Category.BY_STATEMENT))
        n_impr = len(d.of(Category.IMPROVED))
        print(f"{len(d.regressions)} regression(s), {n_stmt} by statement, {n_impr} improvement(s)")
    return EXIT_GATE if args.fail_on_regression and d.regressions else EXIT_OK
