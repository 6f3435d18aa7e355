"""The pagerduty probe: on-call and incident response from the PagerDuty REST API v2.

Read-only, with a read-only REST API key. Four steps, each failing only its own kinds:
1. services (with their integrations) and escalation policies, joined: a service's policy
   levels, a policy's active services;
2. schedules, each rendered over the next `coverage_days` (`GET /schedules/{id}?since&until`)
   so the final layer's shifts, overrides included, give its 24x7 coverage;
3. incidents created in the window and the account's log entries (`is_overview=true`) over the
   same window: first acknowledgement by a person, resolution and by whom, trigger source;
   and the account's priorities (`GET /priorities`, most severe first) to single out the major
   incidents. One list call per page; then the full log of at most `max_status_update_lookups`
   resolved incidents (`GET /incidents/{id}/log_entries`), where status updates sent to the
   incident's subscribers are written (`status_update_log_entry`).
Postmortems are not in PagerDuty's public REST API (they live in the web app and the
Analytics/Jeli products), so nothing here speaks to post-incident reviews.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from probes.pagerduty.client import PagerDutyClient
from probes.pagerduty.config import PagerDutyConfig
from probes.pagerduty.kinds import KINDS, MODELS
from probes.pagerduty.normalise import (
    Window,
    first_level_coverage,
    incident_stats,
    policy_data,
    schedule_data,
    service_data,
    shifts_of,
)
from scanner.evidence import Evidence
from scanner.probe import CollectError, KindModel, Probe, ProbeContext

__all__ = ["PagerDutyConfig", "PagerDutyProbe"]

SERVICE, POLICY, SCHEDULE, INCIDENTS = (
    "pagerduty.service",
    "pagerduty.escalation_policy",
    "pagerduty.schedule",
    "pagerduty.incident_stats",
)


class PagerDutyProbe(Probe):
    name = "pagerduty"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = PagerDutyConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: PagerDutyConfig = config
        api = PagerDutyClient(cfg, ctx)
        try:
            yield from _collect(api, cfg, ctx)
        finally:
            api.close()


def _team_filter(cfg: PagerDutyConfig) -> dict[str, Any]:
    return {"team_ids[]": list(cfg.team_ids)} if cfg.team_ids else {}


def _collect(api: PagerDutyClient, cfg: PagerDutyConfig, ctx: ProbeContext) -> Iterator[Evidence]:
    now = datetime.now(UTC).replace(microsecond=0)
    teams = _team_filter(cfg)
    services: list[dict[str, Any]] | None = None
    policies: list[dict[str, Any]] | None = None
    out: list[Evidence] = []
    with ctx.step((SERVICE, POLICY), "services and escalation policies"):
        listed_services = list(api.list("/services", "services", {"include[]": ["integrations"], **teams}))
        policies = list(api.list("/escalation_policies", "escalation_policies", teams))
        services = listed_services
        by_id = {str(p.get("id")): p for p in policies}
        for s in services:
            data = service_data(s, by_id.get(_policy_id(s)))
            out.append(ctx.evidence(SERVICE, f"service/{data['name']}", data, "GET /services"))
    yield from out

    # Schedules second: their rendered shifts give each policy's first-level coverage.
    out = []
    shifts: dict[str, list[Any]] | None = None
    cover = Window(now, now + timedelta(days=cfg.coverage_days))
    with ctx.step((SCHEDULE,), "schedules"):
        in_use_ids = _schedules_in_use(services, policies)
        listed = list(api.list("/schedules", "schedules", teams))
        if len(listed) > cfg.max_schedules:
            ctx.warn(f"{len(listed)} schedules; only the first {cfg.max_schedules} (max_schedules) were rendered")
        rendered: dict[str, list[Any]] = {}
        span = {"since": cover.to_json()["start"], "until": cover.to_json()["end"], "time_zone": "UTC"}
        for s in listed[: cfg.max_schedules]:
            sid = str(s.get("id"))
            sched = _rendered(api, sid, span)
            rendered[sid] = shifts_of(sched)
            data = schedule_data(sched, cover, None if in_use_ids is None else sid in in_use_ids)
            out.append(ctx.evidence(SCHEDULE, f"schedule/{data['name']}", data, f"GET /schedules/{sid}"))
        # Every schedule a policy in use names is rendered, past the cap or the team filter, so
        # a policy's coverage is never null while schedules count as collected.
        for sid in sorted((in_use_ids or set()) - set(rendered)):
            rendered[sid] = shifts_of(_rendered(api, sid, span))
        shifts = rendered
    yield from out

    if policies is not None:
        active = [s for s in services or [] if s.get("status") != "disabled"]
        for p in policies:
            pid = str(p.get("id"))
            n_active = sum(1 for s in active if _policy_id(s) == pid)
            data = policy_data(p, n_active, first_level_coverage(p, shifts, cover))
            yield ctx.evidence(POLICY, f"escalation_policy/{data['name']}", data, "GET /escalation_policies")

    out = []
    with ctx.step((INCIDENTS,), "incidents"):
        window = Window(now - timedelta(days=cfg.window_days), now)
        span = {"since": window.to_json()["start"], "until": window.to_json()["end"], "time_zone": "UTC"}
        incidents = list(api.list("/incidents", "incidents", {**span, **teams}))
        entries = list(api.list("/log_entries", "log_entries", {**span, "is_overview": "true", **teams}))
        names = {str(s.get("id")): str(s.get("name") or s.get("id")) for s in services or []}
        priorities = _priorities(api, ctx)
        status_logs = _status_logs(api, cfg, ctx, incidents, priorities, span)
        for subject, data in incident_stats(incidents, entries, window, names, priorities, status_logs):
            out.append(ctx.evidence(INCIDENTS, subject, data, "GET /incidents, GET /log_entries"))
    yield from out


_ID = re.compile(r"[A-Za-z0-9]{1,40}")


def _status_logs(
    api: PagerDutyClient,
    cfg: PagerDutyConfig,
    ctx: ProbeContext,
    incidents: list[dict[str, Any]],
    priorities: list[dict[str, Any]] | None,
    span: dict[str, str],
) -> dict[str, list[dict[str, Any]]] | None:
    """The full logs (`GET /incidents/{id}/log_entries`, not the overview) of at most
    `max_status_update_lookups` resolved incidents, the most severe priority first, then high
    urgency, then the newest: status updates to subscribers are written there. Each read is
    bounded by the window (`since`/`until`, as the incident list): every incident read was created
    in it, and no default date range of the endpoint can then cut an older incident's log short.
    None when none is read or a read fails (refused, missing): the status-update figures are then
    null, never 0."""
    if cfg.max_status_update_lookups == 0:
        return None
    rank = {str(p.get("id")): n for n, p in enumerate(priorities or [])}

    def order(i: dict[str, Any]) -> tuple[int, int]:
        prio = i.get("priority")
        pid = str(prio.get("id")) if isinstance(prio, dict) else ""
        return (rank.get(pid, len(rank)), 0 if i.get("urgency") == "high" else 1)

    # PagerDuty ids are alphanumeric; anything else is not put into a path
    resolved = [i for i in incidents if i.get("status") == "resolved" and _ID.fullmatch(str(i.get("id") or ""))]
    resolved.sort(key=lambda i: str(i.get("created_at") or ""), reverse=True)  # newest first within a rank
    resolved.sort(key=order)  # stable: the newest first stays within each rank
    picked = resolved[: cfg.max_status_update_lookups]
    if len(resolved) > len(picked):
        ctx.warn(f"{len(resolved)} resolved incidents; the logs of {len(picked)} were read for status updates")
    logs: dict[str, list[dict[str, Any]]] = {}
    try:
        for inc in picked:
            iid = str(inc["id"])
            logs[iid] = list(api.list(f"/incidents/{iid}/log_entries", "log_entries", {**span, "is_overview": "false"}))
    except CollectError as exc:
        ctx.warn(f"/incidents/{{id}}/log_entries: {exc}; status updates not counted")
        return None
    return logs


def _priorities(api: PagerDutyClient, ctx: ProbeContext) -> list[dict[str, Any]] | None:
    """The account's priorities, most severe first (`GET /priorities`); None when they cannot be
    read (the feature is on Standard and Enterprise plans only): the major-incident figures are
    then null, and the rest of the incident figures stand."""
    try:
        return list(api.list("/priorities", "priorities"))
    except CollectError as exc:
        ctx.warn(f"/priorities: {exc}; major-incident figures not computed")
        return None


def _rendered(api: PagerDutyClient, sid: str, span: dict[str, str]) -> dict[str, Any]:
    """One schedule rendered over `span` (its final layer's shifts, overrides included)."""
    doc = api.get_json(f"/schedules/{sid}", span)
    sched = doc.get("schedule") if isinstance(doc, dict) else None
    if not isinstance(sched, dict):
        raise CollectError(f"/schedules/{sid}: the answer has no schedule object", "malformed")
    return sched


def _policy_id(service: dict[str, Any]) -> str:
    ref = service.get("escalation_policy")
    return str(ref.get("id")) if isinstance(ref, dict) else ""


def _schedules_in_use(services: list[dict[str, Any]] | None, policies: list[dict[str, Any]] | None) -> set[str] | None:
    """Ids of schedules a policy of an active service targets (None: not known)."""
    if services is None or policies is None:
        return None
    used = {_policy_id(s) for s in services if s.get("status") != "disabled"}
    out: set[str] = set()
    for p in policies:
        if str(p.get("id")) not in used:
            continue
        for level in p.get("escalation_rules") or []:
            for t in (level.get("targets") or []) if isinstance(level, dict) else []:
                if isinstance(t, dict) and str(t.get("type", "")).startswith("schedule"):
                    out.add(str(t.get("id")))
    return out
