"""Rules tested as data: evidence in, status out, through the real loader and engine.

`rules/<source>/<topic>.cases.yaml` beside each rules file holds the cases of its rules (format in
docs/rules.md, "Test cases"); every evidence row is checked against its kind's model, so a case
cannot use a field no probe emits. `evaluate`/`decide` serve the few Python tests that check
what a case cannot say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.catalog import load_catalog
from scanner.evidence import Evidence
from scanner.probe import KindModel, load_probes
from scanner.rules import RuleResult, RuleSet, default_rules_dir, evaluate_rules, load_rules
from scanner.yamlio import load_yaml_documents

Row = tuple[str, str, Mapping[str, Any]]

CASES_SUFFIX = ".cases.yaml"


@cache
def installed_rules() -> RuleSet:
    catalog = load_catalog()
    return load_rules(requirement_ids=catalog.decidable_ids(), kinds=set(load_probes().kinds()))


@cache
def kind_models() -> dict[str, type[KindModel]]:
    return load_probes().models()


def row_problem(kind: str, data: Mapping[str, Any]) -> str | None:
    """Why a case's evidence row does not fit its kind's model (None: it fits).

    Every field must be one the kind declares, with the declared type; fields a row leaves
    out are simply absent (a case states only what the rule reads).
    """
    model = kind_models().get(kind)
    if model is None:
        return f"no probe declares kind {kind!r}"
    try:
        model.model_validate(dict(data))
    except ValidationError as exc:
        errors = [e for e in exc.errors() if e["type"] != "missing"]
        if errors:
            return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3])
    return None


def evaluate(
    rule_id: str,
    rows: Iterable[Row] | None,
    *,
    params: Mapping[str, Any] | None = None,
    observed: Iterable[str] | None = None,
) -> RuleResult:
    """Evaluate one installed rule. rows=None: its kinds were not observed."""
    base = installed_rules()
    rule = next((r for r in base.rules if r.id == rule_id), None)
    assert rule is not None, f"no installed rule {rule_id!r}"
    if params:
        rs = load_rules(
            [Path(rule.file)],
            requirement_ids=load_catalog().decidable_ids(),
            kinds=set(load_probes().kinds()),
            overrides={rule_id: dict(params)},
        )
        rule = next(r for r in rs.rules if r.id == rule_id)
    only = RuleSet([rule], "")
    evidence = []
    for kind, subject, data in rows or []:
        problem = row_problem(kind, data)
        assert problem is None, f"{rule_id}: evidence {kind} {subject!r} does not fit the kind: {problem}"
        evidence.append(Evidence.make(kind, subject, data, "test://"))
    kinds = set(rule.doc.evidence)
    if rows is None:
        seen: set[str] = set(observed or ())
    else:
        seen = kinds if observed is None else set(observed)
    observations = {
        k: {
            "observed": k in seen,
            "sources": ["t"] if k in seen else [],
            "reason": None if k in seen else "source 't': unreachable",
            "state": None if k in seen else "failed",
        }
        for k in kinds
    }
    return evaluate_rules(only, evidence, observations)[rule_id]


def decide(rule_id: str, rows: Iterable[Row] | None, **kw: Any) -> str:
    """The status one installed rule gives for these evidence rows."""
    return evaluate(rule_id, rows, **kw).status


# ---------------------------------------------------------------- cases files


class EvidenceRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    subject: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Case(BaseModel):
    """One case: evidence rows in, the rule's status (and, for unknown, reason code) out."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3)
    expect: Literal["met", "not_met", "unknown"]
    reason: str | None = None
    evidence: list[EvidenceRow] = Field(default_factory=list)
    observed: list[str] | None = None  # kinds observed; default: every kind the rule reads
    params: dict[str, Any] = Field(default_factory=dict)


class CasesFile(BaseModel):
    """`<topic>.cases.yaml`: `defaults` per kind (merged under each row's data) and cases per rule."""

    model_config = ConfigDict(extra="forbid")

    defaults: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Rules whose condition cannot come out not_met with any evidence, each with why (a finding
    # about the rule, kept visible here rather than hidden by a missing case).
    no_not_met_case: dict[str, str] = Field(default_factory=dict)
    # Rules that can only fail or stay undecided (a veto: the evidence can disprove the clause
    # but never prove it), each with why.
    no_met_case: dict[str, str] = Field(default_factory=dict)
    cases: dict[str, list[Case]]


@dataclass
class LoadedCase:
    file: Path
    rule: str
    case: Case
    rows: list[Row] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.rule}: {self.case.name}"

    @property
    def empty(self) -> bool:
        """Every kind observed, no evidence at all: the population is empty."""
        return not self.rows and self.case.observed is None


def cases_files(root: Path | None = None) -> list[Path]:
    return sorted((root or default_rules_dir()).rglob(f"*{CASES_SUFFIX}"))


def read_cases_file(path: Path) -> CasesFile:
    docs = [d for d in load_yaml_documents(path) if d is not None]
    assert len(docs) == 1, f"{path}: one YAML document expected"
    return CasesFile.model_validate(docs[0])


def load_cases(path: Path) -> list[LoadedCase]:
    doc = read_cases_file(path)
    out: list[LoadedCase] = []
    for rule, cases in doc.cases.items():
        for case in cases:
            rows: list[Row] = []
            for i, r in enumerate(case.evidence):
                data = {**doc.defaults.get(r.kind, {}), **r.data}
                rows.append((r.kind, r.subject or f"{r.kind.split('.', 1)[-1]}-{i + 1}", data))
            out.append(LoadedCase(path, rule, case, rows))
    return out


def run_case(c: LoadedCase) -> RuleResult:
    return evaluate(c.rule, c.rows, params=c.case.params or None, observed=c.case.observed)
