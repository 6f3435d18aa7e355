"""The data behind the HTML report's scope switch.

The page renders the whole estate's tree once (items, clauses, rules and cited evidence). Each
scope (`scopes[]` in the report) is graded on its own evidence plus the shared evidence, so its
statuses and levels differ; rather than render the tree again per scope (a page per scope would
grow with their number), the page carries, per view, only what changes: each capability's
levels and status counts, each item's and each clause's status. The script swaps them in place.

The rules and evidence listed under a clause stay the whole estate's; the page says so while a
scope is shown. Pure function of the report.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.html_text import STATUS_TEXT, STATUSES, UI
from scanner.model import SATISFIED

__all__ = ["WHOLE", "scope_switch_blob", "scope_view"]

WHOLE = ""  # the key of the whole estate's view
_TEXT_KEYS = ("verified", "attested", "ceiling", "level_short", "out_of_scope", "satisfied", "scope_note")


def scope_view(frameworks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """What the page shows that a scope changes: per capability `[in_scope, verified, level,
    ceiling, {status: count}, satisfied, total]`, and each item's and clause's status."""
    caps: dict[str, list[Any]] = {}
    reqs: dict[str, str] = {}
    clauses: dict[str, str] = {}
    for fw in frameworks:
        for cap in fw.get("capabilities", []):
            counts: dict[str, int] = {}
            satisfied = 0
            for req in cap.get("requirements", []):
                status = str(req["status"])
                reqs[str(req["id"])] = status
                counts[status] = counts.get(status, 0) + 1
                satisfied += status in SATISFIED
                for cl in req.get("clauses", []):
                    clauses[str(cl["id"])] = str(cl["status"])
            caps[str(cap["id"])] = [
                cap.get("in_scope", True) is not False,
                cap.get("level_verified"),
                cap.get("level"),
                cap.get("level_ceiling"),
                counts,
                satisfied,
                len(cap.get("requirements", [])),
            ]
    return {"caps": caps, "reqs": reqs, "clauses": clauses}


def scope_switch_blob(report: Mapping[str, Any], frameworks: Sequence[Mapping[str, Any]]) -> str:
    """Base64 JSON for the page's scope switch (`frameworks`: the page's framework views, for
    which are graded and their level names); empty when the report declares no scope."""
    scopes = [s for s in report.get("scopes") or [] if isinstance(s, Mapping) and s.get("name")]
    if not scopes:
        return ""
    views = {WHOLE: scope_view(report["frameworks"])}
    for s in scopes:
        views[str(s["name"])] = scope_view(s.get("frameworks", []))
    doc = {
        "views": views,
        "statuses": list(STATUSES),
        "status_text": {k: list(v) for k, v in STATUS_TEXT.items()},
        "ui": {k: list(UI[k]) for k in _TEXT_KEYS},
        "graded": {str(fw["id"]): bool(fw["graded"]) for fw in frameworks},
        "level_names": {
            str(fw["id"]): {str(lv): [n["zh"], n["en"]] for lv, n in fw["level_names"].items()} for fw in frameworks
        },
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")
