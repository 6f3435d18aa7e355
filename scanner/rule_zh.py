"""Check that a rule says everything it says in English in Chinese too (`maturity rules lint`).

A rule's English texts are its `title`, `description`, each `decides[].rationale`, the `explain`
templates it overrides, its `remediation` and every quantifier `label` in its condition; its
`zh:` block carries one twin for each. A twin must hold Chinese (not a copy of the English) and
the same `{placeholders}` as its English, so both explanations are filled from the same values.
Kind ids, field paths, PromQL and code in backticks stay as written in either language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from scanner.rule_model import Rule

__all__ = ["condition_labels", "zh_problems"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def condition_labels(node: Any) -> Iterator[str]:
    """Every explicit `label` in a condition tree, in order."""
    if isinstance(node, dict):
        label = node.get("label")
        if isinstance(label, str):
            yield label
        for value in node.values():
            yield from condition_labels(value)
    elif isinstance(node, list):
        for value in node:
            yield from condition_labels(value)


def _twin(where: str, en: str, zh: str | None) -> list[str]:
    if zh is None or not zh.strip():
        return [f"{where}: missing (English: {en[:60]!r})"]
    out = []
    if not _CJK.search(zh):
        out.append(f"{where}: holds no Chinese ({zh[:60]!r})")
    if set(_PLACEHOLDER.findall(en)) != set(_PLACEHOLDER.findall(zh)):
        en_ph, zh_ph = sorted(set(_PLACEHOLDER.findall(en))), sorted(set(_PLACEHOLDER.findall(zh)))
        out.append(f"{where}: placeholders {zh_ph} differ from the English {en_ph}")
    return out


def _rule_problems(rule: Rule) -> list[str]:
    doc = rule.doc
    zh = doc.zh
    if zh is None:
        return ["zh: missing (every rule carries its texts in Chinese too)"]
    out = _twin("zh.title", doc.title, zh.title) + _twin("zh.remediation", doc.remediation, zh.remediation)
    if doc.description:
        out += _twin("zh.description", doc.description, zh.description)
    targets = {d.target: d.rationale for d in doc.decides}
    for target, rationale in targets.items():
        out += _twin(f"zh.rationale[{target!r}]", rationale, zh.rationale.get(target))
    out += [f"zh.rationale[{t!r}]: names no clause this rule decides" for t in sorted(set(zh.rationale) - set(targets))]
    for verdict in ("met", "not_met"):
        en = getattr(doc.explain, verdict)
        if en != "{detail}":
            out += _twin(f"zh.explain.{verdict}", en, getattr(zh.explain, verdict))
    labels = list(dict.fromkeys(condition_labels(doc.condition)))
    for label in labels:
        out += _twin(f"zh.labels[{label!r}]", label, zh.labels.get(label))
    out += [f"zh.labels[{k!r}]: no quantifier has this label" for k in sorted(set(zh.labels) - set(labels))]
    return out


def zh_problems(rules: Iterable[Rule]) -> list[str]:
    """One line per missing or mismatched Chinese twin: `file:line: rule: field: problem`."""
    return [f"{r.file}:{r.line}: {r.id}: {p}" for r in sorted(rules, key=lambda r: r.id) for p in _rule_problems(r)]
