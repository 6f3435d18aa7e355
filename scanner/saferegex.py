"""Rule regexes (`regex:` in a rule condition) under a budget, and a lint for catastrophic ones.

A rule's regex runs on text from scanned systems. Two guards keep one bad pattern from
freezing a scan or `verify`:

- `catastrophic(pattern)` (run by `rules lint` and whenever rules load) rejects the classic
  exponential shapes: a quantifier over something that itself has an unbounded quantifier
  (`(a+)+`, `(\\w+\\s?)*`), and a quantifier over an alternation whose branches can start with
  the same character or match nothing (`(a|ab)*`, `(a|a?)+`).
- `RuleRegex.search` runs on the `regex` module with a per-call timeout and a total budget per
  pattern, on a subject cut to `MAX_SUBJECT` characters. Past either, it raises
  `RegexBudgetExceeded`, and the rule that asked is `unknown`, never a hang.
"""

from __future__ import annotations

import re
import time
from importlib import import_module
from typing import Any

import regex

# The standard library's own regex parser (private modules, stable across 3.11-3.13): it gives
# the pattern as a tree of opcodes, the same tree `re` compiles.
P: Any = import_module("re._parser")
C: Any = import_module("re._constants")

__all__ = ["MAX_SUBJECT", "RegexBudgetExceeded", "RuleRegex", "catastrophic"]

MAX_SUBJECT = 4096 + 32  # evidence strings are already bounded to 4096 (+ a truncation mark)
CALL_TIMEOUT_S = 0.5
TOTAL_BUDGET_S = 10.0
_BIG = 16  # a repeat bounded above this counts as unbounded
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)
_SAMPLE = [chr(c) for c in range(32, 127)] + ["\t", "\n", "é", "中", "_"]


class RegexBudgetExceeded(Exception):
    """A rule regex ran past its time budget on some subject."""


def _unbounded(av: Any) -> bool:
    return bool(av[1] == C.MAXREPEAT or av[1] > _BIG)


def _variable_repeats(seq: Any) -> list[Any]:
    """The bodies of the variable-length repeats inside `seq` (atomic groups and possessive
    repeats never backtrack: skipped)."""
    out: list[Any] = []
    for op, av in seq:
        if op in _REPEATS:
            if av[0] != av[1] and op != C.POSSESSIVE_REPEAT:  # variable length: `a{1,2}` splits runs too
                out.append(av[2])
            out.extend(_variable_repeats(av[2]))
        elif op == C.SUBPATTERN:
            out.extend(_variable_repeats(av[3]))
        elif op == C.BRANCH:
            for b in av[1]:
                out.extend(_variable_repeats(b))
    return out


def _ambiguous_nesting(body: Any) -> bool:
    """Whether an outer repeat over `body` can split one run of text between iterations in many
    ways: an inner unbounded repeat takes characters that can both end one iteration and start
    the next (`(a+)+`, `(\\w+\\s?)+`, `(.*a){20}`), or the body can match nothing."""
    inner = _variable_repeats(body)
    if not inner:
        return False
    starts, nullable = _first(body)
    ends, _ = _first(body, last=True)
    if nullable:
        return True
    return any((chars & starts) and (chars & ends) for chars in (_first(r)[0] for r in inner))


def _class_accepts(items: Any, ch: str) -> bool:
    code = ord(ch)
    negate = False
    hit = False
    for op, av in items:
        if op == C.NEGATE:
            negate = True
        elif op == C.LITERAL:
            hit = hit or code == av
        elif op == C.RANGE:
            hit = hit or av[0] <= code <= av[1]
        elif op == C.CATEGORY:
            name = str(av).lower()
            digit, word, space = ch.isdigit(), ch.isalnum() or ch == "_", ch.isspace()
            table = {"digit": digit, "word": word, "space": space}
            for key, val in table.items():
                if key in name:
                    hit = hit or (not val if "not" in name else val)
        else:
            hit = True  # anything unusual: assume it may match
    return hit != negate


