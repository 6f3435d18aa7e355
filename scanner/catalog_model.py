"""The loaded catalog in memory: frameworks, capabilities, requirements and their clauses,
indexed by id (built by scanner.catalog_load, read by grading and reports)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from scanner.catalog_docs import ClauseAssessment, PrincipleDoc, SourceDoc, Text

__all__ = ["Capability", "Catalog", "Clause", "Domain", "Framework", "Requirement"]


@dataclass(frozen=True)
class Clause:
    """One demand of a requirement: `<requirement id>#<letter>`."""

    id: str
    requirement: str
    text: Text
    assessment: ClauseAssessment


@dataclass(frozen=True)
class Requirement:
    """One gradeable item: a YD/T cell item or an AWS WA best practice."""

    id: str
    framework: str
    capability: str
    level: int | None  # YD/T 1..5; None for AWS WA best practices
    text: Text
    clauses: tuple[Clause, ...]
    note: str | None = None
    risk: str | None = None

    @property
    def assessment(self) -> str:
        """`evidence`, `organisational`, or `mixed`, from the clauses."""
        kinds = {c.assessment for c in self.clauses}
        return kinds.pop() if len(kinds) == 1 else "mixed"


@dataclass(frozen=True)
class Capability:
    """A graded capability (YD/T) or a question (AWS WA) with its requirements."""

    id: str
    framework: str
    domain: str
    subdomain: str | None
    name: Text
    description: Text | None
    requirements: tuple[Requirement, ...]
    note: str | None = None

    def at_level(self, level: int) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.level == level)


@dataclass(frozen=True)
class Domain:
    id: str
    name: Text
    parent: str | None = None


@dataclass
class Framework:
    id: str
    name: Text
    source: SourceDoc
    capabilities: list[Capability] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    levels: dict[int, Text] = field(default_factory=dict)
    design_principles: list[PrincipleDoc] = field(default_factory=list)
    cumulative: bool = False  # graded in cumulative levels (YD/T) rather than practices met (AWS WA)


@dataclass
class Catalog:
    """Every framework, indexed by requirement and capability id."""

    frameworks: dict[str, Framework]
    requirements: dict[str, Requirement]
    capabilities: dict[str, Capability]
    crosswalk: dict[str, tuple[str, ...]]  # WA best practice -> YD/T requirement ids
    digest: str = ""
    clauses: dict[str, Clause] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.clauses:
            self.clauses = {c.id: c for r in self.requirements.values() for c in r.clauses}

    def requirement(self, rid: str) -> Requirement:
        return self.requirements[rid]

    def decidable_ids(self) -> set[str]:
        """Every id a rule's `decides` may name: items and their clauses."""
        return set(self.requirements) | set(self.clauses)

    def related(self, rid: str) -> tuple[str, ...]:
        """Ids in the other framework that express the same practice (both directions)."""
        if rid in self.crosswalk:
            return self.crosswalk[rid]
        return tuple(sorted(k for k, v in self.crosswalk.items() if rid in v))

    def iter_requirements(self, framework: str | None = None) -> Iterator[Requirement]:
        for fw in self.frameworks.values():
            if framework is None or fw.id == framework:
                for cap in fw.capabilities:
                    yield from cap.requirements
