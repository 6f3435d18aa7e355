"""`--summary-md F`: the Markdown summary for $GITHUB_STEP_SUMMARY or an MR note."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.gates import GateSpec, evaluate, load_any_report
from scanner.report import seal
from scanner.summary_md import MAX_ROWS, escape_md, render_summary_md
from tests.cli import maturity
from tests.test_diff import FIXTURES, _break_second_workload, clause, edited, req

Report = dict[str, Any]
LONG = "ydt:9.1.2:L1.2#a not met: " + "y" * 400 + " END"


@pytest.fixture(scope="module")
def base() -> Report:
    return load_any_report(FIXTURES / "report.json")


def _worse(r: Report) -> None:
    _break_second_workload(r)
    req(r, "ydt:9.1.2:L1.2").update(status="not_met", reason=LONG)
    clause(r, "ydt:9.1.2:L1.2#a").update(status="not_met", reason_code=None)
    r["scan"]["sources"][0]["error"] = "denied | <img src=x onerror=alert(1)> [link](http://evil)"


def _rows(md: str, heading: str) -> list[list[str]]:
    """The body rows of the table under `heading` (cells split on unescaped pipes)."""
    lines = md.split(heading, 1)[1].split("\n###", 1)[0].splitlines()
    body = [ln for ln in lines if ln.startswith("| ")][1:]
    return [[c.strip() for c in _split(ln)] for ln in body]


def _split(line: str) -> list[str]:
    cells, cur, i = [], "", 1
    while i < len(line) - 1:
        if line[i] == "\\":
            cur += line[i : i + 2]
            i += 2
            continue
        if line[i] == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += line[i]
        i += 1
    return [*cells, cur] if cur.strip() else cells


def test_escape_md_neutralises_markup() -> None:
    assert escape_md("a|b <img> [x](y) `c` *d*\nnext &lt;") == (r"a\|b \<img\> \[x\]\(y\) \`c\` \*d\* next &amp;lt;")


def test_failed_gate_lists_each_regression_with_subjects_full_reason_and_both_statuses(base: Report) -> None:
    new = edited(base, _worse)
    gate = evaluate(new, GateSpec(fail_on_regression=True, min_levels=(("ydt:5.3.1", 5),)), baseline=base)
    md = render_summary_md(new, gate)
    assert md.startswith("## Maturity scan: ❌ gates failed")
    rows = _rows(md, "### Regressions against the baseline")
    assert len(rows) == len(gate.diff.regressions) > 0  # type: ignore[union-attr]
    by_what = {r[1]: r for r in rows}
    item = by_what["requirement ydt:9.1.2:L1.2"]
    assert item[2:4] == ["unknown", "not\\_met"]  # previous and new status
    assert item[4] == escape_md(LONG) and item[4].endswith("END")  # the full reason, never cut
    fresh = next(r for r in rows if r[0] == "new failing subject")
    assert "shop/Deployment/queue" in fresh[5]
    failures = md.split("### Gate failures", 1)[1].split("###", 1)[0]
    assert "min-level: ydt:5.3.1" in failures
    prom = _rows(md, "### Sources")[0]
    assert len(prom) == 5 and prom[4] == r"denied \| \<img src=x onerror=alert\(1\)\> \[link\]\(http://evil\)"
    assert not re.search(r"(?<!\\)[<>\[]", prom[4])  # no markup survives unescaped
    assert "| framework | met |" in md


def test_passing_and_ungated_summaries_say_so(base: Report) -> None:
    assert render_summary_md(base, None).startswith("## Maturity scan: no gates applied")
    ok = evaluate(base, GateSpec(fail_on_regression=True), baseline=base)
    md = render_summary_md(base, ok)
    assert md.startswith("## Maturity scan: ✅ gates passed") and "against the baseline (0)" in md and "None." in md
    new = edited(base, _worse)
    shown = render_summary_md(new, evaluate(new, GateSpec(), baseline=base))
    assert "✅ gates passed" in shown and "Regressions against the baseline (not gated)" in shown


def test_a_huge_regression_list_is_bounded(base: Report) -> None:
    from scanner.diff import Category, Change, ReportDiff
    from scanner.gates import GateResult

    changes = [Change(Category.WORSE, "requirement", f"x:{i}", "met", "not_met", "r") for i in range(MAX_ROWS + 7)]
    gate = GateResult(failures=["gate failed: regression"], diff=ReportDiff(changes=changes))
    md = render_summary_md(base, gate)
    assert md.count("| requirement x:") == MAX_ROWS and "…and 7 more" in md


def test_cli_report_writes_the_summary(base: Report, tmp_path: Path) -> None:
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    new.write_text(json.dumps(seal(edited(base, _worse))), encoding="utf-8")
    old.write_text(json.dumps(seal(edited(base))), encoding="utf-8")
    out = maturity("report", str(new), "--baseline", str(old), "--summary-md", str(tmp_path / "s.md"))
    assert out.returncode == 0, out.stderr
    md = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "(not gated)" in md and "shop/Deployment/queue" in md


def test_cli_scan_writes_the_gate_verdict(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    cfg = tmp_path / "m.yaml"
    cfg.write_text(
        "frameworks: [ydt1756-4]\nsources:\n  - {name: repo, probe: files, path: ./repo}\n", encoding="utf-8"
    )
    summary = tmp_path / "step-summary.md"
    out = maturity(
        "scan", "-q", "-c", str(cfg), "--json", str(tmp_path / "r.json"),
        "--min-level", "ydt:5.3.1=3", "--summary-md", str(summary),
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    md = summary.read_text(encoding="utf-8")
    assert md.startswith("## Maturity scan: ❌ gates failed")
    assert "min-level: ydt:5.3.1" in md.split("### Gate failures (1)", 1)[1]
    assert "| repo | files | ok |" in md
