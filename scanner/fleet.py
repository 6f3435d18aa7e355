"""Fleets: one configured source that stands for many systems becomes many units of work.

A Kubernetes source may name several kubeconfig contexts (or all of them), an AWS source an
Organization whose accounts are entered through a named role, a GitLab source several groups.
A probe that supports fleets offers `units(config, ctx) -> list[Unit]`; every other source is
one unit, itself. Each unit is then scanned, sharded and reported (`scan.sources[]`, with its
`fleet`) on its own, exactly like a configured source.

Expansion may call the system (AWS ListAccounts), so it runs once per scan process, before the
split into shards: every shard expands the same config the same way, and the shard plan each
bundle records lets `merge` notice when two shards saw different fleets.

A member known at expansion not to be scannable is still a unit, with a preset outcome:
`error` (an account that is not active, a context that does not exist) is reported like a
source that failed; `skipped` (a member excluded on purpose) is reported and graded as nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.config import ScanConfig, SourceConfig
from scanner.errors import InputError
from scanner.probe import CollectError, ProbeContext, ProbeRegistry

__all__ = ["Fleet", "Unit", "expand", "member_name", "narrowed"]

log = logging.getLogger("maturity.fleet")

MAX_UNITS = 5000  # a bound on what one source may expand into (untrusted: an API's answer)


@dataclass(frozen=True)
class Unit:
    """One unit of work: a source config (a copy of the configured one, narrowed to one member),
    its weight for sharding, and an outcome known before it runs (None: scan it)."""

    config: SourceConfig
    weight: float = 1.0
    preset: tuple[str, str] | None = None  # (status, why) for a member that cannot be scanned


@dataclass
class Fleet:
    """A config whose sources are units, and what the runner needs to know about them."""

    config: ScanConfig
    weights: dict[str, float]
    fleets: dict[str, str]  # unit name -> the configured source it belongs to (fleet members only)
    preset: dict[str, tuple[str, str]]


def member_name(source: str, member: str) -> str:
    """A unit's name: `<source>/<member>`, the member cut to a readable, printable length."""
    clean = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in member)[:120]
    return f"{source}/{clean or '_'}"


def expand(config: ScanConfig, registry: ProbeRegistry, cancel: threading.Event | None = None) -> Fleet:
    """Expand every enabled fleet source of `config` into its units (module docstring).

    A failure to expand (ListAccounts denied) leaves the source one unit that fails with the
    reason, so the scan goes on and the report says why the fleet is missing.
    """
    units: list[Unit] = []
    fleets: dict[str, str] = {}
    for src in config.source_configs():
        probe = registry.probes[src.probe]()
        expander = getattr(probe, "units", None)
        weight = float(getattr(src, "weight", 1.0) or 1.0)
        if not src.enabled or expander is None or not _is_fleet(src):
            units.append(Unit(src, weight))
            continue
        ctx = ProbeContext(
            source=src.name,
            deadline=time.monotonic() + src.timeout_s,
            log=logging.getLogger(f"maturity.probe.{src.name}"),
            cancel_event=cancel or threading.Event(),
        )
        try:
            members: list[Unit] = list(expander(src, ctx))
        except CollectError as exc:
            log.warning("source %s: cannot expand its fleet: %s", src.name, exc.reason)
            units.append(Unit(src, weight, ("error", f"cannot list the fleet's members: {exc.reason}"[:500])))
            continue
        if not members:  # a fleet of nothing must not vanish from the report
            units.append(Unit(src, weight, ("error", "the fleet has no members (no context or account matched)")))
            continue
        if len(members) > MAX_UNITS:
            raise InputError(f"source {src.name!r} expands into {len(members)} units (at most {MAX_UNITS})")
        for m in members:
            fleets[m.config.name] = src.name
        units.extend(members)
    names = [u.config.name for u in units]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"two units of work are both named {twice[0]!r}: rename a source")
    expanded = config.model_copy(update={"sources": [u.config for u in units]})
    return Fleet(
        expanded,
        {u.config.name: u.weight for u in units},
        fleets,
        {u.config.name: u.preset for u in units if u.preset is not None},
    )


def _is_fleet(src: SourceConfig) -> bool:
    """Whether a source's config asks for a fleet (the probe's config says so)."""
    check = getattr(src, "is_fleet", None)
    return bool(check()) if callable(check) else False


def narrowed(src: SourceConfig, name: str, update: Mapping[str, Any]) -> SourceConfig:
    """A copy of `src` for one member: renamed, with the member's keys set, the config file's
    folder kept (model_copy keeps private attributes), and validated like the original."""
    copy = src.model_copy(update={"name": name, **update})
    type(src).model_validate(copy.model_dump(exclude={"name"}) | {"name": src.name})  # the member's keys hold
    return copy
