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


class FilesRepository(KindModel):
    """`files.repository`: one summary of the repository the files probe read."""

    files: int = Field(description="YAML/JSON files walked (chart templates included)")
    families: list[str] = Field(
        description="families of configuration found in them (alertmanager, gitops, kubernetes, prometheus)"
    )
    helm_charts: int = Field(description="Helm charts found (rendered or not)")
    unreadable: int = Field(description="files or documents that could not be read or parsed")


MODELS: dict[str, type[KindModel]] = {"files.parse_error": FilesParseError, "files.repository": FilesRepository}
