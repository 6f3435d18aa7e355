"""Scopes in every output (issue 21): SARIF, JUnit, the Markdown and terminal summaries, dotenv,
workpapers, Code Quality and annotations each carry the scoped estate of tests/test_scopes.py in
their consumer's terms, and a report without scopes renders as it did (tests/test_golden.py
holds the byte-exact SARIF and JUnit).

The scoped estate: shop runs one replica (ydt:9.1.2 below its target 2), pay runs three;
Alertmanager routing is shared by both; the alert rule belongs to no scope.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.annotations import render_annotations
from scanner.codequality import render_codequality
from scanner.dotenv import MAX_BYTES, MAX_VARIABLES, render_dotenv
from scanner.gates import GateSpec, evaluate
from scanner.junit import render_junit
from scanner.sarif import render_sarif
from scanner.summary_md import render_summary_md
from scanner.summary_text import MAX_BELOW_IDS, summary_text
from scanner.workpapers import tables
from tests.cli import maturity
from tests.test_ci_reports import CODEQUALITY_SCHEMA, _gitlab_dotenv
from tests.test_sarif import github_upload_errors
from tests.test_scopes import write_estate

OUTPUTS = ("--sarif", "r.sarif", "--junit", "j.xml", "--summary-md", "s.md", "--dotenv", "e.env")
OUTPUTS += ("--csv", "csv", "--xlsx", "w.xlsx", "--codequality", "cq.json")
OUTPUTS += ("--annotations", "a.json", "--report-url", "https://ci.example.com/report.html")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every output of one scan of the scoped estate, written by the CLI."""
    root = write_estate(tmp_path_factory.mktemp("scoped-outputs"))
    o = root / "out"
    args = ["-q", "scan", "-c", str(root / "m.yaml"), "--json", str(o / "r.json")]
    args += [str(o / a) if i % 2 and not a.startswith("https:") else a for i, a in enumerate(OUTPUTS)]
    res = maturity(*args, cwd=root)  # locations are repository-relative to where CI runs
    assert res.returncode == 0, res.stderr
    return o


