"""The sentry probe against the loopback Sentry API: cursor pagination, release health,
performance and Web Vitals, alert rules, ownership, feedback, auth errors and faults."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from probes.sentry import KINDS, SentryConfig, SentryProbe
from probes.sentry.client import next_link
from sandbox.loopback_api import Fault
from sandbox.sentry import SentryAPI, SentryProjectData, backend_only, well_run
from scanner.evidence import Evidence
from scanner.partial import is_gap
from scanner.probe import ProbeContext, SourceFailure

TOKEN = "sntrys_SECRETtokenSECRET"
ENV = "MATURITY_TEST_SENTRY_TOKEN"


def run(url: str, **kw: Any) -> tuple[list[Evidence], ProbeContext]:
    cfg = SentryConfig(
        name="sentry", probe="sentry", url=url, organization="acme", bearer_token_env=ENV, retries=2, **kw
    )
    ctx = ProbeContext(source="sentry", deadline=time.monotonic() + 30, log=logging.getLogger("test.sentry"))
    probe = SentryProbe()
    ev = [e for e in probe.collect(cfg, ctx) if probe.accepts(e, ctx)]
    return ev, ctx


def by(ev: list[Evidence], kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in ev if e.kind == kind}


def test_next_link_follows_only_results_true() -> None:
    link = '<http://h/api/0/x/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <http://h/api/0/x/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"'
    assert next_link(link) == "http://h/api/0/x/?cursor=0:100:0"
    assert next_link(link.replace('results="true"', 'results="false"')) is None
    assert next_link(None) is None


@pytest.mark.slow
def test_well_run_every_kind_across_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    api = well_run(token=TOKEN, page_size=1)  # one object a page: every list is paginated
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    assert not ctx.failures and {e.kind for e in ev} == set(KINDS)
    projects = by(ev, "sentry.project")
    assert set(projects) == {"storefront-web", "shop-android", "checkout-api"}
    web = projects["storefront-web"]
    assert web["client_side"] and web["lcp_p75_ms"] == 2100.0 and web["crash_free_sessions"] == 0.998
    assert (
        web["ticket_rules"] == 1
        and web["auto_assignment"]
        and web["ownership_rules"] == 2
        and web["feedback_reports"] == 1
    )
    assert not projects["checkout-api"]["client_side"]
    alerts = by(ev, "sentry.metric_alert")
    assert alerts["LCP regression"]["experience"] and alerts["Android crash-free"]["experience"]
    assert not alerts["API errors"]["experience"]
    assert (
        alerts["LCP week over week"]["history_baseline"] and alerts["LCP week over week"]["comparison_minutes"] == 10080
    )
    assert (
        alerts["LCP regression"]["detection_type"] == "static" and alerts["LCP regression"]["history_baseline"] is False
    )
    links = by(ev, "sentry.trace_links")["acme"]
    # 20 web page-load traces and 10 app traces; 15 + 2 of them continue into the API
    assert (links["client_traces"], links["linked_traces"], links["linked_projects"]) == (30, 17, ["checkout-api"])
    assert by(ev, "sentry.organization")["acme"]["issue_trackers"] == ["jira"]
    dashboards = by(ev, "sentry.dashboard")  # the prebuilt "default-overview" is not read
    assert set(dashboards) == {"User experience (7)", "API (8)"}
    assert dashboards["User experience (7)"]["experience_dimensions"] == ["browser.name", "geo.country_code", "release"]
    assert dashboards["API (8)"]["experience_widgets"] == 0  # backend durations are not real users' experience
    cursors = [r.query.get("cursor") for r in api.requests if r.path.endswith("/projects/")]
    assert len(cursors) == 3  # followed rel=next while results="true", then stopped
    assert TOKEN not in repr([dict(e.data) for e in ev])


@pytest.mark.slow
def test_old_sentry_without_inp_and_a_backend_only_org(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    api = well_run(token=TOKEN)
    api.inp_supported = False
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    assert not ctx.failures and by(ev, "sentry.project")["storefront-web"]["inp_p75_ms"] is None
    api = backend_only(token=TOKEN)
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    assert by(ev, "sentry.organization")["acme"]["open_membership"] is True
    assert [p["client_side"] for p in by(ev, "sentry.project").values()] == [False]
    assert not ctx.failures and by(ev, "sentry.dashboard") == {}  # observed, none built


@pytest.mark.slow
def test_trace_links_refused_or_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Sentry refusing the trace query (400) leaves the figures null, never zero; an
    organisation without client-side projects checks no trace."""
    monkeypatch.setenv(ENV, TOKEN)
    api = well_run(token=TOKEN)
    api.trace_queries = False
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    links = by(ev, "sentry.trace_links")["acme"]
    assert not ctx.failures and links["client_traces"] is None and links["linked_traces"] is None
    api = backend_only(token=TOKEN)
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    links = by(ev, "sentry.trace_links")["acme"]
    assert not ctx.failures and (links["client_traces"], links["linked_traces"]) == (0, None)


