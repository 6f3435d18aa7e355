"""Postmortems shown by labels and linked issues, and incidents left open, over every project
together (gitlab.incident_feedback), against the loopback GitLab; and the rule that reads it
(gitlab.incidents.all-fed-back) on the third review's counter-examples (P1-P4)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from probes.gitlab import GitLabConfig, GitLabProbe
from probes.gitlab.incident_stats import incident_feedback, postmortems_shown
from probes.gitlab.window import Window
from sandbox.gitlab import Fault, GitLabAPI, History, build_history
from sandbox.gitlab.model import iso
from scanner.evidence import Evidence
from scanner.probe import ProbeContext
from tests.ruletable import evaluate

TOKEN = "glpat-FEEDBACKtokenFEEDBACKxx"
ENV = "MATURITY_TEST_GITLAB_FEEDBACK_TOKEN"
RULE = "gitlab.incidents.all-fed-back"
CFG = GitLabConfig(name="gl", probe="gitlab")
PATTERN, NEGATION = re.compile(CFG.postmortem_link_pattern), re.compile(CFG.postmortem_negation_pattern)
BOTS = re.compile(CFG.automation_author_pattern)
REVIEW = (
    "## Summary\nCheckout returned 502 for 40 minutes after the cache cluster lost its primary.\n"
    "## Timeline\n- 10:02 alert fired\n- 10:09 on-call acknowledged, traffic shifted to the standby\n"
    "## Root cause\nThe failover script skipped the health check when the replica lagged.\n"
    "## Follow-ups\n- [x] add the lag check to the failover script\n- [ ] alert on replica lag over 30 s\n"
)


def _incidents(h: History) -> Iterator[tuple[Any, dict[str, Any]]]:
    for p in h.projects:
        for i in p.issues:
            if i.get("issue_type") == "incident":
                yield p, i


def _link_postmortems(h: History, skip: str = "") -> None:
    """Link a closed "Postmortem: incident #N" issue to every closed incident (none in `skip`)."""
    n = 0
    for p, i in _incidents(h):
        if i["state"] != "closed" or p.project["path_with_namespace"] == skip:
            continue
        n += 1
        p.issue_links.setdefault(i["iid"], []).append(
            {
                "id": 990000 + n,
                "iid": 9000 + n,
                "issue_link_id": 770000 + n,
                "project_id": p.project["id"],
                "title": f"Postmortem: incident #{i['iid']}",
                "state": "closed",
                "created_at": i["closed_at"],
                "updated_at": i["closed_at"],
                "labels": ["postmortem"],
                "description": REVIEW,
                "user_notes_count": 2,
                "author": {"id": 18, "username": "sre.lead", "name": "SRE lead"},
                "due_date": None,
                "type": "ISSUE",
                "issue_type": "issue",
                "link_type": "relates_to",
            }
        )


def _close_open_incidents(h: History) -> None:
    for _, i in _incidents(h):
        if i["state"] != "closed":
            i.update(state="closed", closed_at=i["updated_at"])


@pytest.fixture
def history() -> History:
    h = build_history()
    _close_open_incidents(h)
    return h


@pytest.fixture
def server(history: History) -> Iterator[GitLabAPI]:
    api = GitLabAPI(history, token=TOKEN)
    api.start()
    yield api
    api.stop()


def scan(server: GitLabAPI, **extra: Any) -> tuple[list[Evidence], ProbeContext]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV, TOKEN)
        cfg = GitLabConfig(
            name="gl", probe="gitlab", url=server.url, token_env=ENV, groups=["acme"], retries=0, **extra
        )
        ctx = ProbeContext(source="gl", deadline=time.monotonic() + 60, log=logging.getLogger("test.gitlab"))
        return list(GitLabProbe().collect(cfg, ctx)), ctx


def feedback(ev: list[Evidence]) -> dict[str, Any]:
    (one,) = [e for e in ev if e.kind == "gitlab.incident_feedback"]
    assert one.subject == "gl"
    return dict(one.data)


def verdict(ev: list[Evidence]) -> str:
    rows = [(e.kind, e.subject, dict(e.data)) for e in ev if e.kind == "gitlab.incident_feedback"]
    return evaluate(RULE, rows).status


def stats(ev: list[Evidence]) -> dict[str, dict[str, Any]]:
    return {e.subject: dict(e.data) for e in ev if e.kind == "gitlab.incident_stats"}


def test_every_closed_incident_linking_a_postmortem_is_met(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    ev, ctx = scan(server)
    assert not ctx.failures
    fb = feedback(ev)
    assert fb["projects"] == len(history.projects) and fb["projects_with_incidents"] >= 2
    assert fb["closed"] >= 5 and fb["checked"] == fb["linked"] == fb["closed"] and fb["unchecked"] == 0
    assert fb["linked_coverage"] == 1.0 and fb["stale_open"] == 0 and fb["short_projects"] == []
    by = stats(ev)
    assert sum(s["closed"] for s in by.values()) == fb["closed"]
    assert verdict(ev) == "met"


def test_description_keywords_never_count_and_the_old_field_is_unchanged(server: GitLabAPI) -> None:
    """The sandbox's own postmortems are a "Postmortem: <url>" line in the description (P2/P3)."""
    ev, _ = scan(server)
    web = stats(ev)["acme/web/storefront"]
    assert web["postmortem_coverage"] == 1.0  # description match, kept for the 6.1.3 rules
    assert web["postmortem_linked"] == 0 and web["postmortem_linked_checked"] == web["closed"] > 0
    assert feedback(ev)["linked"] == 0 and verdict(ev) == "unknown"


