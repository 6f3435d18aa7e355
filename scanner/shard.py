"""`--shard I/N`: a stable split of sources across N scanner processes, and what each shard's
bundle records so that `merge` can tell a complete set of shards from an incomplete or mixed one."""

from __future__ import annotations

import hashlib

from scanner.errors import InputError

__all__ = ["default_run_id", "parse_shard", "shard_index", "shard_sources"]


def parse_shard(spec: str) -> tuple[int, int]:
    """(I, N) of an `I/N` spec (0-based I); a bad spec is an InputError naming --shard."""
    try:
        i_s, n_s = spec.split("/")
        i, n = int(i_s), int(n_s)
    except ValueError as exc:
        raise InputError(f"--shard takes I/N, got {spec!r}", field="--shard") from exc
    if n < 1 or not 0 <= i < n:
        raise InputError(f"--shard {spec}: need 0 <= I < N", field="--shard")
    return i, n


def shard_index(name: str, n: int) -> int:
    """The shard (0-based, of n) a source name belongs to, by a stable hash of the name."""
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % n


def shard_sources(names: list[str], spec: str) -> set[str]:
    """The sources of shard I of N (0-based), by a stable hash of the source name."""
    i, n = parse_shard(spec)
    return {s for s in names if shard_index(s, n) == i}


def default_run_id(config_digest: str, n: int) -> str:
    """The run id of a shard started without `--run-id`: the same for every shard of one config
    split N ways, so those merge; different configs or splits never do. Pass `--run-id` to also
    keep apart two runs of the same config."""
    return "cfg-" + hashlib.sha256(f"{config_digest}/{n}".encode()).hexdigest()[:16]
