"""Grading: rule results + statements -> frameworks[], next_steps[], statements[] (v2 models).

Every decision is made by the pure functions in scanner/scoring.py; this module only gathers
their inputs (which rules decide which clause, which statements are in force, which disputes
apply) and records what each statement did. `verify` and `rescore` call the same function.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.attest import MAX_VALIDITY_MONTHS, Statement, Statements
from scanner.catalog import Capability, Catalog, Clause, Framework, Requirement
from scanner.model import (
    CapabilityResult,
    ClauseResult,
    Counts,
    Coverage,
    FrameworkResult,
    Label,
    NextStep,
    NextStepItem,
    ReasonCode,
    RequirementResult,
    RuleOutcome,
    StatementResult,
    StatementState,
    Status,
)
from scanner.rules import Decides, Rule, RuleResult, RuleSet
from scanner.scoring import Vote, attest_clause, capability_levels, clause_status, in_scope, requirement_status

__all__ = ["Graded", "grade"]


@dataclass
class Graded:
    frameworks: list[FrameworkResult]
    next_steps: list[NextStep]
    statements: list[StatementResult]


@dataclass
class _Ledger:
    """Statements in force on the scan date, and what each one did to the grades."""

    on: dt.date
    max_months: int
    invalid: dict[str, str] = field(default_factory=dict)
    live: list[Statement] = field(default_factory=list)
    expired: list[Statement] = field(default_factory=list)
    events: dict[str, set[StatementState]] = field(default_factory=lambda: defaultdict(set))
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @staticmethod
    def of(statements: Statements, on: dt.date, max_months: int, rule_ids: set[str]) -> _Ledger:
        led = _Ledger(on, max_months)
        for s in statements.items:
            why = s.check(on, max_months)
            if why is None and s.kind == "dispute" and s.doc.rule not in rule_ids:
                why = f"names unknown rule {s.doc.rule!r}"
            if why is not None:
                led.invalid[s.id] = why
            elif s.expired(on):
                led.expired.append(s)
            else:
                led.live.append(s)
        return led

    def attestation(self, clause: Clause) -> Statement | None:
        return next(
            (
                s
                for s in self.live
                if s.kind == "attestation" and (clause.id in s.doc.clauses or clause.requirement in s.doc.requirements)
            ),
            None,
        )

    def waiver(self, req: Requirement) -> Statement | None:
        return next(
            (
                s
                for s in self.live
                if s.kind == "waiver" and (req.id in s.doc.requirements or req.capability in s.doc.capabilities)
            ),
            None,
        )

    def disputes(self, rule: str, clause: str) -> list[Statement]:
        return [s for s in self.live if s.kind == "dispute" and s.doc.rule == rule and s.doc.clause == clause]

    def lapsed(self, req: Requirement) -> list[tuple[str, str]]:
        """Expired statements that would have covered this item (the reason says so), en and zh."""
        out = []
        for s in self.expired:
            d = s.doc
            names = {*getattr(d, "requirements", []), *getattr(d, "capabilities", [])}
            names |= {c.split("#", 1)[0] for c in getattr(d, "clauses", [])}
            if s.kind == "dispute":
                names.add(d.clause.split("#", 1)[0])
            if req.id in names or req.capability in names:
                out.append(
                    (
                        f"{s.kind} {s.id} by {d.owner} expired on {d.expires}",
                        f"{_KIND_ZH.get(s.kind, s.kind)} {s.id}（{d.owner}）已于 {d.expires} 过期",
                    )
                )
        return out

    def state(self, s: Statement) -> tuple[StatementState, str | None]:
        if s.id in self.invalid:
            return StatementState.INVALID, self.invalid[s.id]
        if s in self.expired:
            return StatementState.EXPIRED, f"expired on {s.doc.expires}"
        ev = self.events.get(s.id, set())
        why = "; ".join(self.notes.get(s.id, [])) or None
        for st in (StatementState.CONTESTED, StatementState.OVERRIDES_NOT_MET):
            if st in ev:
                return st, why
        if StatementState.APPLIED in ev:
            if s.expiring_soon(self.on):
                return StatementState.EXPIRING_SOON, f"expires on {s.doc.expires}"
            return StatementState.APPLIED, None
        return StatementState.UNUSED, why


def _vote(
    rule: Rule, result: RuleResult, clause: Clause, coverage: Coverage, led: _Ledger
) -> tuple[Vote | None, RuleOutcome]:
    """One rule's (possibly disputed) vote on a clause, and the outcome the report shows."""
    status = Status(result.status)
    code = result.reason_code
    explanation = result.explanation
    explanation_zh = result.explanation_zh or result.explanation
    if status is Status.NOT_MET and coverage is Coverage.DECIDES:
        failing = set(result.subjects)
        complete = result.evidence_total <= len(result.evidence)
        for d in led.disputes(rule.id, clause.id):
            disputed = set(d.doc.subjects)
            if "*" in disputed or (failing and complete and failing <= disputed):
                status, code = Status.UNKNOWN, ReasonCode.DISPUTED
                explanation = f"disputed ({d.id}, {d.doc.owner}): {d.doc.reason}; the rule found: {explanation}"
                explanation_zh = f"有异议（{d.id}，{d.doc.owner}）：{d.doc.reason}；规则的发现：{explanation_zh}"
                led.events[d.id].add(StatementState.APPLIED)
                break
            left = sorted(failing - disputed) or ["subjects beyond the evidence cited"]
            led.notes[d.id].append(f"{clause.id}: still failing for {', '.join(left[:5])}")
    outcome = RuleOutcome(
        id=rule.id,
        status=status,
        coverage=coverage,
        explanation=explanation,
        explanation_zh=explanation_zh,
        evidence=list(result.evidence),
        evidence_total=result.evidence_total,
        reason_code=code if status is Status.UNKNOWN else None,
    )
    return (Vote(rule.id, status, code) if coverage is Coverage.DECIDES else None), outcome