def test_one_covered_project_does_not_hide_another(server: GitLabAPI, history: History) -> None:
    """P1: every incident of the web projects links a postmortem, none of ledger's does."""
    _link_postmortems(history, skip="acme/ledger/core")
    ev, _ = scan(server)
    fb = feedback(ev)
    assert stats(ev)["acme/web/storefront"]["postmortem_linked_coverage"] == 1.0
    assert 0 < fb["linked"] < fb["checked"] and fb["short_projects"] == ["acme/ledger/core"]
    assert verdict(ev) == "unknown"


def test_an_incident_left_open_for_weeks_is_no_feedback(server: GitLabAPI, history: History) -> None:
    """P4: one incident opened 30 days ago is still open."""
    _link_postmortems(history)
    now = datetime.now(UTC)
    web = next(p for p in history.projects if p.project["path_with_namespace"] == "acme/web/storefront")
    web.issues.append(
        dict(
            next(i for i in web.issues if i.get("issue_type") == "incident"),
            id=880001,
            iid=880,
            state="opened",
            created_at=iso(now - timedelta(days=30)),
            updated_at=iso(now - timedelta(days=29)),
            closed_at=None,
        )
    )
    ev, _ = scan(server)
    assert stats(ev)["acme/web/storefront"]["stale_open"] == 1 and feedback(ev)["stale_open"] == 1
    assert verdict(ev) == "unknown"
    ev, _ = scan(server, incident_stale_days=60)  # younger than the configured age: not stale
    assert feedback(ev)["stale_open"] == 0 and verdict(ev) == "met"


