"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab): one result per failing clause.

A result is a clause of a `not_met` item that is itself `not_met` (an item fails because one of
its demands failed: the result says which). An item graded `not_met` without a failing clause
(which the grading contract rules out) still gets one result of its own, so nothing failing is
ever dropped. `unknown`, `attested`, `met` and `not_applicable` are not emitted: SARIF is what a
pipeline fails on, and `unknown` is not a finding. Level and kind come from `Status`.

The SARIF rule is the catalog item (`tool.driver.rules[]`, id = item id, English text as the
descriptions, Chinese text, framework, capability and level in `properties`). Results carry no
file location (a grade does not live in a file): a logical location names the capability.
Everything is read from the report, so an old report renders with its own texts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.model import ReasonCode, Status

__all__ = ["SARIF_SCHEMA", "render_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/maturity-scanner/maturity-scanner"
FAILING = Status.NOT_MET


def _rule(req: Mapping[str, Any], cap: Mapping[str, Any], framework: str) -> dict[str, Any]:
    text = req["text"]
    props: dict[str, Any] = {"framework": framework, "capability": cap["id"], "text_zh": text["zh"]}
    if req.get("level") is not None:
        props["level"] = req["level"]
    return {
        "id": req["id"],
        "name": req["id"].replace(":", "_").replace(".", "_").replace("-", "_"),
        "shortDescription": {"text": text["en"][:200]},
        "fullDescription": {"text": text["en"]},
        "properties": props,
    }


def _reason_label(code: Any) -> str:
    try:
        return f"{code} ({ReasonCode(code).label.en})"
    except ValueError:
        return str(code)


def _message(req: Mapping[str, Any], clause: Mapping[str, Any] | None) -> str:
    head = f"{req['id']} ({req['status']}): {req.get('reason') or ''}"
    if clause is None:
        return head
    lines = [f"{clause['id']} ({clause['status']})", head]
    for r in clause.get("rules", []):
        line = f"- {r['id']} [{r.get('coverage', 'decides')}] {r['status']}: {r.get('explanation', '')}"
        if r.get("reason_code"):
            line += f" [{_reason_label(r['reason_code'])}]"
        lines.append(line)
    return "\n".join(lines)


def _result(
    fw: Mapping[str, Any],
    cap: Mapping[str, Any],
    req: Mapping[str, Any],
    clause: Mapping[str, Any] | None,
    rule_index: int,
    subjects: Mapping[str, str],
) -> dict[str, Any]:
    rules = clause.get("rules", []) if clause is not None else []
    deciding = [r for r in rules if r.get("coverage") != "supports" and r.get("status") == FAILING.value]
    cited = sorted({e for r in deciding for e in r.get("evidence", [])})
    target = clause["id"] if clause is not None else req["id"]
    return {
        "ruleId": req["id"],
        "ruleIndex": rule_index,
        "level": FAILING.sarif_level,
        "kind": "fail",
        "message": {"text": _message(req, clause)},
        "locations": [
            {
                "logicalLocations": [
                    {"name": cap["name"]["en"], "fullyQualifiedName": f"{fw['id']}/{cap['id']}", "kind": "module"}
                ],
            }
        ],
        # Stable across scans, so code-scanning UIs track one finding instead of re-raising it.
        "partialFingerprints": {"maturityClause/v2": f"{fw['id']}/{target}"},
        "properties": {
            "status": FAILING.value,
            "requirement": req["id"],
            "clause": clause["id"] if clause is not None else None,
            "capability": cap["id"],
            "rules": sorted({r["id"] for r in deciding}),
            "evidence": cited,
            "subjects": sorted({subjects[e] for e in cited if e in subjects}),
        },
    }


def render_sarif(report: Mapping[str, Any]) -> str:
    """The report as a SARIF 2.1.0 log (JSON text)."""
    subjects = {str(e["id"]): str(e["subject"]) for e in report.get("evidence", [])}
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                if req["status"] != FAILING.value:
                    continue
                rules.append(_rule(req, cap, fw["id"]))
                failing = [c for c in req.get("clauses", []) if c["status"] == FAILING.value]
                for clause in failing or [None]:
                    results.append(_result(fw, cap, req, clause, len(rules) - 1, subjects))
    scan = report["scan"]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "maturity-scanner",
                        "version": str(scan.get("scanner_version", "")),
                        "informationUri": INFO_URI,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "startTimeUtc": scan.get("started"),
                        "endTimeUtc": scan.get("finished"),
                    }
                ],
                "results": results,
                "properties": {
                    "reportSchema": report.get("schema"),
                    "reportDigest": report.get("digest"),
                    "frameworks": [fw["id"] for fw in report["frameworks"]],
                },
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=1) + "\n"