@pytest.mark.slow
def test_auth_errors_and_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    api = well_run(token=TOKEN)
    try:
        monkeypatch.setenv(ENV, "wrong")
        with pytest.raises(SourceFailure) as err:
            run(api.url)
        assert err.value.category == "unauthorized"
        monkeypatch.delenv(ENV)
        with pytest.raises(Exception, match="is not set"):
            run(api.url)
        monkeypatch.setenv(ENV, TOKEN)
        api.inject(Fault(r"/projects/$", 429, times=1, retry_after="1"))
        api.inject(
            Fault(
                r"/alert-rules/$", 403, times=1, body={"detail": "You do not have permission to perform this action."}
            )
        )
        api.inject(Fault(r"/sessions/$", 500, times=5))
        api.inject(Fault(r"/dashboards/$", 404, times=5, body={"detail": "The requested resource does not exist"}))
        started = time.monotonic()
        ev, ctx = run(api.url)
        assert time.monotonic() - started >= 0.9
    finally:
        api.stop()
    assert set(ctx.failures) == {"sentry.project", "sentry.metric_alert", "sentry.dashboard"}
    assert ctx.failures["sentry.metric_alert"].category == "forbidden"
    assert by(ev, "sentry.organization")["acme"]["projects"] == 3


@pytest.mark.slow
def test_next_link_to_another_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    api = well_run(token=TOKEN, page_size=1)
    real = api.url
    api.url = "http://evil.example:80"  # the server now writes next links to another origin
    try:
        _ev, ctx = run(real)
    finally:
        api.stop()
    assert set(ctx.failures) == set(KINDS)
    assert "refused to follow" in ctx.failures["sentry.organization"].reason


def test_dashboard_dimensions_and_crash_free_scope() -> None:
    """Review 2026-12-03: Sentry's Frontend template charts LCP by user.geo.country_code and
    user.geo.region, one dimension at two grains; environment is no dimension; crash-free rates
    count only on a dashboard filtered to client-side projects (backends send sessions too)."""
    from probes.sentry.collect import _widget_facts, dimension

    assert {dimension(c) for c in ("user.geo.country_code", "user.geo.region", "geo.city")} == {"geo"}
    assert dimension("browser.name") == dimension("browser") == "browser"
    assert dimension("environment") is None
    lcp = {"queries": [{"fields": [], "aggregates": ["p75(measurements.lcp)"], "columns": ["release"]}]}
    crash = {"queries": [{"fields": [], "aggregates": ["crash_free_rate(session)"], "columns": ["release"]}]}
    old = {"queries": [{"fields": ["browser.name", "p75(measurements.lcp)"], "aggregates": [], "columns": []}]}
    assert _widget_facts(lcp, False) == (True, ["release"])
    assert _widget_facts(crash, False)[0] is False and _widget_facts(crash, True)[0] is True
    assert _widget_facts(old, False) == (True, ["browser.name"])  # a pre-2022 widget: fields only


