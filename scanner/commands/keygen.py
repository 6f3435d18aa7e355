"""`maturity keygen`: make an Ed25519 key pair for signed reports (scanner/signing.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_OK, example

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "keygen",
        help="make an Ed25519 key pair for --sign-key and --public-key",
        epilog=example(
            "maturity keygen --out maturity-signing   # writes maturity-signing.key (0600) and maturity-signing.pub",
            "openssl genpkey -algorithm ed25519 -out signing.key && openssl pkey -in signing.key -pubout -out signing.pub",
        ),
    )
    p.add_argument("--out", metavar="PREFIX", type=Path, required=True, help="write PREFIX.key and PREFIX.pub")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.signing import generate_keypair

    private, public = Path(f"{args.out}.key"), Path(f"{args.out}.pub")
    keyid = generate_keypair(private, public)
    print(f"wrote {private} (private: keep it where scanned teams cannot read it) and {public} ({keyid})")
    return EXIT_OK
