"""Evaluating rules over the evidence (contract "Rules decide clauses"): the evidence index, and
per rule a verdict with its explanation, or `unknown` with a reason code."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from scanner.evidence import Evidence
from scanner.expr import EvidenceIndex, Outcome, compile_condition
from scanner.model import ReasonCode
from scanner.partial import decide, is_gap
from scanner.rule_model import Rule, RuleResult, RuleSet
from scanner.saferegex import RegexBudgetExceeded

__all__ = ["declared_not_used", "evaluate_rules", "index_evidence", "kind_reason"]


def _fill(template: str, values: Mapping[str, Any]) -> str:
    """Fill {name} placeholders from `values` only (no attribute access, no format spec)."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


DECLARED_PATHS = ("/apis/monitoring.coreos.com/",)
# A configuration read from a live ConfigMap's key (probes/kubernetes/configmaps.py): what the
# server loads, declared like a file.
DECLARED_CONFIGMAP = re.compile(r"/api/v1/namespaces/[^/?#]+/configmaps/[^/?#]+#")


def declared(origin: str) -> bool:
    """True for evidence read from a declaration of an object (a file in Git, a Prometheus-operator
    resource, a configuration in a ConfigMap) rather than from the system that runs it."""
    return (
        origin.startswith("file://")
        or any(p in origin for p in DECLARED_PATHS)
        or DECLARED_CONFIGMAP.search(origin) is not None
    )


def index_evidence(evidence: Iterable[Evidence]) -> EvidenceIndex:
    """Evidence by kind, each kind in a stable order (subject, id) so explanations are stable.

    The same object seen live and in Git is one subject (DESIGN "Probes"): where a kind has an
    item for a subject from a live system, items of that kind and subject read from files
    (origin `file://`) are left out, so a workload declared in Git and running in the cluster
    counts once, as it runs. Both stay in the report's evidence. Prometheus-operator objects
    read from a live cluster (`/apis/monitoring.coreos.com/`) and configurations read from its
    ConfigMaps (`/api/v1/namespaces/<ns>/configmaps/<name>#<key>`) are declarations too, as in
    Git: a rule the Prometheus server itself reports (same group and name) counts once, as it runs.
    """
    index = EvidenceIndex()
    for e in evidence:
        index.setdefault(e.kind, []).append(e)
    for kind, items in list(index.items()):
        live = {e.subject for e in items if not declared(e.origin)}
        if live and len(live) < len(items):
            items = [e for e in items if e.subject not in live or not declared(e.origin)]
        items.sort(key=lambda e: (e.subject, e.id))
        index[kind] = items
    return index


def kind_reason(observation: Mapping[str, Any] | None) -> ReasonCode:
    """The reason code of a kind that was not observed.

    The runner records per kind `state` (failed / absent / not_configured); reports written
    before it are read from `sources` and the reason text.
    """
    if not observation:
        return ReasonCode.SOURCE_NOT_CONFIGURED
    state = observation.get("state")
    if state == "failed":
        return ReasonCode.SOURCE_FAILED
    if state == "absent":
        return ReasonCode.EVIDENCE_NOT_OBSERVED
    if state == "not_configured":
        return ReasonCode.SOURCE_NOT_CONFIGURED
    reason = str(observation.get("reason") or "")
    if reason.startswith("no source configured"):
        return ReasonCode.SOURCE_NOT_CONFIGURED
    if observation.get("sources"):
        return ReasonCode.SOURCE_FAILED  # some source completed it and another failed it
    return ReasonCode.EVIDENCE_NOT_OBSERVED if "source" in reason else ReasonCode.SOURCE_NOT_CONFIGURED


def declared_not_used(rule: Rule, not_used: Collection[str]) -> str | None:
    """The `not_used` entry that covers the rule (its id's or every kind's system), if any.

    A system is named by the first segment of a kind or rule id (`pagerduty.services` ->
    `pagerduty`).
    """
    if not not_used:
        return None
    head = rule.id.split(".", 1)[0]
    if head in not_used:
        return head
    systems = {k.split(".", 1)[0] for k in rule.doc.evidence}
    if systems <= set(not_used):
        return ", ".join(sorted(systems))
    return None


