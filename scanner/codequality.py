"""GitLab Code Quality (a subset of the Code Climate issue format): failing evidence read from files.

GitLab shows a Code Quality report in the merge request (what the change introduced or fixed,
compared with the target branch's report) and beside the diff. Only findings that live in a file
of the repository belong there, so this writer emits one issue per failing rule of a failing
clause and per cited evidence item that the files probe read at a known line
(`scanner.locations.evidence_location`); everything else (a live cluster, an AWS account) has no
file to point at and stays in SARIF, JUnit and the HTML report.

The fingerprint is what GitLab compares across branches: it hashes the framework, clause, rule,
file and the evidence's subject, never the line, so adding a line above an alert rule does not
show the same finding as fixed and reintroduced, while a newly failing alert rule is a new issue.
Descriptions hold text from scanned files (subject names); JSON encoding keeps it inert and
GitLab renders it as text.

With `scopes[]`, an issue's description ends with the scopes whose own grading fails the same
clause on the same rule and evidence (`[scopes: shop]`), so a merge request shows whose finding
it is; the fingerprint is unchanged, so scopes never re-raise or hide a finding.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from scanner.locations import evidence_location
from scanner.model import Status

__all__ = ["SEVERITY", "render_codequality"]

SEVERITY = "major"  # a clause of the standard is not met: more than style, less than a blocker
CATEGORY = "Bug Risk"


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


Failing = tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any], Mapping[str, Any], Mapping[str, Any], str]


def _failing(frameworks: Iterable[Mapping[str, Any]]) -> Iterator[Failing]:
    """(framework, capability, item, clause, rule, evidence id) per evidence item cited by a
    deciding rule that fails a failing clause of a failing item."""
    not_met = Status.NOT_MET.value
    for fw in frameworks:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                if req["status"] != not_met:
                    continue
                for clause in req.get("clauses", []):
                    if clause["status"] != not_met:
                        continue
                    for rule in clause.get("rules", []):
                        if rule.get("coverage") != "supports" and rule.get("status") == not_met:
                            for ev_id in rule.get("evidence", []):
                                yield fw, cap, req, clause, rule, str(ev_id)


def render_codequality(report: Mapping[str, Any]) -> str:
    """The report's file-located failures as a Code Quality JSON array (text)."""
    sources = {str(s["name"]): s.get("location") or {} for s in report.get("scan", {}).get("sources", [])}
    evidence = {str(e["id"]): e for e in report.get("evidence", [])}
    scoped = [
        (str(sc["name"]), {(c["id"], r["id"], e) for _, _, _, c, r, e in _failing(sc.get("frameworks") or [])})
        for sc in report.get("scopes") or []
    ]
    issues: dict[str, dict[str, Any]] = {}
    for fw, cap, req, clause, rule, ev_id in _failing(report["frameworks"]):
        ev = evidence.get(ev_id)
        if ev is None:
            continue
        at = evidence_location(str(ev.get("origin", "")), sources.get(str(ev.get("source", ""))))
        if at is None:
            continue
        path, line = at
        subject = str(ev.get("subject", ""))
        fp = _fingerprint(fw["id"], clause["id"], rule["id"], path, subject)
        owners = [n for n, failing in scoped if (clause["id"], rule["id"], ev_id) in failing]
        issues.setdefault(
            fp,
            {
                "type": "issue",
                "check_name": rule["id"],
                "description": f"{subject}: {req['id']} not met ({clause['id']}, {cap['id']}): "
                f"{rule.get('explanation', '')}" + (f" [scopes: {', '.join(owners)}]" if owners else ""),
                "categories": [CATEGORY],
                "severity": SEVERITY,
                "fingerprint": fp,
                "location": {"path": path, "lines": {"begin": line}},
            },
        )
    ordered = sorted(
        issues.values(), key=lambda i: (i["location"]["path"], i["location"]["lines"]["begin"], i["fingerprint"])
    )
    return json.dumps(ordered, ensure_ascii=False, indent=1) + "\n"
