"""The report JSON (`schema: maturity-report/v2`): digest, atomic writing, schema, reading.

The JSON Schema is generated from `scanner.model.Report` (`python -m scanner.schemas`); a v1
report (kept as a baseline) is read only where the caller accepts it (`diff`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from scanner.canonical import iter_json, sha256_of
from scanner.errors import InputError

__all__ = [
    "SCHEMA_ID",
    "SCHEMA_V1",
    "atomic_write",
    "generate_report_schema",
    "load_report",
    "report_digest",
    "report_schema",
    "seal",
    "validate_report",
]

SCHEMA_ID = "maturity-report/v2"
SCHEMA_V1 = "maturity-report/v1"


def report_digest(report: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of everything in the report except `digest`."""
    return sha256_of({k: v for k, v in report.items() if k != "digest"})


def seal(report: dict[str, Any]) -> dict[str, Any]:
    report["digest"] = report_digest(report)
    return report


def atomic_write(path: Path, data: bytes | str | Iterable[str]) -> None:
    """Write to a temp file beside `path`, fsync, rename: a reader never sees half a file.

    `data` may be an iterable of text pieces, written as they come (a large report is never
    one string in memory).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            elif isinstance(data, str):
                fh.write(data.encode("utf-8"))
            else:
                for piece in data:
                    fh.write(piece.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(path: Path, report: Mapping[str, Any]) -> None:
    """Write report.json atomically, streamed (one evidence item a line)."""
    atomic_write(path, iter_report(report))


def iter_report(report: Mapping[str, Any]) -> Iterable[str]:
    yield from iter_json(dict(report), indent=1)
    yield "\n"


def dump_report(report: Mapping[str, Any]) -> str:
    """The report as one string (small reports, tests); `write_report` streams instead."""
    return "".join(iter_report(report))


def generate_report_schema() -> dict[str, Any]:
    """The report's JSON Schema, from the models (checked in as schema/report.schema.json)."""
    from scanner.model import Report

    schema = Report.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


def report_schema(version: str = SCHEMA_ID) -> dict[str, Any]:
    name = "report.schema.json" if version == SCHEMA_ID else "report-v1.schema.json"
    text = resources.files("scanner").joinpath(f"schema/{name}").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_report(report: Any, file: str = "<report>", version: str = SCHEMA_ID) -> None:
    """Check a report against the JSON Schema; raise InputError naming the field."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema(version))
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        field = ".".join(str(p) for p in e.absolute_path) or None
        raise InputError(f"not a {version} report: {e.message[:300]}", file=file, field=field)


def load_report(path: Path | str, *, accept_v1: bool = False) -> dict[str, Any]:
    """Read and schema-check a report; any problem is an InputError naming the file.

    `accept_v1` also reads a v1 report (checked against the v1 schema); the caller says so to
    its reader (`report["schema"]` tells which it got).
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read report: {exc.strerror or exc}", file=str(p)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"not valid JSON: {exc}", file=str(p), line=line) from exc
    readable = (SCHEMA_ID, SCHEMA_V1) if accept_v1 else (SCHEMA_ID,)
    if not isinstance(doc, dict) or doc.get("schema") not in readable:
        got = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise InputError(
            f"unsupported report schema {got!r} (this version reads {' and '.join(readable)})",
            file=str(p),
            field="schema",
        )
    validate_report(doc, str(p), doc["schema"])
    return doc
