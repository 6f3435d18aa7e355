"""PagerDuty incidents and their log entries -> the incident figures of `pagerduty.incident_stats`
(pure functions; split from normalise.py). Who did something is read from log entries' `agent`:
a `user_reference` is a person; any other agent is automation, and a resolution through the
service's auto-resolve timeout is counted apart. Who resolved a resolved incident is first read
from the incident itself (`last_status_change_by`: a resolved incident's last status change is
its resolution; a `user_reference` when a person resolved it, the service's reference when its
integration or the auto-resolve timeout did), then from its resolve log entry's `agent`; neither
needs a request per incident."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from probes.oncall import Window, parse_time, timing

__all__ = ["OPEN_SLOW_MINUTES", "Obj", "incident_stats", "ref_id"]

Obj = Mapping[str, Any]
HUMAN = "user_reference"


def ref_id(value: Any) -> str | None:
    """The `id` of a PagerDuty reference object (null when it is not one)."""
    return str(value["id"]) if isinstance(value, dict) and value.get("id") is not None else None


@dataclass
class _Life:
    """What the log says happened to one incident."""

    trigger_agent: str | None = None
    first_ack: datetime | None = None
    resolved: datetime | None = None
    resolved_agent: str | None = None
    resolved_channel: str | None = None
    escalated: bool = False
    touched: set[str] = field(default_factory=set)


def _lives(entries: Iterable[Obj]) -> dict[str, _Life]:
    lives: dict[str, _Life] = defaultdict(_Life)
    for e in entries:
        iid = ref_id(e.get("incident"))
        at = parse_time(e.get("created_at"))
        if iid is None or at is None:
            continue
        kind = str(e.get("type", "")).removesuffix("_reference")
        agent = e.get("agent")
        agent_type = str(agent.get("type")) if isinstance(agent, dict) and agent.get("type") else None
        life = lives[iid]
        if kind == "trigger_log_entry":
            life.trigger_agent = agent_type
        elif kind == "acknowledge_log_entry" and agent_type == HUMAN:
            life.first_ack = at if life.first_ack is None else min(life.first_ack, at)
        elif kind == "resolve_log_entry" and (life.resolved is None or at > life.resolved):
            channel = e.get("channel")
            life.resolved, life.resolved_agent = at, agent_type
            life.resolved_channel = str(channel.get("type")) if isinstance(channel, dict) else None
        elif kind == "escalate_log_entry":
            life.escalated = True
        if agent_type == HUMAN:
            life.touched.add(kind)
    return lives


def _resolver(inc: Obj, life: _Life) -> str | None:
    """The reference type of whoever resolved an incident (`user_reference`: a person): for a
    resolved one, its `last_status_change_by`, else its last resolve log entry's agent; for any
    other, the agent of a resolve log entry (normally none). None when nothing says."""
    if inc.get("status") != "resolved":
        return life.resolved_agent
    by = inc.get("last_status_change_by")
    if isinstance(by, dict) and by.get("type"):
        return str(by["type"])
    return life.resolved_agent


def _minutes(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds() / 60


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _first_response(
    created: datetime | None, life: _Life, done_at: datetime | None, resolver: str | None
) -> float | None:
    """Minutes to a person's first response: the first acknowledgement, or a resolution by a
    person who never acknowledged. A page nobody answered before the service's auto-resolve
    timeout closed it counts with the time it stayed open, a lower bound: leaving it out would
    let a team that ignores its pages show a fast median over the few it answers. Incidents an
    integration resolved before anyone acted, and those still open, are left out."""
    if life.first_ack is not None:
        return _minutes(created, life.first_ack)
    if resolver == HUMAN or life.resolved_channel == "timeout":
        return _minutes(created, done_at)
    return None


# An open major incident counts (with its age) only once it is older than this: the slow bound
# of the rules on major incidents (`pagerduty.incidents.major-resolved-fast`: p90 ≤ 240 min).
OPEN_SLOW_MINUTES = 240.0


def _major(
    incidents: list[Obj], lives: Mapping[str, _Life], window: Window, order: list[tuple[str, str]] | None
) -> dict[str, Any]:
    """Figures on the incidents carrying the account's most severe priority (`order`: priority
    ids, most severe first, as `GET /priorities` lists them; None: not read). The incident's
    priority is its current one, the grade it ended with. Time to resolve counts every resolved
    one (whoever resolved it) and, for one still open for longer than `OPEN_SLOW_MINUTES`, its
    age at the scan: a lower bound that is already slow. One opened more recently is left out of
    the figures (`top_priority_open` still counts it): its age would read as a fast resolution
    when its end is not yet known."""
    top, top_name = order[0] if order else (None, None)
    graded = [i for i in incidents if ref_id(i.get("priority")) is not None]
    major = [i for i in graded if ref_id(i.get("priority")) == top]
    took: list[float] = []
    still_open = 0
    for inc in major:
        created = parse_time(inc.get("created_at"))
        life = lives.get(str(inc.get("id")), _Life())
        done_at = life.resolved or parse_time(inc.get("resolved_at"))
        if inc.get("status") != "resolved" or done_at is None:
            still_open += 1
            age = _minutes(created, window.end)
            if age is None or age <= OPEN_SLOW_MINUTES:
                continue
            done_at = window.end
        t = _minutes(created, done_at)
        if t is not None:
            took.append(t)
    return {
        "priorities_defined": len(order) if order is not None else None,
        "top_priority": top_name,
        "with_priority": len(graded),
        "priority_coverage": _ratio(len(graded), len(incidents)),
        "top_priority_incidents": len(major),
        "top_priority_share": _ratio(len(major), len(incidents)),
        "top_priority_open": still_open,
        "top_priority_time_to_resolve_minutes": timing(took),
    }


def _stats(incidents: list[Obj], lives: Mapping[str, _Life], window: Window) -> dict[str, Any]:
    tta: list[float] = []
    ttr: list[float] = []
    ttr_handled: list[float] = []
    ttr_person: list[float] = []
    high_tta: list[float] = []
    high_ttr_person: list[float] = []
    triggers = from_integration = resolved = by_person = auto_resolved = timeout_resolved = escalated = acked = high = 0
    for inc in incidents:
        life = lives.get(str(inc.get("id")), _Life())
        created = parse_time(inc.get("created_at"))
        is_high = inc.get("urgency") == "high"
        high += is_high
        if life.trigger_agent is not None:
            triggers += 1
            from_integration += life.trigger_agent != HUMAN
        escalated += life.escalated
        done_at = life.resolved or (parse_time(inc.get("resolved_at")) if inc.get("status") == "resolved" else None)
        ack = _minutes(created, life.first_ack)
        if ack is not None:
            acked += 1
        resolver = _resolver(inc, life)
        response = _first_response(created, life, done_at, resolver)
        if response is not None:
            tta.append(response)
            if is_high:
                high_tta.append(response)
        if inc.get("status") != "resolved" or done_at is None:
            continue
        resolved += 1
        took = _minutes(created, done_at)
        if took is not None:
            ttr.append(took)
        # "handled": a person acknowledged or resolved it (received and worked on); "by a person":
        # a person resolved it. An alert that cleared after an acknowledgement, or that the
        # auto-resolve timeout closed, is handled but not a resolution by a person, so its
        # creation-to-resolution is not a time to fix and stays out of the "by person" figures.
        person = resolver == HUMAN
        handled = life.first_ack is not None or person
        by_person += person
        if life.resolved_channel == "timeout":
            timeout_resolved += 1
        elif not handled and resolver is not None:
            auto_resolved += 1
        if took is not None and handled:
            ttr_handled.append(took)
        if took is not None and person:
            ttr_person.append(took)
            if is_high:
                high_ttr_person.append(took)
    return {
        "window": window.to_json(),
        "incidents": len(incidents),
        "high_urgency": high,
        "acknowledged": acked,
        "resolved": resolved,
        "resolved_by_person": by_person,
        "time_to_ack_minutes": timing(tta),
        "time_to_resolve_minutes": timing(ttr),
        "time_to_resolve_handled_minutes": timing(ttr_handled),
        "time_to_resolve_by_person_minutes": timing(ttr_person),
        "high_urgency_time_to_ack_minutes": timing(high_tta),
        "high_urgency_time_to_resolve_by_person_minutes": timing(high_ttr_person),
        "triggers_seen": triggers,
        "from_integration_ratio": _ratio(from_integration, triggers),
        "auto_resolved": auto_resolved,
        "auto_resolved_ratio": _ratio(auto_resolved, resolved),
        "timeout_resolved": timeout_resolved,
        "escalated_ratio": _ratio(escalated, len(incidents)),
        "sample_incidents": [str(i.get("incident_number") or i.get("id")) for i in incidents[:5]],
    }


STATUS_UPDATE = "status_update_log_entry"


def _status_updates(
    incidents: list[Obj], lives: Mapping[str, _Life], logs: Mapping[str, Sequence[Obj]] | None
) -> dict[str, Any]:
    """Status updates (`status_update_log_entry`, what `POST /incidents/{id}/status_updates`
    sends to the incident's subscribers) in the full logs read (`logs`: incident id -> its log
    entries; None: not read). "After resolution" is at or after the incident's last resolution."""
    if logs is None:
        return {"status_updates_checked": None, "status_updated": None, "status_updated_after_resolution": None}
    checked = updated = after = 0
    for inc in incidents:
        iid = str(inc.get("id"))
        if iid not in logs:
            continue
        checked += 1
        life = lives.get(iid, _Life())
        done_at = life.resolved or parse_time(inc.get("resolved_at"))
        times = [
            t
            for e in logs[iid]
            if str(e.get("type", "")).removesuffix("_reference") == STATUS_UPDATE
            and (t := parse_time(e.get("created_at"))) is not None
        ]
        updated += bool(times)
        after += done_at is not None and any(t >= done_at for t in times)
    return {"status_updates_checked": checked, "status_updated": updated, "status_updated_after_resolution": after}


