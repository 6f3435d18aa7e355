"""The GraphQL answers of the loopback GitLab (sandbox.gitlab.api): incident timeline events.

GitLab answers POST /api/graphql with HTTP 200 and a JSON object: `data` for what resolved,
`errors` (a list of `{message}`) for what did not. Only the query the probe sends is known here:
`project(fullPath) { incidentManagementTimelineEvents(incidentId, first) { nodes {...} } }`, the
incident named by its global id (gid://gitlab/Issue/<id>). A project the token cannot see is
`project: null`, as GitLab answers; a mutation or any other query is an error.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.gitlab.model import History

__all__ = ["graphql_answer"]

MAX_PAGE = 100  # GitLab's default and maximum connection page size


def _error(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}]}


def graphql_answer(history: History, request: Any, *, visible: bool) -> dict[str, Any]:
    """The JSON object GitLab would answer `request` ({query, variables}) with."""
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return _error("No query string was present")
    query, variables = request["query"], request.get("variables") or {}
    if re.match(r"\s*mutation\b", query):
        return _error("mutations are not served by this sandbox")
    if "incidentManagementTimelineEvents" not in query or not isinstance(variables, dict):
        return _error("Field not served by this sandbox")
    p = history.project(str(variables.get("fullPath") or "")) if visible else None
    if p is None:
        return {"data": {"project": None}}
    m = re.fullmatch(r"gid://gitlab/Issue/(\d+)", str(variables.get("incidentId") or ""))
    if m is None:
        return _error(f'"{variables.get("incidentId")}" does not represent an instance of Issue')
    first = variables.get("first")
    size = min(MAX_PAGE, first if isinstance(first, int) and first > 0 else MAX_PAGE)
    issue = next((i for i in p.issues if i.get("id") == int(m.group(1))), None)
    events = p.timelines.get(int(issue["iid"]), []) if issue is not None else []
    nodes = sorted(events, key=lambda e: str(e.get("occurredAt")))[:size]
    return {"data": {"project": {"incidentManagementTimelineEvents": {"nodes": nodes}}}}
