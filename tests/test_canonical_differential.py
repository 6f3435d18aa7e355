"""Canonical JSON against the independent `rfc8785` package over thousands of seeded random
values, built to hit what the fast path rewrites or hands to the exact encoder: integral and
exponent floats, -0.0, integers around 2^53 and far past it, keys and text beyond the BMP next
to keys just below it (UTF-16 order differs there), control characters, and strings that look
like the number tokens the fast path rewrites (`":1.0,"`, `\\"2e5]`)."""

from __future__ import annotations

import hashlib
import random
import struct
from typing import Any

import rfc8785

from scanner.canonical import canonical_json, iter_json, sha256_of

SAFE = 2**53 - 1
SEED = 22
VALUES = 4000

# Characters chosen for their edge: escapes, DEL, U+2028, the top of the BMP (sorts after an
# astral character by code point but before it by UTF-16 code unit), astral ones.
ALPHABET = 'ab0129.-+eE:,[]{}"\\/ \x00\x07\x1f\x7f\u00e9\u2028\ue000\uffff\U0001f600\U00010000\U0010fffd'
NUMBERISH = ['":1.0,"', "[2.0]", '\\"2e5]', ",1e-07}", ":-0.0,", "[12345678901234567]", '\\\\":3.5e+30,']


def _text(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(NUMBERISH) + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 3)))
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 8)))


def _float(rng: random.Random) -> float:
    pick = rng.random()
    if pick < 0.3:  # any double: a random bit pattern (NaN and Infinity drawn again)
        while True:
            (x,) = struct.unpack(">d", rng.getrandbits(64).to_bytes(8, "big"))
            if x == x and abs(x) != float("inf"):
                return float(x)
    if pick < 0.5:  # integral, at every magnitude around the 2^53 and 1e21 switches
        return float(rng.choice((1, -1)) * rng.randint(0, 10 ** rng.randint(0, 23)))
    if pick < 0.6:
        return rng.choice((0.0, -0.0, 1e21, 1e-7, 1e-6, 9007199254740992.0, 5e-324, 0.1, 1e16))
    return rng.uniform(-1e6, 1e6) * 10.0 ** rng.randint(-12, 12)


def _int(rng: random.Random) -> int:
    pick = rng.random()
    if pick < 0.5:
        return rng.randint(-1000, 1000)
    if pick < 0.8:
        return rng.choice((1, -1)) * (SAFE + rng.randint(-5, 5))
    return rng.choice((1, -1)) * rng.randint(SAFE, 2**80)


def _value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.random() if depth < 4 else rng.random() * 0.7
    if pick < 0.15:
        return _text(rng)
    if pick < 0.35:
        return _float(rng)
    if pick < 0.5:
        return _int(rng)
    if pick < 0.7:
        return rng.choice((None, True, False, "", "x"))
    if pick < 0.85:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {_text(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def _as_javascript_reads_it(value: Any) -> Any:
    """An integer past 2^53 is a double to any JSON reader (JCS, 3.2.2.3): what `rfc8785`, which
    refuses such integers, is given in its place."""
    if type(value) is int and not -SAFE <= value <= SAFE:
        return float(value)
    if isinstance(value, list):
        return [_as_javascript_reads_it(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_javascript_reads_it(v) for k, v in value.items()}
    return value


def test_thousands_of_random_values_match_rfc8785() -> None:
    rng = random.Random(SEED)
    kinds = {"float": 0, "big": 0, "astral": 0, "numberish": 0}
    for n in range(VALUES):
        value = _value(rng)
        expected = bytes(rfc8785.dumps(_as_javascript_reads_it(value)))
        assert canonical_json(value) == expected, (n, value)
        if n % 10 == 0:  # the streamed forms are the same bytes
            assert "".join(iter_json(value, depth=2)).encode("utf-8") == expected
            assert sha256_of(value) == hashlib.sha256(expected).hexdigest()
        text = repr(value)
        kinds["float"] += "." in text or "e" in text
        kinds["big"] += any(c.isdigit() for c in text) and len(max(text.split(","), key=len)) > 16
        kinds["astral"] += any(ord(c) > 0xFFFF for c in text)
        kinds["numberish"] += any(s in text for s in ("1.0", "2e5", "-0.0"))
    assert all(count > VALUES // 20 for count in kinds.values()), kinds  # each edge was exercised


def test_number_tokens_inside_strings_are_left_alone() -> None:
    value = {"a": ':1.0,"b":2.0', "b": [1.0, '\\"', 2e-07, '"1e+16"'], "c": 1e16, "d": 12345678901234567}
    assert canonical_json(value) == bytes(rfc8785.dumps(_as_javascript_reads_it(value)))
    assert canonical_json(value) == (
        b'{"a":":1.0,\\"b\\":2.0","b":[1,"\\\\\\"",2e-7,"\\"1e+16\\""],"c":10000000000000000,"d":12345678901234568}'
    )
