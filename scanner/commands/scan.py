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
    p.add_argument(
        "--shard",
        metavar="I/N",
        help="scan only share I of N of the units of work (sources and fleet members, split by weight; 0-based; "
        "I = auto reads the orchestrator's index: $JOB_COMPLETION_INDEX, $AWS_BATCH_JOB_ARRAY_INDEX, "
        "$CI_NODE_INDEX - 1); {shard} in --evidence-dir becomes I",
    )
    p.add_argument(
        "--run-id",
        metavar="ID",
        default=os.environ.get("MATURITY_RUN_ID"),
        help="the run this shard belongs to, the same for every shard (default: $MATURITY_RUN_ID, else "
        "derived from the config and N); merge refuses shards of different runs",
    )
    p.add_argument(
        "--files-only",
        action="store_true",
        help="scan only the config's `files` sources (the checkout): the merge-request gate, with no live "
        "credential; a --baseline must be files-only too",
    )
    p.add_argument(
        "--changed-files",
        metavar="F",
        type=Path,
        help="a list of the repository-relative paths the merge request changes (one a line, e.g. git diff "
        "--name-only BASE HEAD): statement, config and rule files among them are listed for review",
    )
    add_output_flags(p, "scan")
    add_gate_flags(p)
    return p


def _config(args: argparse.Namespace) -> Path:
    if args.config is not None:
        return Path(args.config)
    if not Path("maturity.yaml").is_file():
        raise InputError(
            "no scan config: pass -c FILE, or run `maturity init` to write maturity.yaml here from what it finds",
            file="maturity.yaml",
        )
    return Path("maturity.yaml")


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.fleet import expand
    from scanner.mrgate import changed_inputs, check_files_only_baseline, keep_files_sources, read_changed_files
    from scanner.pipeline import load_inputs, scan
    from scanner.progress import Progress
    from scanner.shard import default_run_id, divide_rate_limits, parse_shard, plan_shards

    inputs = load_inputs(_config(args))
    if args.files_only:
        if args.shard:
            raise InputError("--files-only scans the checkout: it takes no --shard", field="--shard")
        keep_files_sources(inputs.config)
    index, count = parse_shard(args.shard) if args.shard else (0, 1)
    if args.shard and getattr(args, "evidence_dir", None):
        args.evidence_dir = str(args.evidence_dir).replace("{shard}", str(index))  # one argument for every shard
    check_before_work(args)
    if args.files_only and args.baseline_report is not None:
        check_files_only_baseline(args.baseline_report, str(args.baseline))
    if args.changed_files is not None:
        args.changed_inputs = changed_inputs(inputs.config, read_changed_files(args.changed_files))
    check_min_level_names(args, inputs.catalog, [s.name for s in inputs.config.scopes])
    # Fleets become units (this may call the systems: AWS ListAccounts), then units are split by
    # weight; every shard computes the same plan (scanner/fleet.py, scanner/shard.py).
    fleet = expand(inputs.config, inputs.registry, session.cancel)
    inputs.config = divide_rate_limits(fleet.config, count)
    plan = plan_shards(fleet.weights, count)
    selected = {u for u, k in plan.items() if k == index} if args.shard else None
    with Progress(list(plan) if selected is None else sorted(selected), quiet=session.quiet) as progress:
        report, evidence, _manifest = scan(
            inputs,
            cancel=session.cancel,
            on_event=progress.event,
            selected=selected,
            preset=fleet.preset,
            fleets=fleet.fleets,
        )
    if session.cancel.is_set():
        raise Interrupted()
    shard: dict[str, object] = {
        "run_id": args.run_id or default_run_id(inputs.config.digest, count),
        "index": index,
        "count": count,
    }
    if count > 1:
        shard["plan"] = plan  # which shard scans which unit: merge names the units a missing shard held
    return finish(report, args, quiet=session.quiet, evidence=evidence, shard=shard)
