"""The jsm probe: figures computed from Jira Service Management's shapes, and the probe end to end
against the loopback JSM Cloud API (sandbox/jsm/api.py) over HTTP: paged envelopes, basic and
bearer auth, SLA pages, issue links, 403/429, loops, counts only."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from probes.jsm import JsmConfig, JsmProbe
from probes.jsm.kinds import KINDS
from probes.jsm.normalise import (
    Window,
    adf_text,
    category_of,
    closed_void,
    field_ids,
    filled,
    links_an_incident,
    pregrade,
    sla_data,
)
from sandbox.jsm import EMAIL, TOKEN, JsmAPI, JsmRequest, RequestType, ServiceDesk, Sla, queue_only, well_run
from sandbox.loopback_api import Fault
from scanner.evidence import Evidence
from scanner.probe import ProbeContext, SourceFailure
from tests.ruletable import evaluate, installed_rules

ENV = "JSM_TEST_AUTH"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_practice_names_map_to_categories_and_reviews_are_not_incidents() -> None:
    assert category_of({"id": "1", "practice": "incident-management"}, {}) == "incident"
    assert category_of({"id": "1", "practice": "post-incident-review"}, {}) == "post_incident_review"
    assert category_of({"id": "1", "practice": "PROBLEM_MANAGEMENT"}, {}) == "problem"
    assert category_of({"id": "1", "practice": "change-management"}, {}) == "change"
    assert category_of({"id": "1", "practice": "service-request"}, {}) == "service_request"
    assert category_of({"id": "9"}, {"9": "incident"}) == "incident"  # the config names what JSM does not
    assert category_of({"id": "9", "practice": None}, {}) == "other"


def test_sla_figures_count_completed_cycles_and_graded_goals() -> None:
    window = Window(NOW - timedelta(days=30), NOW)

    def cycle(goal: float, elapsed: float) -> dict[str, Any]:
        return {
            "breached": elapsed > goal,
            "goalDuration": {"millis": goal * 60000},
            "elapsedTime": {"millis": elapsed * 60000},
        }

    it = {"id": "1", "projectKey": "IT"}
    samples: list[tuple[dict[str, Any], str, list[dict[str, Any]]]] = [
        (it, "incident", [{"name": "Time to resolution", "completedCycles": [cycle(240, 100)]}]),
        (it, "incident", [{"name": "Time to resolution", "completedCycles": [cycle(1440, 2000)]}]),
        (it, "incident", [{"name": "Time to resolution", "ongoingCycle": {**cycle(240, 300), "paused": False}}]),
        (it, "service_request", [{"name": "Time to resolution", "completedCycles": [cycle(480, 10)]}]),
    ]
    got = dict(sla_data(samples, window))
    inc = got["sla/IT/Time to resolution/incident"]
    assert inc["requests"] == 3 and inc["completed_cycles"] == 2 and inc["met"] == 1 and inc["met_ratio"] == 0.5
    assert inc["goals_minutes"] == [240.0, 1440.0] and inc["distinct_goals"] == 2
    assert inc["ongoing"] == 1 and inc["ongoing_breached"] == 1
    assert inc["service_desk_id"] == "1" and inc["project_key"] == "IT"
    assert got["sla/IT/Time to resolution/service_request"]["met_ratio"] == 1.0


def test_sla_goals_are_graded_per_desk_not_pooled_across_desks() -> None:
    """Review wave 4: one goal on each of two desks is no grading by incident level."""
    window = Window(NOW - timedelta(days=30), NOW)

    def sla(goal: float) -> list[dict[str, Any]]:
        cycle = {"breached": False, "goalDuration": {"millis": goal * 60000}, "elapsedTime": {"millis": 60000}}
        return [{"name": "Time to resolution", "completedCycles": [cycle]}]

    it: dict[str, Any] = {"id": "1", "projectKey": "IT"}
    ops: dict[str, Any] = {"id": "2", "projectKey": None}
    samples = [(it, "incident", sla(480)), (it, "incident", sla(480)), (ops, "incident", sla(1440))]
    got = dict(sla_data(samples, window))
    assert set(got) == {"sla/IT/Time to resolution/incident", "sla/2/Time to resolution/incident"}
    assert got["sla/IT/Time to resolution/incident"]["distinct_goals"] == 1
    assert got["sla/IT/Time to resolution/incident"]["requests"] == 2
    ops_ttr = got["sla/2/Time to resolution/incident"]
    assert ops_ttr["distinct_goals"] == 1 and ops_ttr["goals_minutes"] == [1440.0] and ops_ttr["project_key"] is None


def test_a_problem_counts_as_linked_only_through_an_incident_issue_type() -> None:
    issue = {"fields": {"issuelinks": [{"outwardIssue": {"key": "X-1", "fields": {"issuetype": {"id": "10001"}}}}]}}
    assert links_an_incident(issue, {"10001"}) and not links_an_incident(issue, {"10009"})
    assert not links_an_incident({"fields": {"issuelinks": "junk"}}, {"10001"})


def _cfg(url: str, **kw: Any) -> JsmConfig:
    return JsmConfig(**{"name": "jsm", "probe": "jsm", "url": url, "basic_auth_env": ENV, "retries": 2, **kw})


def _run(cfg: JsmConfig) -> tuple[list[Evidence], ProbeContext]:
    ctx = ProbeContext(source=cfg.name, deadline=time.monotonic() + 60, log=logging.getLogger("test.jsm"))
    probe = JsmProbe()
    ev = list(probe.collect(cfg, ctx))
    assert all(probe.accepts(e, ctx) for e in ev), ctx.failures
    return ev, ctx


def _by(ev: list[Evidence], kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in ev if e.kind == kind}


@pytest.mark.slow
def test_well_run_site_end_to_end_over_several_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=40)
    try:
        ev, ctx = _run(_cfg(api.url, per_page=7))
    finally:
        api.stop()
    assert not ctx.failures and not ctx.warnings
    assert {e.kind for e in ev} == set(KINDS)
    desk = _by(ev, "jsm.service_desk")["service_desk/IT"]
    assert desk["request_types"] == 5 and desk["request_types_by_category"]["post_incident_review"] == 1
    site = _by(ev, "jsm.requests")["site"]
    # 41 incidents (one open), 4 problems, 6 changes, 20 service requests + 5 HR, 3 reviews; the
    # 400-day-old incident is outside the window.
    assert site["by_category"] == {
        "incident": 41,
        "problem": 4,
        "change": 6,
        "service_request": 25,
        "post_incident_review": 3,
        "other": 0,
    }
    assert site["resolved_by_category"]["incident"] == 40 and site["resolved_by_category"]["problem"] == 2
    assert site["problems_checked"] == 4 and site["problems_linked_to_incidents"] == 3
    assert site["reviews_checked"] == 3 and site["reviews_linked_to_incidents"] == 3
    assert _by(ev, "jsm.requests")["service_desk/HR"]["requests"] == 5
    ttr = _by(ev, "jsm.sla")["sla/IT/Time to resolution/incident"]
    assert ttr["completed_cycles"] == 40 and ttr["met"] == 36 and ttr["met_ratio"] == 0.9
    assert ttr["distinct_goals"] == 2 and ttr["ongoing"] == 1 and ttr["ongoing_breached"] == 0
    pages = [r for r in api.requests if r.path == "/rest/servicedeskapi/request" and r.query["serviceDeskId"] == ["1"]]
    assert len(pages) == 11  # 75 IT requests at 7 a page, start counted by the client
    assert all(r.query["requestOwnership"] == ["ALL_REQUESTS"] for r in pages)
    text = json.dumps([e.data for e in ev])
    assert TOKEN not in text and "Private Person" not in text and "private summary" not in text
    assert "Customer summary" not in text and "private@example.com" not in text


@pytest.mark.slow
def test_sla_records_beyond_the_embedded_page_are_read_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=5)
    api.sla_page = 1  # each incident carries two SLAs: the embedded page is not the last
    try:
        ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert not ctx.failures
    fr = _by(ev, "jsm.sla")["sla/IT/Time to first response/incident"]
    assert fr["completed_cycles"] == 5
    assert sum(1 for r in api.requests if r.path.endswith("/sla")) == 5


@pytest.mark.slow
def test_bearer_token_is_accepted_and_wrong_credentials_fail_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    api = well_run(incidents=2)
    try:
        cfg = JsmConfig(name="j", probe="jsm", url=api.url, bearer_token_env=ENV, retries=0)
        ev, _ctx = _run(cfg)
        assert _by(ev, "jsm.requests")["site"]["by_category"]["incident"] == 3
        monkeypatch.setenv(ENV, f"{EMAIL}:wrong-token")
        with pytest.raises(SourceFailure) as err:
            _run(_cfg(api.url))
    finally:
        api.stop()
    assert err.value.category == "unauthorized" and "wrong-token" not in str(err.value)


def test_credentials_are_required_and_categories_checked() -> None:
    with pytest.raises(ValueError, match="credentials"):
        JsmConfig(name="j", probe="jsm", url="https://acme.atlassian.net")
    with pytest.raises(ValueError, match="unknown categories"):
        _cfg("https://acme.atlassian.net", request_type_categories={"1": "outage"})


@pytest.mark.slow
def test_forbidden_issue_links_fail_only_requests_and_sla(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=3)
    api.inject(Fault(r"^/rest/api/3/issue/", 403, times=99))
    try:
        ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert set(ctx.failures) == {"jsm.requests", "jsm.sla"}
    assert ctx.failures["jsm.requests"].category == "forbidden"
    assert {e.kind for e in ev} == {"jsm.service_desk"}


@pytest.mark.slow
def test_throttled_answers_are_retried_after_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=3)
    api.inject(Fault(r"^/rest/servicedeskapi/servicedesk$", 429, times=2, retry_after="0"))
    try:
        ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    desks = [r for r in api.requests if r.path == "/rest/servicedeskapi/servicedesk"]
    assert not ctx.failures and [r.status for r in desks] == [429, 429, 200]
    assert len(_by(ev, "jsm.service_desk")) == 2


@pytest.mark.slow
def test_a_list_ignoring_start_is_a_loop_not_an_endless_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=12)
    api.loop.add("/rest/servicedeskapi/request")
    try:
        _ev, ctx = _run(_cfg(api.url, per_page=5))
    finally:
        api.stop()
    assert ctx.failures["jsm.requests"].category == "malformed" and "loop" in ctx.failures["jsm.requests"].reason
    assert "jsm.service_desk" not in ctx.failures


@pytest.mark.slow
def test_a_desk_without_practices_counts_everything_as_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = queue_only()
    try:
        ev, _ctx = _run(_cfg(api.url))
        site = _by(ev, "jsm.requests")["site"]
        assert site["requests"] == 8 and site["by_category"]["other"] == 8 and site["by_category"]["incident"] == 0
        ev, _ctx = _run(_cfg(api.url, request_type_categories={"70": "incident"}))
    finally:
        api.stop()
    assert _by(ev, "jsm.requests")["site"]["by_category"]["incident"] == 8


@pytest.mark.slow
def test_an_empty_page_that_is_not_the_last_stops_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=3)
    original = api._page

    def empty_forever(rows: list[Any], path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        doc = original(rows, path, query)
        if path.endswith("/request"):
            doc.update(values=[], size=0, isLastPage=False)
        return doc

    api._page = empty_forever  # type: ignore[method-assign]
    try:
        _ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert ctx.failures["jsm.requests"].category == "malformed" and "empty page" in ctx.failures["jsm.requests"].reason
    assert sum(1 for r in api.requests if r.path.endswith("/request")) == 1


@pytest.mark.slow
def test_keys_unfit_for_a_url_path_are_never_spliced_into_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=3)
    for r in api.requests_:
        if r.key == "IT-100":
            r.key = "../../admin?x=1"  # a hostile server's problem key
    try:
        ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert not ctx.failures
    site = _by(ev, "jsm.requests")["site"]
    assert site["by_category"]["problem"] == 4 and site["problems_checked"] == 3  # counted, not looked up
    known = ("/rest/servicedeskapi/", "/rest/api/3/issue/IT-", "/rest/api/3/field")
    assert all(r.path.startswith(known) for r in api.requests)


def _rated_site() -> JsmAPI:
    """Twelve resolved incidents, ten rated (nine 4 or 5, one 2); an open incident rated 1 is
    not read (not resolved), nor is a rated service request."""
    now = datetime.now(UTC).replace(microsecond=0)
    ratings = [5, 5, 4, 5, 4, 4, 5, 5, 4, 2, None, None]
    reqs = [
        JsmRequest(f"IT-{n + 1}", "1", "1", now - timedelta(days=n + 1), done=True, csat=r)
        for n, r in enumerate(ratings)
    ]
    reqs.append(JsmRequest("IT-50", "1", "1", now - timedelta(hours=2), csat=1))
    reqs.append(JsmRequest("IT-60", "1", "4", now - timedelta(days=2), done=True, csat=1))
    api = JsmAPI(
        token=TOKEN,
        desks=[ServiceDesk("1", "IT", "IT service desk")],
        types=[
            RequestType("1", "1", "Report a system problem", "10001", "incident-management"),
            RequestType("4", "1", "Get IT help", "10004", "service-request"),
        ],
        requests_=reqs,
    )
    api.start()
    return api


@pytest.mark.slow
def test_customer_satisfaction_of_resolved_incidents_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = _rated_site()
    try:
        ev, ctx = _run(_cfg(api.url, per_page=5))
        capped, _ctx = _run(_cfg(api.url, max_feedback_lookups=3))
    finally:
        api.stop()
    assert not ctx.failures and not ctx.warnings
    site = _by(ev, "jsm.requests")["site"]
    assert site["incident_feedback_checked"] == 12 and site["incident_feedback_rated"] == 10
    assert site["incident_feedback_satisfied"] == 9 and site["incident_satisfied_ratio"] == 0.9
    assert _by(ev, "jsm.requests")["service_desk/IT"]["incident_feedback_rated"] == 10
    asked = [r.path for r in api.requests if r.path.endswith("/feedback")]
    assert len(asked) == 12 + 3 and "/rest/servicedeskapi/request/IT-50/feedback" not in asked
    assert _by(capped, "jsm.requests")["site"]["incident_feedback_checked"] == 3
    assert "private comment" not in json.dumps([e.data for e in ev])


@pytest.mark.slow
def test_a_refused_feedback_endpoint_nulls_only_the_feedback_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = _rated_site()
    api.inject(Fault(r"/feedback$", 403, times=99))
    try:
        ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert not ctx.failures and any("feedback" in w for w in ctx.warnings)
    site = _by(ev, "jsm.requests")["site"]
    assert site["incident_feedback_checked"] is None and site["incident_satisfied_ratio"] is None
    assert site["by_category"]["incident"] == 13  # the rest stands
    assert sum(1 for r in api.requests if r.path.endswith("/feedback")) == 1  # no call after the refusal


def test_change_fields_are_found_by_name_and_read_as_set_or_not() -> None:
    fields = [
        {"id": "customfield_10041", "name": "Change risk", "custom": True},
        {"id": "customfield_10004", "name": " impact ", "custom": True},
        {"id": "bad id/../x", "name": "Change risk", "custom": True},  # never spliced into a query
        "junk",
    ]
    assert field_ids(fields, ["Change risk"]) == ["customfield_10041"]
    assert field_ids(fields, ["Impact"]) == ["customfield_10004"] and field_ids("junk", ["Impact"]) == []
    issue: dict[str, Any] = {
        "fields": {"a": {"value": "High", "id": "1"}, "b": None, "c": "  ", "d": [], "e": {"id": "9"}}
    }
    assert filled(issue, ["b", "a"]) == "High"
    assert filled(issue, ["b", "c", "d", "e", "missing"]) is None and filled("junk", ["a"]) is None
    # a rich-text field (API v3) is a document: filled when it holds some text
    doc = {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Roll"}]}],
    }
    empty = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": []}]}
    assert filled({"fields": {"p": doc, "q": empty}}, ["q", "p"]) == "Roll"
    assert filled({"fields": {"q": empty}}, ["q"]) is None
    assert adf_text({"type": "doc", "content": [{"text": "a"}, {"content": [{"text": " b "}]}]}) == "a b"


@pytest.mark.slow
def test_change_plans_tests_and_schedules_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=3)
    try:
        ev, ctx = _run(_cfg(api.url))
        no_test, _ctx = _run(_cfg(api.url, change_test_fields=["Plan de test"]))
    finally:
        api.stop()
    assert not ctx.failures and not ctx.warnings
    site = _by(ev, "jsm.requests")["site"]
    # six changes planned and scheduled; the emergency change has no test plan and no impact
    assert (site["changes_with_plan"], site["changes_with_test_plan"], site["changes_scheduled"]) == (6, 5, 6)
    assert site["changes_documented"] == 5 and site["change_documented_ratio"] == 0.8333
    assert site["change_plans_distinct"] == 6
    assert "Roll out release" not in json.dumps([e.data for e in ev])  # a digest only, never the text
    # a site without one of the plan fields: the plan figures unknown, risk and impact still read
    other = _by(no_test, "jsm.requests")["site"]
    assert other["changes_checked"] == 6 and other["changes_documented"] is None
    assert other["change_plans_distinct"] is None and other["change_documented_ratio"] is None


@pytest.mark.slow
def test_change_risk_and_impact_are_counted_on_change_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=3)
    try:
        ev, ctx = _run(_cfg(api.url))
        capped, _ctx = _run(_cfg(api.url, max_change_lookups=2))
        renamed, _ctx = _run(_cfg(api.url, change_risk_fields=["Risque du changement"]))
    finally:
        api.stop()
    assert not ctx.failures and not ctx.warnings
    site = _by(ev, "jsm.requests")["site"]
    # six changes, all graded by risk (Low, Medium, High), one emergency change without impact
    assert (site["changes_checked"], site["changes_with_risk"], site["changes_with_impact"]) == (6, 6, 5)
    assert site["changes_assessed"] == 5 and site["change_assessed_ratio"] == 0.8333
    assert site["change_risk_grades"] == 3 and site["change_impact_grades"] == 2
    assert _by(ev, "jsm.requests")["service_desk/HR"]["changes_checked"] == 0  # the HR desk raises none
    changes = [r for r in api.requests if r.query.get("fields") != ["priority"]]  # incidents' priorities apart
    asked = [r for r in changes if r.path.startswith("/rest/api/3/issue/IT-2")]
    assert asked and all(
        r.query["fields"]
        == ["customfield_10041,customfield_10004,customfield_10045,customfield_10047,customfield_10048"]
        for r in asked
    )
    assert _by(capped, "jsm.requests")["site"]["changes_checked"] == 2
    assert _by(renamed, "jsm.requests")["site"]["changes_checked"] is None  # no such field: unknown, not 0
    assert "Minor / Localized" not in json.dumps([e.data for e in ev])  # counts only
    assert "Moderate / Limited" not in json.dumps([e.data for e in ev])


@pytest.mark.slow
def test_a_refused_field_list_nulls_only_the_change_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=3)
    api.inject(Fault(r"^/rest/api/3/field$", 403, times=99))
    try:
        ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert not ctx.failures and any("change risk" in w for w in ctx.warnings)
    site = _by(ev, "jsm.requests")["site"]
    assert site["changes_checked"] is None and site["change_assessed_ratio"] is None
    assert site["changes_documented"] is None and site["change_plans_distinct"] is None
    assert site["by_category"]["change"] == 6  # the rest stands
    changes = [r for r in api.requests if r.query.get("fields") != ["priority"]]  # incidents' priorities apart
    assert not any(r.path.startswith("/rest/api/3/issue/IT-2") for r in changes)


@pytest.mark.slow
def test_incident_priorities_are_counted_and_a_refusal_leaves_them_null(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 404 on one incident's issue leaves that incident unread and the lookups go on; every
    incident's issue refused leaves the figures null (the endpoint refused)."""
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=6)
    try:
        ev, ctx = _run(_cfg(api.url))
        capped, _ctx = _run(_cfg(api.url, max_priority_lookups=2))
        api.inject(Fault(r"^/rest/api/3/issue/IT-1$", 404, times=99))
        one, one_ctx = _run(_cfg(api.url))
        api.inject(Fault(r"^/rest/api/3/issue/IT-([1-6]|900)$", 403, times=99))
        refused, refused_ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert not ctx.failures and not ctx.warnings
    site = _by(ev, "jsm.requests")["site"]
    # six closed incidents (P1 Highest one in three, else Medium) and one open without a priority
    assert (site["incident_priorities_checked"], site["incident_priorities"]) == (7, 2)
    assert _by(ev, "jsm.requests")["service_desk/HR"]["incident_priorities_checked"] == 0
    asked = [r for r in api.requests if r.query.get("fields") == ["priority"]]
    assert asked and all(r.path.startswith("/rest/api/3/issue/IT-") for r in asked)
    assert all(r.query.get("expand") == ["changelog"] for r in asked)  # the history in the same call
    # pre-grading: six done incidents, IT-4 raised at Medium and regraded Highest; no extra call
    assert site["incident_grading_checked"] == 6 and site["incident_grading_unmeasured"] == 0
    assert (site["incident_grading_measured"], site["incident_grading_kept"]) == (6, 5)
    assert site["incident_grading_regraded"] == 1 and site["incident_grading_accuracy"] == 0.8333
    # raised at Medium five times (IT-4 among them), at Highest once (IT-1)
    assert site["incident_initial_priorities"] == 2 and site["incident_initial_top_share"] == 0.8333
    assert _by(ev, "jsm.requests")["service_desk/HR"]["incident_grading_measured"] == 0
    assert site["incident_grading_accuracy_floor"] == 0.8333 and site["incident_grading_desks_unsampled"] == 0
    capped_site = _by(capped, "jsm.requests")["site"]
    # the two newest incidents: IT-900 (open, not graded) and IT-1
    assert capped_site["incident_grading_checked"] == 1 and capped_site["incident_grading_desks_unsampled"] == 0
    assert "Private Person" not in json.dumps([e.data for e in ev])  # counts only
    assert _by(capped, "jsm.requests")["site"]["incident_priorities_checked"] == 2
    # IT-1 (done, Highest) gone: read as unmeasured, the five others still measured
    assert not one_ctx.failures and any("unmeasured" in w for w in one_ctx.warnings)
    lost = _by(one, "jsm.requests")["site"]
    assert (lost["incident_priorities_checked"], lost["incident_priorities"]) == (6, 2)
    assert (lost["incident_grading_checked"], lost["incident_grading_unmeasured"]) == (6, 1)
    assert (lost["incident_grading_kept"], lost["incident_grading_accuracy_floor"]) == (4, round(4 / 6, 4))
    assert not refused_ctx.failures and any("priorities" in w for w in refused_ctx.warnings)
    gone = _by(refused, "jsm.requests")["site"]
    assert gone["incident_priorities"] is None and gone["incident_priorities_checked"] is None
    assert gone["incident_grading_measured"] is None and gone["incident_grading_accuracy"] is None
    assert gone["by_category"]["incident"] == 7  # the rest stands


