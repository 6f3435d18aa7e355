"""Evidence data is redacted and bounded exactly as the rules say, memos or not: the fast walk
(`scanner.evidence._clean`, which remembers the text and keys it has seen) gives the same value
as a plain reading of the rules over thousands of seeded random documents shaped like probe
data, with credentials, secret-looking keys, name/value pairs, long and odd strings mixed in,
each seen twice (the second time from the memos) and more distinct strings than a memo holds."""

from __future__ import annotations

import enum
import math
import random
from collections.abc import Mapping
from typing import Any

from scanner.evidence import MAX_DEPTH, MAX_ITEMS, MAX_STRING, Evidence, _clean
from scanner.redact import bounded_redact, looks_random

SECRET_WORDS = ("password", "client_secret", "apiKey", "X-Auth-Token", "session_key", "sig", "dsn", "salt", "auth")
PLAIN_WORDS = ("name", "value", "replicas", "labels", "expr", "image", "namespace", "key", "severity", "runbook_url")
CREDENTIALS = (
    "postgres://app:hunter2@db:5432/x",
    "https://h/x?token=abc123&ok=1",
    "Authorization: Bearer abcdefghijklmnop",
    "AKIAABCDEFGHIJKLMNOP",
    "glpat-abcdefghijklmnopqrstu",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
    "password=swordfish",
    "Zx8Qp2Lm9Vt4Rk7Wb3Nc6Hy1",  # random-looking: redacted in a credential position only
    "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
)
ODD = ("", "x", "Deployment", "sum(rate(x[5m])) by (job)", "a\ud800b", "ſecret=1", "\U0001f600 ok", "ca=b;d=e")


class Level(enum.IntEnum):
    LOW = 1


class Text(str):
    pass


def _clean_by_the_rules(value: Any, depth: int = 0) -> Any:
    """The rules of `Evidence.make`'s cleaning, read plainly: every string and key through
    `bounded_redact`, no memo."""
    if isinstance(value, bool) or value is None:
        return value
    if type(value) is str:
        return bounded_redact(value, MAX_STRING)
    if type(value) is float:
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (Mapping, list, tuple, set, frozenset)) and depth >= MAX_DEPTH:
        return "[truncated: too deep]"
    if isinstance(value, Mapping):
        name = value.get("name")
        named = type(name) is str and _secret(name[:256])
        out = {}
        for k, v in list(value.items())[:MAX_ITEMS]:
            key = bounded_redact(str(k), 256, "")
            if (_secret(key) or (named and key == "value")) and isinstance(v, (str, bytes)) and v:
                out[key] = "[REDACTED]"
            elif type(v) is str and _position(key) and looks_random(v):
                out[key] = "[REDACTED]"
            else:
                out[key] = _clean_by_the_rules(v, depth + 1)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        kept = [_clean_by_the_rules(v, depth + 1) for v in items[:MAX_ITEMS]]
        return kept + ([f"[truncated: {len(items) - MAX_ITEMS} more]"] if len(items) > MAX_ITEMS else [])
    if isinstance(value, int):
        return int(value)
    return _clean_by_the_rules(str(value), depth)


def _secret(key: str) -> bool:
    import scanner.evidence as ev

    return ev._SECRET_KEY.search(key[:256]) is not None


def _position(key: str) -> bool:
    import scanner.evidence as ev

    return ev._CREDENTIAL_POSITION.search(key[:256]) is not None


def _string(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.25:
        return rng.choice(CREDENTIALS)
    if pick < 0.5:
        return rng.choice(ODD)
    if pick < 0.51:
        return "x" * rng.choice((4095, 4096, 4097, 6000)) + rng.choice(("", " token=abcdefgh"))
    if pick < 0.56:
        return Text(rng.choice(CREDENTIALS))
    return f"svc-{rng.randint(0, 30000)}"  # many distinct short strings: the memo fills and empties


def _key(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.3:
        return rng.choice(SECRET_WORDS)
    if pick < 0.85:
        return rng.choice(PLAIN_WORDS)
    if pick < 0.9:
        return "k" * rng.choice((255, 256, 257, 300))
    if pick < 0.95:
        return rng.choice((7, True, None, 1.5))
    return rng.choice(CREDENTIALS)


def _value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.random() if depth < 14 else rng.random() * 0.6
    if pick < 0.35:
        return _string(rng)
    if pick < 0.5:
        return rng.choice((None, True, False, 0, -3, 2**70, 1.5, -0.0, math.nan, math.inf, Level.LOW, b"raw"))
    if pick < 0.6:
        return rng.choice(([_string(rng) for _ in range(rng.choice((0, 3, 3, 3, 501)))], (1, "a"), {"s"}, frozenset()))
    if pick < 0.7:
        return {"name": rng.choice(("DB_PASSWORD", "PORT", "api-token")), "value": _string(rng)}
    if pick < 0.8:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_key(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_the_fast_walk_cleans_as_the_rules_say() -> None:
    rng = random.Random(22)
    docs = [{_key(rng): _value(rng) for _ in range(rng.randint(1, 8))} for _ in range(1500)]
    deep: Any = "bottom"
    for _ in range(MAX_DEPTH + 3):
        deep = {"d": deep}
    docs.append(deep)
    redacted = 0
    for _round in range(2):  # the second time every short string and key comes from a memo
        for doc in docs:
            expected = _clean_by_the_rules(doc)
            got = _clean(dict(doc))
            assert got == expected, doc
            assert repr(got) == repr(expected)  # same types too (a str subclass becomes str, -0.0 stays)
            redacted += "REDACTED" in repr(got)
    assert redacted > 500  # the documents did carry credentials


def test_an_item_is_made_from_the_cleaned_data() -> None:
    data = {"env": [{"name": "DB_PASSWORD", "value": "hunter2"}], "url": "https://u:p@h/"}
    ev = Evidence.make("k.k", "s", data, "o", source="src", collected_at="2026-01-01T00:00:00Z")
    assert ev.data == {"env": [{"name": "DB_PASSWORD", "value": "[REDACTED]"}], "url": "https://[REDACTED]@h/"}
