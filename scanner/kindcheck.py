"""Check rules' field paths against the typed evidence kinds (`maturity rules lint`).

Every `path` a rule reads (in `where`, `that`, and the element predicates of `any`/`all`),
and every `data.x` a label or explanation names, must be a field of the kind the quantifier
reads, as the probes' kind models declare it. A misspelled path would otherwise read as
"missing" and quietly turn a real `met` into `not_met`.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from scanner.yamlio import line_of, load_yaml_documents

__all__ = ["PathProblem", "check_rule", "field_names", "lint_rule_files", "resolve_path"]

_EVIDENCE_FIELDS = ("kind", "subject", "origin", "source", "collected_at")
_QUANTIFIERS = ("some", "none", "every", "count", "ratio")
_DATA_REF = re.compile(r"\bdata\.[A-Za-z0-9_.\-/]*[A-Za-z0-9_]")


@dataclass(frozen=True)
class PathProblem:
    """One path a rule reads that its kind does not have."""

    path: str
    kind: str
    loc: tuple[str | int, ...]
    line: int | None
    message: str

    def __str__(self) -> str:
        return self.message


def _strip_optional(tp: Any) -> Any:
    """`X | None` -> X (the first non-None member of a union, if only one is left)."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def field_names(model: type[BaseModel]) -> list[str]:
    """The names `data` carries for `model` (aliases where a field has one)."""
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _field_type(model: type[BaseModel], key: str) -> tuple[bool, Any]:
    for name, f in model.model_fields.items():
        if (f.alias or name) == key:
            return True, _strip_optional(f.annotation)
    return False, None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def resolve_path(tp: Any, parts: Sequence[str], shown: str) -> tuple[Any, str | None]:
    """Walk `parts` through type `tp`; (the type reached, None) or (None, why not)."""
    for i, part in enumerate(parts):
        tp = _strip_optional(tp)
        where = ".".join([shown, *parts[:i]]) if shown else ".".join(parts[:i])
        if _is_model(tp):
            found, sub = _field_type(tp, part)
            if not found:
                names = field_names(tp)
                close = difflib.get_close_matches(part, names, n=3, cutoff=0.6)
                hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
                return None, f"no field {part!r} in {where or 'data'}; {hint}fields: {', '.join(names)}"
            tp = sub
            continue
        origin = get_origin(tp)
        if origin is dict:
            tp = get_args(tp)[1]
            continue
        if origin is list and part.isdigit():
            tp = get_args(tp)[0]
            continue
        if tp is Any:
            return Any, None
        kind = getattr(tp, "__name__", str(tp))
        return None, f"{where} is a {kind}; it has no field {part!r}"
    return tp, None


def _element_type(tp: Any) -> Any:
    tp = _strip_optional(tp)
    return get_args(tp)[0] if get_origin(tp) is list else None


def _predicate_paths(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str, tuple[str | int, ...], Any]]:
    """(path, loc of the predicate, element predicate for any/all) for every predicate."""
    if not isinstance(node, Mapping):
        return
    for key in ("all_of", "any_of"):
        if isinstance(node.get(key), list):
            for i, sub in enumerate(node[key]):
                yield from _predicate_paths(sub, (*loc, key, i))
    if "not" in node:
        yield from _predicate_paths(node["not"], (*loc, "not"))
    if isinstance(node.get("path"), str):
        yield node["path"], loc, node


