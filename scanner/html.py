"""The self-contained HTML evidence report auditors read (`maturity report F.json --html F.html`).

One file, no network: CSS, JS and SVG are inlined and a Content-Security-Policy forbids every
fetch. The page structure (overview, roadmap, baseline changes, statements, the domain →
capability → level → item → clause → rule tree) is rendered here with Jinja2 (autoescape on: everything from a
scanned system is escaped). Evidence items are embedded once, as gzip-compressed JSON in base64,
and rendered on demand by the page script with `textContent` only: a 100k-item report stays a
few megabytes and paints fast, because the browser never builds DOM for evidence nobody opened.

Everything shown comes from the report itself (names, texts, level names, rule titles), never
from the installed catalog: an old report renders with its own words. A capability whose every
item is waived (`in_scope: false`) reads "out of scope", never a level, and is left out of the
charts' means.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from scanner.diff import Category, ReportDiff, diff_reports
from scanner.labels import level_names
from scanner.model import ReasonCode, Status

__all__ = ["EXCERPT_CHARS", "render_html"]

EXCERPT_CHARS = 1500  # characters of an evidence item's data kept in the HTML (the JSON has all)
STATUSES = tuple(st.value for st in sorted(Status, key=lambda st: st.rank))  # worst first
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

# UI strings: (zh, en). Catalog texts carry their own zh/en.
UI: dict[str, tuple[str, str]] = {
    "title": ("运维成熟度证据报告", "Operations maturity evidence report"),
    "overview": ("概览", "Overview"),
    "levels_chart": ("各领域等级", "Levels per domain"),
    "grid": ("能力一览", "Capabilities"),
    "sources": ("数据源状态", "Source health"),
    "roadmap": ("下一级路线图", "Next-level roadmap"),
    "changes": ("与基线的差异", "Changes since the baseline"),
    "details": ("逐项明细", "Requirement details"),
    "evidence_all": ("全部证据", "All evidence"),
    "verified": ("已验证", "verified"),
    "attested": ("含声明", "with attestations"),
    "ceiling": ("上限", "ceiling"),
    "level_short": ("等级", "level"),
    "level": ("等级", "Level"),
    "satisfied": ("已满足", "satisfied"),
    "search": ("搜索", "Search"),
    "status": ("状态", "Status"),
    "source": ("数据源", "Source"),
    "framework": ("框架", "Framework"),
    "all": ("全部", "all"),
    "reason": ("理由", "Reason"),
    "rules": ("规则", "Rules"),
    "evidence": ("证据", "Evidence"),
    "of": ("共", "of"),
    "cited": ("引用", "cited"),
    "none_cited": ("未引用证据", "no evidence cited"),
    "left_unknown": ("因此无法判定", "left unknown"),
    "failed_kinds": ("失败的证据类型", "failed kinds"),
    "no_changes": ("无变化", "no changes"),
    "related": ("相关要求", "Related"),
    "rationale": ("依据", "rationale"),
    "remediation": ("改进建议", "remediation"),
    "scanned": ("扫描时间", "Scanned"),
    "version": ("扫描器版本", "Scanner version"),
    "digest": ("报告摘要", "Report digest"),
    "target": ("目标等级", "target level"),
    "no_items": ("没有条目", "nothing listed"),
    "duration": ("耗时", "duration"),
    "items": ("条", "items"),
    "shown": ("显示", "shown"),
    "more": ("更多", "more"),
    "legend_verified": ("已验证等级（仅自动判定）", "verified level (automated evidence only)"),
    "legend_level": ("等级（含人工声明）", "level (attestations count)"),
    "legend_ceiling": ("上限（未知项全部满足时）", "ceiling (if every unknown were satisfied)"),
    "legend_met": ("已满足的最佳实践（仅自动判定）", "best practices met (automated evidence only)"),
    "legend_satisfied": (
        "已满足的最佳实践（含人工声明与豁免）",
        "best practices satisfied (attestations and waivers count)",
    ),
    "out_of_scope": ("不在评估范围（全部豁免）", "out of scope (every item waived)"),
    "scopes": ("各范围等级", "Levels per scope"),
    "statements": ("声明、豁免与异议", "Attestations, waivers and disputes"),
    "statement": ("声明", "Statement"),
    "state": ("状态", "State"),
    "owner": ("负责人", "Owner"),
    "reviewer": ("复核人", "Reviewer"),
    "valid": ("有效期", "Valid"),
    "applies_to": ("适用于", "Applies to"),
    "type": ("类型", "Type"),
    "what_to_do": ("建议", "what to do"),
    "no_js": (
        "证据明细需要启用 JavaScript；JSON 报告包含全部内容。",
        "Evidence details need JavaScript; the JSON report holds everything.",
    ),
}
STATUS_TEXT: dict[str, tuple[str, str]] = {st.value: (st.label.zh, st.label.en) for st in Status}
REASON_TEXT: dict[str, dict[str, dict[str, str]]] = {
    rc.value: {"label": rc.label.model_dump(), "action": rc.action.model_dump()} for rc in ReasonCode
}
STATEMENT_STATE_TEXT: dict[str, tuple[str, str]] = {
    "applied": ("已生效", "applied"),
    "expired": ("已过期", "expired"),
    "expiring_soon": ("即将过期", "expiring soon"),
    "unused": ("未使用", "unused"),
    "contested": ("与证据冲突", "contested"),
    "overrides_not_met": ("覆盖了未满足项", "overrides not met"),
    "invalid": ("无效", "invalid"),
}
CHANGE_TEXT: dict[str, tuple[str, str]] = {
    Category.LEVEL_DROP.value: ("等级下降", "level dropped"),
    Category.WORSE.value: ("变差", "got worse"),
    Category.EVIDENCE_LOST.value: ("证据丢失", "evidence lost"),
    Category.DISAPPEARED.value: ("消失", "disappeared"),
    Category.NEW_FAILING_SUBJECT.value: ("新增不合规对象", "new failing subject"),
    Category.BY_STATEMENT.value: ("因声明变化", "by statement"),
    Category.IMPROVED.value: ("改进", "improved"),
    Category.OTHER.value: ("其他变化", "changed"),
}
SOURCE_STATUS_TEXT: dict[str, tuple[str, str]] = {
    "ok": ("正常", "ok"),
    "partial": ("部分失败", "partial"),
    "error": ("失败", "error"),
    "skipped": ("跳过", "skipped"),
}


def anchor(oid: str) -> str:
    """An HTML id for a catalog id (`ydt:5.3.1:L1.1` → `ydt-5-3-1-L1-1`)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", oid)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scanner", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["anchor"] = anchor
    return env


