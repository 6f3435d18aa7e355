"""The rule condition language: a closed set of operators, compiled to closures (no eval).

Two layers:
- *item predicates* test one evidence item (or one element of a list inside it):
  `{path: data.x, eq: 1}`, `ne`, `in`, `not_in`, `exists`, `regex`, `gte`, `gt`, `lte`, `lt`,
  `contains`, `len_gte`, `len_lte`, `truthy`, plus `any`/`all` over a list field and the
  combinators `all_of`, `any_of`, `not`.
- *conditions* quantify over the items of one evidence kind: `some`, `none`, `every`, `count`,
  `ratio`, combined with `all_of`, `any_of`, `not`.
Every condition evaluates to an Outcome that says whether it held, why (in words an auditor
reads: counts, ratio, a capped sample of subjects) and which evidence items decided it.
A string value "$name" refers to the rule parameter `name` ("$$x" is the literal "$x").
A missing field satisfies only `exists: false`, `ne`, `not_in` and `truthy: false`.
Item predicates are compiled in scanner.predicates; this module quantifies them over evidence kinds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.evidence import Evidence
from scanner.predicates import CompileError, compile_predicate, describe, param, to_number

# compile_predicate is re-exported: callers import it from here.
__all__ = [
    "SAMPLE",
    "CompileError",
    "Condition",
    "EvidenceIndex",
    "Outcome",
    "compile_condition",
    "compile_predicate",
]

SAMPLE = 5  # subjects named in an explanation
CITE = 50  # evidence ids cited per outcome


@dataclass
class Outcome:
    """`ok` is the verdict; `empty` says the population it quantified over was empty, so the
    verdict is vacuous and the rule's `empty:` decides (unknown `nothing_in_scope` by default)."""

    ok: bool
    detail: str
    evidence: list[str] = field(default_factory=list)
    evidence_total: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    empty: bool = False
    detail_zh: str = ""  # the same detail in Chinese (kind ids and predicate notation stay as written)


@dataclass(frozen=True)
class Condition:
    """A compiled condition: `kinds` it reads, `evaluate(index)` -> Outcome."""

    kinds: frozenset[str]
    evaluate: Callable[[Mapping[str, Sequence[Evidence]]], Outcome]
    text: str


# ---------------------------------------------------------------- conditions

_QUANTIFIERS = ("some", "none", "every", "count", "ratio")


def _names(items: Sequence[Evidence]) -> str:
    shown = ", ".join(e.subject for e in items[:SAMPLE])
    if len(items) > SAMPLE:
        shown += f", … ({len(items) - SAMPLE} more)"
    return shown


def _cite(items: Sequence[Evidence]) -> list[str]:
    return [e.id for e in items[:CITE]]


def compile_condition(
    node: Any,
    params: Mapping[str, Any],
    known_kinds: set[str] | None = None,
    where: str = "condition",
    labels_zh: Mapping[str, str] | None = None,
) -> Condition:
    """Compile a rule condition; raise CompileError naming where inside it the problem is.

    `labels_zh` gives each English `label` its Chinese, for the Chinese detail (the English
    label stands in for one it lacks; `maturity rules lint` requires every one)."""
    if not isinstance(node, Mapping) or len(node) != 1:
        raise CompileError(
            "a condition is a mapping with exactly one operator "
            + "("
            + ", ".join(("all_of", "any_of", "not", *_QUANTIFIERS))
            + ")",
            where,
        )
    ((op, body),) = node.items()
    if op in ("all_of", "any_of"):
        if not isinstance(body, list) or not body:
            raise CompileError(f"{op} takes a non-empty list", where)
        subs = [compile_condition(c, params, known_kinds, f"{where}.{op}[{i}]", labels_zh) for i, c in enumerate(body)]
        kinds = frozenset().union(*(s.kinds for s in subs))
        return Condition(kinds, _combine(op, subs), f" {'and' if op == 'all_of' else 'or'} ".join(s.text for s in subs))
    if op == "not":
        sub = compile_condition(body, params, known_kinds, f"{where}.not", labels_zh)

        def neg(index: Mapping[str, Sequence[Evidence]]) -> Outcome:
            o = sub.evaluate(index)
            return negated(o)

        return Condition(sub.kinds, neg, f"not ({sub.text})")
    if op not in _QUANTIFIERS:
        raise CompileError(f"unknown operator {op!r}", where)
    return _quantifier(op, body, params, known_kinds, f"{where}.{op}", labels_zh or {})


def negated(o: Outcome) -> Outcome:
    """`not` of an outcome, in both languages."""
    return Outcome(
        not o.ok, f"not ({o.detail})", o.evidence, o.evidence_total, o.stats, o.empty, f"并非（{o.detail_zh}）"
    )


