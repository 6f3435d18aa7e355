"""Statements, from YAML: attestations (a person vouches for items or clauses), waivers (out of
scope) and disputes (a rule's verdict on some subjects is challenged). Contract in DESIGN.md
"Statements".

Loading rejects only what cannot be read (bad YAML, unknown keys, unknown ids: exit 2).
Everything an auditor should see instead of a crash (no reviewer, reviewer = owner, a date in
the future, an expiry too far out, an evidence link that is not http(s)) makes the statement
`invalid` with the reason: reported, never applied. `check` decides that for a scan date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scanner.canonical import sha256_of
from scanner.errors import InputError
from scanner.yamlio import line_of, load_yaml, validate

__all__ = [
    "EXPIRING_SOON_DAYS",
    "MAX_VALIDITY_MONTHS",
    "AttestationDoc",
    "DisputeDoc",
    "Statement",
    "Statements",
    "StatementsFile",
    "WaiverDoc",
    "add_months",
    "load_statements",
]

MAX_VALIDITY_MONTHS = 13
EXPIRING_SOON_DAYS = 30

Kind = Literal["attestation", "waiver", "dispute"]


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    owner: str = Field(min_length=2)
    reviewer: str | None = Field(default=None, description="a different person who reviewed it (v2)")
    evidence_url: str | None = Field(default=None, description="an https or http link to the evidence")
    date: dt.date | None = Field(default=None, description="when it was made (not in the future)")
    expires: dt.date


class AttestationDoc(_Base):
    requirements: list[str] = Field(default_factory=list)
    clauses: list[str] = Field(default_factory=list, description="v2: clause ids, e.g. ydt:6.1.1:L2.3#b")
    statement: str = Field(min_length=10)
    clause: str | None = Field(default=None, description="v1: free text; kept, not used for grading")

    @model_validator(mode="after")
    def _some(self) -> AttestationDoc:
        if not self.requirements and not self.clauses:
            raise ValueError("an attestation names requirements or clauses")
        return self


class WaiverDoc(_Base):
    requirements: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=10)

    @model_validator(mode="after")
    def _some(self) -> WaiverDoc:
        if not self.requirements and not self.capabilities:
            raise ValueError("a waiver names requirements or capabilities")
        return self


class DisputeDoc(_Base):
    rule: str = Field(min_length=3)
    clause: str = Field(pattern=r"#[a-z]$")
    subjects: list[str] = Field(min_length=1, description='subjects whose failure is disputed ("*": all)')
    reason: str = Field(min_length=10)


class StatementsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    attestations: list[AttestationDoc] = Field(default_factory=list)
    waivers: list[WaiverDoc] = Field(default_factory=list)
    disputes: list[DisputeDoc] = Field(default_factory=list)


_MODELS: dict[Kind, type[_Base]] = {"attestation": AttestationDoc, "waiver": WaiverDoc, "dispute": DisputeDoc}
_PREFIX: dict[Kind, str] = {"attestation": "att", "waiver": "wvr", "dispute": "dsp"}
_PLACE = ("id", "type", "state", "why", "file", "line")


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months, clamped to the month's last day (2026-01-31 + 1 -> 2026-02-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Statement:
    """One statement with the file and line it came from and a content-derived id."""

    kind: Kind
    doc: Any  # AttestationDoc | WaiverDoc | DisputeDoc
    file: str
    line: int | None
    id: str = ""

    def fields(self) -> dict[str, Any]:
        return dict(self.doc.model_dump(mode="json", exclude_none=True))

    def to_json(self) -> dict[str, Any]:
        """The recorded form (bundles): the statement's fields and where it came from."""
        return {**self.fields(), "file": self.file, "line": self.line}

    def check(self, on: dt.date, max_months: int = MAX_VALIDITY_MONTHS) -> str | None:
        """Why the statement is invalid on the scan date `on` (None when it is valid)."""
        d = self.doc
        if not d.reviewer:
            return "no reviewer"
        if d.reviewer.strip().lower() == d.owner.strip().lower():
            return "the reviewer is the owner (a different person must review it)"
        if d.date is None:
            return "no date"
        if d.date > on:
            return f"dated {d.date}, after the scan date {on}"
        if d.expires <= d.date:
            return f"expires ({d.expires}) on or before its date ({d.date})"
        if d.expires > add_months(d.date, max_months):
            return f"valid for more than {max_months} months ({d.date} to {d.expires})"
        if self.kind == "attestation" and not d.evidence_url:
            return "no evidence link"
        if d.evidence_url and urlsplit(d.evidence_url).scheme.lower() not in ("https", "http"):
            return "the evidence link must be an https or http URL"
        if d.evidence_url and not urlsplit(d.evidence_url).netloc:
            return "the evidence link has no host"
        return None

    def expired(self, on: dt.date) -> bool:
        return bool(self.doc.expires < on)

    def expiring_soon(self, on: dt.date) -> bool:
        return bool((self.doc.expires - on).days <= EXPIRING_SOON_DAYS)


