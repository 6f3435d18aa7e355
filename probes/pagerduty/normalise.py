"""PagerDuty API objects -> evidence data (pure functions; the probe does the reading).

Who did something is read from log entries' `agent`: a `user_reference` is a person; any other
agent (a service, an inbound integration, an event orchestration, the API) is automation. A
resolution through the service's auto-resolve timeout (`channel.type == "timeout"`) is counted
apart: nobody handled that incident and it did not heal itself either.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from probes.oncall import Window, coverage, parse_time
from probes.pagerduty.incidents import Obj, incident_stats, ref_id

__all__ = [
    "Window",
    "first_level_coverage",
    "incident_stats",
    "policy_data",
    "schedule_data",
    "service_data",
    "shifts_of",
]


def _refs(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _levels(ep: Obj) -> list[dict[str, Any]]:
    return _refs(ep.get("escalation_rules"))


def _targets(level: Obj) -> list[dict[str, Any]]:
    return _refs(level.get("targets"))


def shifts_of(sched: Obj) -> list[tuple[datetime, datetime, str | None]]:
    """(start, end, user id) of each entry of a rendered schedule's final layer."""
    final = sched.get("final_schedule")
    out: list[tuple[datetime, datetime, str | None]] = []
    for e in _refs(final.get("rendered_schedule_entries") if isinstance(final, dict) else None):
        a, b = parse_time(e.get("start")), parse_time(e.get("end"))
        if a is not None and b is not None:
            out.append((a, b, ref_id(e.get("user"))))
    return out


def first_level_coverage(
    ep: Obj, shifts: Mapping[str, list[tuple[datetime, datetime, str | None]]] | None, window: Window
) -> dict[str, Any]:
    """Coverage of the policy's first level over `window`: the union of its schedules' shifts
    (follow-the-sun schedules on one level cover together); a user target is always reachable.
    Nulls when the schedules were not rendered or a schedule of the level is missing."""
    levels = _levels(ep)
    targets = _targets(levels[0]) if levels else []
    unknown = {"first_level_coverage_ratio": None, "first_level_longest_gap_minutes": None}
    if shifts is None:
        return unknown
    if any(str(t.get("type", "")).startswith("user") for t in targets):
        return {"first_level_coverage_ratio": 1.0, "first_level_longest_gap_minutes": 0.0}
    union: list[tuple[datetime, datetime]] = []
    for t in targets:
        if not str(t.get("type", "")).startswith("schedule"):
            continue
        sid = str(t.get("id"))
        if sid not in shifts:
            return unknown
        union += [(a, b) for a, b, _u in shifts[sid]]
    cov = coverage(union, window.start, window.end)
    return {"first_level_coverage_ratio": cov["ratio"], "first_level_longest_gap_minutes": cov["longest_gap_minutes"]}


def _distinct_target_sets(levels: list[dict[str, Any]]) -> int:
    """Distinct target sets among the levels that notify someone: a level with no target pages
    nobody, so it must not count as a second line beside one that pages the first again."""
    return len({tuple(sorted(str(t.get("id")) for t in _targets(lv))) for lv in levels if _targets(lv)})


def policy_data(ep: Obj, active_services: int | None, level_cov: Mapping[str, Any]) -> dict[str, Any]:
    """An escalation policy: its levels, what each targets, loops, teams and services."""
    levels = _levels(ep)
    first = _targets(levels[0]) if levels else []
    return {
        **level_cov,
        "policy_id": str(ep.get("id", "")),
        "name": str(ep.get("name") or ep.get("summary") or ""),
        "levels": len(levels),
        "levels_with_targets": sum(1 for lv in levels if _targets(lv)),
        "schedule_levels": sum(
            1 for lv in levels if any(str(t.get("type", "")).startswith("schedule") for t in _targets(lv))
        ),
        "distinct_level_targets": _distinct_target_sets(levels),
        "first_level_targets": len(first),
        "delays_minutes": [d for d in (_int(lv.get("escalation_delay_in_minutes")) for lv in levels) if d is not None],
        "num_loops": _int(ep.get("num_loops")) or 0,
        "teams": len(_refs(ep.get("teams"))),
        "services": len(_refs(ep.get("services"))),
        "active_services": active_services,
    }


def _integration(i: Obj) -> dict[str, Any]:
    vendor = i.get("vendor")
    return {
        "type": str(i.get("type", "")).removesuffix("_reference"),
        "vendor": str(vendor.get("summary") or vendor.get("name") or "") or None if isinstance(vendor, dict) else None,
    }


def _urgency(svc: Obj) -> str | None:
    rule = svc.get("incident_urgency_rule")
    if not isinstance(rule, dict):
        return None
    if rule.get("type") == "constant":
        return str(rule.get("urgency") or "") or None
    return str(rule.get("type") or "") or None


def service_data(svc: Obj, policy: Obj | None) -> dict[str, Any]:
    """A service: its status, escalation policy (joined), teams and integrations."""
    status = str(svc.get("status") or "")
    integrations = [_integration(i) for i in _refs(svc.get("integrations"))]
    levels = _levels(policy) if policy is not None else None
    return {
        "service_id": str(svc.get("id", "")),
        "name": str(svc.get("name") or svc.get("summary") or ""),
        "status": status or None,
        "active": status != "disabled",
        "escalation_policy_id": ref_id(svc.get("escalation_policy")),
        "escalation_levels": len(levels) if levels is not None else None,
        "escalation_target_sets": _distinct_target_sets(levels) if levels is not None else None,
        "first_level_on_call": bool(levels and _targets(levels[0])) if levels is not None else None,
        "teams": len(_refs(svc.get("teams"))),
        "integration_count": len(integrations),
        "integrations": integrations[:50],
        "acknowledgement_timeout_s": _int(svc.get("acknowledgement_timeout")),
        "auto_resolve_timeout_s": _int(svc.get("auto_resolve_timeout")),
        "urgency": _urgency(svc),
    }


def schedule_data(sched: Obj, window: Window, in_use: bool | None) -> dict[str, Any]:
    """A schedule and the coverage of its final (rendered, with overrides) layer over `window`."""
    final = sched.get("final_schedule")
    pd_pct = final.get("rendered_coverage_percentage") if isinstance(final, dict) else None
    entries = shifts_of(sched)
    people = {u for _a, _b, u in entries if u}
    cov = coverage([(a, b) for a, b, _u in entries], window.start, window.end)
    return {
        "schedule_id": str(sched.get("id", "")),
        "name": str(sched.get("name") or sched.get("summary") or ""),
        "time_zone": str(sched.get("time_zone") or "") or None,
        "window": window.to_json(),
        "coverage_ratio": cov["ratio"],
        "gaps": cov["gaps"],
        "longest_gap_minutes": cov["longest_gap_minutes"],
        "reported_coverage_percent": float(pd_pct) if isinstance(pd_pct, (int, float)) else None,
        "on_call_people": len(people),
        "layers": len(_refs(sched.get("schedule_layers"))),
        "escalation_policies": len(_refs(sched.get("escalation_policies"))),
        "in_use": in_use,
    }
