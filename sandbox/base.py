"""The interface of a sandbox estate: something `maturity demo` starts, scans and stops."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

__all__ = ["GROUP", "Estate", "load_estates"]

# Each live source contributes one estate to the demo through this entry-point group
# (pyproject.toml); the demo starts every one it can. Another package adds an estate the same way.
GROUP = "maturity.estates"


class Estate:
    """Start servers (on free loopback ports) seeded with a realistic estate; stop them."""

    name = ""

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        """Start and seed; return the `sources:` entries of maturity.yaml that scan it."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop everything `start` started (idempotent, safe after a failed start)."""


def load_estates() -> list[type[Estate]]:
    """Every estate registered in `maturity.estates`, by name; one that fails to load names its package."""
    out: list[type[Estate]] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            cls = ep.load()
        except ImportError as exc:
            raise ImportError(f"estate {ep.name!r} ({ep.value}) does not load: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Estate)):
            raise TypeError(f"estate {ep.name!r} ({ep.value}) is not an Estate")
        out.append(cls)
    return out
