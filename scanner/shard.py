"""`--shard I/N`: a stable split of sources across N scanner processes."""

from __future__ import annotations

import hashlib

from scanner.errors import InputError

__all__ = ["shard_sources"]


def shard_sources(names: list[str], spec: str) -> set[str]:
    """The sources of shard I of N (0-based), by a stable hash of the source name."""
    try:
        i_s, n_s = spec.split("/")
        i, n = int(i_s), int(n_s)
    except ValueError as exc:
        raise InputError(f"--shard takes I/N, got {spec!r}", field="--shard") from exc
    if n < 1 or not 0 <= i < n:
        raise InputError(f"--shard {spec}: need 0 <= I < N", field="--shard")
    return {s for s in names if int(hashlib.sha256(s.encode()).hexdigest(), 16) % n == i}
