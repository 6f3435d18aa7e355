"""`maturity catalog`: print the maturity models."""

from __future__ import annotations

import argparse
import json
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_OK, example

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "catalog",
        help="print the maturity models",
        epilog=example(
            "maturity catalog --framework ydt1756-4",
            "maturity --lang en catalog --format json",
            "maturity catalog --coverage",
        ),
    )
    p.add_argument("--framework", metavar="ID", help="only this framework (ydt1756-4, aws-wa-ops)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="how many items the installed rules decide, per framework, level and evidence source",
    )
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.catalog import load_catalog
    from scanner.catalog_view import catalog_json, catalog_table
    from scanner.errors import InputError

    catalog = load_catalog()
    if args.framework and args.framework not in catalog.frameworks:
        known = ", ".join(sorted(catalog.frameworks))
        raise InputError(f"unknown framework {args.framework!r} (the catalog has {known})", field="--framework")
    if args.coverage:
        return _coverage(args, catalog)
    if args.format == "json":
        print(json.dumps(catalog_json(catalog, args.framework), ensure_ascii=False, indent=1))
    else:
        print(catalog_table(catalog, args.framework, lang=session.lang))
    return EXIT_OK


def _coverage(args: argparse.Namespace, catalog: Any) -> int:
    from scanner.coverage import coverage, coverage_json, coverage_table
    from scanner.probe import load_probes
    from scanner.rules import default_rules_dir, load_rules

    registry = load_probes()
    ruleset = load_rules([default_rules_dir()], requirement_ids=catalog.decidable_ids(), kinds=set(registry.kinds()))
    figures = [f for f in coverage(catalog, ruleset) if not args.framework or f.framework == args.framework]
    if args.format == "json":
        print(json.dumps(coverage_json(figures), ensure_ascii=False, indent=1))
    else:
        print(coverage_table(figures), end="")
    return EXIT_OK
