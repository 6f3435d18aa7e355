"""The data behind the HTML report's per-resource view, "cited by" and read-field highlighting.

From the report alone (clauses[].rules[].evidence ids → the evidence items' subjects), the page
gets one compact index: which rule cites which evidence item under which clause, with the
rule's status there. The script answers both questions from it on demand: "what cites this
subject" (the Resources section) and "what cites this evidence item" (each evidence panel). It
also carries, per rule, the field paths its condition reads, so an evidence panel opened under a
rule can mark them in the pretty-printed data.

The index is gzip-compressed JSON in base64 (decoded in the browser only when first used) and
bounded: at most MAX_CITATIONS citations, the rest counted, so a huge report stays within its
size budget. Pure functions of the report.

Also here: which rule decided a clause, so the page lists it first.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.html_text import STATUS_TEXT, STATUSES, UI
from scanner.model import ReasonCode, Status

__all__ = ["MAX_CITATIONS", "deciding_index", "read_paths", "resource_blob"]

MAX_CITATIONS = 100_000  # (evidence, rule, clause) rows kept in the page; the JSON report has all
_MAX_DEPTH = 20  # conditions nest a few levels; a deeper one is not walked further
_TEXT_KEYS = (
    "res_rules",
    "res_none",
    "res_more",
    "res_omitted",
    "cited_by",
    "cited_by_none",
    "fields_read",
    "field_absent",
    "deciding",
)


def read_paths(condition: Any) -> list[str]:
    """The evidence field paths a rule's condition reads (`data.replicas`), in order, once each.
    Paths under `any:`/`all:` are relative to a list element: they come back as `list.*.field`."""
    out: dict[str, None] = {}

    def walk(node: Any, prefix: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, Mapping):
            path = node.get("path")
            full = f"{prefix}{path}" if isinstance(path, str) and path else None
            if full is not None:
                out[full] = None
            for key, value in node.items():
                if key in ("any", "all") and full is not None:
                    walk(value, full + ".*.", depth + 1)
                elif key != "path":
                    walk(value, prefix, depth + 1)
        elif isinstance(node, list):
            for value in node:
                walk(value, prefix, depth + 1)

    walk(condition, "", 0)
    return list(out)


def deciding_index(rules: Sequence[Mapping[str, Any]], status: str, reason_code: str | None) -> int | None:
    """Which of a clause's rules decided its status: the first `decides` alternative that is met
    (a met clause), the first that is not met (a not-met clause: all of them failed), else the
    first whose unknown reason is the clause's. None when no rule decides the clause."""
    deciders = [(i, r) for i, r in enumerate(rules) if r.get("coverage", "decides") == "decides"]
    if not deciders:
        return None
    if status in (Status.MET.value, Status.NOT_MET.value):
        want = {status}
        return next((i for i, r in deciders if r.get("status") in want), deciders[0][0])
    open_rules = [(i, r) for i, r in deciders if r.get("status") != Status.NOT_MET.value]
    code = reason_code
    if code == ReasonCode.ALTERNATIVE_NOT_SCANNED.value:
        code = ReasonCode.SOURCE_NOT_CONFIGURED.value
    return next(
        (i for i, r in open_rules if r.get("reason_code") == code),
        open_rules[0][0] if open_rules else deciders[0][0],
    )


def resource_blob(report: Mapping[str, Any]) -> str:
    """Base64 gzip JSON: `rules` and `clauses` (ids), `ev` (id, kind, subject, source) of every
    cited item, `cite` rows `[ev, rule, clause, status]` (indexes; status into `statuses`; a fifth
    element 1 when the rule only supports the clause),
    `omitted` (citations left out over MAX_CITATIONS), `paths` (rule id → the fields its
    condition reads) and the UI words."""
    ev_index = {e["id"]: e for e in report.get("evidence", []) if isinstance(e, Mapping) and "id" in e}
    rule_paths = {str(r["id"]): read_paths(r.get("condition")) for r in report.get("rules", []) if "id" in r}
    rules: dict[str, int] = {}
    clauses: dict[str, int] = {}
    evs: dict[str, int] = {}
    ev_rows: list[list[str]] = []
    cite: list[list[int]] = []
    seen: set[tuple[int, int, int]] = set()
    omitted = 0
    status_at = {s: i for i, s in enumerate(STATUSES)}
    for fw in report.get("frameworks", []):
        for cap in fw.get("capabilities", []):
            for req in cap.get("requirements", []):
                for cl in req.get("clauses", []):
                    for rule in cl.get("rules", []):
                        for eid in rule.get("evidence", []):
                            e = ev_index.get(eid)
                            if e is None:
                                continue
                            if len(cite) >= MAX_CITATIONS:
                                omitted += 1
                                continue
                            ei = evs.get(eid)
                            if ei is None:
                                ei = evs[eid] = len(ev_rows)
                                ev_rows.append([eid, str(e["kind"]), str(e["subject"]), str(e["source"])])
                            ri = rules.setdefault(str(rule["id"]), len(rules))
                            ci = clauses.setdefault(str(cl["id"]), len(clauses))
                            if (ei, ri, ci) in seen:
                                continue
                            seen.add((ei, ri, ci))
                            row = [ei, ri, ci, status_at.get(str(rule["status"]), len(STATUSES))]
                            if rule.get("coverage") == "supports":
                                row.append(1)  # shown beside the clause, not deciding it
                            cite.append(row)
    doc = {
        "rules": list(rules),
        "paths": {rid: p for rid, p in rule_paths.items() if p},
        "clauses": list(clauses),
        "ev": ev_rows,
        "cite": cite,
        "omitted": omitted,
        "statuses": list(STATUSES),
        "status_text": {k: list(v) for k, v in STATUS_TEXT.items()},
        "ui": {k: list(UI[k]) for k in _TEXT_KEYS},
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")
