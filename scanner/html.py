"""The self-contained HTML evidence report auditors read (`maturity report F.json --html F.html`).

One file, no network: CSS, JS and SVG are inlined and a Content-Security-Policy forbids every
fetch. The page structure (overview, roadmap, baseline changes, the domain → capability →
level → requirement → rule tree) is rendered here with Jinja2 (autoescape on: everything from a
scanned system is escaped). Evidence items are embedded once, as gzip-compressed JSON in base64,
and rendered on demand by the page script with `textContent` only: a 100k-item report stays a
few megabytes and paints fast, because the browser never builds DOM for evidence nobody opened.
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

from scanner.diff import diff_reports

__all__ = ["EXCERPT_CHARS", "render_html"]

EXCERPT_CHARS = 1500  # characters of an evidence item's data kept in the HTML (the JSON has all)
STATUSES = ("not_met", "unknown", "attested", "met", "not_applicable")
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
    "regression": ("退步", "regression"),
    "improvement": ("进步", "improvement"),
    "attestation": ("人工声明", "Attestation"),
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
    "no_js": (
        "证据明细需要启用 JavaScript；JSON 报告包含全部内容。",
        "Evidence details need JavaScript; the JSON report holds everything.",
    ),
}
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "met": ("符合", "met"),
    "not_met": ("不符合", "not met"),
    "unknown": ("未知", "unknown"),
    "attested": ("已声明", "attested"),
    "not_applicable": ("不适用", "not applicable"),
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


@cache
def _domain_names() -> dict[str, dict[str, str]]:
    """Domain and sub-domain names from the packaged catalog (ids the catalog lacks fall back)."""
    from scanner.catalog import load_catalog

    try:
        catalog = load_catalog()
    except Exception:  # noqa: BLE001 - a broken catalog must not stop a report from rendering
        return {}
    return {d.id: d.name.model_dump() for fw in catalog.frameworks.values() for d in fw.domains}


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


def _requirement_view(
    req: Mapping[str, Any],
    rule_meta: Mapping[str, Mapping[str, Any]],
    ev_index: Mapping[str, Mapping[str, Any]],
    kind_sources: Mapping[str, set[str]],
) -> dict[str, Any]:
    sources: set[str] = set()
    rules = []
    for r in req.get("rules", []):
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
            (d.get("rationale", "") for d in meta.get("decides", []) if d.get("requirement") == req["id"]), ""
        )
        rules.append(
            {
                **r,
                "title": meta.get("title", ""),
                "rationale": rationale,
                "remediation": meta.get("remediation", ""),
                "cited": cited,
            }
        )
    return {**req, "rules_view": rules, "sources": sorted(sources)}


def _source_health(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each source, and the requirements left unknown because a kind it failed was needed."""
    rule_kinds = {r["id"]: set(r.get("evidence", [])) for r in report.get("rules", [])}
    out = []
    for src in report["scan"].get("sources", []):
        failed = dict(src.get("failed_kinds") or {})
        affected = []
        if failed or src.get("status") in ("error", "partial"):
            for fw in report["frameworks"]:
                for cap in fw["capabilities"]:
                    for req in cap["requirements"]:
                        if req["status"] != "unknown":
                            continue
                        if any(
                            r["status"] == "unknown" and rule_kinds.get(r["id"], set()) & set(failed)
                            for r in req.get("rules", [])
                        ):
                            affected.append(req["id"])
        out.append({**src, "failed": sorted(failed.items()), "affected": affected})
    return out


def _chart(frameworks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars per top domain: mean verified / level / ceiling (YD/T) or % satisfied (AWS WA)."""
    charts = []
    for fw in frameworks:
        rows = []
        for dom in fw["domains"]:
            caps = [c for sub in dom["subs"] for c in sub["caps"]]
            if not caps:
                continue
            if fw["graded"]:
                vals = {k: sum(c[k] for c in caps) / len(caps) for k in ("level_verified", "level", "level_ceiling")}
                rows.append({"id": dom["id"], "name": dom["name"], "bars": [(k, v, v / 5) for k, v in vals.items()]})
            else:
                total = sum(len(c["requirements"]) for c in caps)
                sat = sum(c["counts"]["met"] + c["counts"]["attested"] + c["counts"]["not_applicable"] for c in caps)
                met = sum(c["counts"]["met"] + c["counts"]["not_applicable"] for c in caps)
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


def _frameworks_view(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = _domain_names()
    rule_meta = {r["id"]: r for r in report.get("rules", [])}
    ev_index = {e["id"]: e for e in report.get("evidence", [])}
    kind_sources = _kind_sources(report["scan"])
    out = []
    for fw in report["frameworks"]:
        graded = fw["id"] == "ydt1756-4"
        domains: dict[str, dict[str, Any]] = {}
        for cap in fw["capabilities"]:
            top = _top_domain(cap)
            dom = domains.setdefault(top, {"id": top, "name": names.get(top, {"zh": top, "en": top}), "subs": []})
            sub_id = str(cap.get("domain") or top)
            if not dom["subs"] or dom["subs"][-1]["id"] != sub_id:
                dom["subs"].append(
                    {
                        "id": sub_id,
                        "name": names.get(sub_id, {"zh": sub_id, "en": sub_id}) if sub_id != top else None,
                        "caps": [],
                    }
                )
            reqs = [_requirement_view(r, rule_meta, ev_index, kind_sources) for r in cap["requirements"]]
            levels: list[tuple[int | None, list[dict[str, Any]]]] = []
            for r in reqs:
                if not levels or levels[-1][0] != r["level"]:
                    levels.append((r["level"], []))
                levels[-1][1].append(r)
            dom["subs"][-1]["caps"].append(
                {**cap, "levels": levels, "sources": sorted({s for r in reqs for s in r["sources"]})}
            )
        out.append(
            {
                "id": fw["id"],
                "name": fw.get("name") or {"zh": fw["id"], "en": fw["id"]},
                "graded": graded,
                "domains": list(domains.values()),
            }
        )
    return out


def render_html(report: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    """The report as one self-contained, offline HTML page (zh/en); `baseline` adds a diff view."""
    frameworks = _frameworks_view(report)
    changes = diff_reports(baseline, report).changes if baseline is not None else None
    cap_names = {c["id"]: c["name"] for fw in report["frameworks"] for c in fw["capabilities"]}
    sources = sorted({s["name"] for s in report["scan"].get("sources", [])})
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        scan=report["scan"],
        frameworks=frameworks,
        charts=_chart(frameworks),
        health=_source_health(report),
        changes=changes,
        cap_names=cap_names,
        source_names=sources,
        statuses=STATUSES,
        ui=UI,
        status_text=STATUS_TEXT,
        source_status_text=SOURCE_STATUS_TEXT,
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
