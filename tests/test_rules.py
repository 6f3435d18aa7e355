"""Rule loading and `maturity rules lint`: every problem named with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalog import load_catalog
from scanner.errors import InputError
from scanner.probe import load_probes
from scanner.rules import evaluate_rules, load_rules
from tests.cli import maturity
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
    rs = load_rules(
        [fake_rules_dir], requirement_ids=req_ids, kinds=KINDS, overrides={"fake.widgets.shiny": {"min_ratio": 0.3}}
    )
    assert next(r for r in rs.rules if r.id == "fake.widgets.shiny").params["min_ratio"] == 0.3
    with pytest.raises(InputError, match="no parameter 'bogus'"):
        load_rules(
            [fake_rules_dir], requirement_ids=req_ids, kinds=KINDS, overrides={"fake.widgets.shiny": {"bogus": 1}}
        )
    with pytest.raises(InputError, match="unknown rule"):
        load_rules([fake_rules_dir], requirement_ids=req_ids, kinds=KINDS, overrides={"no.such.rule": {"x": 1}})


BAD = [
    ("bad yaml", FAKE_RULES.replace("title: Widgets are shiny", "title: [unclosed"), "invalid YAML", 3),
    (
        "unknown requirement",
        FAKE_RULES.replace('"ydt:5.1.1:L1.1"', '"ydt:5.1.1:L9.1"'),
        "unknown requirement id 'ydt:5.1.1:L9.1'",
        6,
    ),
    (
        "unknown kind",
        FAKE_RULES.replace("evidence: [fake.widget]", "evidence: [fake.sprocket]"),
        "unknown evidence kind 'fake.sprocket'",
        4,
    ),
    ("bad expression", FAKE_RULES.replace("eq: true}", "eqq: true}"), "unknown operator 'eqq'", 15),
    (
        "bad regex",
        FAKE_RULES.replace("{path: data.shiny, eq: true}", '{path: data.shiny, regex: "("}'),
        "does not compile",
        15,
    ),
    ("duplicate id", FAKE_RULES.replace("id: fake.gadgets.present", "id: fake.widgets.shiny"), "duplicate rule id", 17),
    (
        "missing rationale",
        FAKE_RULES.replace(
            "    rationale: Shiny widgets prove operating-system metrics are collected (test rule).\n", ""
        ),
        "rationale",
        6,
    ),
    (
        "unknown key",
        FAKE_RULES.replace("remediation: Polish the widgets.", "remediation: Polish the widgets.\nseverity: high"),
        "unknown key",
        17,
    ),
    ("bad id", FAKE_RULES.replace("id: fake.widgets.shiny", "id: Fake Widgets"), "id", 2),
    (
        "kind not declared",
        FAKE_RULES.replace("some: {kind: fake.gadget}", "some: {kind: fake.widget}"),
        "not listed in `evidence`",
        20,
    ),
]


@pytest.mark.parametrize(("name", "text", "message", "line"), BAD, ids=[b[0] for b in BAD])
def test_lint_errors_name_file_and_line(
    tmp_path: Path, req_ids: set[str], name: str, text: str, message: str, line: int
) -> None:
    f = write(tmp_path / "rules" / "bad.yaml", text)
    with pytest.raises(InputError) as ei:
        load_rules([f], requirement_ids=req_ids, kinds=KINDS)
    assert message in str(ei.value)
    assert ei.value.file == str(f)
    assert ei.value.line is not None and abs(ei.value.line - line) <= 1, (ei.value.line, str(ei.value))


def test_installed_rules_lint_clean() -> None:
    catalog = load_catalog()
    rs = load_rules(requirement_ids=catalog.decidable_ids(), kinds=set(load_probes().kinds()))
    for r in rs.rules:
        assert r.doc.decides and all(d.rationale for d in r.doc.decides)


def test_cli_rules_lint_exit_codes(tmp_path: Path) -> None:
    ok = maturity("rules", "lint")  # in-process (tests/cli.py)
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    bad = write(
        tmp_path / "r.yaml",
        "id: x.y\ntitle: t t\nevidence: [no.such]\ndecides: []\ncondition: {}\nremediation: fix it\n",
    )
    out = maturity("rules", "lint", str(bad))
    assert out.returncode == 2
    assert str(bad) in out.stderr and "error" in out.stderr
    assert out.stdout == ""


EMPTY_RULES = """
id: t.every.ready
title: Every item is ready
evidence: [fake.widget]
decides:
  - clause: "ydt:5.1.1:L1.1#a"
    rationale: Ready widgets show the thing is done (test rule).
