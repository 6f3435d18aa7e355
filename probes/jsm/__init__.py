"""The jsm probe: incident, problem, change and request records and their SLAs, read from the
Jira Service Management Cloud REST API (/rest/servicedeskapi), read-only.

Steps, each failing only its own kinds:
1. service desks (`GET /servicedesk`) and each desk's request types
   (`GET /servicedesk/{id}/requesttype`): each type's practice gives its requests' category;
2. each desk's requests (`GET /request?serviceDeskId&requestOwnership=ALL_REQUESTS&expand=sla`),
   kept when created in the window (JSM lists them by latest activity, with no date filter: a desk
   holding more than max_requests cannot have its window read whole, so it fails jsm.requests and
   jsm.sla, and no site sum is made without it): counted by practice and done status; their SLA records
   (embedded, or `GET /request/{key}/sla` when the embedded page is not the last); and, for
   problem records, their issue links (`GET /rest/api/3/issue/{key}?fields=issuelinks`) to see
   whether a problem is tied to an incident, and likewise for done post-incident reviews (up to
   max_review_lookups calls); and, for resolved incidents, the customer's
   satisfaction rating (`GET /request/{key}/feedback`, up to max_feedback_lookups calls); and,
   for change requests, whether the fields named in change_risk_fields and change_impact_fields
   (found by name in `GET /rest/api/3/field`) hold a value
   (`GET /rest/api/3/issue/{key}?fields=...`, up to max_change_lookups calls), and, in the same
   call, whether its implementation plan, test plan and planned start fields (change_plan_fields,
   change_test_fields, change_schedule_fields) are filled (a rich-text field is a document, ADF);
   and, for incidents, their priority with its change history
   (`GET /rest/api/3/issue/{key}?fields=priority&expand=changelog`, up to max_priority_lookups
   calls, in the list's order), counted as distinct priorities; for done incidents not closed as
   cancelled, duplicate or won't do (`closed_void`), the priority they were raised at against
   the one they closed at (pre-grading accuracy, `pregrade`). A call refused for one issue (403,
   404, an oversized answer) leaves that incident unread (unmeasured when done) and the lookups
   go on; any other refusal stops them and leaves the figures null, as does every call refused.
No summary, description, comment or person's name is kept: the evidence holds counts (an
implementation plan only as a digest, to count distinct plans).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from probes.jsm.client import PREFIX, JsmClient
from probes.jsm.config import JsmConfig
from probes.jsm.kinds import KINDS, MODELS
from probes.jsm.normalise import (
    Window,
    category_of,
    closed_void,
    created_at,
    desk_data,
    field_ids,
    filled,
    is_done,
    links_an_incident,
    pregrade,
    requests_data,
    sla_data,
)
from scanner.evidence import Evidence
from scanner.probe import SOURCE_WIDE, CollectError, KindModel, Probe, ProbeContext

__all__ = ["JsmConfig", "JsmProbe"]

SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
DESK, REQUESTS, SLA = "jsm.service_desk", "jsm.requests", "jsm.sla"
ONE_ISSUE = frozenset({"forbidden", "not_found", "malformed"})  # a refusal of one issue, not of the endpoint
SATISFIED = 4  # JSM's CSAT scale is 1..5; 4 and 5 are the satisfied answers


class JsmProbe(Probe):
    name = "jsm"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = JsmConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: JsmConfig = config
        api = JsmClient(cfg, ctx)
        try:
            yield from _collect(api, cfg, ctx)
        finally:
            api.close()


def _collect(api: JsmClient, cfg: JsmConfig, ctx: ProbeContext) -> Iterator[Evidence]:
    now = datetime.now(UTC).replace(microsecond=0)
    window = Window(now - timedelta(days=cfg.window_days), now)
    desks: list[dict[str, Any]] | None = None
    type_cat: dict[str, str] = {}
    incident_types: set[str] = set()
    out: list[Evidence] = []
    with ctx.step((DESK,), "service desks and request types"):
        listed = list(api.paged(f"{PREFIX}/servicedesk", limit=cfg.per_page))
        wanted = set(cfg.service_desk_ids)
        chosen = [d for d in listed if not wanted or str(d.get("id")) in wanted]
        for d in chosen:
            did = _segment(d.get("id"))
            if not did:
                raise CollectError("/servicedesk: a service desk without a usable id", "malformed")
            types = list(api.paged(f"{PREFIX}/servicedesk/{did}/requesttype", limit=cfg.per_page))
            type_cats = []
            for t in types:
                cat = category_of(t, cfg.request_type_categories)
                type_cat[str(t.get("id"))] = cat
                type_cats.append(cat)
                if cat == "incident" and t.get("issueTypeId") is not None:
                    incident_types.add(str(t.get("issueTypeId")))
            out.append(
                ctx.evidence(
                    DESK, f"service_desk/{d.get('projectKey') or did}", desk_data(d, type_cats), "GET /servicedesk"
                )
            )
        desks = chosen
    yield from out

    out = []
    with ctx.step((REQUESTS, SLA), "requests"):
        if desks is None:
            first = ctx.failures.get(DESK)
            why = f": {first.reason}" if first is not None else ""
            raise CollectError(f"needs the service desks and their request types{why}", "error")
        site_cats: list[str] = []
        site_done: list[str] = []
        samples: list[tuple[dict[str, Any], str, list[dict[str, Any]]]] = []
        site_problems = [0, 0]
        site_reviews = [0, 0]  # done post-incident reviews whose links were read, of which linked to an incident
        site_feedback: list[int] | None = [0, 0, 0]
        cut: list[str] = []  # desks holding more than max_requests requests: their window not read whole
        lookups = cfg.max_problem_lookups
        review_lookups = cfg.max_review_lookups
        feedback_budget = cfg.max_feedback_lookups
        change_budget = cfg.max_change_lookups
        priority_budget = cfg.max_priority_lookups
        site_prio: set[str] | None = set()  # distinct incident priorities (None: the issue endpoint refused)
        site_prio_checked = 0
        site_prio_failed = 0
        first_failure = ""
        site_grading = [0, 0, 0, 0]  # done incidents read, of which unmeasured, kept their grade, regraded
        site_initials: Counter[str] = Counter()  # initial priorities of the measured (by id)
        site_top = 0  # measured incidents raised at their own desk's most common initial priority
        site_unsampled = 0  # desks with done incidents in the window, none of them read for grading
        change_fields = _change_fields(api, cfg, ctx) if "change" in type_cat.values() and change_budget else None
        site_changes: list[int] | None = None if change_fields is None else [0, 0, 0, 0]
        site_grades: set[str] = set()  # distinct risk grades
        site_impacts: set[str] = set()  # distinct impacts
        plan_ids = change_fields[2] if change_fields is not None else None
        # with a plan, a test plan, a planned start, documented (all and risk and impact); distinct plans
        site_plans: list[int] | None = None if plan_ids is None else [0, 0, 0, 0]
        site_plan_texts: set[str] = set()
        for d in desks:
            did = str(d.get("id"))
            params = {
                "serviceDeskId": did,
                "requestOwnership": "ALL_REQUESTS",
                "requestStatus": "ALL_REQUESTS",
                "expand": "sla",
            }
            # one past the cap tells a desk that fits from one that does not
            rows = list(api.paged(f"{PREFIX}/request", params, limit=cfg.per_page, cap=cfg.max_requests + 1))
            if len(rows) > cfg.max_requests:
                # JSM lists requests by latest activity, not creation: a cut read holds the recently
                # active (old ones too) and drops requests raised in the window and quiet since, so
                # every count, ratio and SLA sample of the desk would be skewed. Nothing of it is kept.
                cut.append(str(d.get("projectKey") or did)[:64])
                continue
            cats: list[str] = []
            done: list[str] = []
            problems = [0, 0]
            reviews = [0, 0]
            feedback: list[int] | None = None if site_feedback is None else [0, 0, 0]  # checked, rated, satisfied
            changes: list[int] | None = None if site_changes is None else [0, 0, 0, 0]  # checked, risk, impact, both
            grades: set[str] = set()  # distinct risk grades
            impacts: set[str] = set()  # distinct impacts (one alone reads as a field default)
            plans: list[int] | None = None if site_plans is None else [0, 0, 0, 0]
            plan_texts: set[str] = set()  # digests of the implementation plans (a template default reads as one)
            prio: set[str] | None = None if site_prio is None else set()
            prio_checked = 0
            prio_failed = 0  # issue calls refused for that issue alone (403, 404, an oversized answer)
            wanted_grading = reached_grading = False  # done incidents to grade; one of them looked up
            grading = [0, 0, 0, 0]
            initials: Counter[str] = Counter()
            for r in rows:
                if not window.holds(created_at(r)):
                    continue
                tid = str(r.get("requestTypeId"))
                cat = type_cat.get(tid) or cfg.request_type_categories.get(tid, "other")
                cats.append(cat)
                if is_done(r):
                    done.append(cat)
                samples.append((d, cat, _slas(api, r, cfg.per_page)))
                key = _segment(r.get("issueKey"))
                if cat == "incident" and is_done(r) and key and feedback_budget > 0 and site_feedback is not None:
                    feedback_budget -= 1
                    try:
                        rating = api.feedback_rating(key)
                    except CollectError as exc:  # an experimental endpoint: its refusal fails nothing else
                        ctx.warn(f"customer feedback not read: {exc.reason}")
                        site_feedback = feedback = None
                    else:
                        _tally(feedback, rating)
                if cat == "incident" and is_done(r) and not closed_void(r):
                    wanted_grading = True
                if cat == "incident" and key and priority_budget > 0 and prio is not None:
                    priority_budget -= 1
                    reached_grading = reached_grading or is_done(r)
                    try:
                        issue = api.get_json(f"/rest/api/3/issue/{key}", {"fields": "priority", "expand": "changelog"})
                    except CollectError as exc:
                        if exc.category in SOURCE_WIDE:
                            raise
                        if exc.category not in ONE_ISSUE:
                            ctx.warn(f"incident priorities not read: {exc.reason}")
                            site_prio = prio = None
                        else:  # this issue only (issue security, moved or deleted, oversized): lookups go on
                            prio_failed += 1
                            first_failure = first_failure or exc.reason
                            if is_done(r) and not closed_void(r):
                                _grade(grading, initials, None)
                    else:
                        prio_checked += 1
                        prio |= _priority(issue)
                        if is_done(r) and not closed_void(r, issue):
                            _grade(grading, initials, pregrade(issue))
                if cat == "change" and key and change_budget > 0 and change_fields and changes is not None:
                    change_budget -= 1
                    risk_ids, impact_ids, _plan = change_fields
                    extra = [i for ids in plan_ids or () for i in ids]
                    try:
                        issue = api.get_json(
                            f"/rest/api/3/issue/{key}", {"fields": ",".join(risk_ids + impact_ids + extra)}
                        )
                    except CollectError as exc:
                        if exc.category in SOURCE_WIDE:
                            raise
                        ctx.warn(f"change risk and impact not read: {exc.reason}")
                        site_changes = changes = None
                        site_plans = plans = None
                    else:
                        risk, impact = filled(issue, risk_ids), filled(issue, impact_ids)
                        for i, hit in enumerate((True, risk, impact, risk and impact)):
                            changes[i] += 1 if hit else 0
                        grades |= {risk} if risk else set()
                        impacts |= {impact} if impact else set()
                        if plans is not None and plan_ids is not None:
                            plan, test, start = (filled(issue, ids, 4000) for ids in plan_ids)
                            done_all = bool(risk and impact and plan and test and start)
                            for i, hit in enumerate((plan, test, start, done_all)):
                                plans[i] += 1 if hit else 0
                            if plan:
                                plan_texts.add(hashlib.sha256(" ".join(plan.split()).casefold().encode()).hexdigest())
                # problems and done reviews: is the record linked to an incident? (one call each)
                tally = None
                if cat == "problem" and lookups > 0 and key:
                    lookups, tally = lookups - 1, problems
                elif cat == "post_incident_review" and is_done(r) and review_lookups > 0 and key:
                    review_lookups, tally = review_lookups - 1, reviews
                if tally is not None:
                    issue = api.get_json(f"/rest/api/3/issue/{key}", {"fields": "issuelinks"})
                    tally[0] += 1
                    tally[1] += 1 if links_an_incident(issue, incident_types) else 0
            site_cats += cats
            site_done += done
            site_problems = [site_problems[0] + problems[0], site_problems[1] + problems[1]]
            site_reviews = [site_reviews[0] + reviews[0], site_reviews[1] + reviews[1]]
            if site_feedback is not None and feedback is not None:
                site_feedback = [a + b for a, b in zip(site_feedback, feedback, strict=True)]
            if site_changes is not None and changes is not None:
                site_changes = [a + b for a, b in zip(site_changes, changes, strict=True)]
                site_grades |= grades
                site_impacts |= impacts
            if site_plans is not None and plans is not None:
                site_plans = [a + b for a, b in zip(site_plans, plans, strict=True)]
                site_plan_texts |= plan_texts
            unsampled = int(wanted_grading and not reached_grading)
            if site_prio is not None and prio is not None:
                site_prio |= prio
                site_prio_checked += prio_checked
                site_prio_failed += prio_failed
                site_grading = [a + b for a, b in zip(site_grading, grading, strict=True)]
                site_initials += initials
                site_top += max(initials.values(), default=0)
                site_unsampled += unsampled
            data = requests_data(
                "service_desk",
                d,
                window,
                cats,
                done,
                (problems[0], problems[1]),
                False,
                _fb(feedback),
                _changes(changes, grades, impacts),
                (reviews[0], reviews[1]),
                _plans(plans, plan_texts),
            ) | _priorities(
                None if prio_failed and not prio_checked else prio,  # every lookup refused: not read
                prio_checked,
                grading,
                initials,
                max(initials.values(), default=0),
                unsampled,
            )
            out.append(ctx.evidence(REQUESTS, f"service_desk/{d.get('projectKey') or did}", data, "GET /request"))
        if cut:
            more = f" (and {len(cut) - 1} more)" if len(cut) > 1 else ""
            why = (
                f"more than max_requests ({cfg.max_requests}) requests on service desk {cut[0]}{more}; "
                "the window could not be read whole (JSM lists requests by latest activity, with no date "
                "filter): raise max_requests or leave the desk out with service_desk_ids"
            )
            ctx.fail((REQUESTS, SLA), CollectError(why, "malformed"), "requests")
        site = requests_data(
            "site",
            None,
            window,
            site_cats,
            site_done,
            (site_problems[0], site_problems[1]),
            False,
            _fb(site_feedback),
            _changes(site_changes, site_grades, site_impacts),
            (site_reviews[0], site_reviews[1]),
            _plans(site_plans, site_plan_texts),
        ) | _priorities(
            None if site_prio_failed and not site_prio_checked else site_prio,
            site_prio_checked,
            site_grading,
            site_initials,
            site_top,
            site_unsampled,
        )
        if site_prio_failed and site_prio is not None:
            ctx.warn(
                f"{site_prio_failed} incident issue(s) not read ({first_failure}); "
                + ("incident priorities not read" if not site_prio_checked else "those incidents left unmeasured")
            )
        if not cut:  # a sum without a cut desk is no site figure
            out.append(ctx.evidence(REQUESTS, "site", site, "GET /servicedesk, GET /request"))
        for subject, data in sla_data(samples, window):
            out.append(ctx.evidence(SLA, subject, data, "GET /request?expand=sla"))
    yield from out


def _priority(issue: Any) -> set[str]:
    """The priority's name of `GET /rest/api/3/issue/{key}?fields=priority` (none: not set)."""
    fields = issue.get("fields") if isinstance(issue, dict) else None
    p = fields.get("priority") if isinstance(fields, dict) else None
    name = p.get("name") or p.get("id") if isinstance(p, dict) else None
    return {str(name)[:64]} if isinstance(name, (str, int)) and str(name) else set()