def _asset(name: str) -> str:
    return resources.files("scanner").joinpath("templates", name).read_text(encoding="utf-8")


def _top_domain(cap: Mapping[str, Any]) -> str:
    cid = str(cap["id"])
    if cid.startswith("ydt:"):
        return "ydt:" + cid[4:].split(".")[0]
    return str(cap.get("domain") or "wa")


def _excerpt(data: Any) -> Any:
    """The data itself when small, else a cut JSON text saying how much was kept."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    if len(text) <= EXCERPT_CHARS:
        return data
    return f"{text[:EXCERPT_CHARS]}… [excerpt: {EXCERPT_CHARS} of {len(text)} characters; the JSON report has all]"


def _evidence_blob(evidence: list[Mapping[str, Any]]) -> str:
    """All evidence as gzip+base64 JSON rows: [sha256, source, kind, subject, collected_at, origin, data]."""
    rows = [
        [e["sha256"], e["source"], e["kind"], e["subject"], e["collected_at"], e["origin"], _excerpt(e.get("data"))]
        for e in evidence
    ]
    raw = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def _kind_sources(scan: Mapping[str, Any]) -> dict[str, set[str]]:
    """Which sources produce (or failed to produce) each evidence kind."""
    out: dict[str, set[str]] = defaultdict(set)
    for kind, obs in scan.get("observations", {}).items():
        out[kind].update(obs.get("sources") or [])
    for src in scan.get("sources", []):
        for kind in src.get("observed_kinds") or []:
            out[kind].add(src["name"])
        for kind in src.get("failed_kinds") or {}:
            out[kind].add(src["name"])
    return out


def _rules_view(
    clause: Mapping[str, Any],
    req_id: str,
    rule_meta: Mapping[str, Mapping[str, Any]],
    ev_index: Mapping[str, Mapping[str, Any]],
    kind_sources: Mapping[str, set[str]],
    sources: set[str],
) -> list[dict[str, Any]]:
    """The rules under one clause, with title, rationale, remediation and cited evidence."""
    out = []
    for r in clause.get("rules", []):
        meta = rule_meta.get(r["id"], {})
        for kind in meta.get("evidence", []):
            sources |= kind_sources.get(kind, set())
        cited = []
        for eid in r.get("evidence", []):
            e = ev_index.get(eid)
            if e is not None:
                sources.add(str(e["source"]))
            cited.append(
                {
                    "id": eid,
                    "subject": e["subject"] if e else "",
                    "source": e["source"] if e else "",
                    "kind": e["kind"] if e else "",
                }
            )
        rationale = next(
            (
                d.get("rationale", "")
                for d in meta.get("decides", [])
                if d.get("clause") == clause["id"] or d.get("requirement") == req_id
            ),
            "",
        )
        out.append(
            {
                **r,
                "title": meta.get("title", ""),
                "rationale": rationale,
                "remediation": meta.get("remediation", ""),
                "cited": cited,
                "code": REASON_TEXT.get(str(r.get("reason_code") or "")),
            }
        )
    return out


def _requirement_view(
    req: Mapping[str, Any],
    rule_meta: Mapping[str, Mapping[str, Any]],
    ev_index: Mapping[str, Mapping[str, Any]],
    kind_sources: Mapping[str, set[str]],
    statements: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    sources: set[str] = set()
    clauses = []
    for clause in req.get("clauses", []):
        clauses.append(
            {
                **clause,
                "code": REASON_TEXT.get(str(clause.get("reason_code") or "")),
                "statement_view": statements.get(str(clause.get("statement") or "")),
                "rules_view": _rules_view(clause, str(req["id"]), rule_meta, ev_index, kind_sources, sources),
            }
        )
    return {
        **req,
        "clauses_view": clauses,
        "statement_view": statements.get(str(req.get("statement") or "")),
        "sources": sorted(sources),
    }


def _source_health(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each source, and the items left unknown because a kind it failed was needed."""
    rule_kinds = {r["id"]: set(r.get("evidence", [])) for r in report.get("rules", [])}
    out = []
    for src in report["scan"].get("sources", []):
        failed = dict(src.get("failed_kinds") or {})
        affected = []
        if failed or src.get("status") in ("error", "partial"):
            for fw in report["frameworks"]:
                for cap in fw["capabilities"]:
                    for req in cap["requirements"]:
                        if req["status"] != Status.UNKNOWN.value:
                            continue
                        if any(
                            r["status"] == Status.UNKNOWN.value and rule_kinds.get(r["id"], set()) & set(failed)
                            for c in req.get("clauses", [])
                            for r in c.get("rules", [])
                        ):
                            affected.append(req["id"])
        out.append({**src, "failed": sorted(failed.items()), "affected": affected})
    return out