def _with_ids(items: list[Statement]) -> list[Statement]:
    """Ids from content (`att-…`, `wvr-…`, `dsp-…`): the same statement keeps its id wherever
    its file moves; an identical copy gets a suffix."""
    seen: dict[str, int] = {}
    out = []
    for s in items:
        base = f"{_PREFIX[s.kind]}-{sha256_of(s.fields())[:10]}"
        seen[base] = seen.get(base, 0) + 1
        sid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        out.append(Statement(s.kind, s.doc, s.file, s.line, sid))
    return out


@dataclass
class Statements:
    items: list[Statement] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.items = _with_ids(self.items)

    def of(self, kind: Kind) -> list[Statement]:
        return [s for s in self.items if s.kind == kind]

    def to_json(self) -> dict[str, Any]:
        """The bundle form: {attestations, waivers, disputes}."""
        return {f"{k}s": [s.to_json() for s in self.of(k)] for k in _MODELS}

    @staticmethod
    def from_json(doc: Mapping[str, Any] | list[Any]) -> Statements:
        """From a bundle ({attestations, waivers[, disputes]}) or a report's `statements[]`."""
        entries: list[tuple[Kind, Mapping[str, Any]]] = []
        if isinstance(doc, list):
            entries = [(e["type"], e) for e in doc]
        else:
            for kind in _MODELS:
                entries.extend((kind, e) for e in doc.get(f"{kind}s", []))
        items = [
            Statement(
                kind,
                _MODELS[kind].model_validate({k: v for k, v in e.items() if k not in _PLACE}),
                str(e.get("file", "")),
                e.get("line"),
            )
            for kind, e in entries
        ]
        return Statements(items)


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.y*ml") if q.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError("no such attestation or waiver file or folder", file=str(p))
    return out


def _known(ids: list[str], known: set[str], message: str, file: Path, line: int | None, field: str) -> None:
    for oid in ids:
        if oid not in known:
            raise InputError(f"{message} {oid!r}", file=str(file), line=line, field=field)


def load_statements(
    paths: Iterable[Path],
    *,
    requirement_ids: set[str],
    capability_ids: set[str],
    clause_ids: set[str] | None = None,
) -> Statements:
    """Load statement files; unreadable files, unknown keys and unknown ids are InputErrors.

    `requirement_ids` may hold clause ids too (Catalog.decidable_ids()); `clause_ids`
    defaults to the ids in it that contain `#`.
    """
    clauses = clause_ids if clause_ids is not None else {i for i in requirement_ids if "#" in i}
    items = {i for i in requirement_ids if "#" not in i}
    out: list[Statement] = []
    for f in _files(paths):
        doc = load_yaml(f)
        if doc is None:
            continue
        parsed = validate(StatementsFile, doc, f)
        for i, a in enumerate(parsed.attestations):
            line = line_of(doc, ["attestations", i])
            where = f"attestations.{i}"
            _known(a.requirements, items, "attestation names unknown requirement", f, line, f"{where}.requirements")
            _known(a.clauses, clauses, "attestation names unknown clause", f, line, f"{where}.clauses")
            out.append(Statement("attestation", a, str(f), line))
        for i, w in enumerate(parsed.waivers):
            line = line_of(doc, ["waivers", i])
            _known(w.requirements, items, "waiver names unknown requirement", f, line, f"waivers.{i}.requirements")
            _known(
                w.capabilities, capability_ids, "waiver names unknown capability", f, line, f"waivers.{i}.capabilities"
            )
            out.append(Statement("waiver", w, str(f), line))
        for i, d in enumerate(parsed.disputes):
            line = line_of(doc, ["disputes", i])
            _known([d.clause], clauses, "dispute names unknown clause", f, line, f"disputes.{i}.clause")
            out.append(Statement("dispute", d, str(f), line))
    return Statements(out)