def _grade(grading: list[int], initials: Counter[str], got: tuple[str, bool, bool] | None) -> None:
    """Tally one done incident: read; not measured (None), or its initial priority, whether it
    closed at it and whether it was regraded."""
    grading[0] += 1
    if got is None:
        grading[1] += 1
        return
    initial, kept, changed = got
    initials[initial] += 1
    grading[2] += 1 if kept else 0
    grading[3] += 1 if changed else 0


def _priorities(
    prio: set[str] | None, checked: int, grading: list[int], initials: Counter[str], top: int, unsampled: int
) -> dict[str, int | float | None]:
    """`incident_priorities_checked`, `incident_priorities` and the pre-grading figures (all
    null when the issue endpoint refused). `top`: measured incidents raised at their own desk's
    most common initial priority; `unsampled`: desks with done incidents none of which was read."""
    if prio is None:
        return {
            "incident_priorities_checked": None,
            "incident_priorities": None,
            "incident_grading_checked": None,
            "incident_grading_unmeasured": None,
            "incident_grading_measured": None,
            "incident_grading_kept": None,
            "incident_grading_regraded": None,
            "incident_initial_priorities": None,
            "incident_initial_top_share": None,
            "incident_grading_accuracy": None,
            "incident_grading_accuracy_floor": None,
            "incident_grading_desks_unsampled": None,
        }
    measured = grading[0] - grading[1]
    return {
        "incident_priorities_checked": checked,
        "incident_priorities": len(prio),
        "incident_grading_checked": grading[0],
        "incident_grading_unmeasured": grading[1],
        "incident_grading_measured": measured,
        "incident_grading_kept": grading[2],
        "incident_grading_regraded": grading[3],
        "incident_initial_priorities": len([k for k in initials if k]),
        "incident_initial_top_share": round(top / measured, 4) if measured else None,
        "incident_grading_accuracy": round(grading[2] / measured, 4) if measured else None,
        "incident_grading_accuracy_floor": round(grading[2] / grading[0], 4) if grading[0] else None,
        "incident_grading_desks_unsampled": unsampled,
    }