def _first(seq: Any, last: bool = False) -> tuple[set[str], bool]:
    """Sample characters a sequence can start (or end) with, and whether it can match nothing."""
    out: set[str] = set()
    items = list(seq)
    for op, av in reversed(items) if last else items:
        if op == C.LITERAL:
            return out | {c for c in _SAMPLE if ord(c) == av}, False
        if op == C.NOT_LITERAL:
            return out | {c for c in _SAMPLE if ord(c) != av}, False
        if op == C.ANY:
            return out | set(_SAMPLE), False
        if op == C.IN:
            return out | {c for c in _SAMPLE if _class_accepts(av, c)}, False
        if op == C.AT:
            continue
        if op in (C.SUBPATTERN, C.ATOMIC_GROUP):
            first, nullable = _first(av[3] if op == C.SUBPATTERN else av, last)
        elif op == C.BRANCH:
            parts = [_first(b, last) for b in av[1]]
            first = set().union(*(p[0] for p in parts))
            nullable = any(p[1] for p in parts)
        elif op in _REPEATS:
            first, nullable = _first(av[2], last)
            nullable = nullable or av[0] == 0
        elif op in (C.ASSERT, C.ASSERT_NOT):
            continue
        else:  # backreferences, conditionals: assume the worst
            return out | set(_SAMPLE), True
        out |= first
        if not nullable:
            return out, False
    return out, True


def _overlapping_branch(seq: Any) -> bool:
    for op, av in seq:
        if op == C.BRANCH:
            seen: set[str] = set()
            for branch in av[1]:
                first, nullable = _first(branch)
                if nullable or first & seen:
                    return True
                seen |= first
            if any(_overlapping_branch(b) for b in av[1]):
                return True
        elif op == C.SUBPATTERN and _overlapping_branch(av[3]):
            return True
        elif op in _REPEATS and _overlapping_branch(av[2]):
            return True
    return False


def _walk(seq: Any) -> str | None:
    for op, av in seq:
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and _unbounded(av):
            body = av[2]
            if _ambiguous_nesting(body):
                return "a quantifier over a quantified part (like `(a+)+`) can take exponential time"
            if _overlapping_branch(body):
                return "a quantifier over alternatives that can match the same text (like `(a|ab)*`) can take exponential time"
        inner = av[2] if op in _REPEATS else av[3] if op == C.SUBPATTERN else av if op == C.ATOMIC_GROUP else None
        if inner is not None:
            why = _walk(inner)
            if why:
                return why
        if op == C.BRANCH:
            for b in av[1]:
                why = _walk(b)
                if why:
                    return why
    return None


def catastrophic(pattern: str) -> str | None:
    """Why `pattern` can backtrack catastrophically, or None. Raises re.error if it does not parse."""
    return _walk(P.parse(pattern))


class RuleRegex:
    """A compiled rule regex whose every search is bounded in subject length and time."""

    __slots__ = ("_rx", "pattern", "spent")

    def __init__(self, pattern: str) -> None:
        re.compile(pattern)  # the rule language is Python's `re`; this raises re.error as before
        self.pattern = pattern
        self._rx = regex.compile(pattern, regex.VERSION0)
        self.spent = 0.0

    def search(self, text: str) -> bool:
        if self.spent > TOTAL_BUDGET_S:
            raise RegexBudgetExceeded(f"regex {self.pattern!r} used its {TOTAL_BUDGET_S:g}s budget")
        start = time.perf_counter()
        try:
            return self._rx.search(text[:MAX_SUBJECT], timeout=CALL_TIMEOUT_S) is not None
        except TimeoutError as exc:
            raise RegexBudgetExceeded(f"regex {self.pattern!r} ran past {CALL_TIMEOUT_S:g}s on one value") from exc
        finally:
            self.spent += time.perf_counter() - start
