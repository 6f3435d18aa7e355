"""The `maturity` command line (contract in DESIGN.md; exit codes in docs/cli.md).

Exit codes: 0 done and gates passed; 1 a gate failed (regression, minimum level) or `verify`
found a difference; 2 invalid input; 3 scan error (could not write outputs, internal error);
130 interrupted (SIGINT/SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.errors import InputError, ScanError

__all__ = ["main"]

EXIT_OK, EXIT_GATE, EXIT_INPUT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class Interrupted(Exception):
    pass


def _outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", metavar="F", type=Path, help="write the report JSON here (default report.json)")
    p.add_argument("--html", metavar="F", type=Path, help="write the self-contained HTML report here")
    p.add_argument("--sarif", metavar="F", type=Path, help="write SARIF 2.1.0 here")
    p.add_argument("--junit", metavar="F", type=Path, help="write JUnit XML here")
    p.add_argument("--metrics-file", metavar="F", type=Path, help="write Prometheus text-format metrics here")
    p.add_argument("--pushgateway", metavar="URL", help="push metrics to this Pushgateway")
    p.add_argument("--baseline", metavar="F", type=Path, help="a previous report to compare with")
    p.add_argument("--fail-on-regression", action="store_true", help="exit 1 if anything got worse than --baseline")
    p.add_argument(
        "--min-level",
        metavar="CAP=L",
        action="append",
        default=[],
        help="exit 1 if capability (or every capability of a domain) is below level L",
    )
    p.add_argument(
        "--fail-on-source-error", action="store_true", help="exit 1 if any source failed outright (status error)"
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="maturity", description="Grade technical operations against YD/T 1756-4 and AWS WA OPS, with evidence."
    )
    p.add_argument("--version", action="version", version=f"maturity-scanner {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug log on stderr")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("scan", help="collect evidence from the configured sources and grade it")
    s.add_argument("-c", "--config", type=Path, default=None, help="scan config (default: maturity.yaml if present)")
    s.add_argument(
        "--evidence-dir", metavar="D", help="write the evidence bundle here (a folder or s3://bucket/prefix)"
    )
    s.add_argument("--shard", metavar="I/N", help="scan only share I of N of the sources (0-based)")
    s.add_argument(
        "--run-id",
        metavar="ID",
        default=os.environ.get("MATURITY_RUN_ID"),
        help="the run this shard belongs to, the same for every shard (default: $MATURITY_RUN_ID, else "
        "derived from the config and N); merge refuses shards of different runs",
    )
    _outputs(s)

    r = sub.add_parser("rescore", help="re-grade a frozen evidence bundle offline")
    r.add_argument("--evidence-dir", metavar="D", required=True, help="the bundle (a folder or s3://bucket/prefix)")
    r.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="take attestations, waivers and rule parameters from this config",
    )
    r.add_argument(
        "--recorded-rules", action="store_true", help="use the rules recorded in the bundle, not the installed ones"
    )
    _outputs(r)

    mg = sub.add_parser("merge", help="combine the evidence bundles of sharded scans into one report")
    mg.add_argument("bundles", nargs="+", help="bundle folders or s3://bucket/prefix URLs")
    mg.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None,
        help="take attestations, waivers and rule parameters from this config",
    )
    mg.add_argument("--recorded-rules", action="store_true", help="grade with the rules recorded in the bundles")
    mg.add_argument("--evidence-dir", metavar="D", help="also write the merged bundle here")
    mg.add_argument(
        "--allow-partial",
        action="store_true",
        help="merge even when shards are missing (the report names them; their sources are unknown)",
    )
    _outputs(mg)

    rp = sub.add_parser("report", help="render a report JSON into other formats")
    rp.add_argument("report", type=Path)
    for flag in ("--html", "--sarif", "--junit", "--metrics-file"):
        rp.add_argument(flag, type=Path)
    rp.add_argument("--baseline", type=Path, help="show what changed since this report (HTML)")

    d = sub.add_parser("diff", help="what changed between two reports")
    d.add_argument("base", type=Path)
    d.add_argument("new", type=Path)
    d.add_argument("--fail-on-regression", action="store_true")
    d.add_argument("--format", choices=("text", "json"), default="text")

    v = sub.add_parser("verify", help="check hashes and digest and re-derive every grade")
    v.add_argument("report", type=Path)
    v.add_argument("--evidence-dir", metavar="D", type=Path)

    c = sub.add_parser("catalog", help="print the maturity models")
    c.add_argument("--framework", choices=("ydt1756-4", "aws-wa-ops"))
    c.add_argument("--format", choices=("table", "json"), default="table")

    rl = sub.add_parser("rules", help="rule tools")
    rsub = rl.add_subparsers(dest="rules_command", required=True, metavar="SUBCOMMAND")
    lint = rsub.add_parser("lint", help="check rule files")
    lint.add_argument("paths", nargs="*", type=Path)
    rsub.add_parser("list", help="list the installed rules and what they decide")

    dm = sub.add_parser("demo", help="scan the bundled sandbox estate and write the reports")
    dm.add_argument("--out", type=Path, default=Path("."), help="folder for report.json, report.html and evidence/")
    dm.add_argument("--keep-running", action="store_true", help="leave the sandbox servers up after the scan")

    pr = sub.add_parser("probes", help="list installed probes, the evidence kinds they collect and their fields")
    pr.add_argument("--format", choices=("text", "json"), default="text")
    return p


def _redacted(line: str) -> str:
    """An error line with credentials removed (a URL in an error may carry a password)."""
    from scanner.redact import redact_text

    return redact_text(line)


class _RedactingFilter(logging.Filter):
    """Credentials never reach the log, whatever a library puts in a message."""

    def filter(self, record: logging.LogRecord) -> bool:
        from scanner.evidence import redact_text

        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = redact_text(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter())
    handler.set_name("maturity")
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "maturity"] + [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in ("urllib3", "botocore", "boto3", "kubernetes", "httpx", "httpcore", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)


def _install_signals(cancel: threading.Event) -> None:
    def handler(signum: int, _frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print(f"\nmaturity: {signal.Signals(signum).name} received, stopping the scan…", file=sys.stderr, flush=True)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _check_gate_args(args: argparse.Namespace) -> None:
    """Reject bad gate arguments before any work is done (exit 2, nothing written); read the baseline once."""
    from scanner.gates import load_any_report, parse_min_levels

    parse_min_levels(args.min_level)
    if args.fail_on_regression and not args.baseline:
        raise InputError("--fail-on-regression needs --baseline", field="--baseline")
    args.baseline_report = load_any_report(args.baseline) if args.baseline else None


def _check_min_level_names(args: argparse.Namespace, catalog: Any) -> None:
    """A --min-level naming nothing in the catalog is invalid input, found before anything is written."""
    from scanner.gates import check_min_level_names, parse_min_levels

    caps = [{"id": c.id, "domain": c.subdomain or c.domain} for c in catalog.capabilities.values()]
    check_min_level_names(parse_min_levels(args.min_level), caps)


def _baseline(args: argparse.Namespace) -> dict[str, Any] | None:
    """The baseline read by `_check_gate_args` (or read now, for callers that skipped it)."""
    if getattr(args, "baseline_report", None) is None and getattr(args, "baseline", None):
        from scanner.gates import load_any_report

        args.baseline_report = load_any_report(args.baseline)
    return getattr(args, "baseline_report", None)


def _gates(report: dict[str, Any], args: argparse.Namespace) -> int:
    """Apply the gates (scanner/gates.py); a report no source could feed is a scan error."""
    from scanner.gates import GateSpec, evaluate, failed_sources, no_source_scanned, parse_min_levels

    spec = GateSpec(
        min_levels=parse_min_levels(args.min_level),
        fail_on_regression=args.fail_on_regression,
        fail_on_source_error=getattr(args, "fail_on_source_error", False),
    )
    result = evaluate(report, spec, _baseline(args))
    for line in result.lines():
        print(line, file=sys.stderr)
    if no_source_scanned(report):
        why = "; ".join(f"{n}: {w}" for n, w in failed_sources(report))
        raise ScanError(f"no source could be scanned ({why}); the report was written but grades nothing")
    return EXIT_GATE if result.failed else EXIT_OK


def write_outputs(report: dict[str, Any], args: argparse.Namespace, *, default_json: bool = True) -> None:
    """Write every requested output atomically; JSON first."""
    from scanner.report import atomic_write, dump_report

    json_path = getattr(args, "json", None) or (Path("report.json") if default_json else None)
    if json_path:
        atomic_write(json_path, dump_report(report))
    if getattr(args, "html", None):
        from scanner.html import render_html

        atomic_write(args.html, render_html(report, baseline=_baseline(args)))
    if getattr(args, "sarif", None):
        from scanner.sarif import render_sarif

        atomic_write(args.sarif, render_sarif(report))
    if getattr(args, "junit", None):
        from scanner.junit import render_junit

        atomic_write(args.junit, render_junit(report))
    if getattr(args, "metrics_file", None) or getattr(args, "pushgateway", None):
        from scanner.metrics import push_metrics, render_metrics

        text = render_metrics(report)
        if args.metrics_file:
            atomic_write(args.metrics_file, text)
        if getattr(args, "pushgateway", None):
            push_metrics(args.pushgateway, text)


def _summary_line(report: dict[str, Any]) -> str:
    parts = []
    for fid, s in report.get("summary", {}).items():
        st = s["statuses"]
        lv = s.get("levels")
        lvtxt = (
            f", mean level {lv['level']} (verified {lv['level_verified']}, ceiling {lv['level_ceiling']})" if lv else ""
        )
        parts.append(
            f"{fid}: {st['met']} met, {st['not_met']} not met, {st['attested']} attested, {st['unknown']} unknown{lvtxt}"
        )
    return "; ".join(parts)


def cmd_scan(args: argparse.Namespace, cancel: threading.Event) -> int:
    from scanner.pipeline import load_inputs, scan
    from scanner.progress import Progress

    config = args.config
    if config is None:
        if not Path("maturity.yaml").is_file():
            raise InputError(
                "no scan config: pass -c FILE or create maturity.yaml here (start from maturity.example.yaml)",
                file="maturity.yaml",
            )
        config = Path("maturity.yaml")
    inputs = load_inputs(config)
    names = [s.name for s in inputs.config.source_configs()]
    from scanner.shard import default_run_id, parse_shard, shard_sources

    index, count = parse_shard(args.shard) if args.shard else (0, 1)
    selected = shard_sources(names, args.shard) if args.shard else None
    _check_gate_args(args)
    _check_min_level_names(args, inputs.catalog)
    _check_evidence_dir(args)
    with Progress(names if selected is None else sorted(selected), quiet=args.quiet) as progress:
        report, evidence, manifest = scan(inputs, cancel=cancel, on_event=progress.event, selected=selected)
    if cancel.is_set():
        raise Interrupted()
    run_id = args.run_id or default_run_id(inputs.config.digest, count)
    manifest["shard"] = {"run_id": run_id, "index": index, "count": count}
    return _finish(report, args, evidence=evidence, manifest=manifest)


def _check_evidence_dir(args: argparse.Namespace) -> None:
    """Refuse a local --evidence-dir that is neither empty nor a bundle before any work is done."""
    target = getattr(args, "evidence_dir", None)
    if target:
        from scanner.bundle import check_destination
        from scanner.storage import is_s3

        if not is_s3(target):
            check_destination(Path(target))


def _finish(report: dict[str, Any], args: argparse.Namespace, *, evidence: Any = None, manifest: Any = None) -> int:
    """Save the bundle (when asked), write the outputs, print the summary, apply the gates."""
    if evidence is not None and getattr(args, "evidence_dir", None):
        from scanner.attest import Statements

        statements = Statements.from_json(report["statements"]).to_json()
        save_bundle(
            args.evidence_dir, manifest=manifest, evidence=evidence, rules=report["rules"], statements=statements
        )
    write_outputs(report, args)
    if not args.quiet:
        print(_summary_line(report), file=sys.stderr)
    return _gates(report, args)


def save_bundle(target: str, **parts: Any) -> None:
    """Write a bundle to a folder, or to S3 through a local temporary folder."""
    import tempfile

    from scanner.bundle import write_bundle
    from scanner.storage import is_s3, publish_bundle

    if not is_s3(target):
        write_bundle(Path(target), **parts)
        return
    with tempfile.TemporaryDirectory(prefix="maturity-bundle-") as tmp:
        local = Path(tmp) / "bundle"
        write_bundle(local, **parts)
        publish_bundle(local, target)


def cmd_merge(args: argparse.Namespace) -> int:
    from scanner.merge import merge_bundles
    from scanner.pipeline import load_inputs

    _check_gate_args(args)
    _check_evidence_dir(args)
    inputs = load_inputs(args.config)
    _check_min_level_names(args, inputs.catalog)
    report, evidence, manifest = merge_bundles(
        args.bundles, inputs, recorded_rules=args.recorded_rules, allow_partial=args.allow_partial
    )
    return _finish(report, args, evidence=evidence, manifest=manifest)


def cmd_rescore(args: argparse.Namespace) -> int:
    from scanner.attest import Statements
    from scanner.bundle import read_bundle
    from scanner.evidence import now_iso
    from scanner.pipeline import assemble, load_inputs
    from scanner.storage import local_bundle_dir

    _check_gate_args(args)
    with local_bundle_dir(args.evidence_dir) as d:
        bundle = read_bundle(d)
    inputs = load_inputs(args.config)
    _check_min_level_names(args, inputs.catalog)
    if args.recorded_rules:
        from scanner.merge import recorded_ruleset

        ruleset = recorded_ruleset(bundle, inputs.catalog, str(args.evidence_dir))
    else:
        ruleset = inputs.ruleset
    statements = inputs.statements if args.config else Statements.from_json(bundle.statements)
    m = bundle.manifest
    meta = {
        "started": m.get("started", now_iso()),
        "finished": m.get("finished", now_iso()),
        "scanner_version": __version__,
        "config_digest": m.get("config_digest", ""),
        "sources": m.get("sources", []),
        "not_used": list(inputs.config.not_used) if args.config else m.get("not_used", []),
        "statement_max_months": inputs.config.statements.max_months if args.config else m.get("statement_max_months"),
        "rescored_at": now_iso(),
    }
    report = assemble(
        inputs.catalog,
        ruleset,
        statements,
        bundle.evidence,
        m.get("observations", {}),
        frameworks=list(m.get("frameworks") or inputs.config.frameworks),
        scan_meta=meta,
    )
    return _finish(report, args)


def cmd_report(args: argparse.Namespace) -> int:
    from scanner.report import load_report

    report = load_report(args.report)
    _baseline(args)
    args.json = None
    if not any((args.html, args.sarif, args.junit, args.metrics_file)):
        raise InputError("name at least one output: --html, --sarif, --junit or --metrics-file")
    write_outputs(report, args, default_json=False)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from scanner.diff import Category, diff_reports
    from scanner.gates import load_any_report

    d = diff_reports(load_any_report(args.base), load_any_report(args.new))
    if args.format == "json":
        print(json.dumps(d.to_json(), ensure_ascii=False, indent=1))
    else:
        for note in d.notes:
            print(f"note: {note}")
        if not d.changes:
            print("no changes")
        for ch in d.changes:
            print(f"{'REGRESSION' if ch.regression else '':<11}[{ch.category.heading}] {ch.detail}")
        n_stmt = len(d.of(Category.BY_STATEMENT))
        n_impr = len(d.of(Category.IMPROVED))
        print(f"{len(d.regressions)} regression(s), {n_stmt} by statement, {n_impr} improvement(s)")
    return EXIT_GATE if args.fail_on_regression and d.regressions else EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from scanner.verify import verify_report

    problems = verify_report(args.report, args.evidence_dir)
    if problems:
        for p in problems:
            print(f"FAIL {p}")
        print(f"verify: {args.report}: {len(problems)} problem(s) found")
        return EXIT_GATE
    print(f"verify: {args.report}: every evidence hash, the digest and every grade check out")
    return EXIT_OK


def cmd_catalog(args: argparse.Namespace) -> int:
    from scanner.catalog import load_catalog
    from scanner.catalog_view import catalog_json, catalog_table

    catalog = load_catalog()
    if args.format == "json":
        print(json.dumps(catalog_json(catalog, args.framework), ensure_ascii=False, indent=1))
    else:
        print(catalog_table(catalog, args.framework))
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    from scanner.catalog import load_catalog
    from scanner.probe import load_probes
    from scanner.rules import default_rules_dir, load_rules

    catalog = load_catalog()
    kinds = set(load_probes().kinds())
    paths = args.paths if args.rules_command == "lint" and args.paths else [default_rules_dir()]
    ruleset = load_rules(paths, requirement_ids=catalog.decidable_ids(), kinds=kinds)
    if args.rules_command == "list":
        for r in sorted(ruleset.rules, key=lambda r: r.id):
            decides = ", ".join(f"{d.target}({d.coverage})" for d in r.doc.decides)
            print(f"{r.id}\t{r.doc.title}\t{decides}")
        return EXIT_OK
    from scanner.kindcheck import lint_rule_files

    problems = lint_rule_files(sorted({Path(r.file) for r in ruleset.rules}), load_probes().models())
    if problems:
        for line in problems:
            print(line, file=sys.stderr)
        raise InputError(f"{len(problems)} field path(s) in rules that their evidence kinds do not have")
    print(f"rules lint: {len(ruleset.rules)} rule(s) OK")
    return EXIT_OK


def cmd_probes(args: argparse.Namespace) -> int:
    from scanner.kindinfo import kinds_json, kinds_text
    from scanner.probe import load_probes

    reg = load_probes()
    if getattr(args, "format", "text") == "json":
        print(json.dumps(kinds_json(reg), indent=2, ensure_ascii=False))
    else:
        print(kinds_text(reg))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, cancel: threading.Event) -> int:
    from scanner.demo import run_demo

    return run_demo(args.out, cancel=cancel, keep_running=args.keep_running, quiet=args.quiet)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    cancel = threading.Event()
    if threading.current_thread() is threading.main_thread():
        _install_signals(cancel)
    try:
        match args.command:
            case "scan":
                return cmd_scan(args, cancel)
            case "rescore":
                return cmd_rescore(args)
            case "merge":
                return cmd_merge(args)
            case "report":
                return cmd_report(args)
            case "diff":
                return cmd_diff(args)
            case "verify":
                return cmd_verify(args)
            case "catalog":
                return cmd_catalog(args)
            case "rules":
                return cmd_rules(args)
            case "probes":
                return cmd_probes(args)
            case "demo":
                return cmd_demo(args, cancel)
        parser.error(f"unknown command {args.command}")
    except InputError as exc:
        print(_redacted(f"maturity: error: {exc}"), file=sys.stderr)
        return EXIT_INPUT
    except (Interrupted, KeyboardInterrupt):
        print("maturity: interrupted; no report was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ScanError as exc:
        print(_redacted(f"maturity: scan error: {exc}"), file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`maturity catalog | head`): not an error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        print(_redacted(f"maturity: error: {exc}"), file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
