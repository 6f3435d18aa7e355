"""JSON from scanned systems, parsed so one hostile answer fails that answer, not the source.

`json.loads` recurses once per nesting level: a 100k-deep answer raises RecursionError, which
callers that catch ValueError do not expect. `NaN`/`Infinity` are accepted by default but have
no place in canonical JSON (RFC 8785), so every hash over them would fail later, far from the
cause. `load_json` turns both into a ValueError at the boundary.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["load_json"]


def _no_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name} is not a number JSON can carry")


def load_json(data: str | bytes | bytearray) -> Any:
    """Parse one JSON document; ValueError (never RecursionError) for what cannot be evidence."""
    try:
        return json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("not JSON this scanner reads: nested too deeply") from None
