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
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [REDACTED]"),
    (re.compile(r"(?i)(https?://)[^/\s:@]+:[^/\s@]+@"), r"\1[REDACTED]@"),
    (re.compile(r"(?i)(https?://)(?!\[REDACTED\])[^/\s:@]{16,}@"), r"\1[REDACTED]@"),  # a token as the user
    (re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"), "[REDACTED-AWS-KEY]"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"), "[REDACTED-GITLAB-TOKEN]"),
    (re.compile(r"\bgl(dt|rt|cbt|ptt|ft|imt|agent|oas|soat)-[A-Za-z0-9_-]{16,}\b"), "[REDACTED-GITLAB-TOKEN]"),
    (re.compile(r"\b(ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}\b"), "[REDACTED-TOKEN]"),
    (re.compile(r"(?i)(aws_secret_access_key|secret_access_key)\s*[=:]\s*\S+"), r"\1=[REDACTED]"),
    # An auth header written out as text ("Authorization: Token x", "PRIVATE-TOKEN: x").
    (
        re.compile(
            r"(?i)\b(authorization|private-token|x-api-key|x-auth-token)([\"']?\s*[=:]\s*[\"']?)"
            r"(?!\[REDACTED|(?:bearer|basic)\s+\[REDACTED)(?:\w+\s+)?[^\s\"',;]+"
        ),
        r"\1\2[REDACTED]",
    ),
    # key=value / key: value in free text (flags, query strings, annotations): the value goes.
    (
        re.compile(
            r"(?i)\b([\w.-]*(?:password|passwd|secret|token|api[_-]?key))([\"']?\s*[=:]\s*[\"']?)(?!\[REDACTED)[^\s,;&\"'\]]+"
        ),
        r"\1\2[REDACTED]",
    ),
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        "[REDACTED-PRIVATE-KEY]",
    ),
)


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds and a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A cheap test that every string passes first: it matches wherever any redaction above could,
# so text without any of these fragments (nearly all of it) is returned untouched.
_MAYBE_SECRET = re.compile(
    r"(?i)bearer|basic|://[^/\s]*@|AKIA|ASIA|glpat-|gl(?:dt|rt|cbt|ptt|ft|imt|agent|oas|soat)-|gh[pos]_|github_pat_|"
    r"secret_access_key|PRIVATE KEY|authorization|x-api-key|passw|secret|token|api[_-]?key"
)


def redact_text(text: str) -> str:
    """Remove credential-looking material (bearer tokens, URL userinfo, AWS keys, ...)."""
    if _MAYBE_SECRET.search(text) is None:
        return text
    for pattern, repl in _REDACTIONS:
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    return _SECRET_KEY.search(key) is not None


def _clean(value: Any, depth: int = 0) -> Any:
    """Redact and bound untrusted data in one pass; JSON types only.

    Values under secret-looking keys (and the `value` of a `name: <secret-looking>` pair) are
    replaced; credential patterns in text are redacted; long strings and lists are cut, deep
    nesting is cut.

    Short strings are interned: 100k workloads repeat "Deployment" 100k times otherwise.
    """
    t = type(value)
    if t is str:
        text = redact_text(value)
        if len(text) > MAX_STRING:
            return text[:MAX_STRING] + "…[truncated]"
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
        named_secret = type(name) is str and _secret_key(name)
        for n, (k, v) in enumerate(value.items()):
            if n >= MAX_ITEMS:
                break
            key = sys.intern(str(k)[:256])
            if (_secret_key(key) or (named_secret and key == "value")) and isinstance(v, (str, bytes)) and v:
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
    ) -> Evidence:
        """Build an item: redact and bound `data`, `subject` and `origin`, then hash it."""
        return Evidence(
            kind=sys.intern(kind),
            subject=redact_text(str(subject))[:512],
            data=_clean(dict(data)),
            origin=sys.intern(redact_text(str(origin))[:1024]),
            source=sys.intern(source),
            collected_at=sys.intern(collected_at or now_iso()),
        ).sealed()

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "subject": self.subject,
            "collected_at": self.collected_at,
            "origin": self.origin,
            "data": self.data,
        }

    def sealed(self) -> Evidence:
        """This item with its sha256 and id computed from its fields."""
        digest = hashlib.sha256(canonical_json(self.hashed_fields())).hexdigest()  # small: one piece
        return Evidence(
            kind=self.kind,
            subject=self.subject,
            data=self.data,
            origin=self.origin,
            source=self.source,
            collected_at=self.collected_at,
            sha256=digest,
            id="ev-" + digest[:20],
        )

    def with_source(self, source: str) -> Evidence:
        return Evidence(self.kind, self.subject, self.data, self.origin, source, self.collected_at).sealed()

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
