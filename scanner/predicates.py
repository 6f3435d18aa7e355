"""Item predicates of the rule condition language: one evidence item (or one element of a list
inside it) tested against a closed set of operators, compiled to closures (no eval).

`{path: data.x, eq: 1}`, `ne`, `in`, `not_in`, `exists`, `regex`, `gte`, `gt`, `lte`, `lt`,
`contains`, `len_gte`, `len_lte`, `truthy`, plus `any`/`all` over a list field and the
combinators `all_of`, `any_of`, `not`. A string value "$name" refers to the rule parameter
`name` ("$$x" is the literal "$x"). A missing field satisfies only `exists: false`, `ne`,
`not_in` and `truthy: false`. Conditions over whole evidence kinds are in scanner.expr.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from scanner.evidence import Evidence
from scanner.saferegex import RuleRegex, catastrophic

__all__ = ["CompileError", "Pred", "compile_predicate", "describe", "param", "to_number"]

_MISSING = object()

Pred = Callable[[Any], bool]


class CompileError(ValueError):
    """A condition that does not compile; `path` locates it inside the condition."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


# ---------------------------------------------------------------- field access


def _split(path: str, where: str) -> tuple[str, ...]:
    if not isinstance(path, str) or not re.fullmatch(r"[A-Za-z0-9_\-/.]+", path):
        raise CompileError(f"bad field path {path!r}", where)
    return tuple(path.split("."))


_EVIDENCE_FIELDS = frozenset(("kind", "subject", "origin", "source", "data", "collected_at"))


def _getter(parts: tuple[str, ...]) -> Callable[[Any], Any]:
    """A field reader for `parts`; written for speed, since it runs once per item per rule."""
    head, rest = parts[0], parts[1:]
    on_evidence = head in _EVIDENCE_FIELDS

    def walk(cur: Any) -> Any:
        for p in rest:
            if type(cur) is dict:
                cur = cur.get(p, _MISSING)
            elif isinstance(cur, Mapping):
                cur = cur.get(p, _MISSING)
            elif type(cur) is list and p.isdigit():
                i = int(p)
                cur = cur[i] if i < len(cur) else _MISSING
            else:
                return _MISSING
            if cur is _MISSING:
                return _MISSING
        return cur

    def get(obj: Any) -> Any:
        if type(obj) is Evidence:
            return walk(getattr(obj, head)) if on_evidence else _MISSING
        if type(obj) is dict or isinstance(obj, Mapping):
            cur = obj.get(head, _MISSING)
            return _MISSING if cur is _MISSING else walk(cur)
        return _MISSING

    return get


# ---------------------------------------------------------------- predicates


def param(value: Any, params: Mapping[str, Any], where: str) -> Any:
    """`value` with a "$name" reference replaced by the rule parameter's value."""
    if isinstance(value, str) and value.startswith("$"):
        if value.startswith("$$"):
            return value[1:]
        name = value[1:]
        if name not in params:
            raise CompileError(f"unknown parameter {value!r}", where)
        return params[name]
    return value


