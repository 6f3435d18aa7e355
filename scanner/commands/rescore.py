"""`maturity rescore`: re-grade a frozen evidence bundle offline."""

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
        "rescore",
        help="re-grade a frozen evidence bundle offline",
        epilog=example("maturity rescore --evidence-dir evidence/ -c maturity.yaml --json rescored.json"),
    )
    p.add_argument("--evidence-dir", metavar="D", required=True, help="the bundle (a folder or s3://bucket/prefix)")
    p.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="take attestations, waivers and rule parameters from this config",
    )
    p.add_argument(
        "--recorded-rules", action="store_true", help="use the rules recorded in the bundle, not the installed ones"
    )
    add_output_flags(p, "rescore")
    add_gate_flags(p)
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.attest import Statements
    from scanner.bundle import read_bundle
    from scanner.evidence import now_iso
    from scanner.pipeline import assemble, load_inputs
    from scanner.scanmeta import scan_meta
    from scanner.storage import local_bundle_dir

    check_before_work(args)
    with local_bundle_dir(args.evidence_dir) as d:
        bundle = read_bundle(d)
    inputs = load_inputs(args.config)
    check_min_level_names(args, inputs.catalog)
    if args.recorded_rules:
        from scanner.merge import recorded_ruleset

        ruleset = recorded_ruleset(bundle, inputs.catalog, str(args.evidence_dir))
    else:
        ruleset = inputs.ruleset
    statements = inputs.statements if args.config else Statements.from_json(bundle.statements)
    m = bundle.manifest
    meta = scan_meta(
        sources=m.get("sources", []),
        config=inputs.config if args.config else None,
        recorded=m,
        rescored_at=now_iso(),
    )
    report = assemble(
        inputs.catalog,
        ruleset,
        statements,
        bundle.evidence,
        m.get("observations", {}),
        frameworks=list(m.get("frameworks") or inputs.config.frameworks),
        scan_meta=meta,
    )
    return finish(report, args, quiet=session.quiet)
