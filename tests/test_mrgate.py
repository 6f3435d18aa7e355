"""The merge-request gate's pieces: files-only scans and baselines, a baseline allowed to be
missing, and the statement, config and rule files a merge request changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.errors import InputError
from scanner.gates import GateSpec, evaluate
from scanner.mrgate import (
    MAX_CHANGED,
    ChangedFile,
    changed_inputs,
    check_files_only_baseline,
    keep_files_sources,
    read_changed_files,
)
from scanner.summary_md import render_summary_md
from tests.ci_repo import LIVE_SOURCE, make_checkout
from tests.cli import maturity
from tests.reportgen import build_report


def _config(repo: Path, text: str) -> Any:
    from scanner.pipeline import load_inputs

    (repo / "maturity.yaml").write_text(text, encoding="utf-8")
    return load_inputs(repo / "maturity.yaml").config


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = make_checkout(tmp_path / "checkout")
    (root / "waivers.yaml").write_text("waivers: []\n", encoding="utf-8")
    (root / "extra-rules").mkdir()
    return root


CONFIG = """frameworks: [ydt1756-4]
attestations: [statements/]
waivers: [waivers.yaml]
rules: [extra-rules]
sources:
  - {name: repo, probe: files, path: gitops}
"""


def test_changed_statement_config_and_rule_files_are_found(repo: Path) -> None:
    config = _config(repo, CONFIG)
    changed = [
        "gitops/rules/alerts.yaml",  # evidence: graded, not listed
        "statements/oncall.yaml",
        "statements/new/team.yml",  # a new file under a statement folder
        "statements/README.md",  # not YAML: not read as statements
        "waivers.yaml",
        "waivers.yaml.bak",
        "extra-rules/mine.yaml",
        "maturity.yaml",
        "statements/oncall.yaml",  # listed twice by the caller: once here
    ]
    assert changed_inputs(config, changed) == [
        ChangedFile("statements/oncall.yaml", "statements"),
        ChangedFile("statements/new/team.yml", "statements"),
        ChangedFile("waivers.yaml", "statements"),
        ChangedFile("extra-rules/mine.yaml", "rules"),
        ChangedFile("maturity.yaml", "scan config"),
    ]


def test_config_in_a_subfolder_matches_repository_relative_paths(repo: Path) -> None:
    (repo / "ci").mkdir()
    (repo / "ci" / "maturity.yaml").write_text(
        "attestations: [../statements/oncall.yaml]\nsources:\n  - {name: repo, probe: files, path: ../gitops}\n",
        encoding="utf-8",
    )
    from scanner.pipeline import load_inputs

    config = load_inputs(repo / "ci" / "maturity.yaml").config
    got = changed_inputs(config, ["ci/maturity.yaml", "statements/oncall.yaml", "maturity.yaml", "oncall.yaml"])
    assert [(c.path, c.role) for c in got] == [
        ("ci/maturity.yaml", "scan config"),
        ("statements/oncall.yaml", "statements"),
    ]


def test_read_changed_files_is_bounded(tmp_path: Path) -> None:
    listing = tmp_path / "changed.txt"
    listing.write_text("./a.yaml\n\n  b.yaml  \n" + "x" * 5000 + "\n" + "c\n" * (MAX_CHANGED + 10), encoding="utf-8")
    got = read_changed_files(listing)
    assert got[:2] == ["a.yaml", "b.yaml"] and "x" * 5000 not in got
    assert len(got) <= MAX_CHANGED
    with pytest.raises(InputError, match="cannot read the changed-files list"):
        read_changed_files(tmp_path / "absent.txt")


def test_files_only_keeps_the_files_sources_and_refuses_a_live_baseline(repo: Path, tmp_path: Path) -> None:
    config = _config(repo, CONFIG + LIVE_SOURCE)
    keep_files_sources(config)
    assert [s.name for s in config.source_configs()] == ["repo"]
    live_only = _config(repo, "sources:\n" + LIVE_SOURCE)
    with pytest.raises(InputError, match="no `files` source"):
        keep_files_sources(live_only)
    live_report = build_report(tmp_path / "live", good=True)  # prometheus and aws sources
    with pytest.raises(InputError, match="scanned prom \\(prometheus\\), aws \\(aws\\)"):
        check_files_only_baseline(live_report, "base.json")
    files_report = {"scan": {"sources": [{"name": "repo", "probe": "files", "status": "ok"}]}}
    check_files_only_baseline(files_report, "base.json")  # no error


def test_a_missing_baseline_is_a_note_only_when_allowed(tmp_path: Path) -> None:
    report = build_report(tmp_path, good=True)
    with pytest.raises(InputError, match="needs --baseline"):
        evaluate(report, GateSpec(fail_on_regression=True))
    res = evaluate(report, GateSpec(fail_on_regression=True, missing_baseline="base.json"))
    assert not res.failed and res.diff is None
    assert res.notes == [
        "no baseline at base.json (allowed by --allow-missing-baseline): the regression gate was not applied"
    ]
    res.changed_files = [ChangedFile("waivers.yaml", "statements")]
    assert res.lines()[-1].endswith("review before approving): waivers.yaml")
    md = render_summary_md(report, res)
    assert "allowed by --allow-missing-baseline" in md
    assert "| waivers.yaml | statements |" in md and "changed in this merge request (1)" in md


def test_cli_files_only_gate(repo: Path, tmp_path: Path) -> None:
    (repo / "maturity.yaml").write_text(CONFIG + LIVE_SOURCE, encoding="utf-8")
    out = tmp_path / "out"
    cfg = str(repo / "maturity.yaml")
    base = maturity("scan", "-q", "--files-only", "-c", cfg, "--json", str(out / "base.json"), cwd=repo)
    assert base.returncode == 0, base.stderr
    assert [s["name"] for s in json.loads((out / "base.json").read_text("utf-8"))["scan"]["sources"]] == ["repo"]
    listing = tmp_path / "changed.txt"
    listing.write_text("waivers.yaml\ngitops/prometheus.yml\n", encoding="utf-8")
    gate = maturity(
        "scan", "-q", "--files-only", "-c", cfg, "--json", str(out / "new.json"),
        "--baseline", str(out / "base.json"), "--fail-on-regression", "--changed-files", str(listing),
        "--dotenv", str(out / "e.env"), cwd=repo,
    )  # fmt: skip
    assert gate.returncode == 0, gate.stderr
    assert "changed in this merge request (statements; review before approving): waivers.yaml" in gate.stderr
    assert "MATURITY_CHANGED_STATEMENT_FILES=1\n" in (out / "e.env").read_text("utf-8")
    # a full (live) scan is no baseline for a files-only one; nor is --shard allowed
    live = build_report(tmp_path / "live", good=True)
    (out / "live.json").write_text(json.dumps(live), encoding="utf-8")
    refused = maturity(
        "scan",
        "-q",
        "--files-only",
        "-c",
        cfg,
        "--json",
        str(out / "x.json"),
        "--baseline",
        str(out / "live.json"),
        cwd=repo,
    )
    assert refused.returncode == 2 and "files-only baseline" in refused.stderr and not (out / "x.json").exists()
    sharded = maturity(
        "scan", "-q", "--files-only", "--shard", "0/2", "-c", cfg, "--json", str(out / "y.json"), cwd=repo
    )
    assert sharded.returncode == 2 and "--shard" in sharded.stderr
    # missing baseline: invalid input, unless allowed; an unparsable one fails either way
    missing = [*("scan", "-q", "--files-only", "-c", cfg, "--json", str(out / "z.json")), "--fail-on-regression"]
    absent = maturity(*missing, "--baseline", str(out / "absent.json"), cwd=repo)
    assert absent.returncode == 2 and not (out / "z.json").exists()
    (out / "empty.json").write_text("", encoding="utf-8")
    allowed = maturity(*missing, "--baseline", str(out / "empty.json"), "--allow-missing-baseline", cwd=repo)
    assert allowed.returncode == 0 and "regression gate was not applied" in allowed.stderr
    (out / "garbage.json").write_text("{not json", encoding="utf-8")
    garbage = maturity(*missing, "--baseline", str(out / "garbage.json"), "--allow-missing-baseline", cwd=repo)
    assert garbage.returncode == 2 and "not valid JSON" in garbage.stderr