@pytest.fixture(scope="module")
def report(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "r.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def bare(report: dict[str, Any]) -> dict[str, Any]:
    """The same report without scopes: what a config without `scopes:` gives."""
    return {k: v for k, v in report.items() if k != "scopes"}


def reqs(frameworks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for fw in frameworks for c in fw["capabilities"] for r in c["requirements"]}


def scope(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["scopes"] if s["name"] == name)


def test_sarif_results_stay_the_estates_and_name_the_failing_scopes(
    out: Path, report: dict[str, Any], bare: dict[str, Any]
) -> None:
    log = json.loads((out / "r.sarif").read_text(encoding="utf-8"))
    assert github_upload_errors(log) == []
    assert len(log["runs"]) == 1  # GitHub: one run per tool and category
    run = log["runs"][0]
    plain = json.loads(render_sarif(bare))["runs"][0]
    # one result per failing clause of the estate, the same results as without scopes
    assert [r["partialFingerprints"] for r in run["results"]] == [r["partialFingerprints"] for r in plain["results"]]
    by_scope = {s["name"]: reqs(s["frameworks"]) for s in report["scopes"]}
    for res in run["results"]:
        want = [n for n, items in by_scope.items() if items[res["ruleId"]]["status"] == "not_met"]
        assert res["properties"]["scopes"] == want, res["ruleId"]
        assert {k: v for k, v in res["properties"].items() if k != "scopes"} == next(
            p["properties"] for p in plain["results"] if p["partialFingerprints"] == res["partialFingerprints"]
        )
    single = next(r for r in run["results"] if r["properties"]["clause"] == "ydt:9.1.2:L2.1#a")
    assert single["properties"]["scopes"] == ["shop"]  # pay's three replicas meet it
    runs = {s["name"]: s for s in run["properties"]["scopes"]}
    assert runs["shop"]["target_level"] == 2 and "ydt:9.1.2" in runs["shop"]["below_target"]
    assert runs["shop"]["not_met"] == sum(r["status"] == "not_met" for r in by_scope["shop"].values())
    assert "scopes" not in plain["properties"] and all("scopes" not in r["properties"] for r in plain["results"])
    wide = json.loads(render_sarif(report, unknown=True))
    assert github_upload_errors(wide) == [] and len(wide["runs"]) == 1
    for res in wide["runs"][0]["results"]:  # an unknown result names the scopes where it is unknown too
        st = res["properties"]["status"]
        assert res["properties"]["scopes"] == [n for n, i in by_scope.items() if i[res["ruleId"]]["status"] == st]


def test_junit_has_a_suite_per_scope_and_capability_with_the_scopes_statuses(
    out: Path, report: dict[str, Any], bare: dict[str, Any]
) -> None:
    root = ET.fromstring((out / "j.xml").read_text(encoding="utf-8"))
    suites = root.findall("testsuite")
    caps = [c for fw in report["frameworks"] for c in fw["capabilities"]]
    assert len(suites) == len(caps) * (1 + len(report["scopes"]))
    for key in ("tests", "failures", "skipped"):
        assert int(root.attrib[key]) == sum(int(s.attrib[key]) for s in suites)
    shop = next(s for s in suites if s.attrib["name"].startswith("shop/ydt:9.1.2 "))
    props = {p.attrib["name"]: p.attrib["value"] for p in shop.iter("property")}
    assert (props["scope"], props["target_level"], props["level"]) == ("shop", "2", "1")
    pay = next(s for s in suites if s.attrib["name"].startswith("pay/ydt:9.1.2 "))
    assert {p.attrib["name"]: p.attrib["value"] for p in pay.iter("property")}["level"] == "2"
    shop_reqs = reqs(scope(report, "shop")["frameworks"])
    failed = {c.attrib["name"].split()[0] for c in shop.iter("testcase") if c.find("failure") is not None}
    assert failed == {i for i, r in shop_reqs.items() if i.startswith("ydt:9.1.2:") and r["status"] == "not_met"}
    assert "ydt:9.1.2:L2.1" in failed
    assert failed != {
        c.attrib["name"].split()[0]
        for s in suites
        if s.attrib["name"].startswith("pay/ydt:9.1.2 ")
        for c in s.iter("testcase")
        if c.find("failure") is not None
    }
    # the estate's cases and a scope's never share classname and name
    names = [(c.attrib["classname"], c.attrib["name"]) for c in root.iter("testcase")]
    assert len(names) == len(set(names))
    plain = ET.fromstring(render_junit(bare))
    assert len(plain.findall("testsuite")) == len(caps)
    assert not [p for p in plain.iter("property") if p.attrib["name"] in ("scope", "target_level")]


def test_markdown_summary_has_levels_per_scope(out: Path, report: dict[str, Any], bare: dict[str, Any]) -> None:
    text = (out / "s.md").read_text(encoding="utf-8")
    assert "### Levels per scope" in text
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| shop |")}
    rows |= {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| pay |")}
    shop, pay = rows["shop"], rows["pay"]
    assert "shop-lead@example.com" in shop and f"| 2 | {len(scope(report, 'shop')['below_target'])} |" in shop
    assert "ydt:9.1.2," in shop and "ydt:9.1.2," not in pay
    assert "Levels per scope" not in render_summary_md(bare)


def test_terminal_summary_has_a_line_per_scope(report: dict[str, Any], bare: dict[str, Any]) -> None:
    lines = summary_text(report, lang="en").splitlines()
    shop = next(line for line in lines if line.startswith("scope shop: "))
    below = scope(report, "shop")["below_target"]
    failing = sum(r["status"] == "not_met" for r in reqs(scope(report, "shop")["frameworks"]).values())
    assert shop.startswith(f"scope shop: target L2 · below target {len(below)} (")
    assert shop.endswith(f" · not met {failing}") and failing > 0
    named = shop.split("(", 1)[1].split(")", 1)[0].split(", ")
    assert named[:-1] == below[:MAX_BELOW_IDS] and named[-1] == "…"  # shop is below on more than 8
    assert [line for line in lines if line.startswith("scope ")] == [shop, next(x for x in lines if "scope pay:" in x)]
    assert not [line for line in summary_text(bare, lang="en").splitlines() if line.startswith("scope ")]


def test_dotenv_counts_capabilities_below_target_per_scope(out: Path, report: dict[str, Any]) -> None:
    env = _gitlab_dotenv((out / "e.env").read_text(encoding="utf-8"))
    assert env["MATURITY_SCOPE_SHOP_BELOW_TARGET"] == str(len(scope(report, "shop")["below_target"]))
    assert env["MATURITY_SCOPE_PAY_BELOW_TARGET"] == str(len(scope(report, "pay")["below_target"]))
    assert (env["MATURITY_SCOPES"], env["MATURITY_SCOPES_OMITTED"]) == ("2", "0")


def test_dotenv_caps_many_scopes_within_gitlabs_limits_and_says_so(report: dict[str, Any]) -> None:
    many = copy.deepcopy(report)
    template = many["scopes"][0]
    many["scopes"] = [dict(template, name=f"team-{i:02d}-" + "x" * 50) for i in range(80)]
    # the largest fixed set docs/report.md counts: both frameworks, a baseline, changed files
    many["summary"]["aws-wa-ops"] = {"statuses": dict.fromkeys(("met", "not_met", "attested", "unknown"), 1)}
    gate = evaluate(many, GateSpec(fail_on_regression=True), many)
    text = render_dotenv(many, gate, changed=[])
    env = _gitlab_dotenv(text)
    listed = [k for k in env if k.startswith("MATURITY_SCOPE_")]
    assert len(env) == MAX_VARIABLES and len(text.encode()) <= MAX_BYTES
    assert len(listed) == 24  # "at least 24 always fit"
    assert int(env["MATURITY_SCOPES_OMITTED"]) == 80 - 24 and env["MATURITY_SCOPES"] == "80"
    assert listed[0] == "MATURITY_SCOPE_TEAM_00_" + "X" * 50 + "_BELOW_TARGET"  # config order
    assert listed[-1] == "MATURITY_SCOPE_TEAM_23_" + "X" * 50 + "_BELOW_TARGET"


def test_dotenv_keeps_scopes_apart_whose_names_fold_together(report: dict[str, Any]) -> None:
    twins = copy.deepcopy(report)
    twins["scopes"] = [dict(twins["scopes"][0], name="shop-a"), dict(twins["scopes"][1], name="shop_a")]
    env = _gitlab_dotenv(render_dotenv(twins))
    assert env["MATURITY_SCOPE_SHOP_A_BELOW_TARGET"] == str(len(report["scopes"][0]["below_target"]))
    assert env["MATURITY_SCOPE_SHOP_A_2_BELOW_TARGET"] == str(len(report["scopes"][1]["below_target"]))


def test_workpapers_have_a_scope_column_with_scope_rows_after_the_estate(
    out: Path, report: dict[str, Any], bare: dict[str, Any]
) -> None:
    got = {name: (header, rows) for name, header, rows in tables(report)}
    n_items = len(reqs(report["frameworks"]))
    for name in ("items", "clauses"):
        header, rows = got[name]
        assert header[-1] == "scope"
        order = [r[-1] for r in rows]
        first_scoped = order.index("shop")
        assert set(order[:first_scoped]) == {""} and set(order[first_scoped:]) == {"shop", "pay"}
        assert order[first_scoped:] == sorted(order[first_scoped:], key=["shop", "pay"].index)
    items = got["items"][1]
    assert len(items) == n_items * 3
    status = {(r[-1], r[2]): r[4] for r in items}
    assert (status[("", "ydt:9.1.2:L2.1")], status[("shop", "ydt:9.1.2:L2.1")]) == ("not_met", "not_met")
    assert status[("pay", "ydt:9.1.2:L2.1")] != "not_met"
    clause_status = {(r[-1], r[1]): r[3] for r in got["clauses"][1]}
    assert clause_status[("pay", "ydt:9.1.2:L2.1#a")] == "met"
    assert len(got["rules"][1]) == len(dict((n, t) for n, _, t in tables(bare))["rules"])
    csv_head = (out / "csv" / "items.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert csv_head.endswith(",scope")
    for _, header, rows in tables(bare):
        assert "scope" not in header
    assert len(dict((n, t) for n, _, t in tables(bare))["items"]) == n_items


def test_codequality_names_the_scopes_failing_the_same_evidence(
    out: Path, report: dict[str, Any], bare: dict[str, Any]
) -> None:
    issues = json.loads((out / "cq.json").read_text(encoding="utf-8"))
    jsonschema.validate(issues, CODEQUALITY_SCHEMA)
    plain = json.loads(render_codequality(bare))
    assert [i["fingerprint"] for i in issues] == [i["fingerprint"] for i in plain]
    by_path = {i["location"]["path"] for i in issues}
    assert by_path == {"repo/alertmanager.yml", "repo/monitoring/rules.yaml"}
    for issue, before in zip(issues, plain, strict=True):
        if issue["location"]["path"] == "repo/alertmanager.yml":  # shared: it counts for both scopes
            assert issue["description"] == before["description"] + " [scopes: shop, pay]"
        else:  # the alert rule belongs to no scope
            assert issue["description"] == before["description"] and "scopes" not in before["description"]


def test_annotations_say_how_many_scopes_are_below_target(out: Path, bare: dict[str, Any]) -> None:
    label = json.loads((out / "a.json").read_text(encoding="utf-8"))["maturity"][0]["external_link"]["label"]
    assert "; 2 of 2 scopes below target; " in label
    plain = render_annotations(bare, "https://ci.example.com/report.html")
    assert "scopes" not in plain
