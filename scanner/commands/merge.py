"""`maturity merge`: combine the evidence bundles of sharded scans into one report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import add_gate_flags, check_before_work, check_min_level_names, example, finish
from scanner.outputs import add_output_flags

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "merge",
        help="combine the evidence bundles of sharded scans into one report",
        epilog=example("maturity merge s3://bundles/run1/shard-0 s3://bundles/run1/shard-1 --html report.html"),
    )
    p.add_argument("bundles", nargs="+", help="bundle folders or s3://bucket/prefix URLs")
    p.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="take attestations, waivers and rule parameters from this config",
    )
    p.add_argument("--recorded-rules", action="store_true", help="grade with the rules recorded in the bundles")
    p.add_argument(
        "--allow-partial",
        action="store_true",
        help="merge even when shards are missing (the report names them; their sources are unknown)",
    )
    p.add_argument(
        "--public-key",
        metavar="K",
        type=Path,
        help="refuse any bundle whose signature.json does not verify with this Ed25519 PEM key",
    )
    add_output_flags(p, "merge")
    add_gate_flags(p)
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.merge import merge_bundles
    from scanner.pipeline import load_inputs

    check_before_work(args)
    inputs = load_inputs(args.config)
    check_min_level_names(args, inputs.catalog, [s.name for s in inputs.config.scopes] or None)
    if args.public_key:
        from scanner.signing import check_bundle_signatures

        check_bundle_signatures(args.bundles, args.public_key)
    report, evidence, _manifest = merge_bundles(
        args.bundles, inputs, recorded_rules=args.recorded_rules, allow_partial=args.allow_partial
    )
    return finish(report, args, quiet=session.quiet, evidence=evidence)
