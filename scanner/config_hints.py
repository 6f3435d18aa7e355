""" "Did you mean" for a misspelled key in maturity.yaml: the unknown-key error of
scanner.yamlio.validate, with the closest key the model at that place accepts."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel

from scanner.errors import InputError
from scanner.yamlio import validate

__all__ = ["closest_key", "validate_with_hint"]

M = TypeVar("M", bound=BaseModel)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (X, X | None, list[X], dict[str, X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, dict, tuple):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def closest_key(model: type[BaseModel], field: str) -> str | None:
    """For an unknown key at dotted `field` (sources.0.timeout, statements.max_month), the
    closest key the model accepts there; None when nothing is close."""
    parts = [p for p in field.split(".") if not p.isdigit()]
    here: type[BaseModel] | None = model
    for part in parts[:-1]:
        info = here.model_fields.get(part) if here is not None else None
        here = _model_in(info.annotation) if info is not None else None
        if here is None:
            return None
    if here is None or not parts:
        return None
    keys = [k for k, info in here.model_fields.items() if not info.exclude]  # excluded: set by the loader
    near = difflib.get_close_matches(parts[-1], keys, n=1, cutoff=0.7)
    return near[0] if near else None


def validate_with_hint(model: type[M], doc: Any, file: Any) -> M:
    """scanner.yamlio.validate, whose unknown-key error names the closest accepted key."""
    try:
        return validate(model, doc, file)
    except InputError as exc:
        if not exc.detail.startswith("unknown key") or not exc.field:
            raise
        near = closest_key(model, exc.field)
        if near is None:
            raise
        detail = exc.detail.replace("unknown key", f"unknown key (did you mean {near!r}?)", 1)
        raise InputError(detail, file=exc.file, line=exc.line, field=exc.field) from exc
