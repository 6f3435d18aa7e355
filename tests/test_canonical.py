"""Canonical JSON streamed in pieces is byte for byte what json.dumps gives."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.canonical import canonical_json, iter_json, sha256_of

leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5), max_leaves=40)


def reference(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(values)
def test_streamed_canonical_json_equals_json_dumps(value: Any) -> None:
    assert "".join(iter_json(value, depth=4)).encode("utf-8") == reference(value)
    assert canonical_json(value) == reference(value)
    assert sha256_of(value) == hashlib.sha256(reference(value)).hexdigest()


@settings(max_examples=100, deadline=None)
@given(values)
def test_readable_form_parses_back_to_the_same_value(value: Any) -> None:
    assert json.loads("".join(iter_json(value, indent=1))) == value


def test_large_documents_hash_in_pieces() -> None:
    doc = {"evidence": [{"id": f"ev-{i}", "data": {"n": i, "s": "x" * 50}} for i in range(5000)], "schema": "v1"}
    assert sha256_of(doc) == hashlib.sha256(reference(doc)).hexdigest()
    lines = "".join(iter_json(doc, indent=1)).splitlines()
    assert len(lines) > 5000  # one evidence item a line
