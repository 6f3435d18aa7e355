"""Attestations (a person vouches for a requirement) and waivers (out of scope), from YAML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from scanner.errors import InputError
from scanner.yamlio import line_of, load_yaml, validate

__all__ = ["Attestation", "Statements", "Waiver", "load_statements"]


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttestationDoc(_Base):
    requirements: list[str] = Field(min_length=1)
    statement: str = Field(min_length=10)
    owner: str = Field(min_length=2)
    evidence_url: HttpUrl
    date: dt.date
    expires: dt.date
    clause: str | None = Field(default=None, description="the part a partial rule left to attest")

    @model_validator(mode="after")
    def _order(self) -> AttestationDoc:
        if self.expires <= self.date:
            raise ValueError("expires must be after date")
        return self


class WaiverDoc(_Base):
    requirements: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=10)
    owner: str = Field(min_length=2)
    expires: dt.date

    @model_validator(mode="after")
    def _some(self) -> WaiverDoc:
        if not self.requirements and not self.capabilities:
            raise ValueError("a waiver names requirements or capabilities")
        return self


class StatementsFile(_Base):
    attestations: list[AttestationDoc] = Field(default_factory=list)
    waivers: list[WaiverDoc] = Field(default_factory=list)


D = TypeVar("D", AttestationDoc, WaiverDoc)


@dataclass(frozen=True)
class _Placed(Generic[D]):
    """A statement with the file and line it came from (reports point back at them)."""

    doc: D
    file: str
    line: int | None

    def to_json(self) -> dict[str, Any]:
        return {**self.doc.model_dump(mode="json"), "file": self.file, "line": self.line}

    def expired(self, on: dt.date) -> bool:
        return self.doc.expires < on


class Attestation(_Placed[AttestationDoc]):
    """A person vouches for requirements: statement, owner, evidence link, date, expiry."""


class Waiver(_Placed[WaiverDoc]):
    """Requirements or capabilities declared out of scope: reason, owner, expiry."""


@dataclass
class Statements:
    attestations: list[Attestation]
    waivers: list[Waiver]

    def for_requirement(self, rid: str, capability: str) -> tuple[list[Attestation], list[Waiver]]:
        atts = [a for a in self.attestations if rid in a.doc.requirements]
        ws = [w for w in self.waivers if rid in w.doc.requirements or capability in w.doc.capabilities]
        return atts, ws

    def to_json(self) -> dict[str, Any]:
        return {
            "attestations": [a.to_json() for a in self.attestations],
            "waivers": [w.to_json() for w in self.waivers],
        }

    @staticmethod
    def from_json(doc: Mapping[str, Any]) -> Statements:
        atts = [
            Attestation(
                AttestationDoc.model_validate({k: v for k, v in a.items() if k not in ("file", "line", "state")}),
                a.get("file", ""),
                a.get("line"),
            )
            for a in doc.get("attestations", [])
        ]
        ws = [
            Waiver(
                WaiverDoc.model_validate({k: v for k, v in w.items() if k not in ("file", "line", "state")}),
                w.get("file", ""),
                w.get("line"),
            )
            for w in doc.get("waivers", [])
        ]
        return Statements(atts, ws)


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


def load_statements(paths: Iterable[Path], *, requirement_ids: set[str], capability_ids: set[str]) -> Statements:
    """Load attestation and waiver files; unknown ids, bad dates and missing owners are errors."""
    atts: list[Attestation] = []
    ws: list[Waiver] = []
    for f in _files(paths):
        doc = load_yaml(f)
        if doc is None:
            continue
        parsed = validate(StatementsFile, doc, f)
        for i, a in enumerate(parsed.attestations):
            line = line_of(doc, ["attestations", i])
            _known(
                a.requirements,
                requirement_ids,
                "attestation names unknown requirement",
                f,
                line,
                f"attestations.{i}.requirements",
            )
            atts.append(Attestation(a, str(f), line))
        for i, w in enumerate(parsed.waivers):
            line = line_of(doc, ["waivers", i])
            _known(
                w.requirements,
                requirement_ids,
                "waiver names unknown requirement",
                f,
                line,
                f"waivers.{i}.requirements",
            )
            _known(
                w.capabilities, capability_ids, "waiver names unknown capability", f, line, f"waivers.{i}.capabilities"
            )
            ws.append(Waiver(w, str(f), line))
    return Statements(atts, ws)
