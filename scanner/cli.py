"""The `maturity` command line: the parser and the dispatch, nothing else.

Each verb lives in scanner/commands/<verb>.py (`register` adds its parser, `run` does the work).
Contract in DESIGN.md; exit codes in docs/cli.md: 0 done and gates passed; 1 a gate failed
(regression, minimum level) or `verify` found a difference; 2 invalid input; 3 scan error (could
not write outputs, internal error); 130 interrupted (SIGINT/SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from scanner import __version__
from scanner.commands import VERBS, Session
from scanner.commands._common import (
    EXIT_ERROR,
    EXIT_GATE,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Interrupted,
    _gates,  # noqa: F401 - tests/test_gates.py drives the gates through the CLI
)
from scanner.commands._common import check_before_work as _check_gate_args  # noqa: F401 - as above
from scanner.errors import InputError, ScanError

__all__ = ["EXIT_GATE", "build_parser", "main"]

LANGS = ("zh", "en")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """-q, -v and --lang; on the verbs with SUPPRESS defaults, so they work before or after the verb."""
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("-v", "--verbose", action="store_true", help="debug log on stderr", **default)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output", **default)
    parser.add_argument(
        "--lang",
        choices=LANGS,
        help="one language for text outputs: the terminal summary, HTML (else it follows the browser), SARIF, "
        "JUnit, Code Quality, annotations, the Markdown summary, the CAICT form (default: terminal both, files en)",
        **default,
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="maturity",
        description="Grade technical operations against YD/T 1756-4 and AWS WA OPS, with evidence.",
        epilog="example:\n  maturity scan -c maturity.yaml --html report.html\n  maturity demo --out /tmp/demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"maturity-scanner {__version__}")
    _global_options(p, suppress=False)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        verb_parser = import_module(f"scanner.commands.{verb}").register(sub)
        verb_parser.formatter_class = argparse.RawDescriptionHelpFormatter
        _global_options(verb_parser, suppress=True)
    return p


def _redacted(line: str) -> str:
    """An error line with credentials removed (a URL in an error may carry a password)."""
    from scanner.redact import redact_text

    return redact_text(line)


class _RedactingFilter(logging.Filter):
    """Credentials never reach the log, whatever a library puts in a message."""

    def filter(self, record: logging.LogRecord) -> bool:
        from scanner.redact import redact_text

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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    session = Session(quiet=args.quiet, lang=args.lang)
    if threading.current_thread() is threading.main_thread():
        _install_signals(session.cancel)
    try:
        code: int = import_module(f"scanner.commands.{args.command}").run(args, session)
        return code
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
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        print(_redacted(f"maturity: error: {exc}"), file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
