"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab): one result per requirement not met.

The catalog requirement is the SARIF rule (`tool.driver.rules[]`, id = requirement id, texts in
English with the Chinese in `properties`). A `not_met` requirement is a result of level
`error`; an `unknown` one is a result of level `note`, so a pipeline sees what could not be
decided without failing on it. Results carry no file location (nothing here lives in a file):
a logical location names the capability instead.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SARIF_SCHEMA", "render_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"not_met": "error", "unknown": "note"}
INFO_URI = "https://github.com/maturity-scanner/maturity-scanner"


def _rule(req: dict[str, Any], cap: dict[str, Any], framework: str) -> dict[str, Any]:
    text = req["text"]
    props: dict[str, Any] = {
        "framework": framework,
        "capability": cap["id"],
        "text_zh": text["zh"],
        "assessment": req.get("assessment"),
    }
    if req.get("level") is not None:
        props["level"] = req["level"]
    return {
        "id": req["id"],
        "name": req["id"].replace(":", "_").replace(".", "_").replace("-", "_"),
        "shortDescription": {"text": text["en"][:200]},
        "fullDescription": {"text": text["en"]},
        "properties": props,
    }


def _message(req: dict[str, Any]) -> str:
    lines = [f"{req['id']} ({req['status']}): {req['reason']}"]
    for r in req.get("rules", []):
        lines.append(f"- {r['id']} [{r.get('coverage', 'full')}] {r['status']}: {r['explanation']}")
    return "\n".join(lines)


def render_sarif(report: dict[str, Any]) -> str:
    """The report as a SARIF 2.1.0 log (JSON text)."""
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                level = LEVELS.get(req["status"])
                if level is None:
                    continue
                rules.append(_rule(req, cap, fw["id"]))
                cited = sorted({e for r in req.get("rules", []) for e in r.get("evidence", [])})
                results.append(
                    {
                        "ruleId": req["id"],
                        "ruleIndex": len(rules) - 1,
                        "level": level,
                        "kind": "fail" if level == "error" else "review",
                        "message": {"text": _message(req)},
                        "locations": [
                            {
                                "logicalLocations": [
                                    {
                                        "name": cap["name"]["en"],
                                        "fullyQualifiedName": f"{fw['id']}/{cap['id']}",
                                        "kind": "module",
                                    }
                                ],
                            }
                        ],
                        # Stable across scans, so code-scanning UIs track a finding instead of re-raising it.
                        "partialFingerprints": {"maturityRequirement/v1": f"{fw['id']}/{req['id']}"},
                        "properties": {"status": req["status"], "capability": cap["id"], "evidence": cited},
                    }
                )
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
                    "reportDigest": report.get("digest"),
                    "frameworks": [fw["id"] for fw in report["frameworks"]],
                },
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=1) + "\n"