def _clause(
    clause: Clause, deciders: list[tuple[Rule, Decides]], results: Mapping[str, RuleResult], led: _Ledger
) -> ClauseResult:
    votes: list[Vote] = []
    outcomes: list[RuleOutcome] = []
    for rule, dec in deciders:
        vote, outcome = _vote(rule, results[rule.id], clause, Coverage.of(dec.coverage), led)
        outcomes.append(outcome)
        if vote is not None:
            votes.append(vote)
    status, code = clause_status(votes, organisational=clause.assessment == "organisational")
    att = led.attestation(clause)
    statement = None
    if att is not None:
        if status is Status.NOT_MET:
            led.events[att.id].add(StatementState.CONTESTED)
            led.notes[att.id].append(f"{clause.id} is not met by the evidence")
        elif status is Status.UNKNOWN:
            led.events[att.id].add(StatementState.APPLIED)
            statement = att.id
    lifted = attest_clause(status, statement is not None)
    return ClauseResult(
        id=clause.id,
        assessment=clause.assessment,
        status=lifted,
        reason_code=code if lifted is Status.UNKNOWN else None,
        rules=outcomes,
        statement=statement,
    )


_KIND_ZH = {"attestation": "声明", "waiver": "豁免", "dispute": "异议"}


def _reason(
    status: Status, clauses: list[ClauseResult], waiver: Statement | None
) -> tuple[str, str] | tuple[None, None]:
    """One readable line for an item that is not met, in English and in Chinese."""
    if status is Status.MET:
        return None, None
    if status is Status.NOT_APPLICABLE and waiver is not None:
        w = waiver.doc
        failing = [c.id for c in clauses if c.status is Status.NOT_MET]
        en = f"waived by {waiver.id}: {w.reason} (owner {w.owner}, until {w.expires})"
        zh = f"已由 {waiver.id} 豁免：{w.reason}（负责人 {w.owner}，有效期至 {w.expires}）"
        if failing:
            en += f"; overrides failing evidence on {', '.join(failing)}"
            zh += f"；覆盖了 {'、'.join(failing)} 上未满足的证据"
        return en, zh
    parts: list[tuple[str, str]] = []
    for c in clauses:
        letter = c.id.rsplit("#", 1)[1]
        if c.status is Status.NOT_MET:
            failing_rules = [r for r in c.rules if r.status is Status.NOT_MET]
            why = "; ".join(f"{r.id}: {r.explanation}" for r in failing_rules)
            why_zh = "；".join(f"{r.id}：{r.explanation_zh}" for r in failing_rules)
            parts.append((f"{letter} not met ({why})", f"{letter} 未满足（{why_zh}）"))
        elif c.status is Status.ATTESTED:
            parts.append((f"{letter} attested ({c.statement})", f"{letter} 已声明（{c.statement}）"))
        elif c.status is Status.UNKNOWN and c.reason_code is not None:
            open_rules = [r for r in c.rules if r.status is not Status.MET]
            why = "; ".join(f"{r.id}: {r.explanation}" for r in open_rules)
            why_zh = "；".join(f"{r.id}：{r.explanation_zh}" for r in open_rules)
            label = c.reason_code.label
            parts.append(
                (
                    f"{letter} {label.en}" + (f" ({why})" if why else ""),
                    f"{letter} {label.zh}" + (f"（{why_zh}）" if why_zh else ""),
                )
            )
    if not parts:
        return None, None
    return "clause " + "; clause ".join(p[0] for p in parts), "条款 " + "；条款 ".join(p[1] for p in parts)


