"""The GitHub composite action (deploy/github/action.yml), its steps run in a local shell.

The `run:` steps execute as a runner would (`bash -eo pipefail`) with a fake GITHUB_*
environment, the action's `env:` expressions resolved from the inputs and the event; the `uses:`
steps (SARIF upload, artifact upload) are GitHub's own and are checked by what they are given.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci_repo import ALERTS, make_checkout, merge_request
from tests.ci_shell import run_script

pytestmark = pytest.mark.slow  # the steps run the CLI and git in subprocesses

ROOT = Path(__file__).resolve().parents[1]
ACTION_DIR = ROOT / "deploy" / "github"
_EXPR = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def _action() -> dict[str, Any]:
    return dict(yaml.safe_load((ACTION_DIR / "action.yml").read_text(encoding="utf-8")))


def _resolve(value: str, context: dict[str, str]) -> str:
    """A step's `env:` value with each `${{ path }}` replaced (an unknown path is empty, as on GitHub)."""
    return _EXPR.sub(lambda m: context.get(m.group(1), ""), str(value))


def _run_steps(repo: Path, tmp: Path, event: str, base: str = "", **inputs: str) -> dict[str, Any]:
    """Run every `run:` step in order, stopping at the first failure like a runner; returns the
    exit code, the step summary, the step outputs and the logs."""
    action = _action()
    context = {f"inputs.{k}": str(v.get("default", "")) for k, v in action["inputs"].items()}
    context.update({f"inputs.{k.replace('_', '-')}": v for k, v in inputs.items()})
    context["github.event.pull_request.base.sha"] = base
    summary, outputs, path_file = tmp / "step_summary.md", tmp / "output.env", tmp / "path.txt"
    for f in (summary, outputs, path_file):
        f.write_text("", encoding="utf-8")
    runner_temp = tmp / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    github = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_ACTION_PATH": str(ACTION_DIR),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_PATH": str(path_file),
        "RUNNER_TEMP": str(runner_temp),
    }
    logs, code = [], 0
    for step in action["runs"]["steps"]:
        if "run" not in step:
            continue
        env = {**github, **{k: _resolve(v, context) for k, v in (step.get("env") or {}).items()}}
        res = run_script([step["run"]], cwd=repo, env=env)
        logs.append(res.stdout + res.stderr)
        if res.returncode != 0:
            code = res.returncode
            break
    text = outputs.read_text(encoding="utf-8")
    return {
        "code": code,
        "summary": summary.read_text(encoding="utf-8"),
        "outputs": dict(line.split("=", 1) for line in text.splitlines()),
        "log": "\n".join(logs),
        "installed": path_file.read_text(encoding="utf-8"),
    }


def test_inputs_reach_scripts_only_through_env() -> None:
    """A pull request title or input spliced into `run:` text is a shell injection: none is."""
    action = _action()
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"
    uses = {s["uses"].split("@")[0]: s for s in action["runs"]["steps"] if "uses" in s}
    sarif = uses["github/codeql-action/upload-sarif"]
    assert sarif["if"].startswith("always()") and sarif["with"]["sarif_file"].endswith("/maturity.sarif")
    assert uses["actions/upload-artifact"]["if"] == "always()"
    assert set(action["outputs"]) == {"gate", "regressions", "level"}


def test_pull_request_with_a_regression_fails_and_writes_the_summary(tmp_path: Path) -> None:
    def drop_runbook(repo: Path) -> None:
        path = repo / "gitops" / "rules" / "alerts.yaml"
        path.write_text(ALERTS.replace(', runbook_url: "https://wiki.example.com/runbooks/disk"', ""), "utf-8")
        statement = repo / "statements" / "oncall.yaml"
        statement.write_text(statement.read_text("utf-8") + "\n", "utf-8")

    repo, base = merge_request(tmp_path, drop_runbook)
    run = _run_steps(repo, tmp_path, "pull_request", base)
    assert run["code"] == 1, run["log"]
    assert run["installed"] == ""  # `maturity` was on PATH: nothing installed
    assert run["summary"].startswith("## Maturity scan: ❌ gates failed") and "g/DiskFull" in run["summary"]
    assert "| statements/oncall.yaml | statements |" in run["summary"]
    assert run["outputs"]["MATURITY_GATE"] == "failed" and int(run["outputs"]["MATURITY_REGRESSIONS"]) >= 1
    report = json.loads((repo / "maturity" / "report.json").read_text(encoding="utf-8"))
    assert [s["probe"] for s in report["scan"]["sources"]] == ["files"]  # no live source in a PR
    sarif = json.loads((repo / "maturity" / "maturity.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True, text=True, check=True)
    assert len(worktrees.stdout.splitlines()) == 1  # the base's worktree was removed


@pytest.mark.parametrize("allow", ["false", "true"])
def test_pull_request_whose_base_has_no_config(tmp_path: Path, allow: str) -> None:
    """The pull request adds the scanner: its base cannot be scanned, so the gate fails (exit 2)
    unless allow-missing-baseline is "true"."""
    repo, base = merge_request(tmp_path, lambda _repo: None, base_has_config=False)
    run = _run_steps(repo, tmp_path, "pull_request", base, allow_missing_baseline=allow)
    assert "::warning::no maturity.yaml at the base: no baseline" in run["log"]
    if allow == "true":
        assert run["code"] == 0, run["log"]
        assert "allowed by --allow-missing-baseline" in run["summary"]
        assert run["outputs"]["MATURITY_GATE"] == "passed"
    else:
        assert run["code"] == 2 and "baseline.json: cannot read report" in run["log"]


def test_schedule_runs_the_full_scan(tmp_path: Path) -> None:
    repo = make_checkout(tmp_path / "checkout")
    run = _run_steps(repo, tmp_path, "schedule", min_levels="--min-level ydt:5.3.1=0")
    assert run["code"] == 0, run["log"]
    assert run["summary"].startswith("## Maturity scan: ✅ gates passed")
    assert run["outputs"]["MATURITY_GATE"] == "passed" and "MATURITY_REGRESSIONS" not in run["outputs"]
    assert float(run["outputs"]["MATURITY_YDT1756_4_LEVEL"]) >= 0
    for name in ("report.json", "report.html", "maturity.sarif", "junit.xml", "maturity.env", "summary.md"):
        assert (repo / "maturity" / name).is_file(), name
