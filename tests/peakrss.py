"""Run a command and write its own peak resident memory (bytes) to a file.

`python -m tests.peakrss OUT -- CMD ARGS...` starts CMD, forwards SIGTERM and SIGINT to it,
waits, writes CMD's peak RSS to OUT and exits with CMD's exit code (128 + n when a signal n
ended it).

Why a launcher: on Linux, a child's `ru_maxrss` (os.wait4, getrusage) is at least its parent's
RSS at the moment of exec, because exec records the high-water mark of the address space it
replaces, and after fork (or vfork) that is the parent's. Measured straight from a pytest process
that has run two thousand tests, a scan that used 200 MiB reports the runner's 700 MiB. Started
from this small process, the scan's figure carries only this launcher's few MiB, so the limit
checks the scan and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Run `argv[2:]` (after OUT and "--"), record its peak RSS in OUT, return its exit code."""
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: python -m tests.peakrss OUT -- CMD [ARGS...]\n")
        return 2
    out, cmd = Path(argv[0]), argv[2:]
    proc = subprocess.Popen(cmd)

    def forward(signum: int, _frame: FrameType | None) -> None:
        proc.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    _pid, status, usage = os.wait4(proc.pid, 0)  # retried by Python when a signal interrupts it
    out.write_text(str(usage.ru_maxrss * 1024), encoding="ascii")  # Linux reports KiB
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
