"""The fixed words of the HTML report, in zh and en: interface strings and the names of statuses,
reasons, statement states, change categories and source states (catalog texts carry their own)."""

from __future__ import annotations

from typing import Any

from scanner.diff import Category
from scanner.model import ReasonCode, Status

__all__ = [
    "CHANGE_TEXT",
    "REASON_TEXT",
    "SOURCE_STATUS_TEXT",
    "STATEMENT_STATE_TEXT",
    "STATUSES",
    "STATUS_TEXT",
    "UI",
    "both",
]

STATUSES = tuple(st.value for st in sorted(Status, key=lambda st: st.rank))  # worst first

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
    "headline": ("概况", "At a glance"),
    "appendix": ("证据附录（被引用的证据）", "Evidence appendix (cited items)"),
    "subject": ("对象", "subject"),
    "roadmap_order": (
        "按投入排序（先声明、再配置数据源、最后整改），同等投入时解锁等级多、阻碍少者在前。",
        "Ordered by effort (attest, then configure a source, then fix the estate), then by levels unlocked and fewest blockers.",
    ),
    "effort_attest": ("提交声明", "attest"),
    "effort_configure": ("配置数据源", "configure"),
    "effort_fix": ("整改", "fix"),
    "blockers": ("阻碍条款", "blocking clauses"),
    "unlocks": ("可解锁等级", "levels unlocked"),
    "change": ("变化", "change"),
    "name": ("名称", "name"),
    "items_by_status": ("评估项状态", "Items by status"),
    "caps_by_level": ("各等级的能力数（范围内）", "Capabilities per level (in scope)"),
    "unknowns": ("未知项的原因与对策", "Why items are unknown, and what resolves them"),
    "n_items_clauses": ("{n} 项（{c} 个条款）", "items: {n}, clauses: {c}"),
    "wait_configure": ("配置 {t}：{n} 项等待该数据源", "configure {t}: items waiting on it: {n}"),
    "wait_alternative": (
        "扫描 {t}（可满足的替代系统）：{n} 项",
        "scan {t}, an alternative that could satisfy them: items: {n}",
    ),
    "wait_failed": ("修复数据源 {t}：{n} 项因其失败而未知", "fix source {t}: items its failure left unknown: {n}"),
    "sources_by_status": ("数据源", "Sources"),
    "not_configured": ("未配置", "not configured"),
    "scope_pick": ("查看范围", "Show scope"),
    "whole_estate": ("整体", "whole estate"),
    "scope_note": (
        "当前显示所选范围的等级与状态（其自有证据加共享证据）；各条款下列出的规则与证据、路线图和变化仍为整体的。",
        "Levels and statuses shown are the selected scope's (its own evidence plus the shared); the rules and"
        " evidence listed under each clause, the roadmap and the changes are the whole estate's.",
    ),
    "statements": ("声明、豁免与异议", "Attestations, waivers and disputes"),
    "statement": ("声明", "Statement"),
    "state": ("状态", "State"),
    "owner": ("负责人", "Owner"),
    "reviewer": ("复核人", "Reviewer"),
    "valid": ("有效期", "Valid"),
    "applies_to": ("适用于", "Applies to"),
    "type": ("类型", "Type"),
    "what_to_do": ("建议", "what to do"),
    "attest_template": ("声明模板", "attestation template"),
    "resources": ("资源", "Resources"),
    "res_intro": (
        "按对象（工作负载、告警规则、数据库、项目……）查看引用它的每条规则及该规则在各条款上的状态，未满足在前。",
        "Every rule that cites a subject (a workload, alert rule, database, project…) and the rule's status on"
        " each clause, failing first.",
    ),
    "res_search": ("搜索对象", "Search subjects"),
    "res_rules": ("条规则引用", "rule citations"),
    "res_none": ("没有匹配的对象", "no subject matches"),
    "res_more": ("还有 {n} 个对象，请缩小搜索", "{n} more subjects: narrow the search"),
    "res_omitted": (
        "为控制页面大小，省略了 {n} 条引用；JSON 报告包含全部。",
        "{n} citations left out to keep the page small; the JSON report has all.",
    ),
    "cited_by": ("引用此证据", "Cited by"),
    "cited_by_none": ("没有规则引用此证据", "no rule cites this item"),
    "fields_read": ("规则读取的字段", "Fields the rule read"),
    "field_absent": ("（不存在）", "(absent)"),
    "deciding": ("决定此条款", "decided the clause"),
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


def both(en: Any, zh: Any) -> dict[str, str]:
    """A text in both languages for the report's `bi` macro; a text without its Chinese (a rule
    written before rules carried zh, or a report from an older version) shows its English in both."""
    text = str(en or "")
    return {"en": text, "zh": str(zh or text)}
