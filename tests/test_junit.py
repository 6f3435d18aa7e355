"""JUnit XML: capabilities are suites, requirements are cases; parsed back with ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from scanner.junit import render_junit, xml_safe
from tests.reportgen import build_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_report(tmp_path_factory.mktemp("junit"), good=False, payload="\x00\x01\x1b]</failure>&")


def test_counts_match_the_report(report: dict[str, Any]) -> None:
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    reqs = [r for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"]]
    caps = [c for fw in report["frameworks"] for c in fw["capabilities"]]
    assert root.tag == "testsuites" and len(root.findall("testsuite")) == len(caps)
    assert int(root.get("tests", "-1")) == len(reqs) == len(root.findall(".//testcase"))
    n_fail = sum(r["status"] == "not_met" for r in reqs)
    n_skip = sum(r["status"] == "unknown" for r in reqs)
    assert int(root.get("failures", "-1")) == n_fail == len(root.findall(".//failure")) and n_fail >= 2
    assert int(root.get("skipped", "-1")) == n_skip == len(root.findall(".//skipped"))
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == len(suite.findall(".//failure"))


def test_cases_carry_reasons(report: dict[str, Any]) -> None:
    root = ET.fromstring(render_junit(report))
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("ydt:5.3.1:L1.1 "))
    fail = case.find("failure")
    assert fail is not None and "demo.alerting.threshold-rules" in (fail.get("message") or "")
    assert "ev-" in (fail.text or "")
    unknown = next(c for c in root.iter("testcase") if c.get("name", "").startswith("ydt:7.1.1:L1.1 "))
    skipped = unknown.find("skipped")
    assert skipped is not None and "not observed" in (skipped.get("message") or "")
    attested = next(c for c in root.iter("testcase") if c.get("name", "").startswith("ydt:5.3.1:L1.2 "))
    assert attested.find("failure") is None and "attested" in (attested.findtext("system-out") or "")
    waived = next(c for c in root.iter("testcase") if c.get("name", "").startswith("ydt:11.1.1:L1.1 "))
    assert "not_applicable" in (waived.findtext("system-out") or "")
    suite = next(s for s in root.iter("testsuite") if "ydt:5.3.1" in (s.get("name") or ""))
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert set(props) == {"in_scope", "level", "level_verified", "level_ceiling", "level_name"}
    assert props["in_scope"] == "true" and props["level_name"] in ("0 (below Initial)", "1 初始级 Initial")


def test_clauses_and_reason_codes_are_listed(report: dict[str, Any]) -> None:
    root = ET.fromstring(render_junit(report))
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("ydt:5.3.1:L2.1 "))
    body = case.findtext("failure") or ""
    assert "clause ydt:5.3.1:L2.1#a (evidence) not_met" in body
    assert "clause ydt:5.3.1:L2.1#b (evidence) unknown [no_rule: no rule decides it yet]" in body
    assert "  rule demo.alerting.runbooks [decides] not_met" in body
    attested = next(c for c in root.iter("testcase") if c.get("name", "").startswith("ydt:5.3.1:L1.2 "))
    out = attested.findtext("system-out") or ""
    assert "attestation att-" in out and "reviewer auditor@example.com" in out


def test_an_out_of_scope_capability_has_no_level(report: dict[str, Any]) -> None:
    root = ET.fromstring(render_junit(report))
    suite = next(s for s in root.iter("testsuite") if "ydt:11.1.1" in (s.get("name") or ""))
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {"in_scope": "false"}
    assert suite.get("failures") == "0" and suite.get("skipped") == "0"


def test_control_characters_from_scanned_data_are_stripped(report: dict[str, Any]) -> None:
    text = render_junit(report)
    assert not any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in text)
    root = ET.fromstring(text)  # parses: nothing XML-invalid is left
    assert any("]</failure>&" in (s.get("message") or "") for s in root.iter("skipped"))  # escaped, kept as text
    assert xml_safe("a\x00b\x0bc\ud800d\te") == "abcd\te"
