"""What `maturity diff` reports: the change categories (which of them are regressions), one
`Change`, and the `ReportDiff` that holds them with its JSON form. The comparing is in scanner.diff."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["SCHEMA_V1", "Category", "Change", "ReportDiff", "report_version"]

SCHEMA_V1 = "maturity-report/v1"


class Category(StrEnum):
    LEVEL_DROP = "level_drop"
    WORSE = "worse"
    EVIDENCE_LOST = "evidence_lost"
    DISAPPEARED = "disappeared"
    NEW_FAILING_SUBJECT = "new_failing_subject"
    BY_STATEMENT = "by_statement"
    IMPROVED = "improved"
    OTHER = "other"

    @property
    def regression(self) -> bool:
        """Whether `--fail-on-regression` fails on a change of this category."""
        return self in _REGRESSIONS

    @property
    def heading(self) -> str:
        return _TITLES[self]


_REGRESSIONS = frozenset(
    {Category.LEVEL_DROP, Category.WORSE, Category.EVIDENCE_LOST, Category.DISAPPEARED, Category.NEW_FAILING_SUBJECT}
)
_TITLES = {
    Category.LEVEL_DROP: "level dropped",
    Category.WORSE: "got worse",
    Category.EVIDENCE_LOST: "evidence lost",
    Category.DISAPPEARED: "disappeared",
    Category.NEW_FAILING_SUBJECT: "new failing subject",
    Category.BY_STATEMENT: "by statement",
    Category.IMPROVED: "improved",
    Category.OTHER: "changed",
}


@dataclass(frozen=True)
class Change:
    """One difference. `id` is a framework, capability, requirement, clause or rule id."""

    category: Category
    kind: str  # framework | capability | level | requirement | clause | rule | scope
    id: str
    before: Any
    after: Any
    reason: str = ""  # the full reason (never cut)
    subjects: tuple[str, ...] = ()
    scope: str | None = None  # a declared scope's name; None for the whole estate

    @property
    def regression(self) -> bool:
        return self.category.regression

    @property
    def detail(self) -> str:
        """One line: where, what, before -> after, reason and subjects."""
        where = f"[scope {self.scope}] " if self.scope else ""
        text = f"{where}{self.kind} {self.id}: {_show(self.before)} -> {_show(self.after)}"
        if self.reason:
            text += f": {self.reason}"
        if self.subjects:
            text += f" (subjects: {', '.join(self.subjects)})"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "kind": self.kind,
            "id": self.id,
            "scope": self.scope,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "subjects": list(self.subjects),
            "regression": self.regression,
        }


def _show(value: Any) -> str:
    return "absent" if value is None else str(value)


@dataclass
class ReportDiff:
    changes: list[Change] = field(default_factory=list)
    baseline_schema: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Change]:
        """Every change the regression gate fails on (evidence lost included)."""
        return [c for c in self.changes if c.regression]

    def of(self, *categories: Category) -> list[Change]:
        return [c for c in self.changes if c.category in categories]

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline_schema": self.baseline_schema,
            "notes": list(self.notes),
            "regressions": [c.to_json() for c in self.regressions],
            "by_statement": [c.to_json() for c in self.of(Category.BY_STATEMENT)],
            "improvements": [c.to_json() for c in self.of(Category.IMPROVED)],
            "other": [c.to_json() for c in self.of(Category.OTHER)],
        }


def report_version(report: Mapping[str, Any]) -> int:
    return 1 if report.get("schema") == SCHEMA_V1 else 2
