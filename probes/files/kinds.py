"""Typed evidence kinds of the files probe itself (every other kind it emits belongs to the
probe whose parser produced it: see probes/files/__init__.py `_models`)."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["MODELS"]


class FilesParseError(KindModel):
    """`files.parse_error`: a file (or one document of it) that could not be parsed."""

    error: str = Field(description="why, with the file and document")
    parser: str | None = Field(None, description="the parser family that rejected the document (absent: not YAML/JSON)")


MODELS: dict[str, type[KindModel]] = {"files.parse_error": FilesParseError}
