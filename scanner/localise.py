"""The report as a one-language text output reads it (`--lang zh`).

The report JSON carries every rule text in both languages: `explanation` and `explanation_zh` per
rule outcome, `reason` and `reason_zh` per item, and each rule's `zh` block (title, remediation,
rationale) in `rules[]`. Writers of text for people (SARIF messages, JUnit, Code Quality, GitLab
annotations, the Markdown summary, the CAICT form) read the English fields; `localise` gives them a
view of the report whose English fields hold the Chinese (also the `en` of item texts and
capability names), so each writer stays one-language code.
The JSON report, the bundle and the signed digest are never localised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["localise"]


def _rule_outcome(r: Mapping[str, Any]) -> dict[str, Any]:
    return {**r, "explanation": r.get("explanation_zh") or r.get("explanation", "")}


def _zh_only(text: Any) -> Any:
    """A {zh, en} name or text with the Chinese in both places."""
    return {**text, "en": text.get("zh") or text.get("en")} if isinstance(text, Mapping) else text


def _requirement(req: Mapping[str, Any]) -> dict[str, Any]:
    clauses = [{**c, "rules": [_rule_outcome(r) for r in c.get("rules", [])]} for c in req.get("clauses", [])]
    reason = req.get("reason_zh") or req.get("reason")
    return {**req, "text": _zh_only(req.get("text")), "reason": reason, "clauses": clauses}


def _frameworks(frameworks: Any) -> list[dict[str, Any]]:
    return [
        {
            **fw,
            "capabilities": [
                {
                    **cap,
                    "name": _zh_only(cap.get("name")),
                    "requirements": [_requirement(r) for r in cap.get("requirements", [])],
                }
                for cap in fw.get("capabilities", [])
            ],
        }
        for fw in frameworks or []
    ]


def _rule_doc(r: Mapping[str, Any]) -> dict[str, Any]:
    zh = r.get("zh") or {}
    rationale = zh.get("rationale") or {}
    decides = [
        {**d, "rationale": rationale.get(d.get("clause") or d.get("requirement")) or d.get("rationale")}
        for d in r.get("decides", [])
    ]
    return {
        **r,
        "title": zh.get("title") or r.get("title"),
        "remediation": zh.get("remediation") or r.get("remediation"),
        "decides": decides,
    }


def localise(report: Mapping[str, Any], lang: str | None) -> Mapping[str, Any]:
    """`report` itself unless `lang` is zh; then a shallow view with the Chinese texts in place."""
    if lang != "zh":
        return report
    out = dict(report)
    out["frameworks"] = _frameworks(report.get("frameworks"))
    if report.get("scopes"):
        out["scopes"] = [{**sc, "frameworks": _frameworks(sc.get("frameworks"))} for sc in report["scopes"]]
    out["rules"] = [_rule_doc(r) for r in report.get("rules", [])]
    return out
