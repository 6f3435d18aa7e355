"""Evidence: what a probe saw, normalised, redacted, bounded and hashed."""

from __future__ import annotations

import hashlib
import re
import sys
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


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds and a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    return _SECRET_KEY.search(key[:256]) is not None


# Keys that hold a credential only sometimes ("key: app", "auth: enabled"): their value goes
# when it looks generated (long, no spaces, high entropy).
_CREDENTIAL_POSITION = re.compile(r"(?i)(^|[-_.])(key|auth|pwd|pass|sig|signature|dsn|credentials?|hmac|salt)$")


@lru_cache(maxsize=4096)
def _credential_position(key: str) -> bool:
    return _CREDENTIAL_POSITION.search(key[:256]) is not None


def _clean(value: Any, depth: int = 0) -> Any:
    """Redact and bound untrusted data in one pass; JSON types only.

    Values under secret-looking keys (and the `value` of a `name: <secret-looking>` pair) are
    replaced; credential patterns in text are redacted; long strings and lists are cut, deep
    nesting is cut.

    Short strings are interned: 100k workloads repeat "Deployment" 100k times otherwise.
    """
    t = type(value)
    if t is str:
        text = bounded_redact(value, MAX_STRING)  # cut first: no regex sees more than the bound
        return sys.intern(text) if len(text) <= 32 else text
    if value is None or t is bool or t is int:
        return value
    if t is float:
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if depth >= MAX_DEPTH and isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return "[truncated: too deep]"
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        name = value.get("name")  # a name/value pair (container env, tags) with a secret-looking name
        named_secret = type(name) is str and _secret_key(name[:256])
        for n, (k, v) in enumerate(value.items()):
            if n >= MAX_ITEMS:
                break
            key = sys.intern(bounded_redact(str(k), 256, ""))
            if (_secret_key(key) or (named_secret and key == "value")) and isinstance(v, (str, bytes)) and v:
                out[key] = "[REDACTED]"
            elif type(v) is str and _credential_position(key) and looks_random(v):
                out[key] = "[REDACTED]"
            else:
                out[key] = _clean(v, depth + 1)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        cleaned = [_clean(v, depth + 1) for v in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            cleaned.append(f"[truncated: {len(items) - MAX_ITEMS} more]")
        return cleaned
    if isinstance(value, int):  # int subclasses such as IntEnum
        return int(value)
    return _clean(str(value), depth)


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
        item = Evidence(
            kind=sys.intern(kind),
            subject=bounded_redact(str(subject), 512, ""),
            data=_clean(dict(data)),
            origin=sys.intern(bounded_redact(str(origin), 1024, "")),
            source=sys.intern(source),
            collected_at=sys.intern(collected_at or now_iso()),
        )
        return item.sealed() if seal else item

    @staticmethod
    def draft(kind: str, subject: str, data: Mapping[str, Any], origin: str) -> Evidence:
        """An item redacted and bounded like `make` but not hashed yet (`sha256` and `id` empty).

        For a probe that stamps its items afterwards (the files probe adds the document's line
        and the source): `sealed` then hashes each item once. A draft left with no source is
        still sealed by the runner, so one never reaches a bundle unhashed.
        """
        return Evidence.make(kind, subject, data, origin, seal=False)

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "subject": self.subject,
            "collected_at": self.collected_at,
            "origin": self.origin,
            "data": self.data,
        }

    def sealed(self, *, source: str | None = None) -> Evidence:
        """This item (stamped with `source` when one is given) with its sha256 and id computed
        from its fields."""
        item = self if source is None else self.unsealed(source=source)
        digest = hashlib.sha256(canonical_json(item.hashed_fields())).hexdigest()  # small: one piece
        return Evidence(
            kind=item.kind,
            subject=item.subject,
            data=item.data,
            origin=item.origin,
            source=item.source,
            collected_at=item.collected_at,
            sha256=digest,
            id="ev-" + digest[:20],
        )

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
