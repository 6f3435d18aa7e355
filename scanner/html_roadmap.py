"""The HTML roadmap: per capability, what blocks its next level, clause by clause, with the
action that clears each blocker, ordered so the cheapest steps that unlock most come first.

Each blocking clause (an open clause of an item of the next level, under the item's text)
carries why it blocks (its status and reason code) and one action of three kinds, by effort:

1. **attest** (paperwork): an organisational clause (`maturity attest template --capability C
   --level L` writes its template), or an evidence clause no rule decides or with nothing in
   scope (an attestation written by hand, or a rule);
2. **configure** (a scan): a clause waiting on a system not scanned or a source that failed:
   the probes or sources named, as in the headline (scanner/headline.py);
3. **fix** (work on the estate): a clause a rule found `not_met`: that rule's remediation.

A step's effort is its costliest blocker; a step unlocks its next level plus every level above
whose items are already satisfied. Steps are ordered by effort, then by levels unlocked (more
first), then by fewer blockers. Pure function of the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.headline import Waits
from scanner.html_text import both
from scanner.model import SATISFIED, ReasonCode, Status

__all__ = ["EFFORT", "roadmap_view"]

EFFORT = {"attest": 1, "configure": 2, "fix": 3}
_ATTEST = {ReasonCode.NEEDS_ATTESTATION.value, ReasonCode.NO_RULE.value, ReasonCode.NOTHING_IN_SCOPE.value}
_CONFIGURE = {
    ReasonCode.SOURCE_NOT_CONFIGURED.value,
    ReasonCode.SOURCE_FAILED.value,
    ReasonCode.ALTERNATIVE_NOT_SCANNED.value,
    ReasonCode.EVIDENCE_NOT_OBSERVED.value,
}


def _levels_unlocked(cap: Mapping[str, Any], target: int) -> int:
    """The next level, plus each level above it whose items are all satisfied already."""
    by_level: dict[int, list[str]] = {}
    for r in cap.get("requirements", []):
        if r.get("level") is not None:
            by_level.setdefault(int(r["level"]), []).append(str(r["status"]))
    n = 1
    lv = target + 1
    while lv in by_level and all(s in SATISFIED for s in by_level[lv]):
        n += 1
        lv += 1
    return n


def _action(
    clause: Mapping[str, Any],
    cap_id: str,
    level: int | None,
    waits: Waits,
    remediation: Mapping[str, Mapping[str, str]],
) -> tuple[str, dict[str, str]]:
    """(kind, text in en and zh) of what clears one blocking clause; a command reads the same in both."""
    status = clause.get("status")
    rc = clause.get("reason_code")
    if status == Status.NOT_MET.value:
        fixes = [
            remediation[r["id"]]
            for r in clause.get("rules", [])
            if r.get("status") == status and r["id"] in remediation and remediation[r["id"]]["en"]
        ]
        if not fixes:
            return "fix", {"en": "fix what the rule found", "zh": "修复规则发现的问题"}
        return "fix", {lang: " ".join(dict.fromkeys(f[lang] for f in fixes)) for lang in ("en", "zh")}
    if rc in _CONFIGURE:
        targets = ", ".join(sorted(waits.targets(clause)))
        if not targets:
            return "configure", ReasonCode(rc).action.model_dump()
        if rc == ReasonCode.SOURCE_FAILED.value:
            return "configure", {"en": f"fix source {targets}", "zh": f"修复数据源 {targets}"}
        return "configure", {"en": f"configure {targets}", "zh": f"配置 {targets}"}
    if clause.get("assessment") == "organisational":
        lv = f" --level {level}" if level is not None else ""
        command = f"maturity attest template --capability {cap_id}{lv} --report report.json"
        return "attest", {"en": command, "zh": command, "command": "1"}
    return "attest", ReasonCode(rc).action.model_dump() if rc else {"en": "attest it", "zh": "提交声明"}


def roadmap_view(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    caps = {str(c["id"]): c for fw in report.get("frameworks", []) for c in fw.get("capabilities", [])}
    remediation = {
        str(r["id"]): both(
            str(r.get("remediation") or "").strip(), str((r.get("zh") or {}).get("remediation") or "").strip()
        )
        for r in report.get("rules", [])
    }
    waits = Waits(report)
    steps = []
    for step in report.get("next_steps", []):
        cap = caps.get(str(step["capability"]))
        if cap is None:
            continue
        reqs = {str(r["id"]): r for r in cap.get("requirements", [])}
        target = step.get("target_level")
        items = []
        for it in step.get("items", []):
            req = reqs.get(str(it["requirement"]))
            if req is None:
                continue
            blockers = []
            for cl in req.get("clauses", []):
                if cl.get("status") in SATISFIED:
                    continue
                kind, text = _action(cl, str(cap["id"]), target, waits, remediation)
                rc = cl.get("reason_code")
                blockers.append(
                    {
                        "id": cl["id"],
                        "status": cl.get("status"),
                        "reason": ReasonCode(rc).label.model_dump() if rc else None,
                        "kind": kind,
                        "action": text,
                    }
                )
            items.append({"requirement": req["id"], "text": req["text"], "status": req["status"], "blockers": blockers})
        kinds = [b["kind"] for i in items for b in i["blockers"]]
        effort = max((EFFORT[k] for k in kinds), default=1)
        steps.append(
            {
                **step,
                "items": items,
                "effort": effort,
                "effort_kind": next(k for k, v in EFFORT.items() if v == effort),
                "blockers": len(kinds),
                "unlocks": _levels_unlocked(cap, int(target)) if target is not None else 1,
            }
        )
    steps.sort(key=lambda s: (s["effort"], -s["unlocks"], s["blockers"], str(s["capability"])))
    return steps