@pytest.mark.slow
def test_a_history_longer_than_jira_embeds_is_not_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    """IT-11's changelog holds more histories than the 100 embedded: its initial grade is not guessed."""
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = well_run(incidents=12)
    try:
        ev, ctx = _run(_cfg(api.url))
    finally:
        api.stop()
    assert not ctx.failures
    site = _by(ev, "jsm.requests")["site"]
    assert site["incident_grading_checked"] == 12 and site["incident_grading_unmeasured"] == 1
    assert site["incident_grading_measured"] == 11 and site["incident_grading_kept"] == 10
    assert site["incident_grading_accuracy"] == round(10 / 11, 4)
    assert site["incident_grading_accuracy_floor"] == round(10 / 12, 4)  # the unmeasured counted as regraded


def _hist(when: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"id": "1", "created": when, "items": list(items)}


def _prio(old: str | None, new: str | None) -> dict[str, Any]:
    ids = {None: None, "Highest": "1", "High": "2", "Medium": "3", "Low": "4"}
    return {
        "field": "priority",
        "fieldtype": "jira",
        "fieldId": "priority",
        "from": ids[old],
        "fromString": old,
        "to": ids[new],
        "toString": new,
    }


def test_pregrade_reads_the_earliest_priority_change_and_never_guesses() -> None:
    status = {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": "1", "to": "2"}
    cur = {"fields": {"priority": {"id": "2", "name": "High"}}}
    # histories out of order: the earliest priority change says it was raised at Medium
    log = [
        _hist("2026-05-01T12:30:00.000+0000", _prio("High", "Highest")),
        _hist("2026-05-01T12:05:00.000+0000", status, _prio("Medium", "High")),
        _hist("2026-05-01T13:30:00.000+0000", _prio("Highest", "High")),
    ]
    issue = cur | {"changelog": {"startAt": 0, "maxResults": 3, "total": 3, "histories": log}}
    assert pregrade(issue) == ("3", False, True)
    # changed and changed back: closed at the grade it was raised at
    back = [
        _hist("2026-05-01T12:05:00.000+0000", _prio("High", "Low")),
        _hist("2026-05-01T13:00:00Z", _prio("Low", "High")),
    ]
    assert pregrade(cur | {"changelog": {"startAt": 0, "total": 2, "histories": back}}) == ("2", True, True)
    # never changed: raised at the current grade
    only_status = {"startAt": 0, "total": 1, "histories": [_hist("2026-05-01T12:05:00.000+0000", status)]}
    assert pregrade(cur | {"changelog": only_status}) == ("2", True, False)
    # raised without a priority, set later: no pre-grade, not kept
    unset = {"startAt": 0, "total": 1, "histories": [_hist("2026-05-01T12:05:00.000+0000", _prio(None, "High"))]}
    assert pregrade(cur | {"changelog": unset}) == ("", False, True)
    # a custom field named Priority is not Jira's priority
    custom = {**_prio("Medium", "High"), "fieldtype": "custom", "fieldId": "customfield_10090"}
    other = {"startAt": 0, "total": 1, "histories": [_hist("2026-05-01T12:05:00.000+0000", custom)]}
    assert pregrade(cur | {"changelog": other}) == ("2", True, False)
    # not measured: truncated, missing, malformed, an unreadable time
    assert pregrade(cur | {"changelog": {"startAt": 0, "maxResults": 3, "total": 250, "histories": log}}) is None
    assert pregrade(cur) is None
    assert pregrade(cur | {"changelog": {"startAt": 0, "histories": log}}) is None  # no total
    assert pregrade(cur | {"changelog": {"startAt": 0, "total": 1, "histories": [{"created": "x"}]}}) is None
    bad_time = {"startAt": 0, "total": 1, "histories": [_hist("yesterday", _prio("Medium", "High"))]}
    assert pregrade(cur | {"changelog": bad_time}) is None
    assert pregrade(None) is None


def test_pregrade_reads_every_item_orders_ties_by_id_and_keys_priorities_by_id() -> None:
    cur = {"fields": {"priority": {"id": "4", "name": "Low"}}}
    labels = {"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": None, "to": None}

    def log(*hist: dict[str, Any]) -> dict[str, Any]:
        return {"changelog": {"startAt": 0, "total": len(hist), "histories": list(hist)}}

    # a bulk edit: the priority item after 150 others is read, not dropped
    bulk = _hist("2026-05-01T12:05:00.000+0000", *([labels] * 150), _prio("Medium", "Low"))
    assert pregrade(cur | log(bulk)) == ("3", False, True)
    # more items than read in one history: not measured, never a change silently missed
    assert pregrade(cur | log(_hist("2026-05-01T12:05:00.000+0000", *([labels] * 201)))) is None
    # two changes in the same millisecond, sent newest first: the lower history id is the earlier
    same = "2026-05-01T12:05:00.000+0000"
    later = {**_hist(same, _prio("Medium", "Low")), "id": "10"}
    earlier = {**_hist(same, _prio("High", "Medium")), "id": "9"}
    assert pregrade(cur | log(later, earlier)) == ("2", False, True)
    # ... and without ids to order them: not measured
    assert pregrade(cur | log({**later, "id": None}, earlier)) is None
    # a from without an id (its name only, or not a plain value): not measured, never keyed by name
    named = {**_prio("Medium", "Low"), "from": None}
    assert pregrade(cur | log(_hist(same, named))) is None
    assert pregrade(cur | log(_hist(same, {**_prio("Medium", "Low"), "from": {"x": [1]}}))) is None
    # the current priority without an id, or not an object: not measured
    assert pregrade({"fields": {"priority": {"name": "Low"}}} | log()) is None
    assert pregrade({"fields": {"priority": "Low"}} | log()) is None


def test_incidents_closed_as_cancelled_duplicate_or_wont_do_are_left_out() -> None:
    def res(name: str | None) -> dict[str, Any]:
        item = {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution", "to": "1", "toString": name}
        return {"changelog": {"startAt": 0, "total": 1, "histories": [_hist("2026-05-01T12:05:00Z", item)]}}

    done = {"currentStatus": {"status": "Resolved", "statusCategory": "DONE"}}
    assert closed_void({"currentStatus": {"status": "Cancelled", "statusCategory": "DONE"}})
    assert closed_void(done, res("Duplicate")) and closed_void(done, res("Won't Do"))
    assert closed_void(done, {"fields": {"resolution": {"name": "Declined"}}})
    assert not closed_void(done, res("Done")) and not closed_void(done) and not closed_void(done, res(None))
    # the latest resolution counts: reopened as a duplicate, then fixed
    dup = {"field": "resolution", "fieldId": "resolution", "toString": "Duplicate"}
    fixed = {"field": "resolution", "fieldId": "resolution", "toString": "Done"}
    hist = [_hist("2026-05-02T12:00:00Z", fixed), _hist("2026-05-01T12:00:00Z", dup)]
    assert not closed_void(done, {"changelog": {"histories": hist}})


@pytest.mark.slow
def test_a_desk_left_out_of_the_grading_sample_is_counted_and_defaults_weigh_per_desk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two desks: Ops raises incidents at their grade, Help raises everything at Medium. With
    the lookups spent on Ops, Help is named unsampled; read in full, its default weighs in the
    site's top share per desk (not pooled with Ops' Medium incidents)."""
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    now = datetime.now(UTC).replace(microsecond=0)
    reqs = [
        JsmRequest(
            f"OPS-{n}", "1", "1", now - timedelta(days=1 + n), done=True, priority="Medium" if n == 4 else "High"
        )
        for n in range(1, 5)
    ] + [JsmRequest(f"HLP-{n}", "2", "2", now - timedelta(days=10 + n), done=True, priority="Medium") for n in range(6)]
    types = [
        RequestType("1", "1", "Report an outage", "10001", "incident-management"),
        RequestType("2", "2", "Something is broken", "10001", "incident-management"),
    ]
    api = JsmAPI(
        token=TOKEN,
        desks=[ServiceDesk("1", "OPS", "Ops"), ServiceDesk("2", "HLP", "Help")],
        types=types,
        requests_=reqs,
    )
    api.start()
    try:
        capped, _ = _run(_cfg(api.url, max_priority_lookups=4))
        full, _ = _run(_cfg(api.url))
    finally:
        api.stop()
    assert _by(capped, "jsm.requests")["site"]["incident_grading_desks_unsampled"] == 1
    assert _by(capped, "jsm.requests")["service_desk/HLP"]["incident_grading_desks_unsampled"] == 1
    site = _by(full, "jsm.requests")["site"]
    assert site["incident_grading_desks_unsampled"] == 0 and site["incident_grading_measured"] == 10
    # Ops: 3 High, 1 Medium (top 3); Help: 6 Medium (top 6): 9 of 10, where pooled Medium is 7 of 10
    assert site["incident_initial_top_share"] == 0.9 and site["incident_initial_priorities"] == 2


def _timeless(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "window"}  # each run reads up to its own now


def _busy_desk_site(now: datetime) -> JsmAPI:
    """Two desks. BIG: 60 incidents raised 200 days ago (before any window) but commented on in
    the last hours, and 10 raised in the window and quiet since; SML: 5 service requests."""
    old = [
        JsmRequest(f"BIG-{n}", "1", "1", now - timedelta(days=200), done=True, commented=now - timedelta(hours=1 + n))
        for n in range(60)
    ]
    quiet = [JsmRequest(f"BIG-{100 + n}", "1", "1", now - timedelta(days=10 + n), done=n % 2 == 0) for n in range(10)]
    sla = [Sla("Time to resolution", [(480.0, 60.0)])]
    small = [JsmRequest(f"SML-{n}", "2", "2", now - timedelta(days=2 + n), done=True, slas=sla) for n in range(5)]
    types = [
        RequestType("1", "1", "Report an outage", "10001", "incident-management"),
        RequestType("2", "2", "Ask for help", "10004", "service-request"),
    ]
    api = JsmAPI(
        token=TOKEN,
        desks=[ServiceDesk("1", "BIG", "Busy desk"), ServiceDesk("2", "SML", "Small desk")],
        types=types,
        requests_=quiet + small + old,
    )
    api.start()
    return api


def test_the_request_list_is_ordered_by_latest_activity_not_creation() -> None:
    """Atlassian: "ordered chronologically by the latest activity on each request. For example,
    the latest status transition or comment." The latest of comment, status move, priority
    change and resolution, else the creation; most recent first."""
    now = datetime.now(UTC).replace(microsecond=0)
    reqs = [
        JsmRequest("A-1", "1", "1", now - timedelta(days=1)),  # new, quiet
        JsmRequest("A-2", "1", "1", now - timedelta(days=300), commented=now - timedelta(hours=2)),
        JsmRequest("A-3", "1", "1", now - timedelta(days=3), other_histories=2),  # moved 3-4 minutes in
        JsmRequest("A-4", "1", "1", now - timedelta(days=2), done=True),  # resolved 30 minutes in
        JsmRequest("A-5", "1", "1", now - timedelta(days=5), priority_changes=[(3 * 1440.0, "Medium", "High")]),
    ]
    api = JsmAPI(token=None, desks=[ServiceDesk("1", "A", "A")], requests_=reqs)
    query = {"serviceDeskId": ["1"], "requestOwnership": ["ALL_REQUESTS"], "limit": ["10"]}
    page = api.route("GET", "/rest/servicedeskapi/request", query, {}, b"")
    assert [r["issueKey"] for r in page["values"]] == ["A-2", "A-1", "A-4", "A-5", "A-3"]


@pytest.mark.slow
def test_a_desk_beyond_max_requests_leaves_the_window_figures_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 3 of the wire audit: JSM lists a desk's requests by latest activity and cannot filter
    them by date, so a read cut at max_requests holds BIG's old but recently active requests and
    loses the quiet ones raised in the window. BIG's figures cannot be read whole: jsm.requests and
    jsm.sla fail (rules unknown, source_failed), no site sum is made without it, SML stands as read
    alone, and a cap BIG fits in reads its window whole."""
    monkeypatch.setenv(ENV, f"{EMAIL}:{TOKEN}")
    api = _busy_desk_site(datetime.now(UTC).replace(microsecond=0))
    try:
        cut, cut_ctx = _run(_cfg(api.url, max_requests=50))
        alone, alone_ctx = _run(_cfg(api.url, max_requests=50, service_desk_ids=["2"]))
        whole, whole_ctx = _run(_cfg(api.url, max_requests=70))  # exactly BIG's 70: read whole
    finally:
        api.stop()
    assert set(cut_ctx.failures) == {"jsm.requests", "jsm.sla"}
    why = cut_ctx.failures["jsm.requests"].reason
    assert cut_ctx.failures["jsm.sla"].category == "malformed"
    assert "service desk BIG" in why and "max_requests (50)" in why and "could not be read whole" in why
    got = _by(cut, "jsm.requests")
    assert set(got) == {"service_desk/SML"}  # neither BIG's cut figures nor a site sum without it
    assert _timeless(got["service_desk/SML"]) == _timeless(_by(alone, "jsm.requests")["service_desk/SML"])
    assert set(_by(cut, "jsm.sla")) == {"sla/SML/Time to resolution/service_request"}
    assert _timeless(_by(cut, "jsm.sla")["sla/SML/Time to resolution/service_request"]) == _timeless(
        _by(alone, "jsm.sla")["sla/SML/Time to resolution/service_request"]
    )
    assert not alone_ctx.failures and _by(alone, "jsm.requests")["site"]["requests"] == 5
    assert not whole_ctx.failures
    site = _by(whole, "jsm.requests")["site"]
    assert site["by_category"]["incident"] == 10 and site["resolved_by_category"]["incident"] == 5
    assert site["truncated"] is False
    # every rule over the requests or their SLAs: unknown for a failed source, never decided on a skew
    rows = [(e.kind, e.subject, e.data) for e in cut]
    ruled = [r for r in installed_rules().rules if {"jsm.requests", "jsm.sla"} & set(r.doc.evidence)]
    assert ruled
    for rule in ruled:
        seen = set(rule.doc.evidence) - set(cut_ctx.failures)
        res = evaluate(rule.id, rows, observed=seen)
        assert (res.status, res.reason_code) == ("unknown", "source_failed"), rule.id
