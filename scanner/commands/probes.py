"""`maturity probes`: the installed probes, the evidence kinds they collect and their fields."""

from __future__ import annotations

import argparse
import json
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_OK, example

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "probes",
        help="list installed probes, the evidence kinds they collect and their fields",
        epilog=example("maturity probes --format json"),
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.kindinfo import kinds_json, kinds_text
    from scanner.probe import load_probes

    registry = load_probes()
    if args.format == "json":
        print(json.dumps(kinds_json(registry), indent=2, ensure_ascii=False))
    else:
        print(kinds_text(registry))
    return EXIT_OK
