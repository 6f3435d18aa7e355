"""JUnit XML for CI test reports: a capability is a testsuite, a requirement a testcase.

`not_met` is a failure, `unknown` is skipped (with the reason), and `met`, `attested` and
`not_applicable` pass (the latter two say why in <system-out>). Characters XML 1.0 cannot
carry (control characters from scanned data) are removed before writing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

__all__ = ["render_junit", "xml_safe"]

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: Any) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _INVALID_XML.sub("", str(text))


def _details(req: dict[str, Any]) -> str:
    lines = [f"{req['text']['en']}", f"{req['text']['zh']}", f"reason: {req['reason']}"]
    for r in req.get("rules", []):
        ev = ", ".join(r.get("evidence", [])[:10])
        lines.append(
            f"rule {r['id']} [{r.get('coverage', 'full')}] {r['status']}: {r['explanation']}"
            + (f" (evidence: {ev})" if ev else "")
        )
    att = req.get("attestation")
    if att:
        lines.append(
            f"attestation: {att.get('statement')} ({att.get('owner')}, {att.get('date')} to {att.get('expires')}, {att.get('evidence_url')})"
        )
    return "\n".join(lines)


def render_junit(report: dict[str, Any]) -> str:
    """The report as JUnit XML (text)."""
    suites = ET.Element("testsuites", name="maturity-scanner")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            reqs = cap["requirements"]
            suite = ET.SubElement(suites, "testsuite")
            counts = {
                "tests": len(reqs),
                "failures": sum(1 for r in reqs if r["status"] == "not_met"),
                "skipped": sum(1 for r in reqs if r["status"] == "unknown"),
            }
            name = f"{fw['id']}/{cap['id']} {cap['name']['en']}"
            suite.attrib.update(
                {
                    "name": xml_safe(name),
                    "errors": "0",
                    "timestamp": xml_safe(report["scan"].get("started", "")),
                    **{k: str(v) for k, v in counts.items()},
                }
            )
            if cap.get("level") is not None:
                props = ET.SubElement(suite, "properties")
                for key in ("level", "level_verified", "level_ceiling"):
                    ET.SubElement(props, "property", name=key, value=str(cap[key]))
            for k in totals:
                totals[k] += counts[k]
            for req in reqs:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=xml_safe(f"{req['id']} {req['text']['en'][:120]}"),
                    classname=xml_safe(f"{fw['id']}.{cap['id']}"),
                    time="0",
                )
                status = req["status"]
                if status == "not_met":
                    fail = ET.SubElement(case, "failure", message=xml_safe(req["reason"][:1000]), type="not_met")
                    fail.text = xml_safe(_details(req))
                elif status == "unknown":
                    ET.SubElement(case, "skipped", message=xml_safe(req["reason"][:1000]))
                elif status in ("attested", "not_applicable"):
                    out = ET.SubElement(case, "system-out")
                    out.text = xml_safe(f"{status}: {_details(req)}")
    suites.attrib.update({k: str(v) for k, v in totals.items()})
    suites.attrib["errors"] = "0"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
