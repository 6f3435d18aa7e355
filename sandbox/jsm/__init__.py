"""Jira Service Management estates for tests and the demo: a well-run IT service desk (incident,
problem, change, service-request and post-incident-review request types; incidents with
priority-graded SLA goals met nine times in ten, raised at their priority but for one regraded
P1; problem records linked to the incidents behind
them; post-incident reviews linked to the P1 incidents they review; change requests graded by
risk and impact and documented with an implementation plan, a test plan and a planned start,
but for one emergency change graded only by risk and never tested before production) beside an
HR desk, and a desk used only as a request queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.jsm.api import (
    EMAIL,
    IMPACT,
    PLAN,
    RISK,
    START,
    TEST,
    TOKEN,
    JsmAPI,
    JsmRequest,
    RequestType,
    ServiceDesk,
    Sla,
)

__all__ = [  # the estates, and the loopback API (sandbox.jsm.api)
    "EMAIL",
    "TOKEN",
    "JsmAPI",
    "JsmRequest",
    "RequestType",
    "ServiceDesk",
    "Sla",
    "queue_only",
    "well_run",
]

INCIDENT_TYPE, PROBLEM_TYPE, CHANGE_TYPE, REQUEST_TYPE, PIR_TYPE = "10001", "10002", "10003", "10004", "10005"


def _it_types() -> list[RequestType]:
    return [
        RequestType("1", "1", "Report a system problem", INCIDENT_TYPE, "incident-management"),
        RequestType("2", "1", "Investigate a problem", PROBLEM_TYPE, "problem-management"),
        RequestType("3", "1", "Request a change", CHANGE_TYPE, "change-management"),
        RequestType("4", "1", "Get IT help", REQUEST_TYPE, "service-request"),
        RequestType("5", "1", "Post-incident review", PIR_TYPE, "post-incident-review"),
        RequestType("6", "2", "Ask HR", REQUEST_TYPE, "service-request"),
    ]


def well_run(
    token: str | None = TOKEN, *, incidents: int = 40, now: datetime | None = None, per_page: int = 50
) -> JsmAPI:
    """Start the well-run site on loopback (call `.stop()` when done)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    reqs: list[JsmRequest] = []
    for n in range(incidents):
        created = now - timedelta(days=1 + n * 2, hours=n % 5)
        p1 = n % 3 == 0  # one in three is a P1: tighter goals
        goal_fr, goal_ttr = (15.0, 240.0) if p1 else (60.0, 1440.0)
        breached = n % 10 == 9  # one in ten misses its resolution goal
        ttr = goal_ttr * (1.3 if breached else 0.5)
        slas = [Sla("Time to first response", [(goal_fr, goal_fr / 3)]), Sla("Time to resolution", [(goal_ttr, ttr)])]
        prio = "Highest" if p1 else "Medium"
        # raised at their grade; one P1 raised at Medium and raised to Highest after 40 minutes;
        # one incident with a long history (more than the 100 histories Jira embeds)
        regraded: list[tuple[float, str | None, str | None]] = [(40.0, "Medium", "Highest")] if n == 3 else []
        reqs.append(
            JsmRequest(
                f"IT-{n + 1}",
                "1",
                "1",
                created,
                done=True,
                slas=slas,
                priority=prio,
                priority_changes=regraded,
                other_histories=120 if n == 10 else 0,
            )
        )
    open_inc = JsmRequest(
        "IT-900", "1", "1", now - timedelta(hours=3), slas=[Sla("Time to resolution", ongoing=(240.0, 180.0))]
    )
    reqs.append(open_inc)
    for n in range(4):  # problems, three tied to the incidents behind them
        links = [(f"IT-{n + 1}", INCIDENT_TYPE), (f"IT-{n + 4}", INCIDENT_TYPE)] if n < 3 else []
        reqs.append(JsmRequest(f"IT-{100 + n}", "1", "2", now - timedelta(days=5 + 10 * n), done=n < 2, links=links))
    for n in range(6):  # changes graded by risk and impact before the work; one emergency change without impact
        impact = ("Minor / Localized", "Moderate / Limited")[n % 2]
        graded = {RISK: ("Low", "Medium", "High")[n % 3], IMPACT: impact} if n != 4 else {RISK: "High"}
        start = (now - timedelta(days=2 + 12 * n)).strftime("%Y-%m-%dT22:00:00.000+0000")
        graded |= {PLAN: f"Roll out release 4.{n} to one zone, watch the SLO dashboard, then the rest", START: start}
        graded |= {TEST: f"Release 4.{n} passed the staging suite and a canary in pre-production"} if n != 4 else {}
        reqs.append(JsmRequest(f"IT-{200 + n}", "1", "3", now - timedelta(days=3 + 12 * n), done=True, fields=graded))
    for n in range(3):  # reviews of P1 incidents, each linked to the incident it reviews
        links = [(f"IT-{1 + 3 * n}", INCIDENT_TYPE)]
        reqs.append(JsmRequest(f"IT-{300 + n}", "1", "5", now - timedelta(days=4 + 20 * n), done=True, links=links))
    for n in range(20):
        sla = [Sla("Time to resolution", [(480.0, 120.0 + n)])]
        reqs.append(JsmRequest(f"IT-{400 + n}", "1", "4", now - timedelta(days=2 + 4 * n), done=True, slas=sla))
    for n in range(5):
        reqs.append(JsmRequest(f"HR-{n + 1}", "2", "6", now - timedelta(days=1 + 7 * n), done=n % 2 == 0))
    reqs.append(JsmRequest("IT-1000", "1", "1", now - timedelta(days=400), done=True))  # outside any window
    api = JsmAPI(
        token=token,
        desks=[ServiceDesk("1", "IT", "IT service desk"), ServiceDesk("2", "HR", "HR help")],
        types=_it_types(),
        requests_=reqs,
    )
    api.start()
    return api


def queue_only(token: str | None = TOKEN) -> JsmAPI:
    """A desk whose request types have no practice: everything is `other`."""
    now = datetime.now(UTC).replace(microsecond=0)
    reqs = [JsmRequest(f"Q-{n + 1}", "7", "70", now - timedelta(days=n + 1), done=True) for n in range(8)]
    api = JsmAPI(
        token=token,
        desks=[ServiceDesk("7", "Q", "Queue")],
        types=[RequestType("70", "7", "Ask for something", "10010")],
        requests_=reqs,
    )
    api.start()
    return api