def _many(n: int, **kw: Any) -> SentryAPI:
    """n backend projects with transactions (project i has i of them), project 5 a Node app whose
    page loads carry Web Vitals (client-side by its vitals alone): sorted by count, its row lies
    past the first 100."""
    projects = [
        SentryProjectData(i, f"p{i:03d}", "node" if i == 5 else "python", ["t"], perf={"count()": i})
        for i in range(1, n + 1)
    ]
    if n >= 5:
        projects[4].perf["p75(measurements.lcp)"] = 2300.0
    api = SentryAPI(token=TOKEN, projects=projects, **kw)
    api.start()
    return api


def _discover(api: SentryAPI) -> list[dict[str, list[str]]]:
    return [
        dict(r.query)
        for r in api.requests
        if r.path.endswith("/events/") and "trace" not in str(r.query.get("field", "")) + str(r.query.get("query", ""))
    ]


@pytest.mark.slow
def test_discover_is_read_past_its_first_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit 2026-12-04 item 1: Sentry answers Discover 100 rows a page, the rest behind a
    cursor. With 130 projects the 30 with the fewest transactions (a client-side one among them)
    are on page 2 and keep their figures."""
    monkeypatch.setenv(ENV, TOKEN)
    api = _many(130)
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    projects = by(ev, "sentry.project")
    assert not ctx.failures and not ctx.partial and len(projects) == 130
    assert all(p["transactions"] == int(s[1:]) for s, p in projects.items())
    assert projects["p005"]["client_side"] and projects["p005"]["lcp_p75_ms"] == 2300.0
    asked = _discover(api)
    assert len(asked) == 2 and "cursor" in asked[1]


@pytest.mark.slow
def test_discover_left_unread_is_unknown_never_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows behind the last page the bound allows (one page per 100 projects read, plus one)
    leave the projects not seen with null figures and the kind partial (a gap), never zero."""
    monkeypatch.setenv(ENV, TOKEN)
    api = _many(260)
    try:
        ev, ctx = run(api.url, max_projects=3)  # p001..p003 read; their rows come last of 260
    finally:
        api.stop()
    projects = by(ev, "sentry.project")
    assert not ctx.failures and len(projects) == 3
    assert all(p["transactions"] is None and p["p75_duration_ms"] is None for p in projects.values())
    assert is_gap(ctx.partial["sentry.project"]) and "p001" in ctx.partial["sentry.project"]
    assert len(_discover(api)) == 2


def test_sandbox_discover_refuses_as_sentry_does() -> None:
    import httpx

    api = _many(3, global_views=False)
    try:
        base = f"{api.url}/api/0/organizations/acme/events/"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        big = httpx.get(base, params={"field": "project", "project": "1", "per_page": "101"}, headers=auth)
        assert big.status_code == 400 and big.json()["detail"] == "Invalid per_page value. Cannot exceed 100."
        many = httpx.get(base, params={"field": "project", "project": "-1"}, headers=auth)
        assert many.status_code == 400 and many.json()["detail"] == "You cannot view events from multiple projects."
        one = httpx.get(base, params={"field": ["project", "count()"], "project": "2"}, headers=auth)
        assert one.status_code == 200 and one.json()["data"] == [{"project": "p002", "count()": 2}]
    finally:
        api.stop()


