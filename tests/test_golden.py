"""Golden files: the JSON, SARIF, JUnit and metrics of one fixed v2 report, byte for byte.

The report is built through the real pipeline (tests/reportgen.py: rules, scoring, grading,
seal), so a change to grading or to any writer shows up here as a diff to review. When the
change is intended, regenerate and commit the files:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py    # or: make golden
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from scanner.diff import diff_reports
from scanner.junit import render_junit
from scanner.metrics import render_metrics
from scanner.report import dump_report, validate_report
from scanner.sarif import render_sarif
from tests.reportgen import build_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    d = tmp_path_factory.mktemp("golden")
    return {"bad": build_report(d / "bad", good=False), "good": build_report(d / "good")}


def _outputs(reports: dict[str, dict[str, Any]]) -> dict[str, str]:
    bad = reports["bad"]
    diff = diff_reports(reports["good"], bad).to_json()
    return {
        "report.json": dump_report(bad),
        "report.sarif": render_sarif(bad),
        "junit.xml": render_junit(bad),
        "metrics.prom": render_metrics(bad),
        "diff.json": json.dumps(diff, ensure_ascii=False, indent=1) + "\n",
    }


@pytest.mark.parametrize("name", ["report.json", "report.sarif", "junit.xml", "metrics.prom", "diff.json"])
def test_output_matches_its_golden_file(reports: dict[str, dict[str, Any]], name: str) -> None:
    text = _outputs(reports)[name]
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
    assert path.is_file(), f"{path} missing: run `make golden`"
    golden = path.read_text(encoding="utf-8")
    assert text == golden, (
        f"{name} differs from {path}; if the change is intended, run `make golden` and review the diff"
    )


def test_the_golden_report_is_a_valid_v2_report() -> None:
    doc = json.loads((GOLDEN / "report.json").read_text(encoding="utf-8"))
    validate_report(doc, "tests/golden/report.json")
    assert doc["schema"] == "maturity-report/v2"
