"""A Markdown summary of a run for `$GITHUB_STEP_SUMMARY` or a merge-request note (`--summary-md F`).

It says whether the gates passed, the status counts and mean levels per framework, every gate
failure, each regression against the baseline with the previous and the new status, its full
reason and its subjects, what statements changed (listed apart, never as improvements), the
statement, config and rule files the merge request changed (`--changed-files`), and the health
of each source. With `scopes[]`, a "Levels per scope" table gives each scope's owner, target
level and the capabilities below it. Everything from scanned systems (subjects, reasons, errors) is
escaped, so a workload named `<img src=x>` or `|` renders as text and cannot break the table.
GitHub caps a step summary at 1 MiB: past `MAX_ROWS` rows a table says how many more there are
(the report and the gate's stderr lines have them all).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.gates import GateResult

__all__ = ["MAX_ROWS", "escape_md", "render_summary_md"]

MAX_ROWS = 200
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def escape_md(text: Any) -> str:
    """Plain text for a Markdown table cell or list item: one line, every markup character
    escaped, `&` as an entity (so `&lt;` stays literal)."""
    one_line = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", one_line.replace("&", "&amp;"))


def _table(head: list[str], rows: Iterable[list[Any]], total: int) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, row in enumerate(rows):
        if i >= MAX_ROWS:
            break
        out.append("| " + " | ".join(escape_md(c) for c in row) + " |")
    if total > MAX_ROWS:
        out.append(f"\n…and {total - MAX_ROWS} more (see the report and the job log).")
    return out


def _frameworks(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for fid, s in (report.get("summary") or {}).items():
        st, lv = s["statuses"], s.get("levels")
        levels = f"{lv['level']} (verified {lv['level_verified']}, ceiling {lv['level_ceiling']})" if lv else "n/a"
        rows.append([fid, st["met"], st["not_met"], st["attested"], st["unknown"], st["not_applicable"], levels])
    head = ["framework", "met", "not met", "attested", "unknown", "not applicable", "mean level"]
    return _table(head, rows, len(rows))


def _scopes(report: Mapping[str, Any]) -> list[str]:
    rows = []
    for sc in report.get("scopes") or []:
        below = list(sc.get("below_target") or [])
        target = sc.get("target_level")
        which = ", ".join(below)  # bounded by the catalog: a few dozen capabilities at most
        rows.append([sc["name"], sc.get("owner") or "", "none" if target is None else target, len(below), which])
    head = ["scope", "owner", "target level", "capabilities below target", "which"]
    return _table(head, rows, len(rows))


def _sources(report: Mapping[str, Any]) -> list[str]:
    sources = list(report.get("scan", {}).get("sources", []))
    rows = [
        [s.get("name"), s.get("probe"), s.get("status"), s.get("evidence_count", 0), s.get("error") or ""]
        for s in sources
    ]
    return _table(["source", "probe", "status", "evidence", "error"], rows, len(rows))


def render_summary_md(report: Mapping[str, Any], gate: GateResult | None = None) -> str:
    """The summary as Markdown text; `gate` the gates' result (None: no gate was applied)."""
    failed = gate is not None and gate.failed
    verdict = "❌ gates failed" if failed else ("✅ gates passed" if gate is not None else "no gates applied")
    out = [f"## Maturity scan: {verdict}", ""]
    out += [*_frameworks(report), ""]
    if report.get("scopes"):
        out += ["### Levels per scope", "", *_scopes(report), ""]
    diff = gate.diff if gate is not None else None
    if gate is not None:
        others = [f for f in gate.failures if not f.startswith("gate failed: regression")]
        if others:
            out += [f"### Gate failures ({len(others)})", ""]
            out += [f"- {escape_md(f.removeprefix('gate failed: '))}" for f in others[:MAX_ROWS]]
            if len(others) > MAX_ROWS:
                out.append(f"- …and {len(others) - MAX_ROWS} more")
            out.append("")
    if diff is not None:
        regressions = list(diff.regressions)
        gated = gate is not None and any(f.startswith("gate failed: regression") for f in gate.failures)
        title = "Regressions against the baseline" + ("" if gated or not regressions else " (not gated)")
        out += [f"### {title} ({len(regressions)})", ""]
        if regressions:
            rows = [
                [
                    ch.category.heading,
                    f"[scope {ch.scope}] {ch.kind} {ch.id}" if ch.scope else f"{ch.kind} {ch.id}",
                    "absent" if ch.before is None else ch.before,
                    "absent" if ch.after is None else ch.after,
                    ch.reason,
                    ", ".join(ch.subjects),
                ]
                for ch in regressions
            ]
            out += _table(["regression", "what", "previous", "new", "reason", "subjects"], rows, len(rows))
        else:
            out.append("None.")
        out.append("")
    changed = list(gate.changed_files or []) if gate is not None else []
    if changed:
        out += [f"### Statement, config and rule files changed in this merge request ({len(changed)})", ""]
        out += ["They change grades without changing any system: review them before approving.", ""]
        out += [*_table(["file", "read as"], ([c.path, c.role] for c in changed), len(changed)), ""]
    notes = [n for n in gate.notes if not n.startswith("regression")] if gate is not None else []
    if notes:
        out += ["### Notes", ""] + [f"- {escape_md(n)}" for n in notes[:MAX_ROWS]] + [""]
    out += ["### Sources", "", *_sources(report), ""]
    return "\n".join(out)
