"""The rule model: what a rule file declares (RuleDoc, Decides), a compiled rule, a loaded rule
set and one rule's result. Loading is in scanner/rules.py, evaluation in scanner/rule_eval.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scanner.expr import Condition
from scanner.model import ReasonCode

__all__ = [
    "RULE_ID",
    "Decides",
    "Explain",
    "ExplainZh",
    "Rule",
    "RuleDoc",
    "RuleResult",
    "RuleSet",
    "RuleZh",
    "default_rules_dir",
]

RULE_ID = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"


class Decides(BaseModel):
    """What a rule decides: one clause (`ydt:9.1.2:L2.1#a`) or a whole item (all its clauses).

    `decides` makes the rule one alternative for the clause; `supports` shows its evidence
    beside the clause without deciding it. (`full`/`partial` are v1 and read as decides on
    the item / on the clause.)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    requirement: str | None = None
    clause: str | None = None
    coverage: Literal["decides", "supports", "full", "partial"] = "decides"
    rationale: str = Field(min_length=10, description="one line an auditor reads: why this evidence decides it")

    @model_validator(mode="after")
    def _one_target(self) -> Decides:
        if (self.requirement is None) == (self.clause is None):
            raise ValueError("name exactly one of 'clause' or 'requirement'")
        if self.clause is not None and "#" not in self.clause:
            raise ValueError(f"a clause id ends in #<letter>: {self.clause!r}")
        return self

    @property
    def target(self) -> str:
        """The clause or item id this entry names."""
        return self.clause if self.clause is not None else str(self.requirement)

    @property
    def requirement_id(self) -> str:
        """The item the target belongs to."""
        return self.target.split("#", 1)[0]


class Explain(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    met: str = "{detail}"
    not_met: str = "{detail}"


class ExplainZh(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    met: str | None = None
    not_met: str | None = None


class RuleZh(BaseModel):
    """The rule's words in Chinese: one twin for every English text the rule carries (`maturity
    rules lint` requires each, with the same {placeholders}). `labels` maps each English quantifier
    `label` to its Chinese; `rationale` maps each clause or item the rule names to its Chinese."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=2)
    description: str | None = None
    rationale: dict[str, str] = Field(default_factory=dict)
    explain: ExplainZh = Field(default_factory=ExplainZh)
    remediation: str = Field(min_length=2)
    labels: dict[str, str] = Field(default_factory=dict)


class RuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=RULE_ID)
    title: str = Field(min_length=3)
    description: str | None = None
    evidence: list[str] = Field(min_length=1)
    decides: list[Decides] = Field(min_length=1)
    # A quantifier over an empty population: unknown (nothing_in_scope) unless the rule says so.
    empty: Literal["unknown", "not_met", "met"] = "unknown"
    params: dict[str, Any] = Field(default_factory=dict)
    condition: dict[str, Any]
    explain: Explain = Field(default_factory=Explain)
    remediation: str = Field(min_length=3)
    zh: RuleZh | None = None

    def as_data(self) -> dict[str, Any]:
        """The rule as JSON data; a rule without Chinese twins has no `zh` key, so the digest of a
        rule set written before rules carried them is what it was."""
        data = self.model_dump(mode="json")
        if data.get("zh") is None:
            data.pop("zh", None)
        return data

    def zh_explain(self, met: bool) -> str:
        """The Chinese explanation template for a verdict ({detail} when the rule has none)."""
        en = self.explain.met if met else self.explain.not_met
        zh = None if self.zh is None else (self.zh.explain.met if met else self.zh.explain.not_met)
        return zh if zh is not None else ("{detail}" if en == "{detail}" else en)


@dataclass(frozen=True)
class Rule:
    doc: RuleDoc
    condition: Condition
    file: str
    line: int
    params: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.doc.id


@dataclass
class RuleSet:
    rules: list[Rule]
    digest: str

    def by_requirement(self) -> dict[str, list[tuple[Rule, Decides]]]:
        out: dict[str, list[tuple[Rule, Decides]]] = defaultdict(list)
        for r in sorted(self.rules, key=lambda r: r.id):  # one order, however the rules were loaded
            for d in r.doc.decides:
                out[d.requirement_id].append((r, d))
        return out

    def snapshot(self) -> list[dict[str, Any]]:
        """The effective rules (parameters applied) as data: stored in evidence bundles."""
        return [
            {**r.doc.as_data(), "params": dict(r.params), "file": _display_path(r.file)}
            for r in sorted(self.rules, key=lambda r: r.id)
        ]


@dataclass(frozen=True)
class RuleResult:
    rule: str
    status: str  # met | not_met | unknown
    explanation: str
    evidence: list[str]
    evidence_total: int
    stats: dict[str, Any]
    reason_code: ReasonCode | None = None  # why it is unknown
    subjects: tuple[str, ...] = ()  # subjects of the evidence cited (the failing ones when not_met)
    explanation_zh: str = ""  # the same in Chinese ("" for results built without one: English shown)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.rule,
            "status": self.status,
            "explanation": self.explanation,
            "explanation_zh": self.explanation_zh or self.explanation,
            "evidence": list(self.evidence),
            "evidence_total": self.evidence_total,
            "reason_code": self.reason_code.value if self.reason_code else None,
        }


def _display_path(file: str) -> str:
    """Installed rules by their place in the package (machine-independent), others as given."""
    try:
        return "rules/" + Path(file).resolve().relative_to(default_rules_dir().resolve()).as_posix()
    except ValueError:
        return file


def default_rules_dir() -> Path:
    return Path(str(resources.files("rules")))
