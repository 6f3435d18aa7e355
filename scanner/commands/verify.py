"""`maturity verify`: check hashes and digest and re-derive every grade."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_GATE, EXIT_OK, example

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="check hashes and digest and re-derive every grade",
        epilog=example("maturity verify report.json --evidence-dir evidence/"),
    )
    p.add_argument("report", type=Path)
    p.add_argument("--evidence-dir", metavar="D", type=Path, help="also check the report against this bundle")
    p.add_argument(
        "--public-key", metavar="K", type=Path, help="check the report's signature with this Ed25519 PEM key"
    )
    p.add_argument("--require-signature", action="store_true", help="an unsigned report fails (needs --public-key)")
    p.add_argument("--signature", metavar="F", type=Path, help="the signature file (default: <report>.sig.json)")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.errors import InputError
    from scanner.signing import load_public_key, signature_problems
    from scanner.verify import verify_report

    if (args.require_signature or args.signature) and not args.public_key:
        raise InputError("--require-signature and --signature need --public-key", field="--public-key")
    key = load_public_key(args.public_key) if args.public_key else None  # before any work
    problems = verify_report(args.report, args.evidence_dir)
    if key is not None:
        sig_problems, notes = signature_problems(
            args.report,
            key,
            signature_path=args.signature,
            bundle_dir=args.evidence_dir,
            require=args.require_signature,
        )
        problems.extend(sig_problems)
        for note in notes:
            print(note)
    if problems:
        for p in problems:
            print(f"FAIL {p}")
        print(f"verify: {args.report}: {len(problems)} problem(s) found")
        return EXIT_GATE
    print(f"verify: {args.report}: every evidence hash, the digest and every grade check out")
    return EXIT_OK