def _combine(op: str, subs: list[Condition]) -> Callable[[Mapping[str, Sequence[Evidence]]], Outcome]:
    def run(index: Mapping[str, Sequence[Evidence]]) -> Outcome:
        outs = [s.evaluate(index) for s in subs]
        # Three-valued: a part over an empty population is undecided. all_of fails on any
        # decided failure, any_of holds on any decided success; otherwise an undecided part
        # leaves the whole undecided (empty).
        decided = [o for o in outs if not o.empty]
        undecided = [o for o in outs if o.empty]
        if op == "all_of":
            failing = [o for o in decided if not o.ok]
            ok, empty = not failing, not failing and bool(undecided)
            deciding = failing or (undecided if empty else outs)
        else:
            passing = [o for o in decided if o.ok]
            ok, empty = bool(passing), not passing and bool(undecided)
            deciding = passing or (undecided if empty else outs)
        if empty:
            ok = False
        ev: list[str] = []
        for o in deciding:
            ev.extend(i for i in o.evidence if i not in ev)
        stats = dict(deciding[0].stats) if deciding else {}
        return Outcome(
            ok,
            "; ".join(o.detail for o in deciding),
            ev[:CITE],
            sum(o.evidence_total for o in deciding),
            stats,
            empty,
            "；".join(o.detail_zh for o in deciding),
        )

    return run


def _label_with_params(label: str, params: Mapping[str, Any]) -> str:
    """Parameters named in a label (`$min_ratio`, or the bare name) read as their values."""
    if not params:
        return label
    names = "|".join(re.escape(n) for n in sorted(params, key=len, reverse=True))
    return re.sub(rf"\$?\b({names})\b", lambda m: _show(params[m.group(1)]), label)


def _show(value: Any) -> str:
    if isinstance(value, float) and 0 < value < 1:
        return f"{value:.4g} ({value:.2%})".replace(".00%", "%")
    return str(value)


def _resolve(node: Any, params: Mapping[str, Any]) -> Any:
    """`node` with "$param" references replaced by their values (a cache key, not compiled)."""
    if isinstance(node, str) and node.startswith("$") and not node.startswith("$$"):
        return params.get(node[1:], node)
    if isinstance(node, Mapping):
        return {k: _resolve(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, params) for v in node]
    return node


