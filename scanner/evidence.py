"""Evidence: what a probe saw, normalised, redacted, bounded and hashed."""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from scanner.canonical import canonical_json
from scanner.redact import bounded_redact, looks_random, redact_text

__all__ = [
    "MAX_STRING",
    "Evidence",
    "now_iso",
    "redact_text",
]

MAX_STRING = 4096  # characters kept of any one string from a scanned system
MAX_ITEMS = 500  # elements kept of any one list
MAX_DEPTH = 12

_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|credential|authorization|private[_-]?key|"
    r"session[_-]?key|access[_-]?key|bearer|cookie)",
    re.I,
)


_CLOCK: tuple[int, str] = (-1, "")  # (the second, its text): items made in one second share one stamp


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds and a Z.

    Formatted once per second, not per item: the text is the same as formatting it every time
    (the stamp has a resolution of one second), at the cost of reading the clock.
    """
    global _CLOCK
    now = time.time()
    second = int(now)
    seen, text = _CLOCK
    if second != seen:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        _CLOCK = (second, text)
    return text


@lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    return _SECRET_KEY.search(key[:256]) is not None


# Keys that hold a credential only sometimes ("key: app", "auth: enabled"): their value goes
# when it looks generated (long, no spaces, high entropy).
_CREDENTIAL_POSITION = re.compile(r"(?i)(^|[-_.])(key|auth|pwd|pass|sig|signature|dsn|credentials?|hmac|salt)$")


@lru_cache(maxsize=4096)
def _credential_position(key: str) -> bool:
    return _CREDENTIAL_POSITION.search(key[:256]) is not None


# Memos of the redaction of text and keys, so a string seen before ("Deployment", "app",
# "severity") costs one dict lookup: both functions are pure, so a memo answers exactly as a
# call would. Only short strings are kept (they are the ones that repeat), and a full memo is
# emptied rather than grown.
_MEMO_TEXT = 128
_MEMO_SIZE = 16384
_TEXTS: dict[str, str] = {}
_KEYS: dict[str, tuple[str, bool, bool]] = {}


def _text(value: str) -> str:
    """A string from a scanned system, bounded and redacted (memoised when short)."""
    text = bounded_redact(value, MAX_STRING)  # cut first: no regex sees more than the bound
    text = sys.intern(text) if len(text) <= 32 else text
    if len(value) <= _MEMO_TEXT:
        if len(_TEXTS) >= _MEMO_SIZE:
            _TEXTS.clear()
        _TEXTS[value] = text
    return text


def _key(k: Any) -> tuple[str, bool, bool]:
    """A mapping key bounded and redacted, whether it names a secret, and whether it is a
    position where a credential sometimes sits (memoised for short string keys)."""
    key = sys.intern(bounded_redact(str(k), 256, ""))
    info = (key, _secret_key(key), _credential_position(key))
    if type(k) is str and len(k) <= _MEMO_TEXT:
        if len(_KEYS) >= _MEMO_SIZE:
            _KEYS.clear()
        _KEYS[k] = info
    return info


def _clean(value: Any, depth: int = 0) -> Any:
    """Redact and bound untrusted data in one pass; JSON types only.

    Values under secret-looking keys (and the `value` of a `name: <secret-looking>` pair) are
    replaced; credential patterns in text are redacted; long strings and lists are cut, deep
    nesting is cut.

    Short strings are interned: 100k workloads repeat "Deployment" 100k times otherwise.
    """
    t = type(value)
    if t is str:
        known = _TEXTS.get(value)
        return known if known is not None else _text(value)
    if value is None or t is bool or t is int:
        return value
    if t is float:
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if t is dict or (t is not list and isinstance(value, Mapping)):
        return "[truncated: too deep]" if depth >= MAX_DEPTH else _clean_mapping(value, depth)
    if t is list or isinstance(value, (list, tuple, set, frozenset)):
        if depth >= MAX_DEPTH:
            return "[truncated: too deep]"
        items = value if t is list else list(value)
        cleaned = [_clean(v, depth + 1) for v in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            cleaned.append(f"[truncated: {len(items) - MAX_ITEMS} more]")
        return cleaned
    if isinstance(value, int):  # int subclasses such as IntEnum
        return int(value)
    return _clean(str(value), depth)


def _clean_mapping(value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    name = value.get("name")  # a name/value pair (container env, tags) with a secret-looking name
    named_secret = type(name) is str and _secret_key(name[:256])
    for n, (k, v) in enumerate(value.items()):
        if n >= MAX_ITEMS:
            break
        info = _KEYS.get(k) if type(k) is str else None
        key, secret, position = info if info is not None else _key(k)
        tv = type(v)
        if (secret or (named_secret and key == "value")) and isinstance(v, (str, bytes)) and v:
            out[key] = "[REDACTED]"
        elif tv is str:
            if position and looks_random(v):
                out[key] = "[REDACTED]"
            else:
                known = _TEXTS.get(v)
                out[key] = known if known is not None else _text(v)
        elif v is None or tv is bool or tv is int:
            out[key] = v
        else:
            out[key] = _clean(v, depth + 1)
    return out


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observed fact. `data` is normalised JSON, redacted and bounded at construction.

    `sha256` is the SHA-256 of the canonical JSON of {source, kind, subject, collected_at,
    origin, data}; `id` is derived from it, so identical observations share one id.
    """

    kind: str
    subject: str
    data: Mapping[str, Any]
    origin: str
    source: str = ""
    collected_at: str = field(default_factory=now_iso)
    sha256: str = ""
    id: str = ""

    @staticmethod
    def make(
        kind: str,
        subject: str,
        data: Mapping[str, Any],
        origin: str,
        *,
        source: str = "",
        collected_at: str | None = None,
        seal: bool = True,
    ) -> Evidence:
        """Build an item: redact and bound `data`, `subject` and `origin`, then hash it (unless
        `seal` is false: see `draft`)."""
        fields = (
            sys.intern(kind),
            bounded_redact(str(subject), 512, ""),
            _clean(dict(data)),
            sys.intern(bounded_redact(str(origin), 1024, "")),
            sys.intern(source),
            sys.intern(collected_at or now_iso()),
        )
        return _seal(*fields) if seal else Evidence(*fields)

    @staticmethod
    def draft(kind: str, subject: str, data: Mapping[str, Any], origin: str) -> Evidence:
        """An item redacted and bounded like `make` but not hashed yet (`sha256` and `id` empty).

        For a probe that stamps its items afterwards (the files probe adds the document's line
        and the source): `sealed` then hashes each item once. A draft left with no source is
        still sealed by the runner, so one never reaches a bundle unhashed.
        """
        return Evidence.make(kind, subject, data, origin, seal=False)

    def hashed_fields(self) -> dict[str, Any]:
        return _hashed(self.source, self.kind, self.subject, self.collected_at, self.origin, self.data)

    def sealed(self, *, source: str | None = None) -> Evidence:
        """This item (stamped with `source` when one is given) with its sha256 and id computed
        from its fields."""
        stamped = self.source if source is None else sys.intern(source)
        return _seal(self.kind, self.subject, self.data, self.origin, stamped, self.collected_at)

    def unsealed(self, *, origin: str | None = None, source: str | None = None) -> Evidence:
        """This item with another origin (kept as given) or source and no hash: a draft again."""
        return Evidence(
            self.kind,
            self.subject,
            self.data,
            self.origin if origin is None else origin,
            self.source if source is None else sys.intern(source),
            self.collected_at,
        )

    def with_source(self, source: str) -> Evidence:
        return self.sealed(source=source)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.hashed_fields(), "sha256": self.sha256}

    @staticmethod
    def from_json(doc: Mapping[str, Any]) -> Evidence:
        """Rebuild an item as recorded (the hash is kept as recorded; `verify` re-checks it)."""
        return Evidence(
            kind=str(doc["kind"]),
            subject=str(doc["subject"]),
            data=doc["data"],
            origin=str(doc["origin"]),
            source=str(doc["source"]),
            collected_at=str(doc["collected_at"]),
            sha256=str(doc["sha256"]),
            id=str(doc["id"]),
        )


def _seal(kind: str, subject: str, data: Mapping[str, Any], origin: str, source: str, collected_at: str) -> Evidence:
    """The item with these fields and its sha256 and id: one hash, one construction."""
    fields = _hashed(source, kind, subject, collected_at, origin, data)
    digest = hashlib.sha256(canonical_json(fields)).hexdigest()  # small: one piece
    return Evidence(kind, subject, data, origin, source, collected_at, digest, "ev-" + digest[:20])


def _hashed(source: str, kind: str, subject: str, collected_at: str, origin: str, data: Any) -> dict[str, Any]:
    """The fields an item's sha256 covers, in the order its JSON shows them."""
    return {
        "source": source,
        "kind": kind,
        "subject": subject,
        "collected_at": collected_at,
        "origin": origin,
        "data": data,
    }