def to_number(v: Any) -> float | None:
    """`v` as a float when it is a number or a numeric string (never a bool), else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _cmp(op: str, want: Any) -> Callable[[Any], bool]:
    if op in ("gte", "gt", "lte", "lt"):
        w = to_number(want)
        if w is None:
            raise ValueError(f"{op} needs a number, got {want!r}")
        fns: dict[str, Callable[[float], bool]] = {
            "gte": lambda x: x >= w,
            "gt": lambda x: x > w,
            "lte": lambda x: x <= w,
            "lt": lambda x: x < w,
        }
        f = fns[op]

        def num_test(v: Any) -> bool:
            n = to_number(v)
            return n is not None and f(n)

        return num_test
    raise AssertionError(op)


_PRED_OPS = {
    "eq",
    "ne",
    "in",
    "not_in",
    "exists",
    "regex",
    "gte",
    "gt",
    "lte",
    "lt",
    "contains",
    "len_gte",
    "len_lte",
    "truthy",
    "any",
    "all",
}


def describe(node: Any) -> str:
    """A predicate in short words, for labels and explanations."""
    if isinstance(node, Mapping):
        if "path" in node:
            ops = [f"{k} {v!r}" for k, v in node.items() if k != "path" and k not in ("any", "all")]
            for k in ("any", "all"):
                if k in node:
                    ops.append(f"{k}[{describe(node[k])}]")
            return f"{node['path']} " + " ".join(ops)
        for k in ("all_of", "any_of"):
            if k in node:
                sep = " and " if k == "all_of" else " or "
                return "(" + sep.join(describe(c) for c in node[k]) + ")"
        if "not" in node:
            return "not " + describe(node["not"])
    return repr(node)


def _all_of(subs: list[Pred]) -> Pred:
    # Plain loops: these run once per item per rule, and a generator per call costs more.
    def run(item: Any) -> bool:
        for p in subs:
            if not p(item):
                return False
        return True

    return run


def _any_of(subs: list[Pred]) -> Pred:
    def run(item: Any) -> bool:
        for p in subs:
            if p(item):
                return True
        return False

    return run


def compile_predicate(node: Any, params: Mapping[str, Any], where: str = "") -> Pred:
    """Compile an item predicate into a function of one item (Evidence or a mapping)."""
    if not isinstance(node, Mapping):
        raise CompileError("a predicate is a mapping", where)
    if "all_of" in node or "any_of" in node:
        key = "all_of" if "all_of" in node else "any_of"
        if len(node) != 1 or not isinstance(node[key], list) or not node[key]:
            raise CompileError(f"{key} takes a non-empty list and nothing else", where)
        subs = [compile_predicate(c, params, f"{where}.{key}[{i}]") for i, c in enumerate(node[key])]
        return _all_of(subs) if key == "all_of" else _any_of(subs)
    if "not" in node:
        if len(node) != 1:
            raise CompileError("not takes one predicate and nothing else", where)
        sub = compile_predicate(node["not"], params, f"{where}.not")
        return lambda item: not sub(item)
    if "path" not in node:
        raise CompileError("a predicate needs `path` (or all_of/any_of/not)", where)
    get = _getter(_split(node["path"], where))
    ops = [k for k in node if k != "path"]
    if not ops:
        raise CompileError("a predicate needs an operator", where)
    tests: list[Pred] = []
    for op in ops:
        if op not in _PRED_OPS:
            raise CompileError(f"unknown operator {op!r}", where)
        raw = node[op]
        try:
            tests.append(_compile_op(op, raw, params, f"{where}.{op}"))
        except CompileError:
            raise
        except (ValueError, TypeError, re.error) as exc:
            raise CompileError(str(exc), f"{where}.{op}") from exc
    if len(tests) == 1:
        t0 = tests[0]
        return lambda item: t0(get(item))

    def every_test(item: Any) -> bool:
        v = get(item)
        for t in tests:
            if not t(v):
                return False
        return True

    return every_test


def _compile_op(op: str, raw: Any, params: Mapping[str, Any], where: str) -> Pred:
    if op in ("any", "all"):
        sub = compile_predicate(raw, params, where)

        def over_list(v: Any, _all: bool = op == "all") -> bool:
            if not isinstance(v, list):
                return False
            if _all:
                return bool(v) and all(sub(e) for e in v)
            return any(sub(e) for e in v)

        return over_list
    want = param(raw, params, where)
    if isinstance(want, list):
        want = [param(w, params, where) for w in want]
    if op == "eq":
        return lambda v: v is not _MISSING and v == want
    if op == "ne":
        return lambda v: v is _MISSING or v != want
    if op in ("in", "not_in"):
        if not isinstance(want, list):
            raise CompileError(f"{op} takes a list", where)
        allowed = list(want)
        if op == "in":
            return lambda v: v is not _MISSING and v in allowed
        return lambda v: v is _MISSING or v not in allowed
    if op == "exists":
        if not isinstance(want, bool):
            raise CompileError("exists takes true or false", where)
        return lambda v: (v is not _MISSING and v is not None) == want
    if op == "truthy":
        if not isinstance(want, bool):
            raise CompileError("truthy takes true or false", where)
        return lambda v: (v is not _MISSING and bool(v)) == want
    if op == "regex":
        if not isinstance(want, str):
            raise CompileError("regex takes a string", where)
        why = catastrophic(want)
        if why:
            raise CompileError(f"regex {want!r}: {why}; rewrite it without nested or overlapping repetition", where)
        rx = RuleRegex(want)  # bounded subject and time: past the budget the rule is unknown
        return lambda v: isinstance(v, str) and rx.search(v)
    if op in ("gte", "gt", "lte", "lt"):
        return _cmp(op, want)
    if op == "contains":
        return lambda v: (
            (isinstance(v, list) and want in v)
            or (isinstance(v, str) and isinstance(want, str) and want in v)
            or (isinstance(v, Mapping) and want in v)
        )
    if op in ("len_gte", "len_lte"):
        n = to_number(want)
        if n is None:
            raise CompileError(f"{op} takes a number", where)
        if op == "len_gte":
            return lambda v: isinstance(v, (list, str, Mapping)) and len(v) >= n
        return lambda v: isinstance(v, (list, str, Mapping)) and len(v) <= n
    raise CompileError(f"unknown operator {op!r}", where)
