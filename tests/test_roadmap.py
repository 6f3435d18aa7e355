"""The HTML roadmap (scanner/html_roadmap.py): every blocker of the next level with why it blocks
and what clears it, cheapest steps first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scanner.html import render_html
from scanner.html_roadmap import EFFORT, roadmap_view
from tests.cli import maturity

ESTATE = Path(__file__).parent / "estates" / "shop"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("roadmap")
    shutil.copytree(ESTATE / "repo", d / "repo")
    shutil.copy(ESTATE / "maturity.yaml", d / "m.yaml")
    assert maturity("-q", "scan", "-c", str(d / "m.yaml"), "--json", str(d / "r.json")).returncode == 0
    doc: dict[str, Any] = json.loads((d / "r.json").read_text(encoding="utf-8"))
    return doc


def _clauses(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        cl["id"]: cl
        for fw in report["frameworks"]
        for c in fw["capabilities"]
        for r in c["requirements"]
        for cl in r["clauses"]
    }


def test_every_open_clause_of_the_next_level_is_a_blocker_with_its_action(report: dict[str, Any]) -> None:
    steps = roadmap_view(report)
    assert len(steps) == len(report["next_steps"])
    clauses = _clauses(report)
    remediation = {r["id"]: r["remediation"].strip() for r in report["rules"]}
    kinds = set()
    for step in steps:
        for it in step["items"]:
            req_clauses = [c for cid, c in clauses.items() if cid.startswith(it["requirement"] + "#")]
            open_ids = {c["id"] for c in req_clauses if c["status"] not in ("met", "attested", "not_applicable")}
            assert {b["id"] for b in it["blockers"]} == open_ids
            for b in it["blockers"]:
                kinds.add(b["kind"])
                cl = clauses[b["id"]]
                if cl["status"] == "not_met":
                    failing = [r["id"] for r in cl["rules"] if r["status"] == "not_met"]
                    assert b["kind"] == "fix" and remediation[failing[0]] in b["action"]["en"]
                    assert b["action"]["zh"]
                elif cl["assessment"] == "organisational":
                    assert b["kind"] == "attest"
                    level = f" --level {step['target_level']}" if step["target_level"] is not None else ""
                    command = f"maturity attest template --capability {step['capability']}{level} --report report.json"
                    assert b["action"] == {"en": command, "zh": command, "command": "1"}
                elif cl["reason_code"] == "source_not_configured":
                    assert b["kind"] == "configure" and b["action"]["en"].startswith("configure ")
                    assert b["action"]["zh"].startswith("配置 ")
    assert kinds == {"attest", "configure", "fix"}


def test_cheapest_steps_that_unlock_most_come_first(report: dict[str, Any]) -> None:
    steps = roadmap_view(report)
    keys = [(s["effort"], -s["unlocks"], s["blockers"]) for s in steps]
    assert keys == sorted(keys)
    for s in steps:
        assert s["effort"] == max(EFFORT[b["kind"]] for i in s["items"] for b in i["blockers"])


def test_the_html_roadmap_shows_blockers_and_actions(report: dict[str, Any]) -> None:
    html = render_html(report)
    section = html[html.index('id="roadmap"') : html.index('id="statements"')]
    first = roadmap_view(report)[0]
    assert section.index(f"<code>{first['capability']}</code>") < section.index("</details>")
    assert "maturity attest template --capability" in section and 'data-kind="fix"' in section
