"""`--shard I/N`: a split of the units of work (sources, and the members of fleets) across N
scanner processes, and what each shard's bundle records so that `merge` can tell a complete set
of shards from an incomplete or mixed one.

Units are split by weight, not by name: heaviest first, each to the shard with the least work
so far (ties to the lower index). The plan depends only on the units and their weights, so
every shard of one config computes the same plan without talking to the others, and each
bundle records it (`shard.plan`) for `merge`. A unit's weight is its source's `weight` (default
1: a cluster, an account; give a cluster ten times the workloads of the others `weight: 10`).

Rate limits: every shard of a run talks to the same API hosts at the same time, so a sharded
scan divides each source's `rate_limit_per_s` by N; the configured figure then holds per API
host across the whole run.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

from scanner.config import ScanConfig
from scanner.errors import InputError

__all__ = ["default_run_id", "divide_rate_limits", "parse_shard", "plan_shards", "shard_index", "shard_sources"]


# Where orchestrators put a worker's index: Kubernetes Indexed Jobs, AWS Batch array jobs (both
# from 0), GitLab `parallel:` (from 1). `--shard auto/N` reads the first one set.
INDEX_VARIABLES = (("JOB_COMPLETION_INDEX", 0), ("AWS_BATCH_JOB_ARRAY_INDEX", 0), ("CI_NODE_INDEX", 1))


def parse_shard(spec: str, env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(I, N) of an `I/N` spec (0-based I; `auto` takes I from the orchestrator, INDEX_VARIABLES,
    for runners such as AWS Batch that cannot put a variable into arguments); a bad spec is an
    InputError naming --shard."""
    env = os.environ if env is None else env
    try:
        i_s, n_s = spec.split("/")
        if i_s == "auto":
            var, base = next((v, b) for v, b in INDEX_VARIABLES if env.get(v, "").strip())
            i_s = str(int(env[var]) - base)
        i, n = int(i_s), int(n_s)
    except StopIteration:
        names = ", ".join(v for v, _ in INDEX_VARIABLES)
        raise InputError(f"--shard {spec}: none of {names} is set", field="--shard") from None
    except ValueError as exc:
        raise InputError(f"--shard takes I/N, got {spec!r}", field="--shard") from exc
    if n < 1 or not 0 <= i < n:
        raise InputError(f"--shard {spec}: need 0 <= I < N", field="--shard")
    return i, n


def shard_index(name: str, n: int) -> int:
    """The shard of a source in bundles written before plans were recorded (a hash of the name)."""
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % n


def plan_shards(weights: Mapping[str, float], n: int) -> dict[str, int]:
    """Unit name -> shard (0-based, of n): heaviest first, each to the least loaded shard."""
    load = [0.0] * n
    plan: dict[str, int] = {}
    for name in sorted(weights, key=lambda u: (-weights[u], u)):
        i = min(range(n), key=lambda k: (load[k], k))
        plan[name] = i
        load[i] += weights[name]
    return dict(sorted(plan.items()))


def shard_sources(names: list[str], spec: str, weights: Mapping[str, float] | None = None) -> set[str]:
    """The units of shard I of N (0-based) by `plan_shards` (equal weights unless given)."""
    i, n = parse_shard(spec)
    plan = plan_shards({u: (weights or {}).get(u, 1.0) for u in names}, n)
    return {u for u, k in plan.items() if k == i}


def divide_rate_limits(config: ScanConfig, n: int) -> ScanConfig:
    """`config` with every source's rate limit divided by n (the module docstring says why)."""
    if n <= 1:
        return config
    sources = [
        s.model_copy(update={"rate_limit_per_s": s.rate_limit_per_s / n}) if s.rate_limit_per_s else s
        for s in config.source_configs()
    ]
    return config.model_copy(update={"sources": sources})


def default_run_id(config_digest: str, n: int) -> str:
    """The run id of a shard started without `--run-id`: the same for every shard of one config
    split N ways, so those merge; different configs or splits never do. Pass `--run-id` to also
    keep apart two runs of the same config."""
    return "cfg-" + hashlib.sha256(f"{config_digest}/{n}".encode()).hexdigest()[:16]