def test_the_link_limit_cut_is_counted_and_refused(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    server.clear()
    ev, _ = scan(server, incident_link_limit=1, incident_note_sample=0)
    fb = feedback(ev)
    assert fb["unchecked"] > 0 and fb["checked"] == fb["linked"] and fb["linked_coverage"] == 1.0
    links = [r for r in server.requests if r.path.endswith("/links")]
    assert len(links) == fb["checked"]  # one call per incident read, the cap respected
    assert verdict(ev) == "unknown"


def test_refused_links_leave_the_project_unread(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    server.clear()
    server.inject(Fault(r"/issues/\d+/links$", 403, times=1000))
    ev, ctx = scan(server)
    server.clear()
    assert set(ctx.failures) == {"gitlab.incident_feedback"}  # the incident figures stand
    web = stats(ev)["acme/web/storefront"]
    assert web["postmortem_linked_checked"] is None and "403" in web["postmortem_linked_note"]
    assert not [e for e in ev if e.kind == "gitlab.incident_feedback"]
    assert "403" in ctx.failures["gitlab.incident_feedback"].reason


def test_a_refused_incident_listing_leaves_the_project_unread(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    server.clear()
    ledger = next(p for p in history.projects if p.project["path_with_namespace"] == "acme/ledger/core")
    server.inject(Fault(rf"/projects/{ledger.project['id']}/issues$", 403, times=1000))
    ev, ctx = scan(server)
    server.clear()
    assert "gitlab.incident_stats" in ctx.failures
    assert not [e for e in ev if e.kind == "gitlab.incident_feedback"]
    assert "acme/ledger/core" in ctx.failures["gitlab.incident_feedback"].reason


def test_projects_beyond_max_projects_fail_the_sum(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    ev, ctx = scan(server, max_projects=1)
    assert not [e for e in ev if e.kind == "gitlab.incident_feedback"]
    assert "max_projects" in ctx.failures["gitlab.incident_feedback"].reason


def test_a_failed_sum_leaves_the_rule_unknown_not_failing() -> None:
    got = evaluate(RULE, None)  # the kind failed: not observed
    assert got.status == "unknown" and got.reason_code == "source_failed"


T0 = "2026-11-01T10:00:00Z"  # every incident below opened then
AFTER, BEFORE = "2026-11-02T09:00:00Z", "2026-08-01T09:00:00Z"


def _inc(iid: int, *labels: str) -> dict[str, Any]:
    return {"iid": iid, "created_at": T0, "labels": ["incident", *labels]}


def _pm(title: str = "Postmortem: checkout outage", **over: Any) -> dict[str, Any]:
    """A closed linked postmortem issue of its own, written after the incident, by a person."""
    row = {
        "id": 5000 + len(title),
        "title": title,
        "labels": [],
        "state": "closed",
        "created_at": AFTER,
        "description": REVIEW,
        "user_notes_count": 3,
        "author": {"username": "sre.lead"},
    }
    return {**row, **over}


def shown(closed: list[dict[str, Any]], links: dict[int, list[dict[str, Any]]] | None) -> tuple[int, int]:
    return postmortems_shown(closed, links, pattern=PATTERN, negation=NEGATION, automation=BOTS)


def test_what_shows_a_postmortem() -> None:
    closed = [
        _inc(1, "postmortem::done"),  # a finished review, labelled on the incident
        {**_inc(2), "description": "## Root cause\n<!-- fill in -->"},  # P2: the description is never read
        {**_inc(3), "description": "No RCA needed."},  # P3
        _inc(4, "postmortem::needed"),  # wanted, not done
        _inc(5, "RootCause::Software-Change"),  # a cause class, no review
        _inc(6),  # links its own postmortem issue
        _inc(7),  # links only a corrective action, and a review still open
        _inc(8, "postmortem::done"),  # links not read (cap)
        _inc(9, "postmortem-done"),  # an unscoped label saying it is finished
    ]
    links: dict[int, list[dict[str, Any]]] = {i: [] for i in (1, 2, 3, 4, 5, 6, 7, 9)}
    links[6] = [_pm("RCA: checkout outage", id=61)]
    links[7] = [
        _pm("Corrective action for incident 7", id=71, labels=["corrective-action"]),
        _pm("Incident 7", id=72, labels=["postmortem"], state="opened"),  # a review not yet done
    ]
    links[4] = [_pm("Postmortem needed for incident 4", id=41)]
    assert shown(closed, links) == (8, 3)
    assert shown(closed, None) == (0, 0)


@pytest.mark.parametrize(
    "label",
    [
        "postmortem::in-progress",  # C1: a lifecycle step, closing the incident comes first
        "postmortem::scheduled",
        "postmortem::yes",
        "postmortem::required",
        "复盘::进行中",
        "rca::open",
        "postmortem_required",  # C2: `_`, `-` and CamelCase are word breaks for the negations
        "postmortem_needed",
        "NeedsPostmortem",
        "no_postmortem",
        "postmortem_pending",
        "RCA-pending",
        "postmortem",  # C3: a bare label, which a template's /label quick action adds at creation
        "postmortem-template",
        "postmortem::not-done",
    ],
)
def test_c1_c3_a_label_that_does_not_say_the_review_is_finished(label: str) -> None:
    assert shown([_inc(1, label)], {1: []}) == (1, 0)


@pytest.mark.parametrize("label", ["postmortem::done", "Postmortem::Completed", "复盘::已完成", "RCA::published"])
def test_a_scoped_label_saying_the_review_is_finished(label: str) -> None:
    assert shown([_inc(1, label)], {1: []}) == (1, 1)
    assert shown([_inc(1, label, "postmortem::required")], {1: []}) == (1, 0)  # contradicted: not shown


def test_c4_one_shared_process_issue_reviews_none() -> None:
    """C4: every incident relates to one closed "Postmortem process and template" issue."""
    process = _pm("Postmortem process and template", id=12, created_at="2025-10-01T09:00:00Z")
    incidents = [_inc(i) for i in range(1, 11)]
    assert shown(incidents, {i: [process] for i in range(1, 11)}) == (10, 0)
    fresh = _pm("Postmortem: checkout outage", id=13)  # even when written after them all
    assert shown(incidents, {i: [fresh] for i in range(1, 11)}) == (10, 0)
    assert shown(incidents[:3], {i: [fresh] for i in range(1, 4)}) == (3, 3)  # one outage, three alerts


def test_c5_an_earlier_incidents_postmortem_linked_as_context() -> None:
    prior = _pm("Postmortem: DB primary failover 2026-08-01", labels=["postmortem"], created_at=BEFORE)
    assert shown([_inc(1)], {1: [prior]}) == (1, 0)


def test_c6_empty_issues_a_bot_opens_and_closes() -> None:
    bot = {"username": "incident-bot"}
    empty = _pm("Postmortem: incident #1", labels=["postmortem"], author=bot, description="", user_notes_count=0)
    assert shown([_inc(1)], {1: [empty]}) == (1, 0)
    # C6b: the team closes the bot's unneeded ones with a comment; the description is the template only
    template = "<!-- fill in -->\n## Impact\n\n## Timeline\n- \n**Root cause:**\n- [ ] \n"
    triaged = _pm("Postmortem: incident #1", author=bot, description=template, user_notes_count=1)
    assert shown([_inc(1)], {1: [triaged]}) == (1, 0)
    filled = _pm("Postmortem: incident #1", author=bot, description=template + REVIEW, user_notes_count=0)
    assert shown([_inc(1)], {1: [filled]}) == (1, 1)  # the bot's issue, filled in by people
    by_person = _pm("Postmortem: incident #1", description=None, user_notes_count=4)
    assert shown([_inc(1)], {1: [by_person]}) == (1, 1)  # the review written in its notes


def test_c7_a_follow_up_or_a_sprint_retrospective_is_no_review() -> None:
    for title in (
        "Postmortem follow-up: add disk alert",
        "Retrospective: sprint 42",
        "Postmortem action items",
        "Fix cache after postmortem",
        "Postmortem template",
    ):
        assert shown([_inc(1)], {1: [_pm(title)]}) == (1, 0), title


def _add(p: Any, **over: Any) -> None:
    base = next(i for i in p.issues if i.get("issue_type") == "incident")
    n = 880000 + len(p.issues)
    p.issues.append(dict(base, id=n, iid=n, **over))


def _web(h: History) -> Any:
    return next(p for p in h.projects if p.project["path_with_namespace"] == "acme/web/storefront")


def test_c8_young_open_incidents_beyond_a_tenth_leave_all_unjudged(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    now = datetime.now(UTC)
    ev, _ = scan(server)
    fb = feedback(ev)
    assert fb["open"] == 0 and fb["open_share"] == 0.0 and verdict(ev) == "met"
    for k in range(fb["incidents"]):  # as many young incidents still open as closed ones
        t = now - timedelta(days=1 + k % 12)
        _add(_web(history), state="opened", created_at=iso(t), updated_at=iso(t), closed_at=None)
    ev, _ = scan(server)
    fb = feedback(ev)
    assert fb["stale_open"] == 0 and fb["open"] == fb["closed"] and fb["open_share"] == 0.5
    assert verdict(ev) == "unknown"


def test_c9_incidents_opened_before_the_window_still_open(server: GitLabAPI, history: History) -> None:
    """Not listed (updated before the window); counted from the all-time statistics."""
    _link_postmortems(history)
    now = datetime.now(UTC)
    for k in range(3):
        t = now - timedelta(days=95 + 30 * k)
        _add(_web(history), state="opened", created_at=iso(t), updated_at=iso(t), closed_at=None)
    ev, _ = scan(server)
    web = stats(ev)["acme/web/storefront"]
    assert web["open_before_window"] == 3 and web["all_time"]["opened"] == 3 and web["open"] == 0
    fb = feedback(ev)
    assert fb["open_before_window"] == 3 and "acme/web/storefront" in fb["short_projects"]
    assert verdict(ev) == "unknown"


def test_c9_unread_statistics_leave_open_before_window_unknown(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    server.inject(Fault(r"/issues\?.*per_page=1\b", 403, times=1000))  # the incident counts only
    ev, _ = scan(server)
    server.clear()
    assert feedback(ev)["open_before_window"] is None and verdict(ev) == "unknown"


def test_c10_plain_issues_labelled_as_incidents(server: GitLabAPI, history: History) -> None:
    _link_postmortems(history)
    now = datetime.now(UTC)
    t = now - timedelta(days=20)
    _add(
        _web(history),
        issue_type="issue",
        type="ISSUE",
        labels=["Outage"],
        state="closed",
        created_at=iso(t),
        updated_at=iso(t + timedelta(hours=3)),
        closed_at=iso(t + timedelta(hours=3)),
    )
    ev, _ = scan(server)
    fb = feedback(ev)
    assert fb["untyped_incidents"] == 1 and "acme/web/storefront" in fb["short_projects"]
    assert verdict(ev) == "unknown"


def test_a_project_that_cannot_tell_makes_the_sum_unknown() -> None:
    """A project whose statistics or plain issues were not read: the sum is null, never 0."""
    now = datetime.now(UTC)
    ok = {
        "incidents": 6,
        "closed": 6,
        "postmortem_linked_checked": 6,
        "postmortem_linked": 6,
        "postmortem_linked_unchecked": 0,
        "stale_open": 0,
        "open_before_window": 0,
        "untyped_incidents": 0,
    }
    w = Window(now - timedelta(days=90), now)
    fb = incident_feedback([("a/b", ok), ("a/c", {**ok, "untyped_incidents": None})], w, CFG)
    assert fb["untyped_incidents"] is None and fb["open_before_window"] == 0 and fb["short_projects"] == ["a/c"]
    assert evaluate(RULE, [("gitlab.incident_feedback", "gl", fb)]).status == "unknown"
    fb = incident_feedback([("a/b", ok)], w, CFG)
    assert evaluate(RULE, [("gitlab.incident_feedback", "gl", fb)]).status == "met"


def test_all_time_counts_are_incidents_only_not_every_issue(server: GitLabAPI, history: History) -> None:
    """N1 (review 2026-12-04, evening): issues_statistics ignores issue_type, so plain issues were
    counted as incidents and `gitlab.incidents.recorded` was met on any project with any issue."""
    web = _web(history)
    incidents = [i for i in web.issues if i.get("issue_type") == "incident"]
    opened = sum(1 for i in incidents if i.get("state") == "opened")
    t = datetime.now(UTC) - timedelta(days=400)
    for _ in range(7):  # old plain issues, some open: none is an incident
        _add(web, issue_type="issue", type="ISSUE", labels=["bug"], state="opened", created_at=iso(t), closed_at=None)
    ev, _ = scan(server)
    counts = stats(ev)["acme/web/storefront"]["all_time"]
    assert counts == {"all": len(incidents), "closed": len(incidents) - opened, "opened": opened}
    # A project holding only plain issues shows no incident at all.
    web.issues[:] = [i for i in web.issues if i.get("issue_type") != "incident"]
    ev, _ = scan(server)
    assert stats(ev)["acme/web/storefront"]["all_time"] == {"all": 0, "closed": 0, "opened": 0}
    rows = [(e.kind, e.subject, dict(e.data)) for e in ev if e.subject == "acme/web/storefront"]
    assert evaluate("gitlab.incidents.recorded", rows).status != "met"
