"""The catalog's YAML documents as strict pydantic models: what a framework, domain and crosswalk
file may hold (structure only; consistency across files is checked by scanner.catalog_load)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CapabilityDoc",
    "ClauseAssessment",
    "ClauseDoc",
    "CrosswalkDoc",
    "DomainDoc",
    "FrameworkDoc",
    "PrincipleDoc",
    "RequirementDoc",
    "SourceDoc",
    "SubdomainDoc",
    "Text",
]

ClauseAssessment = Literal["evidence", "organisational"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A bilingual text: `zh` as the source has it, `en` a faithful translation."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ClauseDoc(_Strict):
    """One demand of an item: its verbatim words (fragments joined by ……), a translation, and
    whether a system can show it (`evidence`) or only people can vouch for it."""

    id: str = Field(pattern=r"^[a-z]$")
    text: Text
    assessment: ClauseAssessment


class RequirementDoc(_Strict):
    id: str
    text: Text
    # Required (v2); optional here only so that a missing list gets an error naming the item.
    clauses: list[ClauseDoc] | None = None
    note: str | None = None
    risk: Literal["high", "medium", "low"] | None = None  # AWS WA: risk if not established


class CapabilityDoc(_Strict):
    id: str
    name: Text
    description: Text | None = None
    note: str | None = None
    # YD/T: levels "1".."5" -> items (an empty list for a cell that says 同上 or 无).
    levels: dict[int, list[RequirementDoc]] | None = None
    # AWS WA: the best practices of a question, in order.
    best_practices: list[RequirementDoc] | None = None


class SubdomainDoc(_Strict):
    id: str
    name: Text
    description: Text | None = None
    table: int | None = None
    note: str | None = None
    capabilities: list[CapabilityDoc]


class DomainDoc(_Strict):
    id: str
    name: Text
    description: Text | None = None
    note: str | None = None
    subdomains: list[SubdomainDoc] | None = None  # YD/T
    questions: list[CapabilityDoc] | None = None  # AWS WA (an "area" holds questions)


class PrincipleDoc(_Strict):
    name: Text
    description: Text


class SourceDoc(_Strict):
    title: str
    edition: str
    date: str
    file: str
    note: str | None = None


class FrameworkDoc(_Strict):
    id: Literal["ydt1756-4", "aws-wa-ops"]
    name: Text
    source: SourceDoc
    levels: dict[int, Text] | None = None
    cumulative: bool = Field(
        default=False,
        description="capabilities have levels 1-5 and level L needs every item of levels 1..L (同上)",
    )
    design_principles: list[PrincipleDoc] | None = None
    domains: list[str] = Field(description="domain files, in order")


class CrosswalkDoc(_Strict):
    source: str
    target: str
    note: str | None = None
    mappings: dict[str, list[str]]