condition:
  every: {kind: fake.widget, that: {path: data.ready, eq: true}}
remediation: Make them ready.
---
id: t.some.gadget
title: Some gadget exists
evidence: [fake.gadget]
decides:
  - clause: "ydt:5.1.2:L1.1#a"
    rationale: A gadget shows the thing is done (test rule).
empty: not_met
condition:
  some: {kind: fake.gadget}
remediation: Add a gadget.
---
id: t.none.broken
title: No gadget is broken
evidence: [fake.gadget]
decides:
  - clause: "ydt:5.1.2:L1.1#a"
    rationale: No broken gadget shows the thing is done (test rule).
empty: met
condition:
  none: {kind: fake.gadget, that: {path: data.broken, eq: true}}
remediation: Fix the gadgets.
"""


def _empty_rules(tmp_path: Path, req_ids: set[str]) -> object:
    return load_rules([write(tmp_path / "r.yaml", EMPTY_RULES)], requirement_ids=req_ids, kinds=KINDS)


def test_empty_population_follows_the_rule(tmp_path: Path, req_ids: set[str]) -> None:
    from scanner.model import ReasonCode

    rs = _empty_rules(tmp_path, req_ids)
    obs = {"fake.widget": {"observed": True}, "fake.gadget": {"observed": True}}
    res = evaluate_rules(rs, [], obs)  # type: ignore[arg-type]
    assert (res["t.every.ready"].status, res["t.every.ready"].reason_code) == ("unknown", ReasonCode.NOTHING_IN_SCOPE)
    assert res["t.some.gadget"].status == "not_met" and "counts that as not_met" in res["t.some.gadget"].explanation
    assert res["t.none.broken"].status == "met" and res["t.none.broken"].reason_code is None


@pytest.mark.parametrize(
    ("observation", "code"),
    [
        ({"observed": False, "sources": [], "reason": "source 'a': 403", "state": "failed"}, "source_failed"),
        ({"observed": False, "sources": ["b"], "reason": "source 'a': 403"}, "source_failed"),  # before `state`
        (
            {"observed": False, "sources": [], "reason": "source 'a': no files", "state": "absent"},
            "evidence_not_observed",
        ),
        (
            {
                "observed": False,
                "sources": [],
                "reason": "no source configured that collects it",
                "state": "not_configured",
            },
            "source_not_configured",
        ),
        (
            {"observed": False, "sources": [], "reason": "no source configured that collects it (probe: fake)"},
            "source_not_configured",
        ),
        (None, "source_not_configured"),
    ],
)
def test_unobserved_kinds_carry_a_reason_code(
    tmp_path: Path, req_ids: set[str], observation: dict[str, object] | None, code: str
) -> None:
    rs = _empty_rules(tmp_path, req_ids)
    obs = {"fake.widget": observation} if observation is not None else {}
    res = evaluate_rules(rs, [], obs)  # type: ignore[arg-type]
    assert res["t.every.ready"].status == "unknown" and res["t.every.ready"].reason_code is not None
    assert res["t.every.ready"].reason_code.value == code


def test_not_used_systems_count_as_observed_and_not_met(tmp_path: Path, req_ids: set[str]) -> None:
    from scanner.evidence import Evidence

    rs = _empty_rules(tmp_path, req_ids)
    obs = {
        "fake.widget": {"observed": False, "reason": "no source configured", "state": "not_configured"},
        "fake.gadget": {"observed": False},
    }
    res = evaluate_rules(rs, [], obs, not_used=["fake"])  # type: ignore[arg-type]
    assert all(r.status == "not_met" and "not used" in r.explanation for r in res.values())
    # evidence wins over the declaration: an observed kind is judged on what was seen
    ready = [Evidence.make("fake.widget", "w", {"ready": True}, "t://")]
    res = evaluate_rules(rs, ready, {"fake.widget": {"observed": True}}, not_used=["fake"])  # type: ignore[arg-type]
    assert res["t.every.ready"].status == "met"
