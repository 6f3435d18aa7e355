"""Canonical JSON and hashing: the basis of every evidence hash and the report digest.

Canonical form (the contract, v2): RFC 8785, the JSON Canonicalization Scheme (JCS), so a
verifier in any language recomputes the same hashes: object keys sorted by their UTF-16 code
units, no insignificant whitespace, strings escaped as ECMAScript's JSON.stringify does (only
`"`, `\\` and control characters), numbers as ECMAScript prints a double (`1e+21`, `1e-7`,
`0.000001`, `2` for 2.0), UTF-8, and no NaN or Infinity.

Hashing is hot (every evidence item, the digest of a 100 MB report), so the common case stays
in C: `json`'s encoder already gives JCS bytes for text, booleans, null and integers below
2^53 whose object keys are all in the Basic Multilingual Plane. One linear scan of its output
spots a number it may have printed otherwise (a fraction or exponent, a 16+ digit integer):
then one more scan rewrites just those tokens (json prints a float as its shortest round-trip
repr, so each token gives its value back exactly). Only a character outside the BMP (where
UTF-16 key order may differ) sends the value to the exact encoder below.

Large values are hashed and written in pieces, so no single string holds the whole document.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["canonical_json", "canonical_text", "iter_json", "sha256_of"]

_LEAF = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_READABLE_LEAF = json.JSONEncoder(sort_keys=False, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_STR: Any = json.encoder.encode_basestring  # (C) a str encodes to exactly JCS's string form


def _unserialisable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json's C encoder, made once (json.dumps makes one per call): sorted keys, compact, no NaN.
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_ENCODE: Any = (
    _C_ENCODER(None, _unserialisable, _STR, None, ":", ",", True, False, False) if _C_ENCODER is not None else None
)


def _compact(value: Any) -> str:
    if _ENCODE is None:  # pragma: no cover - Python without the C accelerator
        return _LEAF.encode(value)
    return "".join(_ENCODE(value, 0))


SPLIT_DEPTH = 3  # containers this deep are streamed piece by piece; deeper ones in one piece
CHUNK = 1 << 16
_MAX_SAFE = 2**53 - 1
# Where json's output may differ from JCS: a number token (after `:`, `,` or `[`, up to `,`, `}`
# or `]`) that is an integral float (`30.0`, JCS `30`), has an exponent (`1e-06`, JCS `0.000001`)
# or has 16+ digits. A float such as 0.75 is printed alike by both (shortest round-trip digits).
# False alarms (the same shape inside a string) only cost a descent. Linear: each try starts at
# a separator and scans one token.
_SUSPECT = re.compile(r"[:,\[]-?\d(?:\d{15,}|\d*(?:\.0|(?:\.\d+)?[eE][-+]?\d+))[,}\]]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Every number token of json's output, with what precedes it: a run of text outside numbers
# (structural characters, and whole string literals, so a digit inside a string is never taken
# for a number) then the token, or the end of the text. Possessive, so it is linear.
_NUMBER_TOKEN = re.compile(r'(?:[^"\d-]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")*+(-?\d[\d.eE+-]*+)?')


def _jcs_number(num: str) -> str:
    """A number token of json's output as JCS prints it. json prints an int exactly and a
    float as its repr (the shortest digits that round-trip), so the token gives the value back
    exactly."""
    if "e" in num or "E" in num:
        return _number(float(num))
    if "." in num:
        # Without an exponent repr prints 1e-4 <= |x| < 1e16 in the digits JCS prints, but for
        # the ".0" of an integral value.
        if not num.endswith(".0"):
            return num
        return "0" if num == "-0.0" else num[:-2]
    if len(num) < 16:
        return num
    n = int(num)
    return num if -_MAX_SAFE <= n <= _MAX_SAFE else _number(float(n))


def _fix_numbers(text: str) -> str:
    """json's compact, sorted output with every number token rewritten as JCS prints it (the
    only way the two differ when no key holds a character outside the BMP)."""
    out: list[str] = []
    last = 0
    for m in _NUMBER_TOKEN.finditer(text):
        token = m.group(1)
        if token is None:  # the end of the text
            break
        fixed = _jcs_number(token)
        if fixed != token:
            out.append(text[last : m.start(1)])
            out.append(fixed)
            last = m.end(1)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _number(value: float) -> str:
    """A double as ECMAScript's Number.prototype.toString prints it (RFC 8785, 3.2.2.3)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a JSON number (RFC 8785 has no NaN or Infinity)")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp = repr(abs(value)).partition("e")  # repr: the shortest digits that round-trip
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{head}e{'+' if e > 0 else '-'}{abs(e)}"


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _sorted_items(value: Mapping[Any, Any]) -> list[tuple[str, Any]]:
    for k in value:
        if type(k) is not str and not isinstance(k, str):
            raise TypeError(f"keys must be strings, not {type(k).__name__}")
    return sorted(value.items(), key=lambda kv: _utf16(kv[0]))


def canonical_text(value: Any) -> str:
    """The RFC 8785 canonical JSON of `value`, as text.

    json's C encoder renders the value and its number tokens are rewritten where JCS prints
    them otherwise; only a subtree holding a character outside the BMP (whose keys may sort
    otherwise in UTF-16) is rendered again, by descending into it.
    """
    t = type(value)
    if t is str:
        return str(_STR(value))
    if t is float:
        return _number(value)
    if t is int:
        return str(value) if -_MAX_SAFE <= value <= _MAX_SAFE else _number(float(value))
    if value is None or t is bool:
        return "null" if value is None else "true" if value else "false"
    text = _compact(value)  # raises ValueError on NaN/Infinity, as JCS must
    if text.isascii() or _ASTRAL.search(text) is None:  # UTF-16 key order is code point order
        return text if _SUSPECT.search(text) is None else _fix_numbers(text)
    parts: list[str] = []
    if isinstance(value, Mapping):
        for k, v in _sorted_items(value):
            parts.append(_STR(k) + ":" + canonical_text(v))
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        for v in value:
            parts.append(canonical_text(v))
        return "[" + ",".join(parts) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return canonical_text(int(value))
    if isinstance(value, float):
        return _number(float(value))
    return str(_STR(str(value)))


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON of `value`, UTF-8 (the contract's canonical form)."""
    return canonical_text(value).encode("utf-8")


def iter_json(value: Any, *, indent: int | None = None, depth: int = SPLIT_DEPTH, _level: int = 0) -> Iterator[str]:
    """The JSON of `value` in pieces: canonical (RFC 8785) when `indent` is None, else line-broken.

    With `indent`, the outer `depth` levels of containers are broken into lines and the rest is
    compact, which keeps a 100 MB report readable line by line (one evidence item a line).
    """
    is_dict, is_list = isinstance(value, Mapping), isinstance(value, (list, tuple))
    canonical = indent is None
    if _level >= depth or not (is_dict or is_list) or not value:
        yield canonical_text(value) if canonical else _READABLE_LEAF.encode(value)
        return
    pad = "" if indent is None else "\n" + " " * (indent * (_level + 1))
    end = "" if indent is None else "\n" + " " * (indent * _level)
    sep = ":" if canonical else ": "
    yield "{" if is_dict else "["
    # Canonical form sorts keys (UTF-16 order); the readable form keeps the writer's order.
    items = (_sorted_items(value) if canonical else list(value.items())) if is_dict else enumerate(value)
    for n, (k, v) in enumerate(items):
        head = ("," if n else "") + pad
        if is_dict:
            if not isinstance(k, str):
                raise TypeError(f"keys must be strings, not {type(k).__name__}")
            head += _STR(k) + sep
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
