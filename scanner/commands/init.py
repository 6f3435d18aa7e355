"""`maturity init`: write a commented maturity.yaml from what this machine shows
(scanner/init_config.py; docs/init.md)."""

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
        "init",
        help="write a commented maturity.yaml from the kubeconfig, AWS profiles and tokens found here",
        epilog=example(
            "maturity init                       # writes ./maturity.yaml, then: maturity scan -c maturity.yaml",
            "PROMETHEUS_URL=http://prometheus:9090 maturity init --out ops/maturity.yaml --force",
        ),
    )
    p.add_argument("--out", metavar="F", type=Path, default=Path("maturity.yaml"), help="default: ./maturity.yaml")
    p.add_argument("--force", action="store_true", help="overwrite F if it exists")
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    import os
    import tempfile

    from scanner import __version__
    from scanner.config import load_config
    from scanner.errors import InputError, ScanError
    from scanner.init_config import discover, render_config
    from scanner.probe import load_probes
    from scanner.report import atomic_write

    out: Path = args.out
    if out.exists() and not args.force:
        raise InputError("exists; add --force to overwrite it", file=str(out))
    found = discover(os.environ, Path.home())
    text = render_config(found, __version__)
    # The file must load as a scan config: checked on a copy beside it before it replaces anything.
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".check.yaml", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        load_config(Path(tmp), probe_models=load_probes().config_models())
    except InputError as exc:
        raise ScanError(f"maturity init wrote a config that does not load ({exc.detail}): please report it") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    atomic_write(out, text)
    if not session.quiet:
        for line in _summary(found):
            print(line, file=sys.stderr)
        print(f"wrote {out}; next: maturity scan -c {out}", file=sys.stderr)
    return EXIT_OK


def _summary(found: Any) -> list[str]:
    from scanner.init_config import chosen_context

    lines = [f"note: {n}" for n in found.notes]
    if found.kube_contexts:
        lines.append(f"kubernetes: {len(found.kube_contexts)} context(s), using {chosen_context(found)}")
    if found.aws_profile:
        lines.append(f"aws: profile {found.aws_profile} of {len(found.aws_profiles) or 'no'} in the shared config")
    for source, var in sorted(found.tokens.items()):
        lines.append(f"{source}: ${var} is set (only its name is written)")
    for source, url in sorted(found.urls.items()):
        lines.append(f"{source}: {url}")
    return lines
