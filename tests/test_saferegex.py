"""Rule regexes: `rules lint` rejects catastrophic shapes, and evaluation runs under a budget
(issue 15, part 1)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.expr import CompileError, compile_predicate
from scanner.saferegex import RegexBudgetExceeded, RuleRegex, catastrophic

CATASTROPHIC = [
    r"(a+)+$",
    r"(\w+\s?)+$",
    r"(a|ab)*c",
    r"(a|a?)+",
    r"(x+x+)+y",
    r"((ab)*)+",
    r"(.*a){20}",
    r"(-?a+)+",
    r"(a\w*a)+",
    r"^(?:a{1,2})+$",
    r"^(a|aa)+$",
]
LINEAR = [
    r"^[a-z0-9-]+(\.[a-z0-9-]+)*$",
    r"(?:ab|cd)+",
    r"(foo|bar)*baz",
    r"(ba+)+",
    r"\b(by|without)\s*\([^)]*\b(job|team)\b",
    r"(\s*,\s*\w+)*",
    r"(\d{1,3}\.){3}\d{1,3}",
    r"(?i)((^|[:_])(slo|sli)([:_]|$)|availability|error_budget)",
    r"(?>a+)+b",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_named(pattern: str) -> None:
    assert catastrophic(pattern)
    with pytest.raises(CompileError, match="exponential time"):
        compile_predicate({"path": "subject", "regex": pattern}, {})


@pytest.mark.parametrize("pattern", LINEAR)
def test_linear_patterns_pass(pattern: str) -> None:
    assert catastrophic(pattern) is None
    compile_predicate({"path": "subject", "regex": pattern}, {})


def test_a_regex_past_its_budget_raises_instead_of_hanging() -> None:
    rx = RuleRegex(r"^(a|aa)+$")  # as if it came from a report's recorded rules, unlinted
    start = time.perf_counter()
    with pytest.raises(RegexBudgetExceeded):
        rx.search("a" * 60 + "!")
    assert time.perf_counter() - start < 5
    assert RuleRegex("b").search("a" * 100_000 + "b") is False  # the subject is cut to its bound


def test_rules_lint_rejects_a_catastrophic_regex(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = tmp_path / "r.yaml"
    rule.write_text(
        """id: team.widgets.ok
title: A test rule
evidence: [kubernetes.workload]
decides:
  - requirement: "ydt:9.1.2:L2.1"
    rationale: Replicated workloads.
condition:
  some: {kind: kubernetes.workload, that: {path: subject, regex: "^(\\\\w+\\\\s?)+$"}}
remediation: Replicate the workloads.
""",
        encoding="utf-8",
    )
    assert main(["-q", "rules", "lint", str(rule)]) == 2
    err = capsys.readouterr().err
    assert "exponential time" in err and "r.yaml:8" in err, err
