"""Attestation templates (`maturity attest template`): the organisational clauses of one
capability that are still open up to a level, grouped into evidence families, written as a
statements file (scanner/attest.py) whose placeholders people fill in.

A clause is open when a report leaves it `unknown` (only then can an attestation lift it:
scanner/scoring.py `attest_clause`); without a report every organisational clause up to the
level is listed. The family of a clause comes from its words through FAMILIES, a short keyword
table in both languages (documented in docs/attest-template.md): the first family with a
keyword in the clause's zh or en text wins; a clause nothing matches goes to `other`.

The placeholders are empty on purpose: an unfilled entry does not load (the scan stops with
exit 2 naming the field), so a template can never count as an attestation by accident.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.attest import MAX_VALIDITY_MONTHS
from scanner.catalog import Capability, Catalog, Clause, Requirement
from scanner.errors import InputError

__all__ = ["FAMILIES", "Family", "OpenClause", "family_of", "open_clauses", "render_template", "resolve_capability"]


@dataclass(frozen=True)
class Family:
    """One kind of evidence pack. `zh` keywords match anywhere in the zh text; `en` keywords
    match whole words of the lower-cased en text, or word starts when they end in `*`."""

    id: str
    name_en: str
    name_zh: str
    pack_en: str
    pack_zh: str
    zh: tuple[str, ...]
    en: tuple[str, ...]


# Order is priority: the first family with a matching keyword takes the clause.
FAMILIES: tuple[Family, ...] = (
    Family(
        "platform_demo",
        "Platform demonstration",
        "平台演示",
        "screenshots or a recorded demo of the platform doing it, with the date it was taken",
        "平台实现该能力的截图或演示录屏，注明日期",
        ("智能", "机器学习", "算法", "知识图谱", "专家系统"),
        ("intelligen*", "machine learning", "ai", "algorithm*", "knowledge graph*", "expert system*"),
    ),
    Family(
        "drill_record",
        "Drill records",
        "演练记录",
        "the plan, attendance and findings of each drill or game day",
        "每次演练的方案、参与人员与发现的问题",
        ("演练", "演习"),
        ("drill*", "exercise*", "game day*", "chaos"),
    ),
    Family(
        "training_record",
        "Training records",
        "培训记录",
        "course outlines, attendance lists, exam results or certificates",
        "课程大纲、签到表、考试成绩或上岗资质证书",
        ("培训", "考试", "资质", "技能"),
        ("train*", "examination*", "qualification*", "skill*"),
    ),
    Family(
        "on_call_roster",
        "On-call roster",
        "值班表",
        "the on-call or duty roster and its hand-over records",
        "值班排班表及交接记录",
        ("值班", "值守", "服务台"),
        ("on-duty", "on duty", "on-call", "on call", "service desk*", "roster*", "rota*"),
    ),
    Family(
        "runbook",
        "Runbooks and contingency plans",
        "运行手册与应急预案",
        "the runbooks or plans themselves, with version, owner and approval date",
        "运行手册或预案文本本身，含版本、负责人和审批日期",
        ("预案", "灾备计划", "灾备方案", "手册", "操作程序", "支持计划", "沟通计划"),
        (
            "contingenc*",
            "response plan*",
            "emergency plan*",
            "recovery plan*",
            "dr scheme",
            "runbook*",
            "playbook*",
            "operations procedure*",
            "support plan*",
            "communication plan*",
            "plans for major",
        ),
    ),
    Family(
        "review_minutes",
        "Review minutes",
        "评审与复盘纪要",
        "minutes of the reviews or post-incident reviews, with decisions and follow-up actions",
        "评审会或复盘会纪要，含结论与跟进事项",
        ("复盘", "回顾", "评审", "会议", "审查", "审核", "成因"),
        ("review*", "retrospective*", "meeting*", "post-incident", "root cause*", "contributing factor*"),
    ),
    Family(
        "risk_assessment",
        "Risk and impact assessments",
        "风险与影响评估",
        "the dated risk or business-impact assessments and the register they feed",
        "带日期的风险评估或业务影响分析及其登记册",
        ("风险", "影响分析", "舆情", "威胁"),
        ("risk*", "impact analys*", "public opinion", "threat*"),
    ),
    Family(
        "org_chart",
        "Organisation chart and role definitions",
        "组织架构与职责说明",
        "the organisation chart, role descriptions and named owners",
        "组织架构图、岗位职责说明和责任人名单",
        ("组织", "角色", "职责", "责任", "所有者", "委员会", "管理层"),
        ("organi*", "role*", "responsib*", "owner*", "board*", "cab", "leadership", "sponsor*"),
    ),
    Family(
        "metrics_report",
        "Metrics and KPI reports",
        "指标与度量报告",
        "periodic metric or KPI reports and who received them",
        "定期的指标或 KPI 报告及其发送对象",
        ("指标", "度量", "绩效", "考核", "容量"),
        ("metric*", "kpi*", "indicator*", "appraisal*", "capacity"),
    ),
    Family(
        "cost_budget",
        "Cost and budget records",
        "成本与预算记录",
        "budgets, cost reports and procurement records",
        "预算、成本报告和采购记录",
        ("成本", "预算", "核算", "采购"),
        ("cost*", "budget*", "accounting", "procure*"),
    ),
    Family(
        "experience_report",
        "User-experience studies",
        "用户体验研究报告",
        "user research, experience assessments or optimisation project reports",
        "用户调研、体验评估或体验优化专项的报告",
        ("体验", "用户行为", "竞品", "口碑"),
        ("user experience", "experience*", "user behaviour*", "competitor*", "reputation*"),
    ),
    Family(
        "process_document",
        "Process and policy documents",
        "流程与制度文件",
        "the approved process, norm or policy document and where it is published",
        "已批准的流程、规范或制度文件及其发布位置",
        ("流程", "规范", "制度", "标准", "程序", "机制"),
        ("process*", "norm*", "standard*", "procedure*", "polic*", "mechanism*"),
    ),
)
OTHER = Family(
    "other",
    "Other evidence",
    "其他证据",
    "whatever shows the practice: a document, a screenshot or a demo",
    "能证明该实践的材料：文档、截图或演示",
    (),
    (),
)


def _en_pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    word_end = r"\b"
    parts = [r"\b" + re.escape(k.rstrip("*")) + ("" if k.endswith("*") else word_end) for k in keywords]
    return re.compile("|".join(parts))


_EN_PATTERNS = {f.id: _en_pattern(f.en) for f in FAMILIES}


def family_of(clause: Clause) -> Family:
    """The evidence family of a clause, from the keyword table (OTHER when nothing matches)."""
    en = clause.text.en.lower()
    for fam in FAMILIES:
        if any(k in clause.text.zh for k in fam.zh) or _EN_PATTERNS[fam.id].search(en):
            return fam
    return OTHER


@dataclass(frozen=True)
class OpenClause:
    clause: Clause
    level: int | None
    status: str | None  # the report's status; None without a report


def resolve_capability(catalog: Catalog, given: str, framework: str | None) -> Capability:
    """The capability named `given` (`ydt:6.1.1`, or `6.1.1` with --framework); an
    InputError with the closest ids otherwise."""
    if framework is not None and framework not in catalog.frameworks:
        known = ", ".join(sorted(catalog.frameworks))
        raise InputError(f"unknown framework {framework!r} (the catalog has {known})", field="--framework")
    candidates = [c for c in catalog.capabilities.values() if framework is None or c.framework == framework]
    for cap in candidates:
        if given in (cap.id, cap.id.split(":", 1)[1]):
            return cap
    near = difflib.get_close_matches(given, [c.id for c in candidates], n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(near)}?)" if near else " (`maturity catalog` lists them)"
    scope = f" in {framework}" if framework else ""
    raise InputError(f"unknown capability {given!r}{scope}{hint}", field="--capability")


def _report_clauses(report: Mapping[str, Any], cap: Capability) -> dict[str, tuple[str, str]]:
    """clause id -> (clause status, requirement status) for `cap` in a report."""
    for fw in report.get("frameworks", []):
        for c in fw.get("capabilities", []):
            if c.get("id") == cap.id:
                return {
                    cl["id"]: (str(cl["status"]), str(req["status"]))
                    for req in c.get("requirements", [])
                    for cl in req.get("clauses", [])
                }
    raise InputError(f"the report does not grade {cap.id} (was {cap.framework} scanned?)", field="--report")


def _levels(cap: Capability, level: int | None, catalog: Catalog) -> list[Requirement]:
    if not catalog.frameworks[cap.framework].cumulative:
        if level is not None:
            raise InputError(f"{cap.framework} has no levels: omit --level for {cap.id}", field="--level")
        return list(cap.requirements)
    known = sorted(catalog.frameworks[cap.framework].levels) or [1, 2, 3, 4, 5]
    if level is None or level not in known:
        got = "none given" if level is None else f"got {level}"
        raise InputError(f"{cap.id} has levels {known[0]} to {known[-1]} ({got})", field="--level")
    return [r for r in cap.requirements if r.level is not None and r.level <= level]


def open_clauses(
    catalog: Catalog, cap: Capability, level: int | None, report: Mapping[str, Any] | None
) -> tuple[list[OpenClause], list[str]]:
    """(open organisational clauses, organisational clauses the evidence shows not met)."""
    graded = _report_clauses(report, cap) if report is not None else None
    out: list[OpenClause] = []
    not_met: list[str] = []
    for req in _levels(cap, level, catalog):
        for clause in req.clauses:
            if clause.assessment != "organisational":
                continue
            if graded is None:
                out.append(OpenClause(clause, req.level, None))
                continue
            status, req_status = graded.get(clause.id, ("unknown", "unknown"))
            if req_status == "not_applicable":
                continue  # waived: nothing to attest
            if status == "unknown":
                out.append(OpenClause(clause, req.level, status))
            elif status == "not_met":
                not_met.append(clause.id)
    return out, not_met


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _entry(fam: Family, members: list[OpenClause]) -> list[str]:
    lines = [
        f"  # ---- {fam.id}: {fam.name_en} / {fam.name_zh} ({len(members)})",
        f"  # en: evidence pack: {fam.pack_en}",
        f"  # zh: 证据包：{fam.pack_zh}",
        "  - clauses:",
    ]
    for oc in members:
        where = f"L{oc.level} " if oc.level is not None else ""
        lines.append(f"      - {json.dumps(oc.clause.id)}  # {where}{_one_line(oc.clause.text.zh)}")
        lines.append(f"      #   {_one_line(oc.clause.text.en)}")
    lines += [
        '    statement: ""     # en: what the evidence shows, in your own words (10+ characters)'
        " / zh: 用自己的话说明证据表明了什么（至少 10 个字符）",
        '    owner: ""         # en: who vouches for it (e-mail) / zh: 声明人（邮箱）',
        "    reviewer: null    # en: a different person who checked the evidence / zh: 复核人（不能是声明人）",
        "    evidence_url: null  # en: https link to the evidence pack / zh: 证据包链接（https）",
        "    date: null        # en: YYYY-MM-DD, not in the future / zh: 声明日期，不晚于扫描日",
        f"    expires: null     # en: YYYY-MM-DD, at most {MAX_VALIDITY_MONTHS} months after date"
        f" / zh: 失效日期，不超过声明日期后 {MAX_VALIDITY_MONTHS} 个月",
    ]
    return lines


def render_template(
    cap: Capability,
    level: int | None,
    clauses: list[OpenClause],
    not_met: list[str],
    *,
    report_name: str | None,
    version: str,
    today: dt.date,
) -> str:
    """The statements file, as text: a header, then one attestation per evidence family."""
    upto = f"up to level {level} / 至 {level} 级" if level is not None else "all practices / 全部最佳实践"
    source = f"left open by the report {report_name}" if report_name else "all of them (no --report given)"
    source_zh = f"报告 {report_name} 中仍未决" if report_name else "全部（未给出 --report）"
    out = [
        "# Attestation template / 声明模板",
        f"# capability / 能力项: {cap.id} {_one_line(cap.name.zh)} / {_one_line(cap.name.en)}, {upto}",
        f"# organisational clauses / 组织类条款: {len(clauses)}, {source} / {source_zh}",
        f"# written by maturity-scanner {version} on {today.isoformat()}",
        "#",
        "# en: Each entry is one evidence pack that answers every clause listed under it. Fill in",
        "#     statement, owner, reviewer (a different person), evidence_url, date and expires; delete",
        "#     a clause id you cannot vouch for, and an entry you do not fill. An unfilled entry does",
        "#     not load (the scan stops with exit 2 naming the field), so it never counts by accident.",
        "#     Then list this file under `attestations:` in maturity.yaml (docs/attest-template.md).",
        "# zh: 每一项是一个证据包，回答其下列出的全部条款。请填写 statement、owner、reviewer（须为另一人）、",
        "#     evidence_url、date 和 expires；无法担保的条款请删除其 id，不填写的项请整项删除。未填写的项",
        "#     无法加载（扫描以退出码 2 停止并指出字段），因此不会被误当作声明。填好后在 maturity.yaml 的",
        "#     `attestations:` 中列出本文件（见 docs/attest-template.md）。",
    ]
    if not_met:
        out += [
            f"# en: not listed: {', '.join(not_met)} (the evidence shows not met; an attestation cannot lift it)",
            f"# zh: 未列出：{', '.join(not_met)}（证据显示未满足，声明无法改变）",
        ]
    if not clauses:
        return "\n".join([*out, "# en: nothing is open / zh: 没有待声明的条款", "attestations: []", ""])
    groups: dict[str, list[OpenClause]] = {}
    for oc in clauses:
        groups.setdefault(family_of(oc.clause).id, []).append(oc)
    order = {f.id: i for i, f in enumerate((*FAMILIES, OTHER))}
    by_id = {f.id: f for f in (*FAMILIES, OTHER)}
    out.append("attestations:")
    for fid in sorted(groups, key=order.__getitem__):
        out += _entry(by_id[fid], groups[fid])
    return "\n".join(out) + "\n"
