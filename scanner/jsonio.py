"""JSON from scanned systems, parsed so one hostile answer fails that answer, not the source.

`json.loads` recurses once per nesting level: a 100k-deep answer raises RecursionError, which
callers that catch ValueError do not expect. `NaN`/`Infinity` are accepted by default but have
no place in canonical JSON (RFC 8785), so every hash over them would fail later, far from the
cause. `load_json` turns both into a ValueError at the boundary.

Big answers (list pages of thousands of objects) are decoded by orjson when, and only when, its
value is the one `json` would give: `loads_or` tries orjson and hands anything it does not take
exactly to the caller's own stdlib decoder, so every answer decodes to the same value, and every
refused answer fails with the same error, as with `json` alone. What orjson would do
differently is routed to `json`: integers outside 64 bits (orjson reads them as floats: any
run of 19 digits sends the body to `json`), nesting deeper than FAST_DEPTH (orjson stops at a
fixed 1024 levels, `json` at the interpreter's recursion limit, so orjson is only trusted where
both certainly agree), and every body orjson refuses (NaN, numbers past the double range, lone
surrogates, a byte-order mark, bytes that are not UTF-8).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["FAST_DEPTH", "load_json", "load_json_stdlib", "loads_or"]

ORJSON_DEPTH = 1024  # orjson's fixed nesting limit: 1024 levels parse, 1025 do not
FAST_DEPTH = 512  # deepest body orjson decodes here; `json` reaches ~1000 less the caller's stack
_PAD = ORJSON_DEPTH - FAST_DEPTH
_OPEN, _CLOSE = b"[" * _PAD, b"]" * _PAD
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))  # every digit to "0"
_LONG_RUN = b"0" * 19  # the shortest integer literal outside [-2**63, 2**64 - 1] has 19 digits


def _fast(data: bytes | bytearray | memoryview) -> tuple[bool, Any]:
    """(True, value) when orjson decodes `data` to exactly what `json.loads` would; else (False, None).

    The body is parsed inside _PAD single-element arrays, so orjson's own limit refuses a body
    nested deeper than FAST_DEPTH; each wrapper must come back holding exactly one value, which
    proves the body was one JSON value between optional whitespace (text like `1],[2` balances
    the brackets but leaves a wrapper with two elements).
    """
    if _LONG_RUN in bytes(data).translate(_DIGITS):
        return False, None
    try:
        value = orjson.loads(b"".join((_OPEN, data, _CLOSE)))
    except orjson.JSONDecodeError:
        return False, None
    for _ in range(_PAD):
        if type(value) is not list or len(value) != 1:
            return False, None
        value = value[0]
    return True, value


def loads_or(data: bytes | bytearray | str, slow: Callable[[], Any]) -> Any:
    """The JSON value of `data` by orjson where that is exactly `json`'s, else `slow()`.

    `slow` is the caller's own stdlib decoding of the same answer (with its own charset and
    error handling): it runs for every body the fast path does not take, so results and
    failures are the caller's as before. `data` as bytes is read as UTF-8 (orjson refuses
    anything else, which then goes to `slow`); pass bytes only where `slow` reads UTF-8 too.
    """
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: only `json` reads those
            return slow()
    ok, value = _fast(data)
    return value if ok else slow()


def _no_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name} is not a number JSON can carry")


def load_json_stdlib(data: str | bytes | bytearray) -> Any:
    """`load_json` by the standard library alone (what `loads_or` falls back to)."""
    try:
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("not JSON this scanner reads: nested too deeply") from None


def load_json(data: str | bytes | bytearray) -> Any:
    """Parse one JSON document; ValueError (never RecursionError) for what cannot be evidence."""
    return loads_or(data, lambda: load_json_stdlib(data))
