"""Table tests for rules: evidence in, status out, through the real loader and engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from scanner.catalog import load_catalog
from scanner.evidence import Evidence
from scanner.probe import load_probes
from scanner.rules import RuleResult, RuleSet, evaluate_rules, load_rules

Row = tuple[str, str, Mapping[str, Any]]


@cache
def installed_rules() -> RuleSet:
    catalog = load_catalog()
    return load_rules(requirement_ids=catalog.decidable_ids(), kinds=set(load_probes().kinds()))


def evaluate(rule_id: str, rows: Iterable[Row] | None, *, params: Mapping[str, Any] | None = None, observed: Iterable[str] | None = None) -> RuleResult:
    """Evaluate one installed rule. rows=None: its kinds were not observed."""
    base = installed_rules()
    rule = next((r for r in base.rules if r.id == rule_id), None)
    assert rule is not None, f"no installed rule {rule_id!r}"
    if params:
        catalog = load_catalog()
        rs = load_rules(
            [__import__("pathlib").Path(rule.file)],
            requirement_ids=catalog.decidable_ids(),
            kinds=set(load_probes().kinds()),
            overrides={rule_id: dict(params)},
        )
        rule = next(r for r in rs.rules if r.id == rule_id)
    only = RuleSet([rule], "")
    evidence = [Evidence.make(kind, subject, data, "test://") for kind, subject, data in (rows or [])]
    kinds = set(rule.doc.evidence)
    if rows is None:
        seen: set[str] = set(observed or ())
    else:
        seen = kinds if observed is None else set(observed)
    observations = {k: {"observed": k in seen, "sources": ["t"] if k in seen else [], "reason": None if k in seen else "source 't': unreachable"} for k in kinds}
    return evaluate_rules(only, evidence, observations)[rule_id]


def decide(rule_id: str, rows: Iterable[Row] | None, **kw: Any) -> str:
    """The status one installed rule gives for these evidence rows."""
    return evaluate(rule_id, rows, **kw).status
