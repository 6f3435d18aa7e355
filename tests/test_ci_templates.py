"""The GitLab CI/CD component's jobs, run in a local shell with a fake CI_* environment.

Each test builds a checkout (a real git repository for the merge-request gate), runs the job's
`script` lines in bash as a runner would, with the component's inputs expanded into the job's
variables, and reads back every file the job declares under `artifacts:reports`, so a renamed
flag or a report the job forgets to write fails here rather than in a user's pipeline.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci_repo import ALERTS, LIVE_SOURCE, make_checkout, merge_request
from tests.ci_shell import expand_inputs, run_script

pytestmark = pytest.mark.slow  # every test runs the CLI (and git) in subprocesses

ROOT = Path(__file__).resolve().parents[1]
COMPONENT = ROOT / "templates" / "maturity.yml"
JOB_URL = "https://gitlab.example.com/platform/shop/-/jobs/42"


def _component(**inputs: Any) -> dict[str, Any]:
    """The component's jobs with `inputs` (else the spec's defaults) expanded, as GitLab includes it."""
    text = COMPONENT.read_text(encoding="utf-8")
    head, _, body = text.partition("\n---\n")
    spec = yaml.safe_load(head)["spec"]["inputs"]
    return dict(yaml.safe_load(expand_inputs(body, spec, inputs)))


def _job_env(ci: dict[str, Any], job: str, repo: Path, **extra: str) -> dict[str, str]:
    variables = {**ci[".maturity"].get("variables", {}), **ci[job].get("variables", {})}
    return {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(repo),
        "CI_JOB_URL": JOB_URL,
        "CI_DEFAULT_BRANCH": "main",
        **{k: str(v) for k, v in variables.items()},
        **extra,
    }


def _schedule_env(ci: dict[str, Any], repo: Path) -> dict[str, str]:
    return _job_env(ci, "maturity:scheduled", repo, CI_PIPELINE_SOURCE="schedule", CI_COMMIT_BRANCH="main")


def test_scheduled_job_writes_every_report_it_declares(tmp_path: Path) -> None:
    ci = _component()
    job = ci["maturity:scheduled"]
    repo = make_checkout(tmp_path / "checkout")
    res = run_script(job["script"], cwd=repo, env=_schedule_env(ci, repo))
    assert res.returncode == 0, res.stdout + res.stderr
    reports = ci[".maturity"]["artifacts"]["reports"]
    assert set(reports) == {"junit", "codequality", "metrics", "dotenv", "annotations"}
    for kind, rel in reports.items():
        assert (repo / rel).is_file(), f"{kind}: {rel} not written"
    issues = json.loads((repo / reports["codequality"]).read_text(encoding="utf-8"))
    assert issues and all((repo / i["location"]["path"]).is_file() for i in issues)
    assert (repo / reports["metrics"]).read_text(encoding="utf-8").endswith("# EOF\n")
    env = dict(line.split("=", 1) for line in (repo / reports["dotenv"]).read_text(encoding="utf-8").splitlines())
    assert env["MATURITY_GATE"] == "passed" and env["MATURITY_SOURCES_FAILED"] == "0"
    link = json.loads((repo / reports["annotations"]).read_text(encoding="utf-8"))["maturity"][0]["external_link"]
    assert link["url"] == f"{JOB_URL}/artifacts/file/maturity/report.html"
    assert (repo / "maturity" / "report.html").is_file() and (repo / "maturity" / "maturity.sarif").is_file()
    assert "verified" in res.stdout + res.stderr  # `maturity verify` ran on the bundle


def test_scheduled_job_fails_when_its_source_cannot_be_read(tmp_path: Path) -> None:
    """The gitops folder is gone: no source could be scanned, the job stops (exit 3), and the
    reports GitLab uploads on failure are still there to read."""
    ci = _component()
    repo = make_checkout(tmp_path / "checkout")
    for f in sorted((repo / "gitops").rglob("*"), reverse=True):
        f.unlink() if f.is_file() else f.rmdir()
    (repo / "gitops").rmdir()
    res = run_script(ci["maturity:scheduled"]["script"], cwd=repo, env=_schedule_env(ci, repo))
    assert res.returncode == 3, res.stdout + res.stderr
    assert "no source could be scanned" in res.stderr
    assert (repo / "maturity" / "maturity.env").is_file() and (repo / "maturity" / "report.json").is_file()


def _run_gate(repo: Path, base: str, **inputs: Any) -> subprocess.CompletedProcess[str]:
    ci = _component(**inputs)
    env = _job_env(
        ci,
        "maturity:merge-request-gate",
        repo,
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_MERGE_REQUEST_DIFF_BASE_SHA=base,
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        CI_MERGE_REQUEST_IID="7",
    )
    return run_script(ci["maturity:merge-request-gate"]["script"], cwd=repo, env=env)


def _dotenv(repo: Path) -> dict[str, str]:
    text = (repo / "maturity" / "maturity.env").read_text(encoding="utf-8")
    return dict(line.split("=", 1) for line in text.splitlines())


def test_merge_request_that_drops_a_runbook_link_fails_naming_the_alert(tmp_path: Path) -> None:
    def drop_runbook(repo: Path) -> None:
        path = repo / "gitops" / "rules" / "alerts.yaml"
        path.write_text(ALERTS.replace(', runbook_url: "https://wiki.example.com/runbooks/disk"', ""), "utf-8")

    repo, base = merge_request(tmp_path, drop_runbook)
    res = _run_gate(repo, base)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "gate failed: regression" in res.stderr and "g/DiskFull" in res.stderr
    summary = (repo / "maturity" / "summary.md").read_text(encoding="utf-8")
    assert "gates failed" in summary and "g/DiskFull" in summary and "changed in this merge request" not in summary
    env = _dotenv(repo)
    assert env["MATURITY_GATE"] == "failed" and int(env["MATURITY_REGRESSIONS"]) >= 1
    assert env["MATURITY_CHANGED_STATEMENT_FILES"] == "0"
    report = json.loads((repo / "maturity" / "report.json").read_text(encoding="utf-8"))
    baseline = json.loads((repo / "maturity" / "baseline.json").read_text(encoding="utf-8"))
    # both sides scanned the checkout only: the live source was never tried
    for r in (report, baseline):
        assert [(s["name"], s["probe"]) for s in r["scan"]["sources"]] == [("repo", "files")]
    assert (repo / "maturity" / "changed-files.txt").read_text(encoding="utf-8").split() == ["gitops/rules/alerts.yaml"]
    assert not list(Path(tmp_path).glob("**/target/.git"))  # the target branch's worktree is gone


def test_merge_request_changing_a_statement_passes_and_lists_it(tmp_path: Path) -> None:
    def add_runbook_and_touch_statement(repo: Path) -> None:
        path = repo / "gitops" / "rules" / "alerts.yaml"
        path.write_text(
            ALERTS.replace(
                "labels: {severity: page}",
                'labels: {severity: page}\n        annotations: {runbook_url: "https://wiki.example.com/rb/errors"}',
            ),
            "utf-8",
        )
        statement = repo / "statements" / "oncall.yaml"
        statement.write_text(
            statement.read_text("utf-8").replace("around the clock", "around the clock, 24x7"), "utf-8"
        )

    repo, base = merge_request(tmp_path, add_runbook_and_touch_statement)
    res = _run_gate(repo, base)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "changed in this merge request (statements; review before approving): statements/oncall.yaml" in res.stderr
    summary = (repo / "maturity" / "summary.md").read_text(encoding="utf-8")
    assert "gates passed" in summary and "| statements/oncall.yaml | statements |" in summary
    env = _dotenv(repo)
    assert env["MATURITY_GATE"] == "passed" and env["MATURITY_CHANGED_STATEMENT_FILES"] == "1"
    assert env["MATURITY_REGRESSIONS"] == "0"
    issues = json.loads((repo / "maturity" / "codequality.json").read_text(encoding="utf-8"))
    assert not [i for i in issues if i["check_name"] == "prometheus.alerting.runbooks"]  # the fix shows


@pytest.mark.parametrize("allow", [False, True])
def test_a_target_branch_without_a_baseline_fails_unless_allowed(tmp_path: Path, allow: bool) -> None:
    repo, base = merge_request(tmp_path, lambda _repo: None, base_has_config=False)
    res = _run_gate(repo, base, allow_missing_baseline=allow)
    assert "no maturity.yaml on the target branch: no baseline" in res.stdout
    if allow:
        assert res.returncode == 0, res.stdout + res.stderr
        assert "allowed by --allow-missing-baseline" in res.stderr
        assert "allowed by --allow-missing-baseline" in (repo / "maturity" / "summary.md").read_text("utf-8")
        assert "maturity.yaml" in (repo / "maturity" / "changed-files.txt").read_text("utf-8").split()
    else:
        assert res.returncode == 2, res.stdout + res.stderr
        assert "baseline.json: cannot read report" in res.stderr


def test_merged_results_pipeline_compares_with_the_target_tip(tmp_path: Path) -> None:
    """In a merged-results pipeline GitLab sets the target branch's SHA: the gate compares with
    it, not the (older) merge base, so changes already on the target are not this MR's."""
    repo, base = merge_request(tmp_path, lambda r: (r / "README.md").write_text("docs\n", "utf-8"))
    ci = _component()
    env = _job_env(
        ci,
        "maturity:merge-request-gate",
        repo,
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_MERGE_REQUEST_DIFF_BASE_SHA="0" * 40,  # would fail if it were used
        CI_MERGE_REQUEST_TARGET_BRANCH_SHA=base,
    )
    res = run_script(ci["maturity:merge-request-gate"]["script"], cwd=repo, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (repo / "maturity" / "changed-files.txt").read_text("utf-8").split() == ["README.md"]


def test_files_job_on_the_default_branch_scans_only_the_checkout(tmp_path: Path) -> None:
    ci = _component()
    repo = make_checkout(tmp_path / "checkout")
    with (repo / "maturity.yaml").open("a", encoding="utf-8") as fh:
        fh.write(LIVE_SOURCE)
    env = _job_env(ci, "maturity:files", repo, CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main")
    res = run_script(ci["maturity:files"]["script"], cwd=repo, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads((repo / "maturity" / "report.json").read_text(encoding="utf-8"))
    assert [s["probe"] for s in report["scan"]["sources"]] == ["files"]
    for rel in ci[".maturity"]["artifacts"]["reports"].values():
        assert (repo / rel).is_file(), rel