@pytest.mark.slow
def test_without_global_views_each_project_is_asked_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit 2026-12-04 item 2: without the `global-views` feature Sentry refuses Discover over
    several projects (400 "You cannot view events from multiple projects."). The probe asks
    each project alone and gets the same figures; a project refused alone is unknown and the
    others stand; the trace query over several projects is refused too (null, never zero)."""
    monkeypatch.setenv(ENV, TOKEN)
    api = well_run(token=TOKEN)
    api.global_views = False
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    projects = by(ev, "sentry.project")
    assert not ctx.failures and not ctx.partial
    web = projects["storefront-web"]
    assert web["transactions"] == 50_000 and web["lcp_p75_ms"] == 2100.0 and web["inp_p75_ms"] == 180.0
    assert projects["checkout-api"]["transactions"] == 200_000
    assert len(_discover(api)) == 1 + 3  # the refused query over every project, then one each
    assert by(ev, "sentry.trace_links")["acme"]["client_traces"] is None

    api = well_run(token=TOKEN)
    api.global_views, api.refused_projects, api.inp_supported = False, {2}, False
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    projects = by(ev, "sentry.project")
    assert not ctx.failures and projects["storefront-web"]["transactions"] == 50_000
    assert projects["storefront-web"]["inp_p75_ms"] is None  # an older Sentry: INP refused, asked again
    app = projects["shop-android"]
    assert app["transactions"] is None and app["client_side"] and app["sessions"] == 40_000
    assert is_gap(ctx.partial["sentry.project"]) and "shop-android" in ctx.partial["sentry.project"]
    assert "sentry.metric_alert" not in ctx.partial  # android is client-side by its platform


def _fan_out() -> SentryAPI:
    """A web app whose 50 page-load traces fan out to backends: four services (b002..b005) hold
    t1..t40 (160 trace-and-project rows), b131 (past the first 100 backend projects) alone holds
    t41..t45, t46..t50 stay in the browser; 126 more backends without those traces."""
    t = [f"{i:032x}" for i in range(1, 51)]
    web = SentryProjectData(1, "web", "javascript-react", ["web"], perf={"count()": 50}, traces=t)
    backends = [SentryProjectData(i, f"b{i:03d}", "python", ["api"]) for i in range(2, 132)]
    for b in backends[:4]:
        b.traces = t[:40]
    backends[-1].traces = t[40:45]
    api = SentryAPI(token=TOKEN, projects=[web, *backends])
    api.start()
    return api


@pytest.mark.slow
def test_trace_links_every_backend_row_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit 2026-12-04 item 5: grouped by trace and project, 50 traces reaching four backends
    make 200 rows, and Sentry answers 100 a page: one page lost half the joined traces. Grouped
    by trace alone (one row a trace), for every backend project read (100 ids a query), no row
    is lost; rows left behind a next page make the figure null, never lower."""
    monkeypatch.setenv(ENV, TOKEN)
    api = _fan_out()
    try:
        import httpx

        pair = httpx.get(
            f"{api.url}/api/0/organizations/acme/events/",
            params={
                "field": ["trace", "project", "count()"],
                "query": "event.type:transaction",
                "project": [str(i) for i in range(2, 102)],
                "per_page": "100",
            },
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert len(pair.json()["data"]) == 100 and next_link(pair.headers["link"])  # the rest on page 2
        seen = len(api.requests)
        ev, ctx = run(api.url)
    finally:
        api.stop()
    links = by(ev, "sentry.trace_links")["acme"]
    assert not ctx.failures and (links["client_traces"], links["linked_traces"]) == (50, 45)
    assert links["linked_projects"] == ["b002", "b003", "b004", "b005", "b131"]
    asked = [r.query for r in api.requests[seen:] if r.path.endswith("/events/") and "trace" in str(r.query)]
    assert len(asked) == 5  # the client traces, then per 100 backends: traces joined, projects reached
    assert all(int(q["per_page"][0]) <= 100 and len(q.get("project", [])) <= 100 for q in asked)

    monkeypatch.setattr("probes.sentry.collect.ROWS_PER_PAGE", 10)  # 40 joined rows: next page unread
    api = _fan_out()
    try:
        ev, ctx = run(api.url)
    finally:
        api.stop()
    links = by(ev, "sentry.trace_links")["acme"]
    assert not ctx.failures and (links["client_traces"], links["linked_traces"]) == (50, None)
