"""Canonical JSON is RFC 8785 (JCS): byte for byte what the independent `rfc8785` package gives,
streamed in pieces or in one, so a verifier in any language recomputes our hashes."""

from __future__ import annotations

import hashlib
import json
import math
import struct
import timeit
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.canonical import canonical_json, iter_json, sha256_of

SAFE = 2**53 - 1
leaves = (
    st.none() | st.booleans() | st.integers(-SAFE, SAFE) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
# Keys from every plane: UTF-16 order differs from code point order above U+FFFF.
keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=4)
values = st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5), max_leaves=40
)


def reference(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


@settings(max_examples=500, deadline=None)
@given(values)
def test_canonical_json_is_rfc8785(value: Any) -> None:
    ref = reference(value)
    assert canonical_json(value) == ref
    assert "".join(iter_json(value, depth=4)).encode("utf-8") == ref
    assert sha256_of(value) == hashlib.sha256(ref).hexdigest()


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_double_prints_as_ecmascript_does(x: float) -> None:
    assert canonical_json(x) == reference(x)
    assert canonical_json({"v": [x]}) == reference({"v": [x]})


# RFC 8785 appendix B: IEEE 754 bit patterns and their ECMAScript text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("41b3de4355555553", "333333333.3333332"),
    ("4197d78400000000", "100000000"),
]


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_rfc8785_number_examples(bits: str, text: str) -> None:
    (x,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical_json(x) == text.encode()
    assert canonical_json([x]) == f"[{text}]".encode()


def test_utf16_key_order_and_string_escapes() -> None:
    doc = {"\U0001f600": 1, "\ufb33": 2, "a": 3, "é": 4, "ctl": "\u0007\n\u2028/\x7f"}
    assert canonical_json(doc) == reference(doc)
    assert canonical_json(doc).startswith(
        b'{"a":3,"ctl":"\\u0007\\n\xe2\x80\xa8/\x7f","\xc3\xa9":4,"\xf0\x9f\x98\x80":1'
    )


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"x": [math.nan]}])
def test_no_nan_or_infinity(bad: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(bad)


def test_integers_past_2_53_are_doubles() -> None:
    assert canonical_json(2**60) == b"1152921504606847000"
    assert canonical_json({"n": -(2**64)}) == b'{"n":-18446744073709552000}'


def test_fast_path_keeps_hashing_cheap() -> None:
    """Plain evidence (text, ints, bools) never takes the exact encoder: at most ~2x json.dumps."""
    item = {"kind": "kubernetes.workload", "subject": "shop/Deployment/web", "data": {"replicas": 3, "ok": True}}
    item["data"]["labels"] = {f"k{i}": f"v{i}" for i in range(20)}  # type: ignore[index]
    ours = min(timeit.repeat(lambda: canonical_json(item), number=2000, repeat=3))
    plain = min(timeit.repeat(lambda: json.dumps(item, sort_keys=True), number=2000, repeat=3))
    assert ours < 3 * plain + 0.01


@settings(max_examples=100, deadline=None)
@given(values)
def test_readable_form_parses_back_to_the_same_value(value: Any) -> None:
    assert json.loads("".join(iter_json(value, indent=1))) == value


def test_large_documents_hash_in_pieces() -> None:
    doc = {"evidence": [{"id": f"ev-{i}", "data": {"n": i, "r": i / 7}} for i in range(5000)], "schema": "v2"}
    assert sha256_of(doc) == hashlib.sha256(reference(doc)).hexdigest()
    lines = "".join(iter_json(doc, indent=1)).splitlines()
    assert len(lines) > 5000  # one evidence item a line
