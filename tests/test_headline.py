"""The report headline (scanner/headline.py): counts that equal the report, levels as a
distribution of integers, and the unknowns broken down by reason with the system or source
that would resolve them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from scanner.headline import headline
from scanner.html import render_html
from tests.cli import maturity

ESTATE = Path(__file__).parent / "estates" / "shop"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The shop estate's files, plus a Prometheus source on a port nothing listens on."""
    d = tmp_path_factory.mktemp("headline")
    shutil.copytree(ESTATE / "repo", d / "repo")
    (d / "m.yaml").write_text(
        "sources:\n"
        "  - {name: shop-manifests, probe: files, path: ./repo}\n"
        "  - {name: prom-eu, probe: prometheus, url: 'http://127.0.0.1:9', retries: 0}\n"
        "frameworks: [ydt1756-4, aws-wa-ops]\n",
        encoding="utf-8",
    )
    out = maturity("-q", "scan", "-c", str(d / "m.yaml"), "--json", str(d / "r.json"))
    assert out.returncode in (0, 3), out.stderr  # 3: a source failed
    doc: dict[str, Any] = json.loads((d / "r.json").read_text(encoding="utf-8"))
    return doc


def _items(report: dict[str, Any], fw_id: str) -> list[dict[str, Any]]:
    fw = next(f for f in report["frameworks"] if f["id"] == fw_id)
    return [r for c in fw["capabilities"] for r in c["requirements"]]


def test_counts_equal_the_report(report: dict[str, Any]) -> None:
    h = headline(report)
    for fh in h.frameworks:
        items = _items(report, fh.framework)
        assert sum(fh.items.values()) == len(items)
        for status, n in fh.items.items():
            assert n == sum(1 for r in items if r["status"] == status)
        assert fh.items == report["summary"][fh.framework]["statuses"]


def test_levels_are_a_distribution_of_in_scope_capabilities(report: dict[str, Any]) -> None:
    ydt = next(f for f in headline(report).frameworks if f.framework == "ydt1756-4")
    caps = next(f for f in report["frameworks"] if f["id"] == "ydt1756-4")["capabilities"]
    assert ydt.levels is not None
    for key in ("level_verified", "level", "level_ceiling"):
        assert sum(ydt.levels[key].values()) == ydt.in_scope
        for lv, n in ydt.levels[key].items():
            assert n == sum(1 for c in caps if c.get("in_scope", True) and c[key] == lv)
    wa = next(f for f in headline(report).frameworks if f.framework == "aws-wa-ops")
    assert wa.levels is None  # best practices have no level


def test_unknowns_name_the_source_or_system_that_resolves_them(report: dict[str, Any]) -> None:
    ydt = next(f for f in headline(report).frameworks if f.framework == "ydt1756-4")
    by = {u.reason_code: u for u in ydt.unknowns}
    unknown = {r["id"] for r in _items(report, "ydt1756-4") if r["status"] == "unknown"}
    assert set().union(*(u.items for u in ydt.unknowns)) == unknown  # every unknown item is explained
    failed = by["source_failed"]
    assert set(failed.by_target) == {"prom-eu"}  # the failed source, by its configured name
    # it left unknown exactly the items one of whose clauses waits on a kind that source failed
    assert failed.by_target["prom-eu"] == failed.items and failed.items
    waiting = by["source_not_configured"].by_target
    assert {"aws", "gitlab"} <= set(waiting) and "prometheus" not in waiting  # prometheus is configured
    assert "kubernetes" in waiting  # the live cluster: the files source reads manifests only
    assert by["needs_attestation"].clauses >= len(by["needs_attestation"].items) > 0
    assert [len(u.items) for u in ydt.unknowns] == sorted((len(u.items) for u in ydt.unknowns), reverse=True)


def test_the_html_headline_shows_the_same_numbers(report: dict[str, Any]) -> None:
    html = render_html(report)
    block = html[html.index('<div class="headline">') : html.index('<figure class="chart"')]
    h = headline(report).to_json()
    for fh in h["frameworks"]:
        part = block[block.index(f'<div class="hl-fw" data-fw="{fh["framework"]}">') :]
        for status, n in fh["items"].items():
            assert re.search(rf'data-status="{status}">.*?<b>{n}</b>', part, re.S)
    assert (
        "configure aws: items waiting on it:" in block
        and "fix source prom-eu: items its failure left unknown:" in block
    )
    assert "<code>gitlab</code>" in block  # not configured


def test_a_scan_ends_with_the_summary_table(tmp_path: Path) -> None:
    shutil.copytree(ESTATE / "repo", tmp_path / "repo")
    shutil.copy(ESTATE / "maturity.yaml", tmp_path / "m.yaml")
    out = maturity("--lang", "en", "scan", "-c", str(tmp_path / "m.yaml"), "--json", str(tmp_path / "r.json"))
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    st = doc["summary"]["ydt1756-4"]["statuses"]
    assert f"ydt1756-4: items 408: met {st['met']} · not met {st['not_met']} ·" in out.stderr
    caps = next(f for f in doc["frameworks"] if f["id"] == "ydt1756-4")["capabilities"]
    row = "".join(f"{sum(1 for c in caps if c['level'] == lv):>5}" for lv in range(6)) + "  level\n"
    assert row in out.stderr  # capabilities per level, whole numbers
    assert "source not configured (aws " in out.stderr and f"written: json {tmp_path / 'r.json'}" in out.stderr
    zh = maturity("--lang", "zh", "scan", "-c", str(tmp_path / "m.yaml"), "--json", str(tmp_path / "r.json"))
    summary = zh.stderr[zh.stderr.index("ydt1756-4:") :]
    assert "评估项 408" in summary and "已写入" in summary
    assert not re.search(r"\b(items|unknown because|written|ceiling)\b", summary)
