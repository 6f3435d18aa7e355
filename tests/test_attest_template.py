"""`maturity attest template` (scanner/attest_template.py): the open organisational clauses of a
capability, grouped into evidence packs, as a statements file the real loader reads once filled."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.attest import load_statements
from scanner.attest_template import FAMILIES, OTHER, family_of, open_clauses, render_template
from scanner.catalog import Catalog, Clause, load_catalog
from scanner.catalog_docs import Text
from scanner.errors import InputError
from tests.cli import maturity
from tests.conftest import write

DOCS = Path(__file__).parents[1] / "docs" / "attest-template.md"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _ids(text: str) -> list[str]:
    return [c for a in yaml.safe_load(text)["attestations"] for c in a["clauses"]]


def _fill(text: str, keep: int | None = None) -> str:
    """The template with every placeholder filled (only entry `keep` when given)."""
    doc = yaml.safe_load(text)
    packs = doc["attestations"] if keep is None else [doc["attestations"][keep]]
    for i, a in enumerate(packs):
        a.update(
            statement=f"Evidence pack {i}: the documents are approved and current.",
            owner="ops-lead@example.com",
            reviewer="auditor@example.com",
            evidence_url=f"https://wiki.example.com/pack/{i}",
            date=dt.date(2026, 11, 1),
            expires=dt.date(2027, 10, 1),
        )
    return yaml.safe_dump({"attestations": packs}, allow_unicode=True)


def _load(catalog: Catalog, f: Path) -> Any:
    return load_statements([f], requirement_ids=catalog.decidable_ids(), capability_ids=set(catalog.capabilities))


def test_all_open_clauses_up_to_the_level_grouped_by_family(catalog: Catalog, tmp_path: Path) -> None:
    out = maturity("attest", "template", "--capability", "ydt:6.1.1", "--level", "3")
    assert out.returncode == 0, out.stderr
    cap = catalog.capabilities["ydt:6.1.1"]
    want = {
        c.id
        for r in cap.requirements
        if r.level is not None and r.level <= 3
        for c in r.clauses
        if c.assessment == "organisational"
    }
    got = _ids(out.stdout)
    assert sorted(got) == sorted(want) and len(want) == 7  # each open clause once, none of level 4
    packs = {a["clauses"][0]: a["clauses"] for a in yaml.safe_load(out.stdout)["attestations"]}
    # one evidence pack (the contingency plans) answers three clauses of two levels
    assert packs["ydt:6.1.1:L2.1#c"] == ["ydt:6.1.1:L2.1#c", "ydt:6.1.1:L2.2#a", "ydt:6.1.1:L3.2#a"]
    assert "# ---- runbook: Runbooks and contingency plans / 运行手册与应急预案 (3)" in out.stdout
    assert "建立主动的事前流程和要求" in out.stdout and "# en:" in out.stdout and "# zh:" in out.stdout


def test_an_unfilled_template_never_loads_and_a_filled_one_does(catalog: Catalog, tmp_path: Path) -> None:
    text = maturity("attest", "template", "--capability", "ydt:6.1.1", "--level", "3").stdout
    with pytest.raises(InputError) as ei:
        _load(catalog, write(tmp_path / "raw.yaml", text))
    assert ei.value.field == "attestations.0.owner" and "at least 2 characters" in str(ei.value)
    st = _load(catalog, write(tmp_path / "filled.yaml", _fill(text)))
    assert sorted(c for s in st.items for c in s.doc.clauses) == sorted(_ids(text))
    assert all(s.kind == "attestation" and s.check(dt.date(2026, 12, 1)) is None for s in st.items)


def test_report_narrows_to_what_it_leaves_open(tmp_path: Path) -> None:
    """Scan, attest one pack from the template, scan again: the pack's clauses are attested and
    the next template no longer lists them."""
    write(tmp_path / "m.yaml", "frameworks: [ydt1756-4]\nattestations: [attestations/]\n")
    (tmp_path / "attestations").mkdir()
    first = maturity("scan", "-c", "m.yaml", "--json", "r1.json", "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    args = ["attest", "template", "--capability", "ydt:6.1.1", "--level", "3"]
    out = maturity(*args, "--report", "r1.json", "--out", "attestations/t.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "attestations" / "t.yaml").read_text(encoding="utf-8")
    assert "left open by the report r1.json" in text and len(_ids(text)) == 7
    pack = yaml.safe_load(text)["attestations"][1]["clauses"]
    write(tmp_path / "attestations" / "t.yaml", _fill(text, keep=1))
    second = maturity("scan", "-c", "m.yaml", "--json", "r2.json", "-q", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    report = json.loads((tmp_path / "r2.json").read_text(encoding="utf-8"))
    status = {
        c["id"]: c["status"]
        for fw in report["frameworks"]
        for cap in fw["capabilities"]
        for r in cap["requirements"]
        for c in r["clauses"]
    }
    assert {status[c] for c in pack} == {"attested"}
    again = maturity(*args, "--report", "r2.json", cwd=tmp_path)
    assert again.returncode == 0 and sorted(_ids(again.stdout)) == sorted(set(_ids(text)) - set(pack))


def test_aws_practices_have_no_level(catalog: Catalog) -> None:
    out = maturity("attest", "template", "--capability", "OPS03", "--framework", "aws-wa-ops")
    assert out.returncode == 0, out.stderr
    want = [
        c.id for r in catalog.capabilities["wa:OPS03"].requirements for c in r.clauses if c.assessment != "evidence"
    ]
    assert sorted(_ids(out.stdout)) == sorted(want) and "all practices" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--capability", "ydt:6.1.9", "--level", "3"], "unknown capability 'ydt:6.1.9' (did you mean ydt:6.1."),
        (["--capability", "ydt:6.1.1", "--level", "7"], "ydt:6.1.1 has levels 1 to 5 (got 7)"),
        (["--capability", "ydt:6.1.1"], "ydt:6.1.1 has levels 1 to 5 (none given)"),
        (["--capability", "wa:OPS03", "--level", "2"], "aws-wa-ops has no levels"),
        (["--capability", "6.1.1", "--framework", "aws-wa-ops", "--level", "2"], "unknown capability '6.1.1' in aws"),
        (["--capability", "6.1.1", "--framework", "iso", "--level", "2"], "unknown framework 'iso'"),
    ],
)
def test_bad_capability_or_level_is_one_line_exit_2(args: list[str], message: str) -> None:
    out = maturity("attest", "template", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr, out.stderr


def test_report_that_does_not_grade_the_capability(tmp_path: Path) -> None:
    write(tmp_path / "m.yaml", "frameworks: [aws-wa-ops]\n")
    assert maturity("scan", "-c", "m.yaml", "--json", "r.json", "-q", cwd=tmp_path).returncode == 0
    out = maturity(
        "attest", "template", "--capability", "ydt:6.1.1", "--level", "2", "--report", "r.json", cwd=tmp_path
    )
    assert out.returncode == 2 and "the report does not grade ydt:6.1.1" in out.stderr


def test_out_is_not_overwritten_without_force(tmp_path: Path) -> None:
    f = write(tmp_path / "t.yaml", "# my filled template\n")
    args = ["attest", "template", "--capability", "ydt:6.1.1", "--level", "2", "--out", str(f)]
    refused = maturity(*args)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert f.read_text(encoding="utf-8") == "# my filled template\n"
    assert maturity(*args, "--force").returncode == 0 and "ydt:6.1.1:L2.2#a" in f.read_text(encoding="utf-8")


def _clause(zh: str, en: str) -> Clause:
    return Clause("x:1#a", "x:1", Text(zh=zh, en=en), "organisational")


@pytest.mark.parametrize(
    ("zh", "en", "family"),
    [
        ("定期开展故障演练", "Failure drills are run", "drill_record"),
        ("具备值班表", "nothing in English matches", "on_call_roster"),
        ("无", "An on-call rota exists", "on_call_roster"),
        ("事件管理平台具备智能化能力，能够实现故障预测、预案推送", "platform", "platform_demo"),  # priority
        ("无", "Trained staff", "training_record"),
        ("无", "The air is fresh", "other"),  # "ai" is a whole word only
        ("无", "Nothing to see", "other"),
    ],
)
def test_keyword_table(zh: str, en: str, family: str) -> None:
    assert family_of(_clause(zh, en)).id == family


def test_docs_list_every_family_and_keyword(catalog: Catalog) -> None:
    doc = DOCS.read_text(encoding="utf-8")
    organisational = [c for c in catalog.clauses.values() if c.assessment == "organisational"]
    other = sum(family_of(c) is OTHER for c in organisational)
    assert f"{len(organisational)} organisational clauses, {other} land in `other`" in " ".join(doc.split())
    for fam in (*FAMILIES, OTHER):
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{fam.id}`")), None)
        assert row is not None, f"docs/attest-template.md has no row for {fam.id}"
        for kw in (*fam.zh, *fam.en):
            assert re.search(re.escape(kw), row), f"{fam.id}: keyword {kw!r} missing from the docs row"


@pytest.mark.parametrize("verb", [("attest", "template"), ("init",)])
def test_help_has_an_example(verb: tuple[str, ...]) -> None:
    out = maturity(*verb, "--help")
    assert out.returncode == 0 and "example:\n  maturity " in out.stdout


def test_not_met_and_waived_clauses_are_not_offered(catalog: Catalog, tmp_path: Path) -> None:
    """Only `unknown` clauses can be attested: a not_met one is named in a comment, a waived
    item's clauses are left out (the report edited here as a scan would have graded them)."""
    write(tmp_path / "m.yaml", "frameworks: [ydt1756-4]\n")
    assert maturity("scan", "-c", "m.yaml", "--json", "r.json", "-q", cwd=tmp_path).returncode == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    cap = next(c for fw in report["frameworks"] for c in fw["capabilities"] if c["id"] == "ydt:6.1.1")
    for req in cap["requirements"]:
        for cl in req["clauses"]:
            if cl["id"] == "ydt:6.1.1:L2.2#a":
                cl["status"] = "not_met"
        if req["id"] == "ydt:6.1.1:L2.3":
            req["status"] = "not_applicable"
    clauses, not_met = open_clauses(catalog, catalog.capabilities["ydt:6.1.1"], 3, report)
    ids = {oc.clause.id for oc in clauses}
    assert not_met == ["ydt:6.1.1:L2.2#a"] and "ydt:6.1.1:L2.2#a" not in ids
    assert "ydt:6.1.1:L2.3#a" not in ids and len(ids) == 5 and {oc.status for oc in clauses} == {"unknown"}
    cap_model = catalog.capabilities["ydt:6.1.1"]
    text = render_template(
        cap_model, 3, clauses, not_met, report_name="r.json", version="t", today=dt.date(2026, 12, 1)
    )
    assert "# en: not listed: ydt:6.1.1:L2.2#a (the evidence shows not met" in text
    assert sorted(_ids(text)) == sorted(ids)
