"""Canonical JSON and hashing: the basis of every evidence hash and the report digest.

Canonical form (the contract): sorted keys, UTF-8, no insignificant whitespace. Large values
(a report of 100k evidence items is ~100 MB of JSON) are hashed and written in pieces, so no
single string holds the whole document; the pieces are exactly the bytes `json.dumps` would
give, which a test checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

__all__ = ["canonical_json", "iter_json", "sha256_of"]

_LEAF = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_READABLE_LEAF = json.JSONEncoder(sort_keys=False, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
SPLIT_DEPTH = 3  # containers this deep are streamed piece by piece; deeper ones in one piece
CHUNK = 1 << 16


def canonical_json(value: Any) -> bytes:
    """Sorted keys, UTF-8, no insignificant whitespace (the contract's canonical form)."""
    return _LEAF.encode(value).encode("utf-8")


def iter_json(value: Any, *, indent: int | None = None, depth: int = SPLIT_DEPTH, _level: int = 0) -> Iterator[str]:
    """The JSON of `value` in pieces: canonical when `indent` is None, else line-broken.

    With `indent`, the outer `depth` levels of containers are broken into lines and the rest is
    compact, which keeps a 100 MB report readable line by line (one evidence item a line).
    """
    is_dict, is_list = isinstance(value, dict), isinstance(value, list)
    leaf = _LEAF if indent is None else _READABLE_LEAF
    if _level >= depth or not (is_dict or is_list) or not value:
        yield leaf.encode(value)
        return
    pad = "" if indent is None else "\n" + " " * (indent * (_level + 1))
    end = "" if indent is None else "\n" + " " * (indent * _level)
    sep = ":" if indent is None else ": "
    yield "{" if is_dict else "["
    # Canonical form sorts keys; the readable form keeps the writer's order (schema first).
    items = (sorted(value.items()) if indent is None else value.items()) if is_dict else enumerate(value)
    for n, (k, v) in enumerate(items):
        head = ("," if n else "") + pad
        if is_dict:
            if not isinstance(k, str):
                raise TypeError(f"keys must be strings, not {type(k).__name__}")
            head += leaf.encode(k) + sep
        yield head
        yield from iter_json(v, indent=indent, depth=depth, _level=_level + 1)
    yield end + ("}" if is_dict else "]")


def sha256_of(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`, computed piece by piece."""
    h = hashlib.sha256()
    buf: list[str] = []
    size = 0
    for piece in iter_json(value):
        buf.append(piece)
        size += len(piece)
        if size >= CHUNK:
            h.update("".join(buf).encode("utf-8"))
            buf, size = [], 0
    h.update("".join(buf).encode("utf-8"))
    return h.hexdigest()
