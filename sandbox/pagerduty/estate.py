"""The PagerDuty estate the loopback API serves: services, policies, schedules (as shifts),
incidents with their log entries and status updates, priorities; the demo's well-run account and
the builders tests use (split from sandbox/pagerduty/__init__.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "Estate",
    "Fault",
    "Shift",
    "add_incident",
    "add_status_update",
    "escalation_policy",
    "escalation_rule",
    "integration",
    "priority",
    "ref",
    "schedule",
    "service",
    "well_run_estate",
]


@dataclass
class Fault:
    path: str  # regex searched in the request path
    status: int
    times: int = 1
    retry_after: str | None = None


@dataclass
class Shift:
    """A recurring on-call shift of a schedule: every day from `start_hour` for `hours`."""

    user: str
    start_hour: int
    hours: int


@dataclass
class Estate:
    services: list[dict[str, Any]] = field(default_factory=list)
    integrations: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    shifts: dict[str, list[Shift]] = field(default_factory=dict)  # schedule id -> daily shifts
    incidents: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    priorities: list[dict[str, Any]] = field(default_factory=list)  # most severe first, as listed
    # status updates sent to subscribers: in an incident's full log, not in the overview listing
    status_updates: list[dict[str, Any]] = field(default_factory=list)


def priority(pid: str, name: str) -> dict[str, Any]:
    """A priority as `GET /priorities` lists it."""
    return {"id": pid, "type": "priority", "summary": name, "name": name, "description": "", "color": "a8171c"}


def _ts(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ref(kind: str, oid: str, summary: str) -> dict[str, Any]:
    """A reference to another object (`kind`: service, schedule, escalation_policy, team, user,
    vendor, ...), as PagerDuty embeds it; without the `self` link."""
    return {"id": oid, "type": f"{kind}_reference", "summary": summary}


def _ref(kind: str, oid: str, summary: str) -> dict[str, Any]:
    return {**ref(kind, oid, summary), "self": f"https://api.pagerduty.com/{kind}s/{oid}"}


def schedule(
    sid: str, name: str, time_zone: str, policy: dict[str, Any], teams: list[Any] | None = None
) -> dict[str, Any]:
    """A schedule as `GET /schedules` lists it, used by the escalation policy `policy` (a reference);
    who is on call when comes from the estate's shifts."""
    return {
        "id": sid,
        "type": "schedule",
        "name": name,
        "summary": name,
        "time_zone": time_zone,
        "escalation_policies": [policy],
        "users": [],
        "teams": teams or [],
    }


def escalation_rule(rid: str, delay: int, *targets: dict[str, Any]) -> dict[str, Any]:
    """One level of an escalation policy: notify `targets` (references), escalate after `delay` minutes."""
    return {"id": rid, "escalation_delay_in_minutes": delay, "targets": list(targets)}


