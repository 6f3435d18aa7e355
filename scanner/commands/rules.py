"""`maturity rules`: check rule files (`lint`) and list the installed rules (`list`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner.commands import Session
from scanner.commands._common import EXIT_OK, example
from scanner.errors import InputError

__all__ = ["register", "run"]


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "rules",
        help="rule tools",
        epilog=example("maturity rules lint rules/prometheus/", "maturity rules list"),
    )
    rsub = p.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    lint = rsub.add_parser(
        "lint",
        help="check rule files",
        epilog=example("maturity rules lint my-rules/alerting.yaml"),
    )
    lint.add_argument("paths", nargs="*", type=Path, help="rule files or folders (default: the installed rules)")
    rsub.add_parser("list", help="list the installed rules and what they decide", epilog=example("maturity rules list"))
    return p


def run(args: argparse.Namespace, session: Session) -> int:
    from scanner.catalog import load_catalog
    from scanner.probe import load_probes
    from scanner.rules import default_rules_dir, load_rules

    catalog = load_catalog()
    registry = load_probes()
    paths = args.paths if args.rules_command == "lint" and args.paths else [default_rules_dir()]
    ruleset = load_rules(paths, requirement_ids=catalog.decidable_ids(), kinds=set(registry.kinds()))
    if args.rules_command == "list":
        for r in sorted(ruleset.rules, key=lambda r: r.id):
            decides = ", ".join(f"{d.target}({d.coverage})" for d in r.doc.decides)
            print(f"{r.id}\t{r.doc.title}\t{decides}")
        return EXIT_OK
    from scanner.kindcheck import lint_rule_files
    from scanner.rule_zh import zh_problems

    problems = lint_rule_files(sorted({Path(r.file) for r in ruleset.rules}), registry.models())
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        raise InputError(f"{len(problems)} field path(s) in rules that their evidence kinds do not have")
    untranslated = zh_problems(ruleset.rules)
    if untranslated:
        for line in untranslated:
            print(line, file=sys.stderr)
        raise InputError(f"{len(untranslated)} rule text(s) without their Chinese twin (see docs/rules.md, 'zh')")
    print(f"rules lint: {len(ruleset.rules)} rule(s) OK")
    return EXIT_OK
