"""Canonical JSON and hashing: the basis of every evidence hash and the report digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_json", "sha256_of"]


def canonical_json(value: Any) -> bytes:
    """Sorted keys, UTF-8, no insignificant whitespace (the contract's canonical form)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def sha256_of(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
