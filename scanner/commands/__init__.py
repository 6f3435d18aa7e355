"""The verbs of `maturity`, one module each.

Every module has `register(sub)`, which adds its parser (help, arguments, an example), and
`run(args, session)`, which does the work and returns the exit code. `scanner.cli` only parses
and dispatches; the modules import what they need inside `run`, so `maturity --help` stays
fast.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["VERBS", "Session"]

# In the order `maturity --help` lists them.
VERBS = (
    "scan",
    "rescore",
    "merge",
    "report",
    "diff",
    "verify",
    "keygen",
    "catalog",
    "rules",
    "probes",
    "demo",
    "attest",
    "init",
)


@dataclass
class Session:
    """What every verb shares: cancellation (SIGINT/SIGTERM), and the global options."""

    cancel: threading.Event = field(default_factory=threading.Event)
    quiet: bool = False
    lang: str | None = None
