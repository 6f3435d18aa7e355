"""Scan progress: a live table on a terminal (rich), plain timestamped lines elsewhere (CI)."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Any, TextIO

__all__ = ["Progress"]


class Progress:
    """Receives (source, message) events from the runner and shows them."""

    def __init__(
        self, sources: list[str], *, stream: TextIO | None = None, quiet: bool = False, live: bool | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = (self.stream.isatty() if live is None else live) and not quiet
        self.state: dict[str, str] = {s: "waiting" for s in sources}
        self.start = time.monotonic()
        self._lock = threading.Lock()
        self._live: Any = None

    def __enter__(self) -> Progress:
        if self.live:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(self._table(), console=Console(file=self.stream), refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.__exit__(et, ev, tb)

    def _table(self) -> Any:
        from rich.table import Table

        t = Table(title=f"maturity scan — {time.monotonic() - self.start:.0f}s", expand=False)
        t.add_column("source")
        t.add_column("state")
        for name, msg in self.state.items():
            style = (
                "green"
                if msg.startswith("ok")
                else "red"
                if msg.startswith("error")
                else "yellow"
                if msg.startswith("partial")
                else ""
            )
            t.add_row(name, f"[{style}]{msg}[/]" if style else msg)
        return t

    def event(self, source: str, message: str) -> None:
        with self._lock:
            self.state[source] = message
            if self.quiet:
                return
            if self._live is not None:
                self._live.update(self._table())
            else:
                elapsed = time.monotonic() - self.start
                print(f"[{elapsed:6.1f}s] {source}: {message}", file=self.stream, flush=True)

    def note(self, message: str) -> None:
        if not self.quiet:
            print(message, file=self.stream, flush=True)