def incident_stats(
    incidents: Iterable[Obj],
    entries: Iterable[Obj],
    window: Window,
    services: Mapping[str, str],
    priorities: Sequence[Obj] | None = None,
    status_logs: Mapping[str, Sequence[Obj]] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """(subject, data) for the whole account and for each service with incidents in the window.

    `services` maps service ids to names (for subjects); an incident's times come from the log
    entries (first human acknowledgement, last resolution), its creation from the incident.
    `priorities` is the account's priority list, most severe first (None: not read).
    `status_logs` holds the full logs of the incidents read for status updates (None: not read).
    """
    order = None
    if priorities is not None:
        order = [
            (str(p["id"]), str(p.get("name") or p.get("summary") or p["id"])[:60]) for p in priorities if p.get("id")
        ]
    lives = _lives(entries)
    mine = [
        i for i in incidents if (t := parse_time(i.get("created_at"))) is not None and window.start <= t <= window.end
    ]
    acct = {
        **_stats(mine, lives, window),
        **_major(mine, lives, window, order),
        **_status_updates(mine, lives, status_logs),
    }
    out = [("account", {"scope": "account", "service_id": None, "service": None, **acct})]
    by_service: dict[str, list[Obj]] = defaultdict(list)
    for inc in mine:
        sid = ref_id(inc.get("service"))
        if sid:
            by_service[sid].append(inc)
    for sid in sorted(by_service):
        name = services.get(sid) or sid
        out.append(
            (
                f"service/{name}",
                {
                    "scope": "service",
                    "service_id": sid,
                    "service": name,
                    **_stats(by_service[sid], lives, window),
                    **_major(by_service[sid], lives, window, order),
                    **_status_updates(by_service[sid], lives, status_logs),
                },
            )
        )
    return out
