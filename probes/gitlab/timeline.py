"""Incident timelines: how long responders took to find the cause and start the response.

GitLab keeps an incident's timeline events (Free tier since 15.x) behind GraphQL only:
`project.incidentManagementTimelineEvents(incidentId)`, each event with the time it occurred
(`occurredAt`, which responders may set to the real moment) and tags from a fixed set ("Start
time", "Impact detected", "Response initiated", "Cause identified", "Impact mitigated", "End
time"). One query per sampled incident (the same bounded sample as the first responses), one
page of at most 100 events each; event notes are never read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from probes.gitlab.collector import Collector
from probes.gitlab.ids import ApiError
from probes.gitlab.window import Obj, hours, parse_time, summary

__all__ = ["TIMELINE_QUERY", "read_timelines", "timeline_figures"]

MAX_EVENTS = 100  # one page: an incident's timeline is a handful of events
TIMELINE_QUERY = """
query incidentTimeline($fullPath: ID!, $incidentId: IssueID!, $first: Int) {
  project(fullPath: $fullPath) {
    incidentManagementTimelineEvents(incidentId: $incidentId, first: $first) {
      nodes { occurredAt timelineEventTags { nodes { name } } }
    }
  }
}
"""
CLOCK_TAGS = ("impact detected", "start time")  # the first found starts the clock
CAUSE_TAG = "cause identified"
RESPONSE_TAG = "response initiated"


def read_timelines(c: Collector, incidents: Sequence[Obj]) -> tuple[dict[int, list[Obj]] | None, str | None]:
    """Each incident's timeline events by iid, or None and why when they cannot be read.

    Any failure drops every timeline read: a partial sample would favour the incidents read first.
    """
    out: dict[int, list[Obj]] = {}
    for i in incidents:
        if not isinstance(i.get("id"), int) or not isinstance(i.get("iid"), int):
            continue
        variables = {"fullPath": c.path, "incidentId": f"gid://gitlab/Issue/{i['id']}", "first": MAX_EVENTS}
        try:
            data = c.api.graphql(TIMELINE_QUERY, variables)
        except ApiError as exc:
            return None, f"incident timelines unreadable: {exc.reason}"[:300]
        project = data.get("project")
        events = (project or {}).get("incidentManagementTimelineEvents") if isinstance(project, dict) else None
        nodes = (events or {}).get("nodes") if isinstance(events, dict) else None
        if project is None or not isinstance(nodes, list):
            return None, "incident timelines unreadable: the project or its timelines are not visible to the token"
        out[int(i["iid"])] = [n for n in nodes[:MAX_EVENTS] if isinstance(n, dict)]
    return out, None


def _tags(event: Obj) -> set[str]:
    nodes = (event.get("timelineEventTags") or {}).get("nodes") if isinstance(event, Mapping) else None
    return {str(t.get("name") or "").strip().lower()[:50] for t in nodes or [] if isinstance(t, Mapping)}


def _first(events: Sequence[Obj], tag: str) -> datetime | None:
    times = [t for e in events if tag in _tags(e) and (t := parse_time(e.get("occurredAt")))]
    return min(times) if times else None


def timeline_figures(timelines: Mapping[int, Sequence[Obj]] | None, note: str | None) -> dict[str, Any]:
    """Minutes from the clock start to the later of "Cause identified" and "Response initiated"."""
    measured: list[float] = []
    for events in (timelines or {}).values():
        start = next((t for tag in CLOCK_TAGS if (t := _first(events, tag)) is not None), None)
        cause, response = _first(events, CAUSE_TAG), _first(events, RESPONSE_TAG)
        if start is not None and cause is not None and response is not None:
            measured.append(max(0.0, hours(start, max(cause, response)) * 60))
    return {
        "readable": timelines is not None,
        "sampled": len(timelines or {}),
        "measured": len(measured),
        "measured_share": round(len(measured) / len(timelines), 4) if timelines else None,
        "cause_and_response_minutes": summary(measured),
        "method": 'per sampled incident whose timeline tags "Cause identified" and "Response initiated": the '
        'later of the two minus the "Impact detected" event (else "Start time"), by occurredAt',
        "note": note,
    }
