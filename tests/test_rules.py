"""Rule loading and `maturity rules lint`: every problem named with file, line and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scanner.catalog import load_catalog
from scanner.errors import InputError
from scanner.probe import load_probes
from scanner.rules import evaluate_rules, load_rules
from tests.conftest import FAKE_RULES, write

KINDS = {"fake.widget", "fake.gadget"}


@pytest.fixture(scope="module")
def req_ids() -> set[str]:
    return load_catalog().decidable_ids()


def test_fake_rules_load_and_evaluate(fake_rules_dir: Path, req_ids: set[str]) -> None:
    from scanner.evidence import Evidence

    rs = load_rules([fake_rules_dir], requirement_ids=req_ids, kinds=KINDS)
    assert {r.id for r in rs.rules} == {"fake.widgets.shiny", "fake.gadgets.present"}
    evidence = [Evidence.make("fake.widget", f"w{i}", {"shiny": i < 1}, "t://") for i in range(3)]
    obs = {"fake.widget": {"observed": True}, "fake.gadget": {"observed": False, "reason": "source 'x': 403"}}
    res = evaluate_rules(rs, evidence, obs)
    assert res["fake.widgets.shiny"].status == "not_met"
    assert "1 of 3" in res["fake.widgets.shiny"].explanation
    assert res["fake.gadgets.present"].status == "unknown"
    assert "403" in res["fake.gadgets.present"].explanation


def test_parameter_override(fake_rules_dir: Path, req_ids: set[str]) -> None:
    rs = load_rules([fake_rules_dir], requirement_ids=req_ids, kinds=KINDS, overrides={"fake.widgets.shiny": {"min_ratio": 0.3}})
    assert next(r for r in rs.rules if r.id == "fake.widgets.shiny").params["min_ratio"] == 0.3
    with pytest.raises(InputError, match="no parameter 'bogus'"):
        load_rules([fake_rules_dir], requirement_ids=req_ids, kinds=KINDS, overrides={"fake.widgets.shiny": {"bogus": 1}})
    with pytest.raises(InputError, match="unknown rule"):
        load_rules([fake_rules_dir], requirement_ids=req_ids, kinds=KINDS, overrides={"no.such.rule": {"x": 1}})


BAD = [
    ("bad yaml", FAKE_RULES.replace("title: Widgets are shiny", "title: [unclosed"), "invalid YAML", 3),
    ("unknown requirement", FAKE_RULES.replace('"ydt:5.1.1:L1.1"', '"ydt:5.1.1:L9.1"'), "unknown requirement id 'ydt:5.1.1:L9.1'", 6),
    ("unknown kind", FAKE_RULES.replace("evidence: [fake.widget]", "evidence: [fake.sprocket]"), "unknown evidence kind 'fake.sprocket'", 4),
    ("bad expression", FAKE_RULES.replace("eq: true}", "eqq: true}"), "unknown operator 'eqq'", 15),
    ("bad regex", FAKE_RULES.replace("{path: data.shiny, eq: true}", '{path: data.shiny, regex: "("}'), "does not compile", 15),
    ("duplicate id", FAKE_RULES.replace("id: fake.gadgets.present", "id: fake.widgets.shiny"), "duplicate rule id", 17),
    ("missing rationale", FAKE_RULES.replace("    rationale: Shiny widgets prove operating-system metrics are collected (test rule).\n", ""), "rationale", 6),
    ("unknown key", FAKE_RULES.replace("remediation: Polish the widgets.", "remediation: Polish the widgets.\nseverity: high"), "unknown key", 17),
    ("bad id", FAKE_RULES.replace("id: fake.widgets.shiny", "id: Fake Widgets"), "id", 2),
    ("kind not declared", FAKE_RULES.replace("some: {kind: fake.gadget}", "some: {kind: fake.widget}"), "not listed in `evidence`", 20),
]


@pytest.mark.parametrize(("name", "text", "message", "line"), BAD, ids=[b[0] for b in BAD])
def test_lint_errors_name_file_and_line(tmp_path: Path, req_ids: set[str], name: str, text: str, message: str, line: int) -> None:
    f = write(tmp_path / "rules" / "bad.yaml", text)
    with pytest.raises(InputError) as ei:
        load_rules([f], requirement_ids=req_ids, kinds=KINDS)
    assert message in str(ei.value)
    assert ei.value.file == str(f)
    assert ei.value.line is not None and abs(ei.value.line - line) <= 1, (ei.value.line, str(ei.value))


def test_installed_rules_lint_clean() -> None:
    catalog = load_catalog()
    rs = load_rules(requirement_ids=set(catalog.requirements), kinds=set(load_probes().kinds()))
    for r in rs.rules:
        assert r.doc.decides and all(d.rationale for d in r.doc.decides)


def test_cli_rules_lint_exit_codes(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "scanner.cli", "rules", "lint"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    bad = write(tmp_path / "r.yaml", "id: x.y\ntitle: t t\nevidence: [no.such]\ndecides: []\ncondition: {}\nremediation: fix it\n")
    out = subprocess.run([sys.executable, "-m", "scanner.cli", "rules", "lint", str(bad)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert str(bad) in out.stderr and "error" in out.stderr
    assert out.stdout == ""