def _requirement(
    req: Requirement,
    by_target: Mapping[str, list[tuple[Rule, Decides]]],
    results: Mapping[str, RuleResult],
    led: _Ledger,
    related: list[str],
) -> RequirementResult:
    clauses = [_clause(c, by_target.get(c.id, []) + by_target.get(req.id, []), results, led) for c in req.clauses]
    waiver = led.waiver(req)
    status = requirement_status([c.status for c in clauses], waived=waiver is not None)
    if waiver is not None:
        failing = any(c.status is Status.NOT_MET for c in clauses)
        led.events[waiver.id].add(StatementState.OVERRIDES_NOT_MET if failing else StatementState.APPLIED)
        if failing:
            led.notes[waiver.id].append(f"{req.id} is not met by the evidence")
    reason, reason_zh = _reason(status, clauses, waiver)
    lapsed = led.lapsed(req)
    if reason is not None and reason_zh is not None and lapsed:
        reason += " (" + "; ".join(en for en, _ in lapsed) + ")"
        reason_zh += "（" + "；".join(zh for _, zh in lapsed) + "）"
    return RequirementResult(
        id=req.id,
        level=req.level,
        text=Label(zh=req.text.zh, en=req.text.en),
        status=status,
        reason=reason,
        reason_zh=reason_zh,
        clauses=clauses,
        statement=waiver.id if waiver is not None else None,
        related=related,
    )


def _next_step(fw: Framework, cap: CapabilityResult, remediation: Mapping[str, str]) -> NextStep | None:
    if not cap.in_scope:
        return None
    fid = fw.id
    target = None
    if fw.cumulative:
        target = (cap.level or 0) + 1
        if target > 5:
            return None
    items = []
    for r in cap.requirements:
        if r.status.satisfies("level") or (target is not None and (r.level or 0) > target):
            continue
        left = [c for c in r.clauses if not c.status.satisfies("level")]
        codes = sorted({c.reason_code for c in left if c.reason_code is not None}, key=lambda x: x.value)
        fixes = [remediation[o.id] for c in left for o in c.rules if o.status is Status.NOT_MET]
        fixes += [c.action.en for c in codes]
        items.append(
            NextStepItem(requirement=r.id, status=r.status, reason_codes=codes, action="; ".join(dict.fromkeys(fixes)))
        )
    return NextStep(capability=cap.id, framework=fid, target_level=target, items=items) if items else None


def _capability(fw: Framework, cap: Capability, reqs: list[RequirementResult]) -> CapabilityResult:
    counts = Counts(**{s.value: sum(1 for r in reqs if r.status is s) for s in Status})
    levels = capability_levels({lv: [r.status for r in reqs if r.level == lv] for lv in range(1, 6)})
    scoped = in_scope([r.status for r in reqs])  # WA questions have no levels, but can be waived too
    graded = fw.cumulative and scoped
    return CapabilityResult(
        id=cap.id,
        name=Label(zh=cap.name.zh, en=cap.name.en),
        domain=cap.subdomain or cap.domain,
        in_scope=scoped,
        level=levels.level if graded else None,
        level_verified=levels.level_verified if graded else None,
        level_ceiling=levels.level_ceiling if graded else None,
        counts=counts,
        requirements=reqs,
    )


def grade(
    catalog: Catalog,
    ruleset: RuleSet,
    results: Mapping[str, RuleResult],
    statements: Statements,
    *,
    frameworks: list[str],
    on: dt.date,
    max_months: int = MAX_VALIDITY_MONTHS,
) -> Graded:
    """Grade every framework asked for; statements are checked against the scan date `on`."""
    by_target: dict[str, list[tuple[Rule, Decides]]] = defaultdict(list)
    for rule in sorted(ruleset.rules, key=lambda r: r.id):
        for d in rule.doc.decides:
            by_target[d.target].append((rule, d))
    remediation = {r.id: r.doc.remediation for r in ruleset.rules}
    led = _Ledger.of(statements, on, max_months, {r.id for r in ruleset.rules})
    fw_out: list[FrameworkResult] = []
    steps: list[NextStep] = []
    for fid in frameworks:
        fw = catalog.frameworks.get(fid)
        if fw is None:
            continue
        caps = []
        for cap in fw.capabilities:
            reqs = [_requirement(r, by_target, results, led, list(catalog.related(r.id))) for r in cap.requirements]
            c = _capability(fw, cap, reqs)
            caps.append(c)
            step = _next_step(fw, c, remediation)
            if step is not None:
                steps.append(step)
        fw_out.append(
            FrameworkResult(
                id=fid,
                name=Label(zh=fw.name.zh, en=fw.name.en),
                source=fw.source.model_dump(),
                levels={str(k): Label(zh=v.zh, en=v.en) for k, v in sorted(fw.levels.items())},
                capabilities=caps,
            )
        )
    stmts = []
    for s in statements.items:
        state, why = led.state(s)
        stmts.append(
            StatementResult(id=s.id, type=s.kind, state=state, why=why, file=s.file, line=s.line, **s.fields())
        )
    return Graded(fw_out, steps, stmts)
