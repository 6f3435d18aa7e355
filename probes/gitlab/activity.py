"""A project's activity in the window (see probes/gitlab/collector.py).

Merged MRs (+ a bounded sample of approvals and sizes), pipelines, incidents (+ issue statistics
and a bounded sample of first responses), closed issues (improvement labels), releases and the
DORA figures, ours and, where offered, GitLab's own DORA API. A fixed number of list calls per
project, never one per deployment.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from functools import partial
from typing import Any

from probes.gitlab.collector import Collector
from probes.gitlab.dora import dora_figures
from probes.gitlab.ids import ApiError
from probes.gitlab.improvement import improvement_stats
from probes.gitlab.incident_stats import incident_stats, untyped_incidents
from probes.gitlab.stats import finished_deployments, merge_request_stats, pipeline_stats
from probes.gitlab.timeline import read_timelines, timeline_figures
from probes.gitlab.window import parse_time

__all__ = ["dora", "improvements", "incidents", "merge_requests", "pipelines", "releases"]

MAX_CLOSED_ISSUES = 5000  # closed issues read per project per window: a share needs no more
MAX_LINKS = 20  # linked issues read per incident (one page)
# What a project contributes to the source-wide gitlab.incident_feedback (probes/gitlab/__init__.py).
FEEDBACK_FIELDS = (
    "incidents",
    "closed",
    "postmortem_linked_checked",
    "postmortem_linked",
    "postmortem_linked_unchecked",
    "stale_open",
    "postmortem_linked_note",
    "open_before_window",
    "untyped_incidents",
)
DORA_METRICS = ("deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore_service")


def merge_requests(c: Collector, deploy_times: list[datetime] | None) -> dict[str, Any] | None:
    kinds = ("gitlab.merge_request_stats", "gitlab.dora")
    if c.p.get("merge_requests_enabled") is False:
        mrs: list[dict[str, Any]] = []
    else:
        got = c.listing(
            kinds,
            "/merge_requests",
            {"state": "merged", "updated_after": c.since, "order_by": "updated_at", "sort": "desc"},
        )
        if got is None:
            return None
        mrs = got
    in_window = sorted(
        (m for m in mrs if c.w.contains(parse_time(m.get("merged_at")))),
        key=lambda m: str(m.get("merged_at")),
        reverse=True,
    )
    approvals: list[dict[str, Any]] = []
    sizes: list[Any] = []
    for m in in_window[: c.cfg.approval_sample]:
        a = c.attempt(
            ("gitlab.merge_request_stats",),
            partial(c.api.get, f"{c.base}/merge_requests/{int(m['iid'])}/approvals"),
        )
        if a is None:
            break
        approvals.append(a)
        # The list API carries no size; the single MR's changes_count does ("1000+" when capped).
        one = c.attempt(("gitlab.merge_request_stats",), partial(c.api.get, f"{c.base}/merge_requests/{int(m['iid'])}"))
        if one is None:
            break
        sizes.append(one.get("changes_count") if isinstance(one, dict) else None)
    stats = merge_request_stats(
        mrs, approvals, deploy_times, c.w, default_branch=c.p.get("default_branch"), sizes=sizes
    )
    c.emit("gitlab.merge_request_stats", c.path, {"project": c.path, **stats}, "/merge_requests")
    return stats


def pipelines(c: Collector) -> None:
    if c.p.get("jobs_enabled") is False:
        pipes: list[dict[str, Any]] | None = []
    else:
        pipes = c.listing(
            ("gitlab.pipeline_stats",),
            "/pipelines",
            {"updated_after": c.since, "order_by": "id", "sort": "desc"},
        )
    if pipes is not None:
        c.emit(
            "gitlab.pipeline_stats",
            c.path,
            {"project": c.path, **pipeline_stats(pipes, c.w, default_branch=c.p.get("default_branch"))},
            "/pipelines",
        )


def incidents(c: Collector) -> list[dict[str, Any]] | None:
    kinds = ("gitlab.incident_stats", "gitlab.dora")
    if c.p.get("issues_enabled") is False:
        issues: list[dict[str, Any]] = []
        ever: dict[str, Any] | None = {"all": 0, "closed": 0, "opened": 0}
    else:
        got = c.listing(
            kinds,
            "/issues",
            {
                "issue_type": "incident",
                "updated_after": c.since,
                "scope": "all",
                "order_by": "created_at",
                "sort": "desc",
            },
        )
        if got is None:
            return None
        issues = got
        ever = c.attempt(("gitlab.incident_stats",), lambda: _incidents_ever(c))
    latest = sorted(
        (i for i in issues if c.w.contains(parse_time(i.get("created_at")))),
        key=lambda i: str(i.get("created_at")),
        reverse=True,
    )
    first: dict[int, datetime | None] = {}
    for i in latest[: c.cfg.incident_note_sample]:
        try:
            first[int(i["iid"])] = _first_notes(c, int(i["iid"]))
        except ApiError as exc:
            c.fail(("gitlab.incident_stats",), exc)
            break
    timelines, note = (
        read_timelines(c, latest[: c.cfg.incident_note_sample])
        if c.cfg.incident_timelines
        else ({}, "not read (incident_timelines: false)")
    )
    # Issue links are read once per incident: for the sample (follow-ups, and a linked postmortem
    # issue matching postmortem_pattern for postmortem_coverage), then for the other closed
    # incidents up to incident_link_limit (postmortem_linked_*: labels and linked issues only).
    sample = latest[: c.cfg.incident_note_sample]
    closed = [i for i in latest if parse_time(i.get("closed_at"))][: c.cfg.incident_link_limit]
    sampled = {id(i) for i in sample}
    links, failed = _read_links(c, [*sample, *(i for i in closed if id(i) not in sampled)])
    linked_pm: set[int] = set()
    follow_ups = _follow_ups(c, sample, linked_pm, links, failed)
    unread = failed is not None and any(isinstance(i.get("iid"), int) and i["iid"] not in links for i in closed)
    data = incident_stats(
        issues,
        first,
        c.w,
        ever=ever,
        severity=re.compile(c.cfg.severity_label_pattern),
        postmortem=re.compile(c.cfg.postmortem_pattern),
        automation=re.compile(c.cfg.automation_author_pattern),
        linked_postmortems=linked_pm,
        links=None if unread else links,
        links_note=f"issue links unreadable: {failed.reason}" if unread and failed is not None else None,
        link_pattern=re.compile(c.cfg.postmortem_link_pattern),
        negation=re.compile(c.cfg.postmortem_negation_pattern),
        stale_days=c.cfg.incident_stale_days,
        incident_label=re.compile(c.cfg.incident_label_pattern),
    )
    c.untyped = untyped_incidents(issues, c.w, re.compile(c.cfg.incident_label_pattern))
    data["timeline"] = timeline_figures(timelines, note)
    data["follow_ups"] = follow_ups
    c.emit("gitlab.incident_stats", c.path, {"project": c.path, **data}, "/issues?issue_type=incident")
    c.out.incident_feedback = {k: data[k] for k in FEEDBACK_FIELDS}
    return issues


def _first_notes(c: Collector, iid: int) -> datetime | None:
    # One page, oldest first: the first human answer is nearly always on it.
    params = {"sort": "asc", "order_by": "created_at", "per_page": 20}
    for n in c.api.first_page(f"{c.base}/issues/{iid}/notes", params):
        if not n.get("system"):
            return parse_time(n.get("created_at"))
    return None


def _incidents_ever(c: Collector) -> dict[str, int] | None:
    """Incidents over the project's whole history, counted from the issues list (X-Total of a
    one-item page, `issue_type=incident`): `issues_statistics` declares no issue_type parameter,
    so GitLab drops it there and counts every issue. None when GitLab leaves the total out."""
    params = {"issue_type": "incident", "scope": "all"}
    every = c.api.count(f"{c.base}/issues", {**params, "state": "all"})
    opened = c.api.count(f"{c.base}/issues", {**params, "state": "opened"}) if every is not None else None
    if every is None or opened is None or opened > every:
        return None
    return {"all": every, "closed": every - opened, "opened": opened}


def _read_links(
    c: Collector, incidents: list[dict[str, Any]]
) -> tuple[dict[int, list[dict[str, Any]]], ApiError | None]:
    """The issues linked to each incident (GET /issues/:iid/links, one page of MAX_LINKS each, in
    order), and the failure that stopped the reading (None: all read)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for i in incidents:
        iid = i.get("iid")
        if not isinstance(iid, int) or iid in out:
            continue
        try:
            page = c.api.first_page(f"{c.base}/issues/{iid}/links", {"per_page": MAX_LINKS})
        except ApiError as exc:
            return out, exc
        out[iid] = [r for r in page[:MAX_LINKS] if isinstance(r, dict)]
    return out, None


