"""Plain values out of untrusted parsed data (API JSON or YAML), shared by the Prometheus,
Alertmanager and GitOps parsers: durations, mappings, string maps and URL hosts. Bounded and
total: anything that is not the expected shape reads as None or empty, never an exception."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

__all__ = ["MAX_TEXT", "as_map", "duration_s", "str_map", "url_host"]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
MAX_TEXT = 4096  # characters of an annotation looked at (what evidence keeps of it)


def duration_s(value: Any) -> float | None:
    """Seconds of a Prometheus duration ("1h30m", "5m", "500ms") or a number; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if type(value) is str:
        return _duration_text(value)
    if not isinstance(value, str):
        return None
    return _duration_text.__wrapped__(value)


@lru_cache(maxsize=4096)  # pure, and the same few durations ("5m", "1h") recur in every rule file
def _duration_text(value: str) -> float | None:
    if not value.strip():
        return None
    text = value.strip()
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos > 0 else None


def as_map(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one (untrusted YAML/JSON may be anything)."""
    return value if isinstance(value, Mapping) else {}


def str_map(value: Any) -> dict[str, str]:
    """A mapping's keys and values as strings; anything else reads as empty."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def url_host(url: Any) -> str | None:
    """host[:port] of a URL, never its credentials or path."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    return f"{host}:{port}" if port else host
