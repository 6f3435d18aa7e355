"""The CAICT self-assessment form (自评表) and materials checklist, filled from a report
(`--caict-form F.xlsx`).

CAICT assesses an organisation per project: for each capability a target level, the
organisation's own rating, the gap and its improvement notes; for each item, the result and the
materials that prove it (a document, a screenshot, a demonstration, or here: system evidence).
The workbook holds two sheets per view: the whole estate, then each scope of the report
(`scopes[]`, its own target level):

- 自评表 (self-assessment): capability, name, target level, self-rating (the report's level,
  attestations counted), verified level, ceiling, gap (target minus rating, never below 0) and
  improvement notes (the items of the next level that are not yet satisfied, with why);
- 材料清单 (materials): per item its level, requirement text, result, basis, and the material:
  the evidence ids of the rules that decided it, the statement's link for an attested item, or
  what is still to provide (a document, screenshot or demonstration for an attestation; the
  source to configure or fix for evidence).

AWS WA has no levels, so the form covers the levelled frameworks only. Pure function of the
report; text cells are written as text, never as formulas (scanner.workpapers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scanner.model import SATISFIED, ReasonCode, Status
from scanner.workpapers import fill_sheet, save_workbook

__all__ = ["form_rows", "write_caict_form"]

_SELF = ("能力项 Capability", "名称 Name", "目标等级 Target", "自评等级 Self-rating", "已验证等级 Verified",
         "上限 Ceiling", "差距 Gap", "改进说明 Improvement notes")  # fmt: skip
_MATERIALS = ("能力项 Capability", "等级 Level", "评估项 Item", "要求 Requirement", "自评结果 Result",
              "依据 Basis", "材料类型 Material type", "证明材料 Material")  # fmt: skip
_SOURCE_CODES = {
    ReasonCode.SOURCE_NOT_CONFIGURED.value,
    ReasonCode.SOURCE_FAILED.value,
    ReasonCode.EVIDENCE_NOT_OBSERVED.value,
    ReasonCode.ALTERNATIVE_NOT_SCANNED.value,
}
_SHEET_BAD = re.compile(r"[][:*?/\\]")  # characters Excel refuses in a sheet name
MAX_EVIDENCE = 10  # evidence ids listed per item; the workpapers' rules sheet has them all


def _status_text(status: str) -> str:
    label = Status(status).label
    return f"{label.zh} {label.en}"


def _levelled(frameworks: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for fw in frameworks:
        caps = fw.get("capabilities", [])
        if any(c.get("level") is not None for c in caps):
            yield fw


def _material(req: Mapping[str, Any], statements: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """The material type and the material for one item."""
    status = req["status"]
    sid = req.get("statement") or next((c.get("statement") for c in req.get("clauses", []) if c.get("statement")), None)
    if status in (Status.ATTESTED.value, Status.NOT_APPLICABLE.value) and sid:
        st = statements.get(str(sid), {})
        link = st.get("evidence_url") or ""
        return "文档 document (statement)", f"{sid} {link}".strip()
    if status in (Status.MET.value, Status.NOT_MET.value):
        ids: list[str] = []
        for cl in req.get("clauses", []):
            for r in cl.get("rules", []):
                if r.get("status") == status:
                    ids.extend(i for i in r.get("evidence", []) if i not in ids)
        return "系统证据 system evidence", " ".join(ids[:MAX_EVIDENCE])
    codes = {c.get("reason_code") for c in req.get("clauses", []) if c.get("status") == Status.UNKNOWN.value}
    todo = []
    if codes & _SOURCE_CODES:
        todo.append("待采集：配置或修复数据源 to collect: configure or fix the source")
    if codes - _SOURCE_CODES:
        todo.append("待提供：文档、截图或演示 to provide: document, screenshot or demonstration")
    return "待补充 to provide", "; ".join(todo)


def _notes(cap: Mapping[str, Any]) -> str:
    """The items of the next level that are not yet satisfied, and why."""
    level = cap.get("level")
    if level is None or cap.get("in_scope", True) is False:
        return ""
    nxt = [r for r in cap.get("requirements", []) if r.get("level") == int(level) + 1]
    out = []
    for r in nxt:
        if r["status"] in SATISFIED:
            continue
        codes = sorted({str(c["reason_code"]) for c in r.get("clauses", []) if c.get("reason_code")})
        why = ", ".join(ReasonCode(c).label.zh for c in codes) or Status(r["status"]).label.zh
        out.append(f"{r['id']}: {why}")
    return "; ".join(out)


def form_rows(
    frameworks: list[Mapping[str, Any]], target: int | None, statements: Mapping[str, Mapping[str, Any]]
) -> tuple[list[list[Any]], list[list[Any]]]:
    """The self-assessment rows and the materials rows of one view."""
    self_rows: list[list[Any]] = []
    materials: list[list[Any]] = []
    for fw in _levelled(frameworks):
        for cap in fw.get("capabilities", []):
            in_scope = cap.get("in_scope", True) is not False
            level = cap.get("level") if in_scope else None
            gap = max(0, target - int(level)) if target is not None and level is not None else None
            self_rows.append(
                [
                    cap["id"],
                    cap["name"]["zh"],
                    target,
                    level if in_scope else "不在评估范围 out of scope",
                    cap.get("level_verified") if in_scope else None,
                    cap.get("level_ceiling") if in_scope else None,
                    gap,
                    _notes(cap),
                ]
            )
            for req in cap.get("requirements", []):
                kind, material = _material(req, statements)
                materials.append(
                    [
                        cap["id"],
                        req.get("level"),
                        req["id"],
                        req["text"]["zh"],
                        _status_text(req["status"]),
                        req.get("reason") or "",
                        kind,
                        material,
                    ]
                )
    return self_rows, materials


def _sheet_name(prefix: str, scope: str | None, taken: set[str]) -> str:
    """An Excel sheet name (at most 31 characters, none of []:*?/\\), unique in the book."""
    base = prefix if scope is None else prefix + "-" + _SHEET_BAD.sub("_", scope)
    name, n = base[:31], 2
    while name in taken:
        suffix = f"~{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def write_caict_form(target: Path, report: Mapping[str, Any], target_level: int | None = None) -> None:
    """The form for the whole estate (`target_level`, if given) and for each scope (its own)."""
    from openpyxl import Workbook

    statements = {str(s["id"]): s for s in report.get("statements", []) if isinstance(s, Mapping) and "id" in s}
    views: list[tuple[str | None, list[Mapping[str, Any]], int | None]] = [
        (None, list(report.get("frameworks", [])), target_level)
    ]
    for scope in report.get("scopes") or []:
        views.append((str(scope["name"]), list(scope.get("frameworks", [])), scope.get("target_level")))
    wb = Workbook()
    for ws in list(wb.worksheets):
        wb.remove(ws)
    taken: set[str] = set()
    for scope, frameworks, level in views:
        self_rows, materials = form_rows(frameworks, level, statements)
        fill_sheet(wb.create_sheet(_sheet_name("自评表", scope, taken)), _SELF, self_rows, {2: 28, 8: 60})
        fill_sheet(wb.create_sheet(_sheet_name("材料清单", scope, taken)), _MATERIALS, materials, {4: 50, 8: 60})
    save_workbook(wb, target)
