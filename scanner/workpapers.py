"""Auditor's workpapers: the report as tables (items, clauses, rules, evidence, statements),
written as CSV files in a folder (`--csv D`) or as sheets of one workbook (`--xlsx F`).

Every table is a pure function of the report. Text that came from a scanned system can start
with `=`, `+`, `-` or `@`, which a spreadsheet would run as a formula ("CSV injection"): in CSV
such a cell gets a leading apostrophe (the usual neutraliser); in XLSX every text cell is
written as a string, never a formula, so the text stays exact. CSV files are UTF-8 with a byte
order mark so spreadsheet programs read the Chinese texts correctly.

A report with `scopes[]` adds a last `scope` column to items and clauses: empty on the estate's
rows, which come first, then each scope's rows in the config's order (its own statuses and
reasons). The rules, evidence and statements tables stay the estate's: a scope's clauses cite
the same rules over a subset of the same evidence. A report without scopes has no such column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["TABLES", "Table", "safe_cell", "tables", "write_csv_dir", "write_xlsx"]

Table = tuple[str, Sequence[str], list[list[Any]]]  # name, header, rows
TABLES = ("items", "clauses", "rules", "evidence", "statements")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
DATA_CHARS = 30_000  # a spreadsheet cell holds at most 32,767 characters


def safe_cell(value: Any) -> Any:
    """A CSV cell value a spreadsheet shows as text: a leading apostrophe before formula starts."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _join(values: Sequence[Any]) -> str:
    return " ".join(str(v) for v in values)


Row = tuple[str, Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]


def _items(report: Mapping[str, Any]) -> Iterator[Row]:
    """(scope, framework, capability, item): the estate's (scope "") first, then each scope's."""
    views = [("", report.get("frameworks", []))]
    views += [(str(sc["name"]), sc.get("frameworks") or []) for sc in report.get("scopes") or []]
    for scope, frameworks in views:
        for fw in frameworks:
            for cap in fw.get("capabilities", []):
                for req in cap.get("requirements", []):
                    yield scope, fw, cap, req


def tables(report: Mapping[str, Any]) -> list[Table]:
    """The five workpaper tables, in TABLES order."""
    items: list[list[Any]] = []
    clauses: list[list[Any]] = []
    rules: list[list[Any]] = []
    scoped = bool(report.get("scopes"))
    tail: tuple[str, ...] = ("scope",) if scoped else ()
    for scope, fw, cap, req in _items(report):
        items.append(
            [
                fw["id"],
                cap["id"],
                req["id"],
                req.get("level"),
                req["status"],
                req.get("reason") or "",
                req.get("statement") or "",
                req["text"]["zh"],
                req["text"]["en"],
                *([scope] if scoped else []),
            ]
        )
        for cl in req.get("clauses", []):
            clauses.append(
                [
                    req["id"],
                    cl["id"],
                    cl.get("assessment") or "",
                    cl["status"],
                    cl.get("reason_code") or "",
                    _join([r["id"] for r in cl.get("rules", [])]),
                    cl.get("statement") or "",
                    *([scope] if scoped else []),
                ]
            )
            if scope:
                continue
            for r in cl.get("rules", []):
                rules.append(
                    [
                        cl["id"],
                        r["id"],
                        r.get("coverage") or "",
                        r["status"],
                        r.get("explanation") or "",
                        _join(r.get("evidence", [])),
                    ]
                )
    evidence = [
        [
            e["id"],
            e["source"],
            e["kind"],
            e["subject"],
            e["collected_at"],
            e["origin"],
            e["sha256"],
            json.dumps(e.get("data"), ensure_ascii=False, sort_keys=True)[:DATA_CHARS],
        ]
        for e in report.get("evidence", [])
    ]
    statements = [
        [
            s.get("id"),
            s.get("type"),
            s.get("state"),
            _join([*(s.get("requirements") or []), *(s.get("clauses") or []), *(s.get("capabilities") or [])]),
            s.get("rule") or "",
            s.get("owner") or "",
            s.get("reviewer") or "",
            s.get("date") or "",
            s.get("expires") or "",
            s.get("statement") or s.get("reason") or "",
            s.get("evidence_url") or "",
        ]
        for s in report.get("statements", [])
        if isinstance(s, Mapping)
    ]
    return [
        (
            "items",
            ("framework", "capability", "item", "level", "status", "reason", "statement", "text_zh", "text_en", *tail),
            items,
        ),
        ("clauses", ("item", "clause", "assessment", "status", "reason_code", "rules", "statement", *tail), clauses),
        ("rules", ("clause", "rule", "coverage", "status", "explanation", "evidence"), rules),
        ("evidence", ("id", "source", "kind", "subject", "collected_at", "origin", "sha256", "data"), evidence),
        (
            "statements",
            (
                "id",
                "type",
                "state",
                "applies_to",
                "rule",
                "owner",
                "reviewer",
                "date",
                "expires",
                "statement",
                "evidence_url",
            ),
            statements,
        ),
    ]


def csv_text(header: Sequence[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([safe_cell("" if v is None else v) for v in row])
    return buf.getvalue()


def write_csv_dir(target: Path, report: Mapping[str, Any]) -> list[Path]:
    """One `<table>.csv` per table in `target` (created); returns the files written."""
    from scanner.report import atomic_write

    target.mkdir(parents=True, exist_ok=True)
    out = []
    for name, header, rows in tables(report):
        path = target / f"{name}.csv"
        atomic_write(path, "\ufeff" + csv_text(header, rows))
        out.append(path)
    return out


def fill_sheet(ws: Any, header: Sequence[str], rows: list[list[Any]], widths: Mapping[int, int] | None = None) -> None:
    """Rows into an openpyxl worksheet: text always as text (never a formula), header frozen."""
    from openpyxl.styles import Font

    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([None if v is None else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a leading '=' stays text
    ws.freeze_panes = "A2"
    for col, width in (widths or {}).items():
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = width


def save_workbook(wb: Any, target: Path) -> None:
    """Save next to the target and rename, so a reader never sees half a workbook."""
    import os
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_xlsx(target: Path, report: Mapping[str, Any]) -> None:
    """The five tables as the sheets of one workbook."""
    from openpyxl import Workbook

    wb = Workbook()
    for ws in list(wb.worksheets):
        wb.remove(ws)
    for name, header, rows in tables(report):
        fill_sheet(wb.create_sheet(name), header, rows)
    save_workbook(wb, target)
