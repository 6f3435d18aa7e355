"""Pennant, a mid-sized fintech (card payments and payouts for small merchants): two product
teams (Payments, Web) and a small Ops team, whose on-call and incident tools are run honestly
but thinly. Written and graded blind (expected.yaml was written before any rule was read).

Served by the loopback APIs of sandbox/ (tests/fidelity.py starts what `loopback()` returns);
the Prometheus alerting rules and the Alertmanager configuration the Ops team keeps live in its
small monitoring repository (repo/). Prometheus itself, Grafana, the wiki and CI are not scanned.

- Jira Service Management: one "IT & Ops desk" with incident, problem, change and service
  request types. Incidents run under one SLA, "Time to resolution", with the same 8-hour goal
  whatever their priority (the desk was set up from the template and never tuned); 5 of 40
  missed it. Every incident is raised at the template's default priority (Medium); Ops raises
  the worst ones (8 of 40, to High or Highest) while handling them, the rest stay at Medium. Four problem records, three of them linked to the incidents that raised them.
  Change requests are only partly filled: most keep the default risk (Low) and no impact, an
  implementation plan on two in three, a test plan on one in three, a planned start on most.
  No post-incident review type, no CSAT.
- PagerDuty: two services (payments-platform, web-app) fed by Alertmanager and Sentry, one
  escalation policy with a single level over one business-hours schedule (08:00-18:00 UTC; the
  sandbox renders it every day); no teams. 32 incidents in 90 days, 26 opened by integrations and
  6 by people (support escalations, an engineer noticing a stuck payout run); priorities P1-P3
  are set on about half. Daytime acknowledgements within 1-7 minutes; night incidents wait for
  the morning or resolve themselves. Resolutions from 15 minutes to several hours. No status
  updates to stakeholders.
- Sentry: a React web app with performance monitoring and release health (sessions, Web Vitals),
  a Python payments backend sending errors only (no tracing); the default issue alert (owners,
  falling back to all members) and a Slack rule; metric alerts on fixed thresholds only (LCP,
  error count, crash-free rate); no ownership rules or auto-assignment, open team membership
  (Sentry's default), Slack and GitHub integrations, no user feedback.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.base import Estate
from sandbox.jsm import JsmAPI, JsmRequest, RequestType, ServiceDesk, Sla
from sandbox.jsm.api import IMPACT, PLAN, RISK, START, TEST
from sandbox.loopback_estates import JsmDemoEstate, PagerDutyDemoEstate, SentryDemoEstate
from sandbox.pagerduty import Estate as PagerDutyEstate
from sandbox.pagerduty import (
    Shift,
    add_incident,
    escalation_policy,
    escalation_rule,
    integration,
    priority,
    ref,
    schedule,
    service,
)
from sandbox.sentry import SentryAPI, SentryProjectData, issue_rule


def loopback() -> list[Estate]:
    return [PagerDutyDemoEstate(pagerduty), SentryDemoEstate(sentry), JsmDemoEstate(jsm)]


# -- PagerDuty --------------------------------------------------------------------------------

# (service index, hour of day UTC, ack seconds or None, resolve seconds, opened by an integration,
# priority or None). Services: 0 payments-platform, 1 web-app. Night incidents (outside 08-18)
# reach nobody on call: acknowledged when the day starts, or resolved by the integration.
INCIDENTS: list[tuple[int, int, float | None, float, bool, str | None]] = [
    (0, 9, 140, 2700, True, "P2"), (1, 11, 95, 1200, True, None), (0, 14, 260, 5400, True, "P1"),
    (0, 10, 180, 3000, False, "P2"), (1, 15, 75, 900, True, None), (0, 2, 21600, 25200, True, "P2"),
    (0, 13, 320, 4200, True, None), (1, 9, 210, 1800, True, "P3"), (0, 16, 150, 3600, True, "P2"),
    (0, 12, 400, 9000, False, "P1"), (1, 10, 120, 1500, True, None), (0, 23, None, 1140, True, None),
    (0, 11, 90, 2400, True, "P3"), (1, 14, 230, 2100, True, None), (0, 9, 170, 6300, True, "P2"),
    (1, 17, 300, 2700, False, "P3"), (0, 10, 110, 1080, True, None), (0, 5, 12600, 16200, True, "P2"),
    (1, 13, 65, 960, True, None), (0, 15, 280, 7200, True, "P1"), (0, 12, 200, 3300, False, "P2"),
    (1, 10, 130, 1320, True, None), (0, 21, None, 2280, True, None), (0, 14, 240, 4800, True, "P2"),
    (1, 11, 160, 1680, True, "P3"), (0, 16, 350, 3900, False, None), (0, 9, 100, 2520, True, None),
    (1, 3, 19800, 21000, True, None), (0, 13, 190, 5700, True, "P2"), (1, 12, 85, 1140, True, None),
    (0, 10, 420, 10800, False, "P1"), (0, 15, 220, 2940, True, None),
]  # fmt: skip


def pagerduty() -> PagerDutyEstate:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    e = PagerDutyEstate()
    e.priorities = [priority(f"PP{n}", f"P{n}") for n in range(1, 4)]
    ops = ref("escalation_policy", "PE1", "Ops")
    e.schedules.append(schedule("PS1", "Ops business hours", "Europe/London", ops))
    e.shifts["PS1"] = [Shift("PU1", 8, 10)]  # one person a week in rotation, 08:00-18:00
    services = [("PSVC1", "payments-platform"), ("PSVC2", "web-app")]
    e.policies = [
        escalation_policy(
            "PE1",
            "Ops",
            0,
            [escalation_rule("R1", 30, ref("schedule", "PS1", "Ops business hours"))],
            [ref("service", sid, name) for sid, name in services],
        )
    ]
    e.integrations = {
        "PI1": integration(
            "PI1", "events_api_v2_inbound_integration", "Alertmanager", ref("vendor", "PV1", "Prometheus")
        ),
        "PI2": integration("PI2", "generic_events_api_inbound_integration", "Sentry", ref("vendor", "PV3", "Sentry")),
    }
    for sid, name in services:
        e.services.append(
            service(
                sid,
                name,
                ops,
                [
                    ref("events_api_v2_inbound_integration", "PI1", "Alertmanager"),
                    ref("generic_events_api_inbound_integration", "PI2", "Sentry"),
                ],
                description="",
                auto_resolve_timeout=14400,
            )
        )
    for n, (si, hour, ack, resolve, by_alert, prio) in enumerate(INCIDENTS):
        sid, name = services[si]
        day = now.replace(hour=0) - timedelta(days=2 + n * 85 // len(INCIDENTS))
        created = day + timedelta(hours=hour, minutes=(n * 17) % 60)
        add_incident(
            e,
            n + 1,
            created,
            sid,
            name,
            ack_after_s=ack,
            resolve_after_s=resolve,
            trigger_by="integration" if by_alert else "user",
            resolve_by="user" if ack is not None else "integration",
            urgency="high",
            priority_id=f"PP{prio[1]}" if prio else None,
        )
        e.incidents[-1]["escalation_policy"] = ops
    return e


# -- Sentry -----------------------------------------------------------------------------------

DEFAULT_ALERT = {  # the rule Sentry creates with a project: issue owners, else all members
    "id": "sentry.mail.actions.NotifyEmailAction",
    "targetType": "IssueOwners",
    "fallthroughType": "ActiveMembers",
}


def _metric_alert(aid: str, name: str, dataset: str, aggregate: str, project: str, threshold: float) -> dict[str, Any]:
    return {
        "id": aid,
        "name": name,
        "owner": None,
        "dataset": dataset,
        "aggregate": aggregate,
        "query": "",
        "projects": [project],
        "environment": "production",
        "timeWindow": 5 if dataset == "events" else 30,
        "thresholdType": 0,
        "detectionType": "static",
        "triggers": [{"label": "critical", "alertThreshold": threshold, "actions": [{"type": "slack"}]}],
    }


def sentry(token: str) -> SentryAPI:
    web = SentryProjectData(
        1,
        "merchant-web",
        "javascript-react",
        ["web"],
        sessions=380_000,
        crash_free_sessions=0.9968,
        crash_free_users=0.9951,
        perf={
            "count()": 240_000,
            "p75(transaction.duration)": 1400.0,
            "p95(transaction.duration)": 4100.0,
            "p75(measurements.lcp)": 2900.0,
            "p75(measurements.inp)": 240.0,
            "p75(measurements.cls)": 0.11,
            "p75(measurements.fcp)": 1800.0,
            "p75(measurements.ttfb)": 650.0,
        },
        rules=[issue_rule("1", "Send a notification for high priority issues", DEFAULT_ALERT)],
    )
    payments = SentryProjectData(  # errors only: the SDK runs with traces_sample_rate=0
        2,
        "payments-api",
        "python-fastapi",
        ["payments"],
        rules=[
            issue_rule("2", "Send a notification for high priority issues", DEFAULT_ALERT),
            issue_rule(
                "3",
                "New payments-api errors to #payments-dev",
                {
                    "id": "sentry.integrations.slack.notify_action.SlackNotifyServiceAction",
                    "workspace": "1",
                    "channel": "#payments-dev",
                },
            ),
        ],
    )
    alerts = [
        _metric_alert(
            "20", "merchant-web LCP p75 above 4 s", "transactions", "p75(measurements.lcp)", "merchant-web", 4000
        ),
        _metric_alert("21", "payments-api more than 50 errors in 5 minutes", "events", "count()", "payments-api", 50),
        _metric_alert(
            "22",
            "merchant-web crash-free sessions below 99%",
            "metrics",
            "percentage(sessions_crashed, sessions) AS _crash_rate_alert_aggregate",
            "merchant-web",
            1.0,
        ),
    ]
    api = SentryAPI(
        token=token,
        projects=[web, payments],
        integrations=["slack", "github"],
        metric_alerts=alerts,
        open_membership=True,
    )
    api.start()
    return api


# -- Jira Service Management ------------------------------------------------------------------

INC, PROB, CHG, REQ = "10001", "10002", "10003", "10004"
GOAL = 480.0  # "Time to resolution": one 8-hour goal, whatever the priority
# incidents whose priority Ops raised from the default while handling them (index -> priority)
RAISED = {2: "Highest", 8: "High", 13: "High", 17: "Highest", 21: "High", 26: "High", 30: "Highest", 34: "High"}


def _jira_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def jsm(token: str) -> JsmAPI:
    now = datetime.now(UTC).replace(microsecond=0)
    types = [
        RequestType("1", "1", "Report an incident", INC, "incident-management"),
        RequestType("2", "1", "Problem", PROB, "problem-management"),
        RequestType("3", "1", "Request a change", CHG, "change-management"),
        RequestType("4", "1", "Get IT help", REQ, "service-request"),
    ]
    reqs: list[JsmRequest] = []
    breached = {4, 11, 19, 27, 33}  # five of forty incidents missed the 8-hour goal
    for n in range(40):
        elapsed = GOAL * (1.2 + (n % 3) * 0.4) if n in breached else 25.0 + (n * 37) % 420
        # raised at the template's default (Medium); Ops raises the priority of the worst ones
        # while handling them, from twenty minutes to three hours in, and leaves the rest
        raised = RAISED.get(n)
        changes = [(20.0 + (n * 23) % 160, "Medium", raised)] if raised else []
        reqs.append(
            JsmRequest(
                f"ITD-{n + 1}",
                "1",
                "1",
                now - timedelta(days=1 + n * 2.2, hours=n % 8),
                done=True,
                slas=[Sla("Time to resolution", [(GOAL, elapsed)])],
                priority=raised or "Medium",
                priority_changes=changes,
            )
        )
    reqs.append(
        JsmRequest(
            "ITD-41",
            "1",
            "1",
            now - timedelta(hours=3),
            slas=[Sla("Time to resolution", ongoing=(GOAL, 180.0))],
            priority="Medium",
        )
    )
    problems = [  # (key, incidents linked, done)
        ("ITD-150", ["ITD-3", "ITD-9"], True),  # PSP timeouts after the acquirer's TLS change
        ("ITD-151", ["ITD-14", "ITD-22"], True),  # payout batch stuck on a lock
        ("ITD-152", ["ITD-30", "ITD-36"], False),  # web login loop on Safari
        ("ITD-153", [], False),  # disk growth on the ledger replica
    ]
    for i, (key, links, done) in enumerate(problems):
        reqs.append(
            JsmRequest(key, "1", "2", now - timedelta(days=5 + 20 * i), done=done, links=[(k, INC) for k in links])
        )
    for n in range(22):  # change requests, only partly filled
        created = now - timedelta(days=2 + 4 * n)
        fields: dict[str, str] = {RISK: "Low"}  # the desk's default
        if n % 4 == 0:  # six changes were really assessed
            fields = {
                RISK: ("Medium", "High")[n % 8 // 4],
                IMPACT: ("Moderate / Limited", "Significant / Large")[n % 3 % 2],
            }
        if n % 3 != 2:
            fields[PLAN] = "Run the Ansible play against the canary host, then the rest; watch the payments dashboard."
        if n % 3 == 0:
            fields[TEST] = "Replay yesterday's authorisations against staging; compare declines."
        if n % 5 != 4:
            fields[START] = _jira_time(created + timedelta(days=1, hours=20))
        reqs.append(JsmRequest(f"ITD-{300 + n}", "1", "3", created, done=n > 1, fields=fields))
    for n in range(25):
        sla = [Sla("Time to resolution", [(4320.0, 200.0 + 90 * n)])]
        reqs.append(JsmRequest(f"ITD-{500 + n}", "1", "4", now - timedelta(days=1 + 3.5 * n), done=n > 1, slas=sla))
    api = JsmAPI(token=token, desks=[ServiceDesk("1", "ITD", "IT & Ops desk")], types=types, requests_=reqs)
    api.start()
    return api