def _follow_ups(
    c: Collector,
    sample: list[dict[str, Any]],
    postmortems: set[int] | None = None,
    links: dict[int, list[dict[str, Any]]] | None = None,
    failed: ApiError | None = None,
) -> dict[str, Any]:
    """Issues linked from the sampled incidents (GET /issues/:iid/links, one page each, Free tier).

    A linked issue counts as a follow-up (corrective action, fix, improvement) when its type is
    given and is not incident, and it was opened at or after the incident: an older issue linked
    from it (the change or feature that caused it, a known bug, a customer report) is context,
    not work that came out of the incident. One labelled as architecture work
    (architecture_label_pattern) is counted apart, as issues and as incidents. Any refusal drops
    the whole sample: a partial one would favour the first. When `postmortems` is given, the iids
    of sampled incidents linking an issue whose title or labels match postmortem_pattern are
    added to it (kept even when a later link read fails: each one was read). `links` and
    `failed` are what _read_links returned for them (read here when not given).
    """
    if links is None:
        links, failed = _read_links(c, sample)
    pm = re.compile(c.cfg.postmortem_pattern)
    sampled = with_follow_up = issues = closed = architecture = with_architecture = 0
    arch = re.compile(c.cfg.architecture_label_pattern)

    def follow_up(r: dict[str, Any], opened: datetime) -> bool:
        kind = str(r.get("type") or r.get("issue_type") or "").lower()
        created = parse_time(r.get("created_at"))
        return kind not in ("", "incident") and created is not None and created >= opened

    for i in sample:
        opened = parse_time(i.get("created_at"))
        if not isinstance(i.get("iid"), int) or opened is None:
            continue
        if i["iid"] not in links:  # the reading stopped here; postmortems found before it stay counted
            return {
                "readable": False,
                "sampled": 0,
                "with_follow_up": None,
                "follow_up_issues": None,
                "follow_ups_closed": None,
                "architecture_follow_ups": None,
                "with_architecture_follow_up": None,
                "note": f"issue links unreadable: {failed.reason if failed else 'not read'}"[:300],
            }
        related = links[i["iid"]]
        found = [r for r in related if follow_up(r, opened)]
        if postmortems is not None and any(
            pm.search(str(r.get("title") or "")[:300]) or any(pm.search(str(lb)[:100]) for lb in r.get("labels") or [])
            for r in related
        ):
            postmortems.add(i["iid"])
        designed = sum(1 for r in found if any(arch.search(str(lb)[:100]) for lb in r.get("labels") or []))
        sampled += 1
        with_follow_up += 1 if found else 0
        issues += len(found)
        closed += sum(1 for r in found if r.get("state") == "closed")
        architecture += designed
        with_architecture += 1 if designed else 0
    return {
        "readable": True,
        "sampled": sampled,
        "with_follow_up": with_follow_up,
        "follow_up_issues": issues,
        "follow_ups_closed": closed,
        "architecture_follow_ups": architecture,
        "with_architecture_follow_up": with_architecture,
        "note": None,
    }


