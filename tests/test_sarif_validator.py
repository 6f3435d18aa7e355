"""SARIF through Microsoft's SARIF Multitool (`make tools` installs it from npm): the 2.1.0 JSON
Schema and GitHub's ingestion rules (rule kinds Sarif;Gh), the checks
https://sarifweb.azurewebsites.net runs before an upload. Notes (style suggestions) are allowed;
errors and warnings are not."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.cli import maturity

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / ".venv" / "tools" / "sarif-multitool" / "Sarif.Multitool"
ESTATE = ROOT / "tests" / "estates" / "shop"


def validate(sarif: Path, tmp: Path) -> list[dict[str, Any]]:
    """The validator's findings (errors, warnings and notes) on one SARIF file."""
    assert TOOL.is_file(), "run `make tools` (make test does): the SARIF Multitool is missing"
    out = tmp / f"{sarif.stem}.validation.sarif"
    args = [str(TOOL), "validate", str(sarif), "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note"]
    # A single-file .NET app unpacks itself under $HOME/.net: once, beside the tool; no telemetry.
    env = {
        **os.environ,
        "DOTNET_BUNDLE_EXTRACT_BASE_DIR": str(TOOL.parent.parent / ".dotnet-bundle"),
        "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    }
    done = subprocess.run(
        [*args, "--output", str(out), "--log", "ForceOverwrite"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    return results


def serious(results: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (r["ruleId"], json.dumps(r["message"])) for r in results if r.get("level", "warning") in ("error", "warning")
    ]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop estate, scoped: findings with file/line locations and scope properties. (With
    `--sarif-unknown` the same results come as warnings; the file is ten times larger and the
    validator takes minutes over it, for the same shapes.)"""
    d = tmp_path_factory.mktemp("sarifv")
    shutil.copytree(ESTATE / "repo", d / "repo")
    config = (ESTATE / "maturity.yaml").read_text(encoding="utf-8")
    config += "scopes:\n  - {name: shop, owner: lead@example.com, target_level: 2, selectors: {kubernetes: {namespaces: [shop]}}}\n"
    (d / "m.yaml").write_text(config, encoding="utf-8")
    out = maturity(
        "-q",
        "scan",
        "-c",
        str(d / "m.yaml"),
        "--json",
        str(d / "r.json"),
        "--sarif",
        str(d / "r.sarif"),
    )
    assert out.returncode == 0, out.stderr
    return d / "r.sarif"


@pytest.mark.parametrize("which", ["golden", "scan"])
def test_sarif_passes_the_schema_and_githubs_rules(which: str, scanned: Path, tmp_path: Path) -> None:
    sarif = ROOT / "tests" / "golden" / "report.sarif" if which == "golden" else scanned
    results = validate(sarif, tmp_path)
    assert serious(results) == []
    # and the JSON Schema the tool ships, checked directly as well
    schema = json.loads((TOOL.parent / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(sarif.read_text(encoding="utf-8")))


def test_the_validator_finds_what_github_would_refuse(tmp_path: Path) -> None:
    """The check can fail: a result without a location breaks GitHub's rules."""
    doc = json.loads((ROOT / "tests" / "golden" / "report.sarif").read_text(encoding="utf-8"))
    doc["runs"][0]["results"][0].pop("locations", None)
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    ids = {rule for rule, _ in serious(validate(broken, tmp_path))}
    assert "GH1015" in ids
