"""A GitLab source split by group: with `split_groups: true`, each listed group is its own
unit of work `SOURCE/GROUP` (and the listed `projects`, if any, one more: `SOURCE/projects`),
scanned, sharded and reported on its own (scanner/fleet.py). Groups are read from the config,
no call is made; nested groups are refused by the config, since a project would be read twice.
"""

from __future__ import annotations

from typing import Any

from scanner.fleet import Unit, member_name, narrowed
from scanner.probe import ProbeContext

__all__ = ["group_units"]


def group_units(cfg: Any, _ctx: ProbeContext) -> list[Unit]:
    """One unit per group, plus one for the listed projects (module docstring)."""
    units = [
        Unit(
            narrowed(cfg, member_name(cfg.name, g), {"groups": [g], "projects": [], "split_groups": False}), cfg.weight
        )
        for g in cfg.groups
    ]
    if cfg.projects:
        member = narrowed(cfg, member_name(cfg.name, "projects"), {"groups": [], "split_groups": False})
        units.append(Unit(member, cfg.weight))
    return units
