"""JUnit XML for CI test reports: a capability is a testsuite, an item a testcase.

`not_met` is a failure, `unknown` is skipped (with the reason), and `met`, `attested` and
`not_applicable` pass (the latter two say why in <system-out>). Each case lists its clauses with
their status and reason code, and the rules under each. An out-of-scope capability (every item
waived) is a suite with `in_scope=false` and no level: a waiver never reads as a level. Levels
carry the report's own level names. Characters XML 1.0 cannot carry (control characters from
scanned data) are removed before writing.

A report with `scopes[]` adds, after the estate's suites, one suite per scope and capability,
named `<scope>/<capability> <name>`, with the scope's own statuses, properties `scope` and (when
declared) `target_level`, and test cases whose classname starts with the scope, so CI tools that
key a case by classname and name keep the estate's and each scope's cases apart.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from scanner.labels import level_label, level_names
from scanner.model import ReasonCode, Status

__all__ = ["render_junit", "xml_safe"]

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MESSAGE_CHARS = 1000  # attribute text; the element body carries everything


def xml_safe(text: Any) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _INVALID_XML.sub("", str(text))


def _code(code: Any) -> str:
    try:
        return f"{code}: {ReasonCode(code).label.en}"
    except ValueError:
        return str(code)


def _details(req: Mapping[str, Any], statements: Mapping[str, Mapping[str, Any]]) -> str:
    lines = [str(req["text"]["en"]), str(req["text"]["zh"])]
    if req.get("reason"):
        lines.append(f"reason: {req['reason']}")
    if req.get("statement"):
        lines.append(_statement(statements, str(req["statement"])))
    for clause in req.get("clauses", []):
        head = f"clause {clause['id']} ({clause.get('assessment', '')}) {clause['status']}"
        if clause.get("reason_code"):
            head += f" [{_code(clause['reason_code'])}]"
        lines.append(head)
        if clause.get("statement"):
            lines.append("  " + _statement(statements, str(clause["statement"])))
        for r in clause.get("rules", []):
            ev = ", ".join(r.get("evidence", [])[:10])
            lines.append(
                f"  rule {r['id']} [{r.get('coverage', 'decides')}] {r['status']}: {r.get('explanation', '')}"
                + (f" (evidence: {ev})" if ev else "")
            )
    return "\n".join(lines)


def _statement(statements: Mapping[str, Mapping[str, Any]], sid: str) -> str:
    s = statements.get(sid)
    if s is None:
        return f"statement {sid}"
    text = s.get("statement") or s.get("reason") or ""
    return (
        f"{s.get('type', 'statement')} {sid} ({s.get('state')}): {text} "
        f"(owner {s.get('owner')}, reviewer {s.get('reviewer')}, {s.get('date')} to {s.get('expires')}"
        + (f", {s['evidence_url']}" if s.get("evidence_url") else "")
        + ")"
    )


def _suite(
    suites: ET.Element,
    fw: Mapping[str, Any],
    cap: Mapping[str, Any],
    started: str,
    stmts: Mapping[str, Any],
    scope: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    reqs = cap["requirements"]
    counts = {
        "tests": len(reqs),
        "failures": sum(1 for r in reqs if r["status"] == Status.NOT_MET.value),
        "skipped": sum(1 for r in reqs if r["status"] == Status.UNKNOWN.value),
    }
    suite = ET.SubElement(suites, "testsuite")
    suite.attrib.update(
        {
            "name": xml_safe(f"{fw['id'] if scope is None else scope['name']}/{cap['id']} {cap['name']['en']}"),
            "errors": "0",
            "timestamp": xml_safe(started),
            **{k: str(v) for k, v in counts.items()},
        }
    )
    props = ET.SubElement(suite, "properties")
    prefix = ""
    if scope is not None:
        prefix = f"{scope['name']}."
        ET.SubElement(props, "property", name="scope", value=xml_safe(scope["name"]))
        ET.SubElement(props, "property", name="framework", value=xml_safe(fw["id"]))
        if scope.get("target_level") is not None:
            ET.SubElement(props, "property", name="target_level", value=str(scope["target_level"]))
    in_scope = cap.get("in_scope", True) is not False
    ET.SubElement(props, "property", name="in_scope", value="true" if in_scope else "false")
    if in_scope and cap.get("level") is not None:
        names = level_names(fw)
        for key in ("level", "level_verified", "level_ceiling"):
            ET.SubElement(props, "property", name=key, value=str(cap[key]))
        ET.SubElement(props, "property", name="level_name", value=xml_safe(level_label(int(cap["level"]), names)))
    for req in reqs:
        case = ET.SubElement(
            suite,
            "testcase",
            name=xml_safe(f"{req['id']} {req['text']['en'][:120]}"),
            classname=xml_safe(f"{prefix}{fw['id']}.{cap['id']}"),
            time="0",
        )
        status = req["status"]
        reason = xml_safe(req.get("reason") or "")
        if status == Status.NOT_MET.value:
            fail = ET.SubElement(case, "failure", message=reason[:MESSAGE_CHARS], type="not_met")
            fail.text = xml_safe(_details(req, stmts))
        elif status == Status.UNKNOWN.value:
            ET.SubElement(case, "skipped", message=reason[:MESSAGE_CHARS])
            ET.SubElement(case, "system-out").text = xml_safe(f"unknown: {_details(req, stmts)}")
        elif status in (Status.ATTESTED.value, Status.NOT_APPLICABLE.value):
            ET.SubElement(case, "system-out").text = xml_safe(f"{status}: {_details(req, stmts)}")
    return counts


def render_junit(report: Mapping[str, Any]) -> str:
    """The report as JUnit XML (text)."""
    statements = {str(s["id"]): s for s in report.get("statements", []) if isinstance(s, Mapping) and "id" in s}
    suites = ET.Element("testsuites", name="maturity-scanner")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    started = str(report["scan"].get("started", ""))
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for k, v in _suite(suites, fw, cap, started, statements).items():
                totals[k] += v
    for scope in report.get("scopes") or []:
        for fw in scope.get("frameworks") or []:
            for cap in fw["capabilities"]:
                for k, v in _suite(suites, fw, cap, started, statements, scope).items():
                    totals[k] += v
    suites.attrib.update({k: str(v) for k, v in totals.items()})
    suites.attrib["errors"] = "0"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