def improvements(c: Collector) -> None:
    """Issues (not incidents) closed in the window, and how many were improvement work."""
    kind = ("gitlab.improvement_stats",)
    issues: list[dict[str, Any]] = []
    if c.p.get("issues_enabled") is not False:
        try:
            params = {"issue_type": "issue", "state": "closed", "updated_after": c.since, "scope": "all"}
            issues = list(itertools.islice(c.api.pages(f"{c.base}/issues", params), MAX_CLOSED_ISSUES))
        except ApiError as exc:
            c.fail(kind, exc)
            if c.out.incident_feedback is not None:  # plain issues labelled as incidents: not known
                c.out.incident_feedback["untyped_incidents"] = None
            return
    if c.out.incident_feedback is not None:
        # Plain issues labelled as incidents, closed in the window (open ones are not listed: a
        # residual, docs/sources/gitlab.md); unknown when the listing was cut.
        found = c.untyped | untyped_incidents(issues, c.w, re.compile(c.cfg.incident_label_pattern))
        c.out.incident_feedback["untyped_incidents"] = len(found) if len(issues) < MAX_CLOSED_ISSUES else None
    data = improvement_stats(issues, c.w, re.compile(c.cfg.improvement_label_pattern))
    c.emit("gitlab.improvement_stats", c.path, {"project": c.path, **data}, "/issues?state=closed")


