"""`maturity demo`: scan a bundled sandbox estate and write the reports.

The engine never imports the sandbox: the demo is whatever package registers itself in the
`maturity.demo` entry-point group (this repository's sandbox/ does, in pyproject.toml).
"""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import example
from scanner.errors import InputError

__all__ = ["GROUP", "register", "run"]

GROUP = "maturity.demo"


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="scan the bundled sandbox estate and write the reports",
        epilog=example("maturity demo --out /tmp/demo && maturity verify /tmp/demo/report.json"),
    )
    p.add_argument("--out", type=Path, default=Path("."), help="folder for report.json, report.html and evidence/")
    p.add_argument("--keep-running", action="store_true", help="leave the sandbox servers up after the scan")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    found = sorted(entry_points(group=GROUP), key=lambda e: e.name)
    if not found:
        raise InputError(f"no demo estate is installed (nothing registers the {GROUP!r} entry point)")
    run_demo = found[0].load()
    code: int = run_demo(args.out, cancel=session.cancel, keep_running=args.keep_running, quiet=session.quiet)
    return code
