"""Errors the CLI maps to exit codes (see docs/cli.md)."""

from __future__ import annotations

__all__ = ["InputError", "ScanError"]


class InputError(Exception):
    """Invalid user input (config, catalog, rule, attestation, baseline, bundle): exit 2.

    The message always names the file and, where known, the field and line.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.detail = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.detail}"


class ScanError(Exception):
    """A failure that is not the user's input and not a gate: exit 3."""
