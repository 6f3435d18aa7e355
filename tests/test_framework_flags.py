"""Framework behaviour comes from catalog data (`cumulative`), never from a framework's id."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from scanner.catalog import load_catalog
from scanner.grade import _capability
from scanner.model import RequirementResult, Status


def test_the_catalog_says_which_frameworks_are_graded_in_cumulative_levels() -> None:
    cat = load_catalog()
    assert cat.frameworks["ydt1756-4"].cumulative is True
    assert cat.frameworks["aws-wa-ops"].cumulative is False


def _results(cap: object, status: Status) -> list[RequirementResult]:
    return [
        RequirementResult.model_construct(id=r.id, level=r.level, status=status, clauses=[])
        for r in cap.requirements  # type: ignore[attr-defined]
    ]


def test_levels_follow_the_flag_not_the_id() -> None:
    fw = load_catalog().frameworks["ydt1756-4"]
    cap = fw.capabilities[0]
    reqs = _results(cap, Status.MET)
    assert _capability(fw, cap, reqs).level == 5
    flat = dataclasses.replace(fw, cumulative=False)  # the same framework, graded by practices met
    out = _capability(flat, cap, reqs)
    assert out.level is None and out.level_verified is None and out.level_ceiling is None
    assert out.in_scope is True


def test_no_engine_module_branches_on_a_framework_id() -> None:
    root = Path(__file__).resolve().parents[1] / "scanner"
    branch = re.compile(
        r"""(==|!=|\bin\b)\s*\(?["'](ydt1756-4|aws-wa-ops)["']|["'](ydt1756-4|aws-wa-ops)["']\s*(==|!=)"""
    )
    found = [
        f"{p.name}:{n}"
        for p in sorted(root.rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if branch.search(line)
    ]
    assert found == []