def evaluate_rules(
    ruleset: RuleSet,
    evidence: Iterable[Evidence],
    observations: Mapping[str, Mapping[str, Any]],
    *,
    not_used: Collection[str] = (),
) -> dict[str, RuleResult]:
    """Evaluate every rule (contract "Rules decide clauses").

    A rule whose kinds were not all observed is `unknown` with a reason code, unless the
    config declares its system `not_used` (then it is observed and `not_met`) or it holds over
    what was observed in a way more evidence cannot undo (scanner.partial). A rule over a kind
    observed only in part decides only such verdicts; otherwise it is `unknown`
    (`evidence_not_observed`). A condition over an empty population follows the rule's `empty:`
    (unknown `nothing_in_scope` by default).
    """
    index = index_evidence(evidence)
    by_id = {e.id: e for items in index.values() for e in items}
    out: dict[str, RuleResult] = {}
    for rule in ruleset.rules:
        unobserved = [k for k in rule.doc.evidence if not observations.get(k, {}).get("observed")]
        partial = {k: str(observations[k]["partial"]) for k in rule.doc.evidence if _partial(observations.get(k))}
        note = note_zh = ""
        zh_labels = rule.doc.zh.labels if rule.doc.zh else None
        try:
            if unobserved:
                system = declared_not_used(rule, not_used)
                if system is not None:
                    why = f"not used: the config declares {system} not used (not_used)"
                    why_zh = f"未使用：配置声明本组织不使用 {system}（not_used）"
                    out[rule.id] = RuleResult(rule.id, "not_met", why, [], 0, {}, explanation_zh=why_zh)
                    continue
                if not _met_alternative(rule, index, partial, set(unobserved)):
                    codes = [kind_reason(observations.get(k)) for k in unobserved]
                    code = next(c for c in _SOURCE_PRIORITY if c in codes)
                    reasons = "; ".join(
                        f"{k}: {observations.get(k, {}).get('reason') or 'not observed'}" for k in unobserved
                    )
                    out[rule.id] = RuleResult(
                        rule.id,
                        "unknown",
                        f"evidence not observed ({reasons})",
                        [],
                        0,
                        {},
                        code,
                        explanation_zh="未观察到证据（"
                        + "；".join(f"{k}：{_observation_zh(observations.get(k))}" for k in unobserved)
                        + "）",
                    )
                    continue
                note = f" ({', '.join(sorted(unobserved))} not observed; this alternative holds without it)"
                note_zh = f"（未观察到 {'、'.join(sorted(unobserved))}；此替代条件不依赖它即成立）"
            elif partial:
                gaps = {k for k, why in partial.items() if is_gap(why)}
                verdict = decide(rule.doc.condition, rule.params, index, set(partial), set(), gaps, zh_labels)
                if verdict.value is None:
                    out[rule.id] = _part_only(rule, verdict.outcome, partial, by_id)
                    continue
                held = "judged on the part observed" if verdict.on_part else "more of it cannot undo this"
                held_zh = "依据已观察的部分评判" if verdict.on_part else "观察到更多也不会改变此结论"
                note = f" ({', '.join(sorted(partial))} observed only in part; {held})"
                note_zh = f"（{'、'.join(sorted(partial))} 只观察到一部分；{held_zh}）"
            o = rule.condition.evaluate(index)
        except RegexBudgetExceeded as exc:  # a rule regex past its time budget: undecided, never a hang
            out[rule.id] = RuleResult(
                rule.id,
                "unknown",
                f"not evaluated: {exc}",
                [],
                0,
                {},
                ReasonCode.NO_RULE,
                explanation_zh=f"未能评估：{exc}",
            )
            continue
        values: dict[str, Any] = {
            "detail": o.detail,
            **{k: v for k, v in o.stats.items() if isinstance(v, (int, float, str))},
        }
        if isinstance(o.stats.get("ratio"), float):
            values["percent"] = f"{o.stats['ratio']:.0%}"
        values.update({f"param_{k}": v for k, v in rule.params.items()})
        subjects = tuple(sorted({by_id[i].subject for i in o.evidence if i in by_id}))
        if o.empty and rule.doc.empty == "unknown":
            out[rule.id] = RuleResult(
                rule.id,
                "unknown",
                o.detail,
                o.evidence,
                o.evidence_total,
                o.stats,
                ReasonCode.NOTHING_IN_SCOPE,
                explanation_zh=o.detail_zh,
            )
            continue
        ok = rule.doc.empty == "met" if o.empty else o.ok
        template = rule.doc.explain.met if ok else rule.doc.explain.not_met
        if o.empty:
            explanation = f"{o.detail}; the rule counts that as {rule.doc.empty}"
            explanation_zh = f"{o.detail_zh}；本规则将此视为{_EMPTY_ZH[rule.doc.empty]}"
        else:
            explanation = _fill(template, values)
            explanation_zh = _fill(rule.doc.zh_explain(ok), {**values, "detail": o.detail_zh})
        out[rule.id] = RuleResult(
            rule.id,
            "met" if ok else "not_met",
            explanation + note,
            o.evidence,
            o.evidence_total,
            o.stats,
            None,
            subjects,
            explanation_zh + note_zh,
        )
    return out