def _chart(frameworks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars per top domain over in-scope capabilities: mean levels (YD/T) or best practices satisfied (AWS WA)."""
    charts = []
    for fw in frameworks:
        rows = []
        for dom in fw["domains"]:
            caps = [c for sub in dom["subs"] for c in sub["caps"] if c["in_scope"]]
            if not caps:
                continue
            if fw["graded"]:
                vals = {k: sum(c[k] for c in caps) / len(caps) for k in ("level_verified", "level", "level_ceiling")}
                rows.append({"id": dom["id"], "name": dom["name"], "bars": [(k, v, v / 5) for k, v in vals.items()]})
            else:
                total = sum(c["score"]["total"] for c in caps)
                sat = sum(c["score"]["satisfied"] for c in caps)
                met = sum(c["score"]["met"] for c in caps)
                rows.append(
                    {
                        "id": dom["id"],
                        "name": dom["name"],
                        "bars": [("level_verified", met, met / max(1, total)), ("level", sat, sat / max(1, total))],
                        "total": total,
                    }
                )
        charts.append({"fw": fw, "rows": rows, "height": 24 + len(rows) * (46 if fw["graded"] else 34)})
    return charts


def _score(reqs: list[Mapping[str, Any]]) -> dict[str, int]:
    satisfied = {Status.MET.value, Status.ATTESTED.value, Status.NOT_APPLICABLE.value}
    return {
        "satisfied": sum(1 for r in reqs if r["status"] in satisfied),
        "met": sum(1 for r in reqs if r["status"] == Status.MET.value),
        "total": len(reqs),
    }


def _frameworks_view(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    rule_meta = {r["id"]: r for r in report.get("rules", [])}
    ev_index = {e["id"]: e for e in report.get("evidence", [])}
    statements = {str(s["id"]): s for s in report.get("statements", []) if isinstance(s, Mapping) and "id" in s}
    kind_sources = _kind_sources(report["scan"])
    out = []
    for fw in report["frameworks"]:
        # Domain names travel in the report when it carries them; otherwise the id stands alone.
        names = {str(d["id"]): d["name"] for d in fw.get("domains") or []}
        caps = fw["capabilities"]
        graded = any(c.get("level") is not None for c in caps) or bool(fw.get("levels"))
        domains: dict[str, dict[str, Any]] = {}
        for cap in caps:
            top = _top_domain(cap)
            dom = domains.setdefault(top, {"id": top, "name": names.get(top, {"zh": "", "en": ""}), "subs": []})
            sub_id = str(cap.get("domain") or top)
            if not dom["subs"] or dom["subs"][-1]["id"] != sub_id:
                dom["subs"].append(
                    {
                        "id": sub_id,
                        "name": names.get(sub_id, {"zh": "", "en": ""}) if sub_id != top else None,
                        "caps": [],
                    }
                )
            reqs = [_requirement_view(r, rule_meta, ev_index, kind_sources, statements) for r in cap["requirements"]]
            levels: list[tuple[int | None, list[dict[str, Any]]]] = []
            for r in reqs:
                if not levels or levels[-1][0] != r["level"]:
                    levels.append((r["level"], []))
                levels[-1][1].append(r)
            dom["subs"][-1]["caps"].append(
                {
                    **cap,
                    "in_scope": cap.get("in_scope", True) is not False,
                    "score": _score(cap["requirements"]),
                    "levels": levels,
                    "sources": sorted({s for r in reqs for s in r["sources"]}),
                }
            )
        out.append(
            {
                "id": fw["id"],
                "name": fw.get("name") or {"zh": fw["id"], "en": fw["id"]},
                "graded": graded,
                "level_names": level_names(fw) if graded else {},
                "domains": list(domains.values()),
            }
        )
    return out


def _scopes_view(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each declared scope with its graded capabilities against its target level."""
    out = []
    for scope in report.get("scopes") or []:
        target = scope.get("target_level")
        rows = []
        for fw in scope.get("frameworks", []):
            names = level_names(fw)
            for cap in fw.get("capabilities", []):
                in_scope = cap.get("in_scope", True) is not False
                if in_scope and cap.get("level") is None:
                    continue  # AWS WA questions have no level to hold against a target
                rows.append(
                    {
                        **cap,
                        "in_scope": in_scope,
                        "level_name": names.get(cap.get("level") or 0),
                        "below": in_scope and target is not None and int(cap["level"]) < int(target),
                    }
                )
        out.append({**scope, "rows": rows})
    return out


def _changes_view(d: ReportDiff) -> list[dict[str, Any]]:
    """Each change with the anchor it links to (the item of a clause, the capability of a level)."""
    rows = []
    for ch in d.changes:
        target = None
        if ch.kind in ("requirement", "clause"):
            target = "req-" + anchor(ch.id.split("#")[0])
        elif ch.kind in ("capability", "level"):
            target = "cap-" + anchor(ch.id.split(" ")[0])
        group = (
            "regression"
            if ch.regression
            else {Category.BY_STATEMENT: "by-statement", Category.IMPROVED: "improvement"}.get(ch.category, "other")
        )
        status = ch.kind in ("requirement", "clause")
        rows.append(
            {
                "change": ch,
                "group": group,
                "text": CHANGE_TEXT[ch.category.value],
                "target": target,
                "before_status": ch.before if status and ch.before in STATUS_TEXT else None,
                "after_status": ch.after if status and ch.after in STATUS_TEXT else None,
            }
        )
    return rows


def render_html(report: Mapping[str, Any], baseline: Mapping[str, Any] | None = None) -> str:
    """The report as one self-contained, offline HTML page (zh/en); `baseline` adds a diff view."""
    frameworks = _frameworks_view(report)
    diff = diff_reports(baseline, report) if baseline is not None else None
    cap_names = {c["id"]: c["name"] for fw in report["frameworks"] for c in fw["capabilities"]}
    sources = sorted({s["name"] for s in report["scan"].get("sources", [])})
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        scan=report["scan"],
        frameworks=frameworks,
        charts=_chart(frameworks),
        health=_source_health(report),
        changes=_changes_view(diff) if diff is not None else None,
        change_notes=diff.notes if diff is not None else [],
        statements=[s for s in report.get("statements", []) if isinstance(s, Mapping)],
        scopes=_scopes_view(report),
        cap_names=cap_names,
        source_names=sources,
        statuses=STATUSES,
        ui=UI,
        status_text=STATUS_TEXT,
        source_status_text=SOURCE_STATUS_TEXT,
        statement_state_text=STATEMENT_STATE_TEXT,
        evidence_blob=_evidence_blob(report.get("evidence", [])),
        evidence_count=len(report.get("evidence", [])),
        css=_inline_safe(_asset("report.css"), "style"),
        js=_inline_safe(_asset("report.js"), "script"),
        csp=CSP,
        lang="zh",
    )


def _inline_safe(text: str, element: str) -> Markup:
    """Our own CSS or JS, marked safe for inlining; refuse text that could close the element."""
    if re.search(rf"</{element}|<!--", text, re.I):
        raise ValueError(f"an inlined {element} must not contain '</{element}' or '<!--'")
    return Markup(text)  # noqa: S704 - our packaged asset, checked above, not scanned data
