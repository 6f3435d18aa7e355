"""Run `maturity` in-process through `scanner.cli.main(argv)`, as a subprocess would see it.

A subprocess costs a Python start and every import (about a second each); the CLI tests call
`main` directly instead and get the same exit code, stdout and stderr. What only a real process
can show (signals, the console script, peak memory) keeps its subprocess tests.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from scanner.cli import main

__all__ = ["maturity"]


@contextlib.contextmanager
def _restored(cwd: Path | None, env: Mapping[str, str] | None) -> Iterator[None]:
    """The process state `main` may change (cwd, environment, signal handlers, root logger),
    put back afterwards so tests stay independent."""
    old_cwd = Path.cwd()
    old_env = dict(os.environ)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    root = logging.getLogger()
    old_level, old_handlers = root.level, list(root.handlers)
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)
        for s, h in handlers.items():
            signal.signal(s, h)
        root.setLevel(old_level)
        root.handlers[:] = old_handlers


def maturity(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`maturity ARGS...` run in this process: returncode, stdout and stderr as text."""
    out, err = io.StringIO(), io.StringIO()
    with _restored(cwd, env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors and --help
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return subprocess.CompletedProcess(["maturity", *args], code, out.getvalue(), err.getvalue())