_BOUND_ZH = {"gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "eq": "="}


class EvidenceIndex(dict[str, list[Evidence]]):
    """Evidence by kind, plus a cache shared by the conditions evaluated over it."""

    def __init__(self) -> None:
        super().__init__()
        self.cache: dict[Any, list[Evidence]] = {}


def _quantifier(
    op: str,
    body: Any,
    params: Mapping[str, Any],
    known_kinds: set[str] | None,
    where: str,
    labels_zh: Mapping[str, str],
) -> Condition:
    if not isinstance(body, Mapping):
        raise CompileError(f"{op} takes a mapping with `kind`", where)
    allowed = {"kind", "where", "that", "label", "gte", "gt", "lte", "lt", "eq", "allow_empty"}
    extra = set(body) - allowed
    if extra:
        raise CompileError(f"unknown key {sorted(extra)[0]!r} in {op}", where)
    kind = body.get("kind")
    if not isinstance(kind, str):
        raise CompileError("`kind` names an evidence kind", where)
    if known_kinds is not None and kind not in known_kinds:
        raise CompileError(f"unknown evidence kind {kind!r}", f"{where}.kind")
    population = compile_predicate(body["where"], params, f"{where}.where") if "where" in body else None
    # Rules often narrow the same kind the same way (e.g. "Deployments that are not system
    # workloads"): the population is computed once per evaluation and shared.
    pop_key = (kind, json.dumps(_resolve(body["where"], params), sort_keys=True, default=str)) if population else None
    test = compile_predicate(body["that"], params, f"{where}.that") if "that" in body else None
    raw_label = str(body.get("label") or (describe(body["that"]) if "that" in body else "present"))
    label = _label_with_params(raw_label, params)
    zl = labels_zh.get(raw_label) or ("存在" if raw_label == "present" else raw_label)
    label_zh = _label_with_params(zl, params)
    noun = kind + (f" where {describe(body['where'])}" if "where" in body else "")
    noun_zh = kind + (f"（{describe(body['where'])}）" if "where" in body else "")
    # a space between a Latin word and Chinese, none after a full-width parenthesis
    gap = "" if noun_zh.endswith("）") else " "
    if op in ("every", "ratio", "none") and test is None:
        raise CompileError(f"{op} needs `that`", where)
    bounds = {k: param(body[k], params, f"{where}.{k}") for k in ("gte", "gt", "lte", "lt", "eq") if k in body}
    if op in ("count", "ratio") and not bounds:
        raise CompileError(f"{op} needs a bound (gte, gt, lte, lt or eq)", where)
    for k, v in bounds.items():
        if to_number(v) is None:
            raise CompileError(f"{k} needs a number, got {v!r}", f"{where}.{k}")
    allow_empty = bool(body.get("allow_empty", False))

    def split(index: Mapping[str, Sequence[Evidence]]) -> tuple[list[Evidence], list[Evidence], list[Evidence]]:
        items = index.get(kind, ())
        cache: dict[Any, list[Evidence]] | None = getattr(index, "cache", None)
        if population is None:
            pop = list(items)
        elif cache is not None and pop_key in cache:
            pop = cache[pop_key]
        else:
            pop = [e for e in items if population(e)]
            if cache is not None:
                cache[pop_key] = pop
        if test is None:
            return pop, pop, []
        good: list[Evidence] = []
        bad: list[Evidence] = []
        for e in pop:
            (good if test(e) else bad).append(e)
        return pop, good, bad

    def within(x: float) -> bool:
        for k, v in bounds.items():
            w = float(v)
            if (
                (k == "gte" and not x >= w)
                or (k == "gt" and not x > w)
                or (k == "lte" and not x <= w)
                or (k == "lt" and not x < w)
                or (k == "eq" and x != w)
            ):
                return False
        return True

    bound_text = " ".join(f"{k} {v}" for k, v in bounds.items())
    bound_zh = "，".join(f"{_BOUND_ZH[k]} {v}" for k, v in bounds.items())

    def evaluate(index: Mapping[str, Sequence[Evidence]]) -> Outcome:
        pop, good, bad = split(index)
        n, m = len(pop), len(good)
        stats: dict[str, Any] = {"total": n, "matched": m, "failing": len(bad), "kind": kind}
        # What "nothing in scope" means: `some` and `count` ask whether such items exist, so
        # only an empty kind leaves them undecided (items that all miss `where` are a finding);
        # `every`, `ratio` and `none` speak about the `where` population, vacuous when empty.
        scope = len(index.get(kind, ())) if op in ("some", "count") else n
        if scope == 0 and not allow_empty:
            shown = kind if test is None else noun
            shown_zh = kind if test is None else noun_zh
            return Outcome(
                False,
                f"no {shown} observed (nothing in scope)",
                [],
                0,
                stats,
                True,
                f"未观察到 {shown_zh}（没有可评判的对象）",
            )
        if op == "some":
            if m:
                return Outcome(
                    True,
                    f"{m} of {n} {noun} match [{label}]: {_names(good)}",
                    _cite(good),
                    m,
                    stats,
                    detail_zh=f"{n} 个 {noun_zh}{gap}中有 {m} 个符合［{label_zh}］：{_names(good)}",
                )
            return Outcome(
                False,
                f"none of {n} {noun} match [{label}]",
                _cite(pop),
                n,
                stats,
                detail_zh=f"{n} 个 {noun_zh}{gap}中没有一个符合［{label_zh}］",
            )
        if op == "none":
            if m:
                return Outcome(
                    False,
                    f"{m} of {n} {noun} match [{label}], expected none: {_names(good)}",
                    _cite(good),
                    m,
                    stats,
                    detail_zh=f"{n} 个 {noun_zh}{gap}中有 {m} 个符合［{label_zh}］，应当一个也没有：{_names(good)}",
                )
            return Outcome(
                True,
                f"none of {n} {noun} match [{label}]",
                _cite(pop),
                n,
                stats,
                detail_zh=f"{n} 个 {noun_zh}{gap}中没有一个符合［{label_zh}］",
            )
        if op == "every":
            if n == 0:
                return Outcome(allow_empty, f"no {noun} observed", [], 0, stats, detail_zh=f"未观察到 {noun_zh}")
            if bad:
                return Outcome(
                    False,
                    f"{len(bad)} of {n} {noun} fail [{label}]: {_names(bad)}",
                    _cite(bad),
                    len(bad),
                    stats,
                    detail_zh=f"{n} 个 {noun_zh}{gap}中有 {len(bad)} 个不满足［{label_zh}］：{_names(bad)}",
                )
            return Outcome(
                True,
                f"all {n} {noun} satisfy [{label}]",
                _cite(good),
                n,
                stats,
                detail_zh=f"全部 {n} 个 {noun_zh}{gap}满足［{label_zh}］",
            )
        if op == "count":
            ok = within(m)
            what = f"{m} {noun}" + (f" match [{label}]" if test else " observed")
            what_zh = f"{m} 个 {noun_zh}" + (f"{gap}符合［{label_zh}］" if test else f"{gap}被观察到")
            sample = f": {_names(good)}" if good else ""
            sample_zh = f"：{_names(good)}" if good else ""
            return Outcome(
                ok,
                f"{what} (needs {bound_text}){sample}",
                _cite(good if ok or not bad else bad),
                m,
                stats,
                detail_zh=f"{what_zh}（要求 {bound_zh}）{sample_zh}",
            )
        # ratio
        if n == 0:
            return Outcome(
                allow_empty,
                f"no {noun} observed, so no ratio",
                [],
                0,
                {**stats, "ratio": None},
                detail_zh=f"未观察到 {noun_zh}，无法计算比例",
            )
        ratio = m / n
        stats["ratio"] = round(ratio, 4)
        ok = within(ratio)
        text = f"{m} of {n} {noun} ({ratio:.0%}) satisfy [{label}] (needs {bound_text})"
        text_zh = f"{n} 个 {noun_zh}{gap}中有 {m} 个（{ratio:.0%}）满足［{label_zh}］（要求 {bound_zh}）"
        if bad:
            text += f"; failing: {_names(bad)}"
            text_zh += f"；不满足：{_names(bad)}"
        return Outcome(ok, text, _cite(bad if not ok else good), len(bad) if not ok else m, stats, detail_zh=text_zh)

    return Condition(frozenset({kind}), evaluate, f"{op} {noun}")