def _check_predicates(
    node: Any,
    model: type[BaseModel],
    kind: str,
    loc: tuple[str | int, ...],
    doc: Any,
    *,
    element: Any = None,
) -> Iterator[PathProblem]:
    for path, ploc, pred in _predicate_paths(node, loc):
        parts = path.split(".")
        tp: Any
        why: str | None
        if element is not None:  # inside any/all: the path is relative to one list element
            if not _is_model(_strip_optional(element)) and _strip_optional(element) is not Any:
                tp, why = None, f"elements of this list are {getattr(element, '__name__', element)}, not objects"
            else:
                tp, why = resolve_path(element, parts, "")
                if why is not None:
                    why = why.replace(" in data;", " in the list element;")
        elif parts[0] == "data":
            tp, why = resolve_path(model, parts[1:], "data")
        elif parts[0] in _EVIDENCE_FIELDS and len(parts) == 1:
            tp, why = str, None
        else:
            tp, why = None, f"{parts[0]!r} is not a field of evidence (data.…, {', '.join(_EVIDENCE_FIELDS)})"
        if why is not None:
            yield PathProblem(path, kind, ploc, line_of(doc, [*ploc, "path"]), f"{kind}: path {path!r}: {why}")
            continue
        for op in ("any", "all"):
            if op in pred:
                yield from _check_predicates(pred[op], model, kind, (*ploc, op), doc, element=_element_type(tp) or Any)


def _text_refs(
    text: Any, model: type[BaseModel], kind: str, loc: tuple[str | int, ...], doc: Any
) -> Iterator[PathProblem]:
    if not isinstance(text, str):
        return
    for m in _DATA_REF.finditer(text):
        ref = m.group(0)
        _tp, why = resolve_path(model, ref.split(".")[1:], "data")
        if why is not None:
            yield PathProblem(ref, kind, loc, line_of(doc, list(loc)), f"{kind}: {ref!r} in the text: {why}")


def _conditions(
    node: Any, loc: tuple[str | int, ...]
) -> Iterator[tuple[str, Mapping[str, Any], tuple[str | int, ...]]]:
    """(kind, quantifier body, loc of the body) for every quantifier in a condition."""
    if not isinstance(node, Mapping):
        return
    for op, body in node.items():
        if op in ("all_of", "any_of") and isinstance(body, list):
            for i, sub in enumerate(body):
                yield from _conditions(sub, (*loc, op, i))
        elif op == "not":
            yield from _conditions(body, (*loc, op))
        elif op in _QUANTIFIERS and isinstance(body, Mapping) and isinstance(body.get("kind"), str):
            yield body["kind"], body, (*loc, op)


def check_rule(doc: Mapping[str, Any], models: Mapping[str, type[BaseModel]]) -> list[PathProblem]:
    """Every path in rule `doc` (a loaded rule document, with lines) its kinds do not have.

    Kinds without a model (a third-party probe that declares none) are not checked.
    """
    problems: list[PathProblem] = []
    kinds_read: list[str] = []
    for kind, body, loc in _conditions(doc.get("condition"), ("condition",)):
        kinds_read.append(kind)
        model = models.get(kind)
        if model is None:
            continue
        for key in ("where", "that"):
            if key in body:
                problems.extend(_check_predicates(body[key], model, kind, (*loc, key), doc))
        problems.extend(_text_refs(body.get("label"), model, kind, (*loc, "label"), doc))
    explain = doc.get("explain")
    if isinstance(explain, Mapping):
        for key, text in explain.items():
            for m in _DATA_REF.finditer(text if isinstance(text, str) else ""):
                ref = m.group(0)
                owners = [k for k in dict.fromkeys(kinds_read) if k in models]
                if owners and all(resolve_path(models[k], ref.split(".")[1:], "data")[1] for k in owners):
                    _tp, why = resolve_path(models[owners[0]], ref.split(".")[1:], "data")
                    loc = ("explain", str(key))
                    problems.append(
                        PathProblem(
                            ref,
                            owners[0],
                            loc,
                            line_of(doc, list(loc)),
                            f"{owners[0]}: {ref!r} in explain.{key}: {why}",
                        )
                    )
    return problems


def lint_rule_files(files: Iterable[Path], models: Mapping[str, type[BaseModel]]) -> list[str]:
    """One line per path problem in the rule files: `file:line: rule id: problem`."""
    out: list[str] = []
    for f in files:
        for doc in load_yaml_documents(f):
            if not isinstance(doc, Mapping):
                continue
            for p in check_rule(doc, models):
                out.append(f"{f}:{p.line or getattr(doc, 'line', 1)}: {doc.get('id')}: {p.message}")
    return out
