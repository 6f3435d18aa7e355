"""A small repository checkout for the CI tests: maturity.yaml with one files source over a
GitOps folder holding a prometheus.yml and an alert rule file (one alert with a runbook link,
one without), so some clauses fail on evidence read from a file at a known line; and
`merge_request`, the same checkout as a git repository with a base commit and a change."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

__all__ = ["ALERTS", "CONFIG", "LIVE_SOURCE", "PROMETHEUS", "git", "make_checkout", "merge_request"]

CONFIG = """frameworks: [ydt1756-4, aws-wa-ops]
attestations: [statements/]
sources:
  - name: repo
    probe: files
    path: gitops
"""

PROMETHEUS = """global: {scrape_interval: 30s}
rule_files: [rules/*.yaml]
alerting:
  alertmanagers: [{static_configs: [{targets: ["am:9093"]}]}]
scrape_configs:
  - job_name: app
    static_configs: [{targets: ["app:8080"]}]
"""

ALERTS = """groups:
  - name: g
    rules:
      - alert: HighErrorRate
        expr: rate(errors_total[5m]) > 1
        labels: {severity: page}
      - alert: DiskFull
        expr: node_filesystem_avail_bytes < 1e9
        for: 10m
        labels: {severity: warning}
        annotations: {summary: disk, runbook_url: "https://wiki.example.com/runbooks/disk"}
"""

STATEMENTS = """attestations:
  - requirements: ["ydt:6.1.1:L1.2"]
    statement: An on-call engineer is rostered around the clock.
    owner: sre-lead@example.com
    reviewer: auditor@example.com
    evidence_url: https://wiki.example.com/oncall
    date: "2026-09-01"
    expires: "2027-09-01"
"""


def make_checkout(root: Path, *, git_marker: bool = True) -> Path:
    """Write the checkout under `root` (a `.git` folder marks the repository root unless
    `git_marker` is False, for callers that run `git init` themselves); returns `root`."""
    (root / "gitops" / "rules").mkdir(parents=True, exist_ok=True)
    (root / "statements").mkdir(exist_ok=True)
    if git_marker:
        (root / ".git").mkdir(exist_ok=True)
    (root / "maturity.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "gitops" / "prometheus.yml").write_text(PROMETHEUS, encoding="utf-8")
    (root / "gitops" / "rules" / "alerts.yaml").write_text(ALERTS, encoding="utf-8")
    (root / "statements" / "oncall.yaml").write_text(STATEMENTS, encoding="utf-8")
    return root


LIVE_SOURCE = '  - {name: prom, probe: prometheus, url: "http://127.0.0.1:9"}\n'  # never reachable


def git(repo: Path, *args: str) -> str:
    env = {
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
        "GIT_AUTHOR_NAME": "dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
    out = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.strip()


def merge_request(
    tmp_path: Path, change: Callable[[Path], object], *, base_has_config: bool = True
) -> tuple[Path, str]:
    """A repository whose `main` holds the checkout (with a live source the gate must never
    reach), and a feature branch where `change(repo)` is committed; returns (repo, base sha)."""
    repo = make_checkout(tmp_path / "checkout", git_marker=False)
    with (repo / "maturity.yaml").open("a", encoding="utf-8") as fh:
        fh.write(LIVE_SOURCE)
    git(repo, "init", "-q", "-b", "main")
    if not base_has_config:
        (repo / "maturity.yaml").rename(repo / "maturity.later")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    if not base_has_config:
        (repo / "maturity.later").rename(repo / "maturity.yaml")
    change(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    return repo, base
