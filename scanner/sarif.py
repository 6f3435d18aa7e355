"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab): one result per failing clause.

A result is a clause of a `not_met` item that is itself `not_met` (an item fails because one of
its demands failed: the result says which). An item graded `not_met` without a failing clause
(which the grading contract rules out) still gets one result of its own, so nothing failing is
ever dropped. `attested`, `met` and `not_applicable` are not emitted; `unknown` items only when
asked (`unknown=True`, `--sarif-unknown`): SARIF is what a pipeline fails on, and `unknown` is not
a finding by default. Level and kind come from `Status`.

The SARIF rule is the catalog item (`tool.driver.rules[]`, id = item id, English text as the
descriptions, the zh/en text in `help` and `properties`, `helpUri` a docs anchor). Every result
has a physical location, because GitHub code scanning rejects results without one and GitLab
drops them (failing the report past 50% dropped): the file and line of the cited evidence read
from a repository (`scanner.locations`), else the line of the cited sources' entries in the scan
config, else the config's first line. A logical location still names the capability.
Everything is read from the report, so an old report renders with its own texts.

A report with `scopes[]` keeps one result per failing clause of the estate (GitHub takes one run
per tool and category, so scopes never become runs of their own): each result's
`properties.scopes` names the scopes in which its item has the result's status, and the run's
`properties.scopes` gives each scope's target, capabilities below it and failing items (a scope
can fail an item the estate meets). A report without scopes renders exactly as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from scanner.locations import evidence_location
from scanner.model import ReasonCode, Status

