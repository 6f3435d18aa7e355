"""`maturity attest template`: a statements file to fill in for the organisational clauses a
capability still has open up to a level (scanner/attest_template.py; docs/attest-template.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_OK, example

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "attest",
        help="write attestation templates for organisational clauses",
        epilog=example(
            "maturity attest template --capability ydt:6.1.1 --level 3 --out attestations/6.1.1.yaml",
            "maturity attest template --capability ydt:6.1.1 --level 3 --report report.json",
        ),
    )
    verbs = p.add_subparsers(dest="attest_command", required=True, metavar="ACTION")
    t: argparse.ArgumentParser = verbs.add_parser(
        "template",
        help="the open organisational clauses of a capability, grouped into evidence packs, as a statements file",
        epilog=example(
            "maturity attest template --capability ydt:6.1.1 --level 3 --out attestations/6.1.1.yaml",
            "maturity attest template --capability 6.1.1 --framework ydt1756-4 --level 2 --report report.json",
            "maturity attest template --capability wa:OPS03",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from scanner.cli import _global_options

    _global_options(t, suppress=True)
    t.add_argument("--capability", metavar="ID", required=True, help="e.g. ydt:6.1.1 (or 6.1.1 with --framework)")
    t.add_argument("--level", metavar="N", type=int, help="list clauses of levels 1..N (YD/T; required there)")
    t.add_argument("--framework", metavar="ID", help="the framework of --capability (ydt1756-4, aws-wa-ops)")
    t.add_argument(
        "--report", metavar="R", type=Path, help="a report JSON: only the clauses it leaves open (default: all)"
    )
    t.add_argument("--out", metavar="F", type=Path, help="write the template to F (default: standard output)")
    t.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    import datetime as dt

    from scanner import __version__
    from scanner.attest_template import open_clauses, render_template, resolve_capability
    from scanner.catalog import load_catalog
    from scanner.errors import InputError
    from scanner.report import atomic_write, load_report

    if args.out is not None and args.out.exists() and not args.force:
        raise InputError("exists; add --force to overwrite it", file=str(args.out))
    catalog = load_catalog()
    cap = resolve_capability(catalog, args.capability, args.framework)
    report = load_report(args.report) if args.report is not None else None
    clauses, not_met = open_clauses(catalog, cap, args.level, report)
    text = render_template(
        cap,
        args.level,
        clauses,
        not_met,
        report_name=str(args.report) if args.report is not None else None,
        version=__version__,
        today=dt.date.today(),
    )
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    atomic_write(args.out, text)
    packs = text.count("\n  - clauses:")
    if not session.quiet:
        print(f"wrote {args.out}: {len(clauses)} open clauses of {cap.id} in {packs} evidence packs", file=sys.stderr)
    return EXIT_OK
