"""Declarative rules: load and lint `rules/**/*.yaml` (format in docs/rules.md); the model is in
scanner/rule_model.py and evaluation in scanner/rule_eval.py, both re-exported here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.canonical import sha256_of
from scanner.errors import InputError
from scanner.expr import CompileError, compile_condition
from scanner.rule_eval import declared_not_used, evaluate_rules, index_evidence, kind_reason
from scanner.rule_model import RULE_ID, Decides, Explain, Rule, RuleDoc, RuleResult, RuleSet, default_rules_dir
from scanner.yamlio import LineDict, line_of, load_yaml_documents, validate

__all__ = [
    "RULE_ID",
    "Decides",
    "Explain",
    "Rule",
    "RuleDoc",
    "RuleResult",
    "RuleSet",
    "declared_not_used",
    "default_rules_dir",
    "evaluate_rules",
    "index_evidence",
    "kind_reason",
    "load_rules",
]


def _rule_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            # `<topic>.cases.yaml` beside a rules file holds its test cases, not rules.
            files.extend(sorted(q for q in p.rglob("*.y*ml") if q.is_file() and ".cases." not in q.name))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("no such rule file or folder", file=str(p))
    return files


def load_rules(
    paths: Sequence[Path] | None = None,
    *,
    requirement_ids: set[str],  # the item and clause ids rules may name (Catalog.decidable_ids())
    kinds: set[str],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    docs: Sequence[tuple[str, int, Mapping[str, Any]]] | None = None,
) -> RuleSet:
    """Load and lint rules; any problem is an InputError naming file and line.

    `docs` (file, line, document) replaces reading files: used to re-score from a snapshot.
    """
    overrides = dict(overrides or {})
    raw: list[tuple[str, int, Any]] = []
    if docs is not None:
        raw = [(f, ln, d) for f, ln, d in docs]
    else:
        raw = _read_rule_files(_rule_files(paths if paths is not None else [default_rules_dir()]))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file, line, doc in raw:
        if not isinstance(doc, Mapping):
            raise InputError("a rule is a mapping", file=file, line=line)
        parsed = validate(RuleDoc, doc, file)
        if parsed.id in seen:
            raise InputError(
                f"duplicate rule id {parsed.id!r} (first in {seen[parsed.id]})",
                file=file,
                line=_line(doc, "id"),
                field="id",
            )
        seen[parsed.id] = f"{file}:{_line(doc, 'id')}"
        for i, dec in enumerate(parsed.decides):
            if dec.target not in requirement_ids:
                what = "clause" if dec.clause is not None else "requirement"
                raise InputError(
                    f"unknown {what} id {dec.target!r}",
                    file=file,
                    line=_line(doc, "decides", i),
                    field=f"decides.{i}.{what}",
                )
        for i, k in enumerate(parsed.evidence):
            if k not in kinds:
                raise InputError(
                    f"unknown evidence kind {k!r}", file=file, line=_line(doc, "evidence", i), field=f"evidence.{i}"
                )
        params = dict(parsed.params)
        for name, value in overrides.pop(parsed.id, {}).items():
            if name not in params:
                raise InputError(
                    f"rule {parsed.id!r} has no parameter {name!r} (has: {', '.join(sorted(params)) or 'none'})",
                    field=f"rule_params.{parsed.id}.{name}",
                )
            params[name] = value
        try:
            cond = compile_condition(parsed.condition, params, kinds, labels_zh=parsed.zh.labels if parsed.zh else None)
        except CompileError as exc:
            loc = _compile_loc(exc.path)
            raise InputError(
                f"condition does not compile: {exc}",
                file=file,
                line=_inner_line(doc, loc),
                field=exc.path or "condition",
            ) from exc
        missing = cond.kinds - set(parsed.evidence)
        if missing:
            raise InputError(
                f"condition reads kinds not listed in `evidence`: {', '.join(sorted(missing))}",
                file=file,
                line=_line(doc, "evidence"),
                field="evidence",
            )
        rules.append(Rule(parsed, cond, file, line, params))
    if overrides:
        raise InputError(f"rule_params names unknown rule {next(iter(overrides))!r}", field="rule_params")
    snapshot = [{**r.doc.as_data(), "params": dict(r.params)} for r in sorted(rules, key=lambda r: r.id)]
    return RuleSet(rules, sha256_of(snapshot))


def _read_rule_files(files: list[Path]) -> list[tuple[str, int, Any]]:
    """(file, line, document) of every rule document, YAML read once per content: the parsed
    documents (line marks included) are cached by the digest of the files (scanner.cache), as
    the compiled catalog is. Reading the YAML is half the cost of loading the rules; the other
    half, compiling conditions, yields closures that cannot be cached and is done every time."""
    from scanner.cache import cached, files_digest

    def read() -> list[tuple[str, int, Any]]:
        out: list[tuple[str, int, Any]] = []
        for f in files:
            for doc in load_yaml_documents(f):
                if doc is not None:
                    out.append((str(f), getattr(doc, "line", 1), doc))
        return out

    return cached("rule-docs", files_digest(files), read, list)


def _compile_loc(path: str) -> list[str | int]:
    """'condition.all_of[0].some.that' -> ['condition', 'all_of', 0, 'some', 'that']."""
    out: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        if rest:
            out.append(int(rest.rstrip("]")))
    return out


def _inner_line(doc: Any, loc: list[str | int]) -> int | None:
    """The line of the first key inside the node at `loc` (where an operator error sits)."""
    node = doc
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return _line(doc, *loc)
    if isinstance(node, LineDict) and node.key_lines:
        return min(node.key_lines.values())
    return _line(doc, *loc)


def _line(doc: Any, *path: str | int) -> int | None:
    return line_of(doc, list(path))
