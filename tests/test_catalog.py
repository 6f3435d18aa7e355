"""The catalog: complete, well-formed, consistent with our own count of the standard."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.catalog import YDT_REQ_RE, clause_gaps, default_catalog_dir, load_catalog
from scanner.errors import InputError
from tests.cli import maturity

DATA = Path(__file__).parent / "data"
REF = DATA / "ydt-1756-4-2019-draft.txt"  # a pinned copy of shared/reference (the authoritative draft)


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def our_counts() -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = {}
    for f in sorted(DATA.glob("ydt_counts_*.yaml")):
        out.update(yaml.safe_load(f.read_text(encoding="utf-8")))
    return out


def test_framework_sizes(catalog) -> None:  # type: ignore[no-untyped-def]
    ydt = catalog.frameworks["ydt1756-4"]
    wa = catalog.frameworks["aws-wa-ops"]
    assert len(ydt.capabilities) == 35
    assert sum(len(c.requirements) for c in ydt.capabilities) == 408
    # Chapter 5 (monitoring) alone has 107 items.
    assert sum(len(c.requirements) for c in ydt.capabilities if c.domain == "ydt:5") == 107
    assert [c.id for c in wa.capabilities] == [f"wa:OPS{n:02d}" for n in range(1, 12)]
    assert sum(len(c.requirements) for c in wa.capabilities) == 71
    assert len(wa.design_principles) == 7
    assert ydt.source.date == "2019-06-20"
    assert wa.source.edition == "2023-10"


def test_counts_match_our_reading_of_the_standard(catalog) -> None:  # type: ignore[no-untyped-def]
    expected = our_counts()
    ydt = catalog.frameworks["ydt1756-4"]
    assert set(expected) == {c.id for c in ydt.capabilities}
    for cap in ydt.capabilities:
        got = {lv: len(cap.at_level(lv)) for lv in range(1, 6)}
        assert got == expected[cap.id], cap.id


def test_ids_well_formed_unique_and_numbered_in_order(catalog) -> None:  # type: ignore[no-untyped-def]
    seen = set()
    for cap in catalog.frameworks["ydt1756-4"].capabilities:
        for lv in range(1, 6):
            items = cap.at_level(lv)
            assert [r.id for r in items] == [f"{cap.id}:L{lv}.{n}" for n in range(1, len(items) + 1)]
            for r in items:
                assert YDT_REQ_RE.match(r.id)
                assert r.id not in seen
                seen.add(r.id)
                assert r.text.zh.strip() and r.text.en.strip()
                assert "<" not in r.text.zh and "同上" not in r.text.zh[:3], r.id
                assert not re.match(r"^\s*(\d+[)）、]|[a-z]\))", r.text.zh), f"item number left in {r.id}"
        assert cap.at_level(1), f"{cap.id} has no level-1 items"
    for q in catalog.frameworks["aws-wa-ops"].capabilities:
        assert [r.id for r in q.requirements] == [f"{q.id}-BP{n:02d}" for n in range(1, len(q.requirements) + 1)]


def test_contract_example_item(catalog) -> None:  # type: ignore[no-untyped-def]
    r = catalog.requirement("ydt:5.3.1:L1.1")
    assert r.text.zh == "具备按照阈值规则实现异常告警的能力。"
    assert catalog.capabilities["ydt:5.3.1"].name.zh == "告警与管控"


def test_every_item_text_appears_in_the_standard(catalog) -> None:  # type: ignore[no-untyped-def]
    flat = re.sub(r"<[^>]+>|\s+", "", REF.read_text(encoding="utf-8"))
    missing = []
    for r in catalog.iter_requirements("ydt1756-4"):
        text = re.sub(r"\s+", "", r.text.zh)
        if text not in flat and not r.note:  # a note explains items rejoined across page breaks
            missing.append(r.id)
    assert not missing, missing


def test_table_13_columns_mapped_by_header(catalog) -> None:  # type: ignore[no-untyped-def]
    # Table 13 lists 组织机制 before 灾备管理; each column belongs to the capability of that name.
    assert catalog.capabilities["ydt:10.2.1"].name.zh == "灾备管理"
    assert (
        "灾备" in catalog.requirement("ydt:10.2.1:L1.1").text.zh
        or "备份" in catalog.requirement("ydt:10.2.1:L1.1").text.zh
    )


def test_6_2_2_has_no_description_and_says_so(catalog) -> None:  # type: ignore[no-untyped-def]
    cap = catalog.capabilities["ydt:6.2.2"]
    assert cap.description is None
    assert cap.note


def test_crosswalk_integrity(catalog) -> None:  # type: ignore[no-untyped-def]
    wa_ids = {r.id for r in catalog.iter_requirements("aws-wa-ops")}
    assert set(catalog.crosswalk) == wa_ids
    mapped = [t for ts in catalog.crosswalk.values() for t in ts]
    assert mapped, "the crosswalk maps nothing"
    for t in mapped:
        assert t in catalog.requirements and t.startswith("ydt:")
    # related() works both ways
    bp, targets = next((k, v) for k, v in catalog.crosswalk.items() if v)
    assert bp in catalog.related(targets[0])


def _copy_catalog(tmp_path: Path) -> Path:
    dst = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), dst, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return dst


# Catalog edits that must be rejected with file and line (counted in docs/reliability.md).
CATALOG_EDITS = [
    ("renumbered item", lambda s: s.replace('id: "ydt:5.1.1:L2.2"', 'id: "ydt:5.1.1:L2.1"', 1), "should be"),
    ("level gap", lambda s: s.replace("          3:\n", "          7:\n", 1), "levels must be 1..5"),
    ("bad YAML", lambda s: s + "\n  - [unclosed\n", "invalid YAML"),
    ("bad assessment", lambda s: s.replace("assessment: evidence", "assessment: automated", 1), "assessment"),
    ("unknown key", lambda s: s.replace("    table: 2\n", "    table: 2\n    colour: red\n", 1), "unknown key"),
]


@pytest.mark.parametrize(("name", "edit", "message"), CATALOG_EDITS, ids=[c[0] for c in CATALOG_EDITS])
def test_malformed_catalog_names_file_and_line(tmp_path: Path, name: str, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    root = _copy_catalog(tmp_path)
    f = root / "ydt1756-4" / "05-monitoring.yaml"
    f.write_text(edit(f.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError) as ei:
        load_catalog(root)
    assert "05-monitoring.yaml" in str(ei.value)
    assert message in str(ei.value)
    assert ei.value.line is not None


def _item_docs() -> list[tuple[str, dict[str, Any]]]:
    """(domain file, item as written) for every YD/T item and WA best practice in the catalog files."""
    out = []
    for f in sorted(default_catalog_dir().glob("*/*.yaml")):
        if f.name == "framework.yaml":
            continue
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for sub in doc.get("subdomains") or []:
            for cap in sub["capabilities"]:
                out += [(f"{f.parent.name}/{f.name}", item) for items in cap["levels"].values() for item in items]
        for q in doc.get("questions") or []:
            out += [(f"{f.parent.name}/{f.name}", bp) for bp in q["best_practices"]]
    return out


def test_clauses_are_verbatim_fragments_covering_each_item(catalog) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for r in catalog.iter_requirements():
        assert r.clauses, r.id
        assert [c.id for c in r.clauses] == [f"{r.id}#{chr(ord('a') + i)}" for i in range(len(r.clauses))]
        assert all(c.requirement == r.id and c.text.zh.strip() and c.text.en.strip() for c in r.clauses), r.id
        assert all(c.assessment in ("evidence", "organisational") for c in r.clauses), r.id
        foreign, left = clause_gaps(r.text.zh, [c.text.zh for c in r.clauses])
        if foreign or left:
            problems.append((r.id, foreign, left))
    assert not problems, problems
    # A real split: 5.1.2:L3.1 joins three demands (reliable channel, DR scheme, pull and push).
    assert len(catalog.requirement("ydt:5.1.2:L3.1").clauses) == 3


def test_clause_gaps_reports_foreign_words_and_uncovered_words() -> None:
    item = "具备告警分级及简单收敛方案。"
    assert clause_gaps(item, ["具备告警分级", "具备……及简单收敛方案"]) == ([], "")
    assert clause_gaps(item, ["具备告警分级"]) == ([], "及简单收敛方案")
    assert clause_gaps(item, ["具备告警分级", "具备……及复杂收敛方案"]) == (["及复杂收敛方案"], "及简单收敛方案")


@pytest.mark.parametrize("domain_file", sorted({f for f, _ in _item_docs()}))
def test_every_item_lists_its_clauses_and_no_v1_assessment(domain_file: str) -> None:
    # v2: each item splits into clauses (evidence | organisational); the v1 item-level
    # `assessment: automated | partial | manual` is gone. Fails until every chapter is migrated.
    items = [item for f, item in _item_docs() if f == domain_file]
    assert items
    unsplit = [i["id"] for i in items if not i.get("clauses")]
    v1 = [i["id"] for i in items if "assessment" in i]
    assert not unsplit, f"{domain_file}: items without clauses: {unsplit}"
    assert not v1, f"{domain_file}: items with a v1 assessment: {v1}"


# Broken splits of ydt:5.1.1:L2.3 (数据采集上报到多个服务端，支持可扩展，高可用的采集架构。), each rejected
# naming the file, a line and the item.
BROKEN_SPLITS = [
    (
        "fragment not in the item",
        lambda s: s.replace('zh: "数据采集上报到多个服务端"', 'zh: "数据采集上报到一个服务端"', 1),
        "clause text is not the item's words: '数据采集上报到一个服务端'",
    ),
    (
        "uncovered words",
        lambda s: s.replace('zh: "支持可扩展，高可用的采集架构"', 'zh: "支持可扩展"', 1),
        "no clause covers '高可用的采集架构'",
    ),
    (
        "letters out of order",
        lambda s: s.replace(
            '- id: a\n                  text:\n                    zh: "数据采集上报到多个服务端"',
            '- id: b\n                  text:\n                    zh: "数据采集上报到多个服务端"',
            1,
        ).replace(
            '- id: b\n                  text:\n                    zh: "支持可扩展，高可用的采集架构"',
            '- id: a\n                  text:\n                    zh: "支持可扩展，高可用的采集架构"',
            1,
        ),
        "clauses must be lettered ['a', 'b'] in order, found ['b', 'a']",
    ),
    # v2: no implicit single clause any more; an item without its clauses is an error.
    ("no clauses", lambda s: _drop_clauses(s, "ydt:5.1.1:L2.3"), "ydt:5.1.1:L2.3: no clauses"),
]


def _drop_clauses(text: str, item: str) -> str:
    """The domain file without the `clauses:` block of `item`."""
    lines = text.splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if f'id: "{item}"' in ln)
    start = next(i for i in range(at, len(lines)) if lines[i].strip() == "clauses:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and len(lines[end]) - len(lines[end].lstrip()) > indent:
        end += 1
    return "".join(lines[:start] + lines[end:])


@pytest.mark.parametrize(("name", "edit", "message"), BROKEN_SPLITS, ids=[c[0] for c in BROKEN_SPLITS])
def test_broken_clause_split_names_file_and_item(tmp_path: Path, name: str, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    root = _copy_catalog(tmp_path)
    f = root / "ydt1756-4" / "05-monitoring.yaml"
    before = f.read_text(encoding="utf-8")
    after = edit(before)
    assert after != before, f"the edit {name!r} no longer applies to 05-monitoring.yaml"
    f.write_text(after, encoding="utf-8")
    with pytest.raises(InputError) as ei:
        load_catalog(root)
    assert "05-monitoring.yaml" in str(ei.value)
    assert "ydt:5.1.1:L2.3" in str(ei.value)
    assert message in str(ei.value)
    assert ei.value.line is not None
    # The line is the item's own (`- id: "ydt:5.1.1:L2.3"`), not its capability's.
    assert 'id: "ydt:5.1.1:L2.3"' in after.splitlines()[ei.value.line - 1]


def test_duplicate_id_across_files_is_rejected(tmp_path: Path) -> None:
    root = _copy_catalog(tmp_path)
    f = root / "ydt1756-4" / "06-incident-change.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace('id: "ydt:6.1"', 'id: "ydt:5.1"', 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"duplicate id|does not belong"):
        load_catalog(root)


def test_unknown_crosswalk_id_is_rejected(tmp_path: Path) -> None:
    root = _copy_catalog(tmp_path)
    f = root / "crosswalk.yaml"
    text = f.read_text(encoding="utf-8")
    text = re.sub(r'"ydt:\d+\.\d+\.\d+:L\d\.\d+"', '"ydt:5.1.1:L9.9"', text, count=1)
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="unknown YD/T requirement") as ei:
        load_catalog(root)
    assert "crosswalk.yaml" in str(ei.value) and ei.value.line


def _maturity(*args: str) -> subprocess.CompletedProcess[str]:
    return maturity(*args)  # in-process (tests/cli.py)


def test_cli_catalog_json_prints_everything() -> None:
    out = _maturity("catalog", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    reqs = [r for fw in doc["frameworks"] for c in fw["capabilities"] for r in c["requirements"]]
    assert len(reqs) == 408 + 71
    assert set(reqs[0]) >= {"id", "level", "text", "assessment"}
    assert {"zh", "en"} <= set(reqs[0]["text"])


def test_cli_catalog_table_and_framework_filter() -> None:
    out = _maturity("catalog", "--framework", "aws-wa-ops")
    assert out.returncode == 0
    assert "wa:OPS11" in out.stdout and "ydt:5.1.1" not in out.stdout
    out = _maturity("catalog")
    assert "ydt:5.3.1" in out.stdout and "告警与管控" in out.stdout