__all__ = ["SARIF_SCHEMA", "render_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/maturity-scanner/maturity-scanner"
DOCS_URI = f"{INFO_URI}/blob/main/docs/report.md"
FAILING = Status.NOT_MET
UNKNOWN = Status.UNKNOWN
FALLBACK_CONFIG = "maturity.yaml"  # a report that recorded no source locations (older scans)
MAX_LOCATIONS = 10  # a finding on many files names the first few; properties.evidence has all


def help_uri(item_id: str) -> str:
    """The docs anchor explaining a result: the "SARIF results" section of docs/report.md, with
    the item in the query so each rule's link is its own (the item's text is in `help`)."""
    return f"{DOCS_URI}?item={quote(item_id, safe='')}#sarif-results"


def _rule(req: Mapping[str, Any], cap: Mapping[str, Any], framework: str) -> dict[str, Any]:
    text = req["text"]
    props: dict[str, Any] = {"framework": framework, "capability": cap["id"], "text_zh": text["zh"]}
    if req.get("level") is not None:
        props["level"] = req["level"]
    props["text_en"] = text["en"]
    cap_name = cap.get("name") or {}
    props["capability_name"] = {"en": cap_name.get("en", ""), "zh": cap_name.get("zh", "")}
    return {
        "id": req["id"],
        "name": req["id"].replace(":", "_").replace(".", "_").replace("-", "_"),
        "shortDescription": {"text": text["en"][:200]},
        "fullDescription": {"text": text["en"]},
        "help": {
            "text": f"{text['en']}\n{text['zh']}",
            "markdown": f"**{req['id']}** ({cap['id']})\n\n- en: {text['en']}\n- zh: {text['zh']}",
        },
        "helpUri": help_uri(req["id"]),
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


class _Where:
    """Physical locations for results, from the report's evidence origins and source entries."""

    def __init__(self, report: Mapping[str, Any]) -> None:
        sources = report.get("scan", {}).get("sources", [])
        self.sources = {str(s["name"]): s.get("location") or {} for s in sources}
        self.evidence = {
            str(e["id"]): (str(e.get("source", "")), str(e.get("origin", ""))) for e in report.get("evidence", [])
        }
        configured = [loc for loc in self.sources.values() if loc.get("config")]
        self.default = (str(configured[0]["config"]), 1) if configured else (FALLBACK_CONFIG, 1)

    def of(self, cited: list[str]) -> list[tuple[str, int]]:
        """File and line per cited item (repository files first), else the sources' config entries."""
        files: set[tuple[str, int]] = set()
        entries: set[tuple[str, int]] = set()
        for ev in cited:
            source, origin = self.evidence.get(ev, ("", ""))
            loc = self.sources.get(source)
            at = evidence_location(origin, loc)
            if at is not None:
                files.add(at)
            elif loc and loc.get("config"):
                entries.add((str(loc["config"]), max(1, int(loc.get("line") or 1))))
        found = sorted(files) or sorted(entries)
        return found[:MAX_LOCATIONS] or [self.default]


def _physical(uri: str, line: int) -> dict[str, Any]:
    return {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": line}}


def _scope_statuses(report: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Per item id: scope name -> the item's status in that scope (report order of scopes)."""
    out: dict[str, dict[str, str]] = {}
    for sc in report.get("scopes") or []:
        for fw in sc.get("frameworks") or []:
            for cap in fw["capabilities"]:
                for req in cap["requirements"]:
                    out.setdefault(str(req["id"]), {})[str(sc["name"])] = str(req["status"])
    return out


def _scope_runs(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The run's summary of each scope: what a dashboard needs beside the estate's results."""
    out = []
    for sc in report.get("scopes") or []:
        reqs = [r for fw in sc.get("frameworks") or [] for c in fw["capabilities"] for r in c["requirements"]]
        out.append(
            {
                "name": sc["name"],
                "owner": sc.get("owner"),
                "target_level": sc.get("target_level"),
                "below_target": list(sc.get("below_target") or []),
                "not_met": sum(1 for r in reqs if r["status"] == FAILING.value),
            }
        )
    return out


def _result(
    fw: Mapping[str, Any],
    cap: Mapping[str, Any],
    req: Mapping[str, Any],
    clause: Mapping[str, Any] | None,
    rule_index: int,
    subjects: Mapping[str, str],
    where: _Where,
    status: Status = FAILING,
) -> dict[str, Any]:
    rules = clause.get("rules", []) if clause is not None else []
    deciding = [r for r in rules if r.get("coverage") != "supports" and r.get("status") == status.value]
    cited = sorted({e for r in deciding for e in r.get("evidence", [])})
    target = clause["id"] if clause is not None else req["id"]
    logical = [{"name": cap["name"]["en"], "fullyQualifiedName": f"{fw['id']}/{cap['id']}", "kind": "module"}]
    out: dict[str, Any] = {
        "ruleId": req["id"],
        "ruleIndex": rule_index,
        "level": status.sarif_level,
        "message": {"text": _message(req, clause)},
        "locations": [
            {"physicalLocation": _physical(uri, line), "logicalLocations": logical} for uri, line in where.of(cited)
        ],
        # Stable across scans, so code-scanning UIs track one finding instead of re-raising it.
        "partialFingerprints": {"maturityClause/v2": f"{fw['id']}/{target}"},
        "properties": {
            "status": status.value,
            "requirement": req["id"],
            "clause": clause["id"] if clause is not None else None,
            "capability": cap["id"],
            "rules": sorted({r["id"] for r in deciding}),
            "evidence": cited,
            "subjects": sorted({subjects[e] for e in cited if e in subjects}),
        },
    }
    if status is FAILING:
        out["kind"] = "fail"  # SARIF allows kind only as "fail" beside a level other than none
    return out


def render_sarif(report: Mapping[str, Any], *, unknown: bool = False) -> str:
    """The report as a SARIF 2.1.0 log (JSON text); `unknown` adds a result per open clause of
    each `unknown` item (level from `Status.UNKNOWN`)."""
    subjects = {str(e["id"]): str(e["subject"]) for e in report.get("evidence", [])}
    where = _Where(report)
    wanted = {FAILING.value: FAILING, **({UNKNOWN.value: UNKNOWN} if unknown else {})}
    has_scopes = bool(report.get("scopes"))
    scoped = _scope_statuses(report)
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for req in cap["requirements"]:
                status = wanted.get(req["status"])
                if status is None:
                    continue
                rules.append(_rule(req, cap, fw["id"]))
                matching = [c for c in req.get("clauses", []) if c["status"] == status.value]
                for clause in matching or [None]:
                    res = _result(fw, cap, req, clause, len(rules) - 1, subjects, where, status)
                    if has_scopes:
                        in_scopes = scoped.get(str(req["id"]), {})
                        res["properties"]["scopes"] = [n for n, st in in_scopes.items() if st == status.value]
                    results.append(res)
    scan = report["scan"]
    run_props: dict[str, Any] = {
        "reportSchema": report.get("schema"),
        "reportDigest": report.get("digest"),
        "frameworks": [fw["id"] for fw in report["frameworks"]],
    }
    if has_scopes:
        run_props["scopes"] = _scope_runs(report)
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
                "properties": run_props,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=1) + "\n"
