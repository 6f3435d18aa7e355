"""`maturity scan`: collect evidence from the configured sources and grade it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import (
    Interrupted,
    add_gate_flags,
    check_before_work,
    check_min_level_names,
    example,
    finish,
)
from scanner.errors import InputError
from scanner.outputs import add_output_flags

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="collect evidence from the configured sources and grade it",
        epilog=example(
            "maturity scan -c maturity.yaml --html report.html --evidence-dir evidence/",
            "maturity scan --baseline last.json --fail-on-regression --min-level ydt:5.1.1=3",
        ),
    )
    p.add_argument("-c", "--config", type=Path, default=None, help="scan config (default: maturity.yaml if present)")
    p.add_argument("--shard", metavar="I/N", help="scan only share I of N of the sources (0-based)")
    p.add_argument(
        "--run-id",
        metavar="ID",
        default=os.environ.get("MATURITY_RUN_ID"),
        help="the run this shard belongs to, the same for every shard (default: $MATURITY_RUN_ID, else "
        "derived from the config and N); merge refuses shards of different runs",
    )
    add_output_flags(p, "scan")
    add_gate_flags(p)
    return p


def _config(args: argparse.Namespace) -> Path:
    if args.config is not None:
        return Path(args.config)
    if not Path("maturity.yaml").is_file():
        raise InputError(
            "no scan config: pass -c FILE or create maturity.yaml here (start from maturity.example.yaml)",
            file="maturity.yaml",
        )
    return Path("maturity.yaml")


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.pipeline import load_inputs, scan
    from scanner.progress import Progress
    from scanner.shard import default_run_id, parse_shard, shard_sources

    inputs = load_inputs(_config(args))
    names = [s.name for s in inputs.config.source_configs()]
    index, count = parse_shard(args.shard) if args.shard else (0, 1)
    selected = shard_sources(names, args.shard) if args.shard else None
    check_before_work(args)
    check_min_level_names(args, inputs.catalog, [s.name for s in inputs.config.scopes])
    with Progress(names if selected is None else sorted(selected), quiet=session.quiet) as progress:
        report, evidence, _manifest = scan(inputs, cancel=session.cancel, on_event=progress.event, selected=selected)
    if session.cancel.is_set():
        raise Interrupted()
    shard = {"run_id": args.run_id or default_run_id(inputs.config.digest, count), "index": index, "count": count}
    return finish(report, args, quiet=session.quiet, evidence=evidence, shard=shard)