def _tally(feedback: list[int] | None, rating: int | None) -> None:
    if feedback is None:
        return
    feedback[0] += 1
    if rating is not None:
        feedback[1] += 1
        feedback[2] += 1 if rating >= SATISFIED else 0


def _fb(feedback: list[int] | None) -> tuple[int, int, int] | None:
    return None if feedback is None else (feedback[0], feedback[1], feedback[2])


def _changes(
    changes: list[int] | None, grades: set[str], impacts: set[str]
) -> tuple[int, int, int, int, int, int] | None:
    if changes is None:
        return None
    return (changes[0], changes[1], changes[2], changes[3], len(grades), len(impacts))


def _plans(plans: list[int] | None, texts: set[str]) -> tuple[int, int, int, int, int] | None:
    return None if plans is None else (plans[0], plans[1], plans[2], plans[3], len(texts))


ChangeFields = tuple[list[str], list[str], tuple[list[str], list[str], list[str]] | None]


def _change_fields(api: JsmClient, cfg: JsmConfig, ctx: ProbeContext) -> ChangeFields | None:
    """The ids of the fields holding a change's risk grade and its impact, found by name in the
    site's field list; None when either is missing (nothing to read) or the list is refused.
    The third member: the ids of its implementation plan, test plan and planned start fields,
    None unless all three are found."""
    try:
        fields = api.get_json("/rest/api/3/field")
    except CollectError as exc:
        if exc.category in SOURCE_WIDE:
            raise
        ctx.warn(f"change risk and impact not read: {exc.reason}")
        return None
    risk, impact = field_ids(fields, cfg.change_risk_fields), field_ids(fields, cfg.change_impact_fields)
    if not risk or not impact:
        missing = cfg.change_risk_fields if not risk else cfg.change_impact_fields
        ctx.log.debug("source %s: no field named %s; change risk and impact not read", ctx.source, missing)
        return None
    parts = tuple(
        field_ids(fields, names)
        for names in (cfg.change_plan_fields, cfg.change_test_fields, cfg.change_schedule_fields)
    )
    if not all(parts):
        ctx.log.debug("source %s: no implementation plan, test plan or planned start field; not read", ctx.source)
        return risk, impact, None
    return risk, impact, (parts[0], parts[1], parts[2])


def _segment(value: Any) -> str | None:
    """An id or issue key fit for a URL path (the server's word is never spliced in raw)."""
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text if SEGMENT.fullmatch(text) else None


def _slas(api: JsmClient, request: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """A request's SLA records: the embedded page, or the full list when it is not complete."""
    embedded = request.get("sla")
    if (
        isinstance(embedded, dict)
        and isinstance(embedded.get("values"), list)
        and embedded.get("isLastPage") is not False
    ):
        return [v for v in embedded["values"] if isinstance(v, dict)]
    key = _segment(request.get("issueKey")) or _segment(request.get("issueId"))
    if not key:
        return []
    return list(api.paged(f"{PREFIX}/request/{key}/sla", limit=limit))