def escalation_policy(
    pid: str,
    name: str,
    num_loops: int,
    rules: list[dict[str, Any]],
    services: list[dict[str, Any]],
    teams: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An escalation policy as `GET /escalation_policies` lists it; `services` and `teams` are references."""
    return {
        "id": pid,
        "type": "escalation_policy",
        "name": name,
        "summary": name,
        "num_loops": num_loops,
        "escalation_rules": rules,
        "services": services,
        "teams": teams or [],
    }


def integration(iid: str, kind: str, name: str, vendor: dict[str, Any] | None = None) -> dict[str, Any]:
    """An inbound integration of a service (`kind`: events_api_v2_inbound_integration, ...), as
    `GET /services/:id/integrations/:id` answers; `vendor` is a vendor reference, or None."""
    return {"id": iid, "type": kind, "name": name, "vendor": vendor}


def service(
    sid: str,
    name: str,
    policy: dict[str, Any],
    integrations: list[dict[str, Any]],
    teams: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An active service as `GET /services` lists it: escalated by `policy` (a reference), fed by
    `integrations` (references), always high urgency, no acknowledgement or auto-resolve timeout;
    `fields` adds or overrides keys (description, acknowledgement_timeout, ...)."""
    return {
        "id": sid,
        "type": "service",
        "name": name,
        "summary": name,
        "status": "active",
        "escalation_policy": policy,
        "teams": teams or [],
        "integrations": integrations,
        "acknowledgement_timeout": None,
        "auto_resolve_timeout": None,
        "incident_urgency_rule": {"type": "constant", "urgency": "high"},
        "alert_creation": "create_alerts_and_incidents",
        **fields,
    }


def well_run_estate(now: datetime | None = None, *, incidents: int = 30) -> Estate:
    """Two services fed by Prometheus, two-level policies on 24x7 schedules, fast responses."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    e = Estate()
    shop = _ref("escalation_policy", "PEP1", "Shop")
    e.schedules = [
        schedule("PSCH1", "Primary", "UTC", shop),
        schedule("PSCH2", "Secondary", "UTC", shop),
    ]
    e.shifts = {
        "PSCH1": [Shift("PU1", 0, 12), Shift("PU2", 12, 12)],
        "PSCH2": [Shift("PU3", 0, 24)],
    }
    team = _ref("team", "PT1", "Shop")
    e.policies = [
        escalation_policy(
            "PEP1",
            "Shop",
            1,
            [
                escalation_rule("R1", 10, _ref("schedule", "PSCH1", "Primary")),
                escalation_rule("R2", 15, _ref("schedule", "PSCH2", "Secondary")),
            ],
            [_ref("service", "PSVC1", "checkout"), _ref("service", "PSVC2", "search")],
            [team],
        ),
    ]
    kind = "events_api_v2_inbound_integration"
    e.integrations = {
        "PI1": integration("PI1", kind, "Alertmanager", ref("vendor", "PV1", "Prometheus")),
        "PI2": integration("PI2", kind, "Alertmanager"),
    }
    for sid, name, integ in (("PSVC1", "checkout", "PI1"), ("PSVC2", "search", "PI2")):
        e.services.append(
            service(sid, name, shop, [_ref(kind, integ, "Alertmanager")], [team], acknowledgement_timeout=1800)
        )
    for n in range(incidents):
        created = now - timedelta(days=1 + n * 2, minutes=n)
        svc = e.services[n % 2]
        add_incident(e, n + 1, created, svc["id"], svc["name"], ack_after_s=40 + n, resolve_after_s=240 + 5 * n)
    # the bigger incidents get a resolution notice to their subscribers (stakeholders)
    for n in (k for k in (1, 4, 9) if k <= incidents):
        inc = e.incidents[n - 1]
        done = datetime.fromisoformat(inc["resolved_at"].replace("Z", "+00:00"))
        add_status_update(
            e, n, done + timedelta(minutes=10), "Resolved: checkout errors stopped; cause and follow-ups in the review."
        )
    return e


def add_status_update(e: Estate, number: int, at: datetime, message: str) -> None:
    """A status update on incident `number` (`POST /incidents/{id}/status_updates` writes a
    `status_update_log_entry` with its message into the incident's log)."""
    iid = f"PINC{number}"
    inc = next(i for i in e.incidents if i["id"] == iid)
    e.status_updates.append(
        {
            "id": f"S{number}-{len(e.status_updates) + 1}",
            "type": "status_update_log_entry",
            "summary": "Status update sent",
            "created_at": _ts(at),
            "incident": _ref("incident", iid, inc["summary"]),
            "service": inc["service"],
            "agent": _ref("user", "PU1", "Ada"),
            "channel": {"type": "web_trigger"},
            "message": message,
        }
    )


def add_incident(
    e: Estate,
    number: int,
    created: datetime,
    service_id: str,
    service_name: str,
    *,
    ack_after_s: float | None,
    resolve_after_s: float | None,
    trigger_by: str = "integration",
    resolve_by: str = "user",
    urgency: str = "high",
    priority_id: str | None = None,
) -> None:
    """An incident and its overview log entries (trigger, acknowledge, resolve).

    `resolve_by`: "user" (a person resolved it), "integration" (its alert cleared through the
    Events API) or "timeout" (the service's auto-resolve timeout). The incident's
    `last_status_change_at`/`last_status_change_by` are those of its last status change, as
    PagerDuty sends them: the resolution (the user, or the service for an integration or the
    timeout), else the acknowledgement (the user), else the trigger (the user, or the service
    for an integration)."""
    iid = f"PINC{number}"
    ref = _ref("incident", iid, f"[#{number}] something broke")
    svc_ref = _ref("service", service_id, service_name)
    user = _ref("user", "PU1", "Ada")
    integ = _ref("events_api_v2_inbound_integration", "PI1", "Alertmanager")
    status = "resolved" if resolve_after_s is not None else ("acknowledged" if ack_after_s is not None else "triggered")
    inc: dict[str, Any] = {
        "id": iid,
        "type": "incident",
        "incident_number": number,
        "title": "something broke",
        "summary": ref["summary"],
        "created_at": _ts(created),
        "status": status,
        "urgency": urgency,
        "service": svc_ref,
        "escalation_policy": _ref("escalation_policy", "PEP1", "Shop"),
        "assignments": [],
        "acknowledgements": [],
        "last_status_change_at": _ts(created),
        "last_status_change_by": svc_ref if trigger_by == "integration" else user,
        "priority": None,
    }
    if ack_after_s is not None:
        inc["last_status_change_at"] = _ts(created + timedelta(seconds=ack_after_s))
        inc["last_status_change_by"] = user
    for p in e.priorities:
        if p["id"] == priority_id:
            inc["priority"] = {**_ref("priority", p["id"], p["summary"]), "type": "priority", "name": p["name"]}
    if resolve_after_s is not None:
        inc["resolved_at"] = inc["last_status_change_at"] = _ts(created + timedelta(seconds=resolve_after_s))
        inc["last_status_change_by"] = user if resolve_by == "user" else svc_ref
    e.incidents.append(inc)
    agent = integ if trigger_by == "integration" else user
    e.log_entries.append(
        {
            "id": f"T{number}",
            "type": "trigger_log_entry",
            "created_at": _ts(created),
            "incident": ref,
            "service": svc_ref,
            "agent": agent,
            "channel": {"type": "api"},
        }
    )
    if ack_after_s is not None:
        e.log_entries.append(
            {
                "id": f"A{number}",
                "type": "acknowledge_log_entry",
                "created_at": _ts(created + timedelta(seconds=ack_after_s)),
                "incident": ref,
                "service": svc_ref,
                "agent": user,
                "channel": {"type": "website"},
            }
        )
    if resolve_after_s is not None:
        by = {"user": (user, "website"), "integration": (integ, "api"), "timeout": (svc_ref, "timeout")}[resolve_by]
        e.log_entries.append(
            {
                "id": f"R{number}",
                "type": "resolve_log_entry",
                "created_at": _ts(created + timedelta(seconds=resolve_after_s)),
                "incident": ref,
                "service": svc_ref,
                "agent": by[0],
                "channel": {"type": by[1]},
            }
        )