def releases(c: Collector) -> None:
    def read() -> list[dict[str, Any]]:
        rows = []
        for r in c.api.pages(f"{c.base}/releases", {"order_by": "released_at", "sort": "desc"}):
            t = parse_time(r.get("released_at")) or parse_time(r.get("created_at"))
            if t is not None and t < c.w.start:
                break  # newest first: the rest are older than the window
            rows.append(r)
        return rows

    rows = c.attempt(("gitlab.release",), read)
    if rows is None:
        return
    in_window = [r for r in rows if c.w.contains(parse_time(r.get("released_at")) or parse_time(r.get("created_at")))]
    c.emit(
        "gitlab.release",
        c.path,
        {
            "project": c.path,
            "window": c.w.to_json(),
            "releases": len(in_window),
            "with_notes": sum(1 for r in in_window if str(r.get("description") or "").strip()),
            "with_evidence": sum(1 for r in in_window if r.get("evidences")),
            "latest": [{"tag": r.get("tag_name"), "released_at": r.get("released_at")} for r in in_window[:5]],
        },
        "/releases",
    )


def gitlab_dora(c: Collector) -> dict[str, Any]:
    if not c.cfg.dora_api:
        return {"available": False, "reason": "not read (dora_api: false)"}
    if not c.dora_api.enabled:
        return {"available": False, "reason": c.dora_api.reason}
    values: dict[str, Any] = {}
    params = {
        "start_date": c.w.start.date().isoformat(),
        "end_date": min(c.w.end.date(), date.today()).isoformat(),
        "interval": "all",
        "environment_tiers[]": "production",
    }
    for metric in DORA_METRICS:
        try:
            rows = c.api.get(f"{c.base}/dora/metrics", {**params, "metric": metric})
        except ApiError as exc:
            if exc.status == 404:  # the instance has no DORA API at all: stop asking
                c.dora_api.enabled, c.dora_api.reason = (
                    False,
                    f"the instance does not offer it ({exc.reason})",
                )
            if exc.status in (401, 403):  # a lower tier answers 401 "You do not have permission to access dora metrics"
                return {
                    "available": False,
                    "reason": f"{exc.reason} (the DORA API needs Ultimate and the Reporter role)",
                }
            return {"available": False, "reason": exc.reason}
        vals = [r.get("value") for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
        values[metric] = vals[0] if len(vals) == 1 else vals
    return {"available": True, "metrics": values, "parameters": {k: v for k, v in params.items()}}


def dora(
    c: Collector, deps: dict[str, list[dict[str, Any]]], mr: dict[str, Any] | None, incidents: list[dict[str, Any]]
) -> None:
    finished = [d for rows in deps.values() for d in finished_deployments(rows, c.w)]
    successes = [d for d in finished if d.get("status") == "success"]
    failed = [d for d in finished if d.get("status") == "failed"]
    commit_lead = []
    for d in successes:
        made = parse_time(((d.get("deployable") or {}).get("commit") or {}).get("created_at"))
        t = parse_time(d.get("finished_at")) or parse_time(d.get("updated_at"))
        if made and t and t >= made:
            commit_lead.append((t - made).total_seconds() / 3600)
    figures = dora_figures(
        successes,
        c.w,
        mr_lead=(mr or {}).get("lead_time_merge_to_deploy_hours") or {},
        commit_lead=commit_lead,
        incidents=incidents,
        window_hours=c.cfg.failure_window_hours,
        hotfix=re.compile(c.cfg.hotfix_pattern),
        failed=failed,
    )
    c.emit(
        "gitlab.dora",
        c.path,
        {
            "project": c.path,
            "production_environments": sorted(deps),
            **figures,
            "gitlab_api": gitlab_dora(c),
        },
        "/deployments",
    )