def _met_alternative(rule: Rule, index: EvidenceIndex, partial: Mapping[str, str], unobserved: set[str]) -> bool:
    """Whether a rule whose condition is `any_of` holds through one branch over observed kinds:
    what was not observed can only add alternatives, never undo one (alert rules in a repository
    without its recording rules still show custom metrics). Only whole top-level branches count:
    a field of an observed kind may be derived from the unobserved one (a workload's PDB)."""
    body = rule.doc.condition.get("any_of") if len(rule.doc.condition) == 1 else None
    if not isinstance(body, list):
        return False
    gaps = {k for k, why in partial.items() if is_gap(why)}
    zh = rule.doc.zh.labels if rule.doc.zh else None
    for branch in body:
        if compile_condition(branch, rule.params).kinds & unobserved:
            continue
        if decide(branch, rule.params, index, set(partial), set(), gaps, zh).value is True:
            return True
    return False


def _partial(observation: Mapping[str, Any] | None) -> bool:
    return bool(observation and observation.get("observed") and observation.get("partial"))


def _part_only(rule: Rule, o: Outcome, partial: Mapping[str, str], by_id: Mapping[str, Evidence]) -> RuleResult:
    """`unknown` for a rule whose verdict more evidence of a partially observed kind could change."""
    reasons = "; ".join(f"{k}: {why}" for k, why in sorted(partial.items()))
    why = (
        f"only part of the configuration was observed, so this is no finding ({reasons}); in the part seen: {o.detail}"
    )
    why_zh = f"只观察到部分配置，因此不构成发现（{reasons}）；在已观察的部分中：{o.detail_zh}"
    subjects = tuple(sorted({by_id[i].subject for i in o.evidence if i in by_id}))
    return RuleResult(
        rule.id,
        "unknown",
        why,
        o.evidence,
        o.evidence_total,
        o.stats,
        ReasonCode.EVIDENCE_NOT_OBSERVED,
        subjects,
        why_zh,
    )


_NOT_CONFIGURED = re.compile(r"no source configured that collects it \(probe: (.*)\)")


def _observation_zh(observation: Mapping[str, Any] | None) -> str:
    """Why a kind was not observed, in Chinese; a source's own error text stays as it was written."""
    reason = str((observation or {}).get("reason") or "")
    state = (observation or {}).get("state")
    m = _NOT_CONFIGURED.fullmatch(reason)
    if m:
        return f"没有配置采集它的数据源（探针：{m.group(1)}）"
    if state == "failed":
        return f"数据源采集失败：{reason}"
    if state == "absent":
        return f"数据源中没有：{reason}"
    return reason or "未观察到"


_EMPTY_ZH = {"met": "满足", "not_met": "未满足", "unknown": "未知"}

_SOURCE_PRIORITY = (ReasonCode.SOURCE_FAILED, ReasonCode.SOURCE_NOT_CONFIGURED, ReasonCode.EVIDENCE_NOT_OBSERVED)
