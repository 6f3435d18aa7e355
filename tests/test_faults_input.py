"""Bad input the config schema cannot see: a credential variable that is not set.

Decision: a source whose `*_env` names an unset (or empty) variable is a *failed source* with a
reason naming the variable, not a config error. The config is valid (the variable may be set
on the machine that runs the scan, e.g. a CronJob's Secret), the other sources still scan, the
source's kinds are unknown, and no gate is implied (exit 0). Every probe that takes a token
from the environment behaves the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scanner.cli import main

UNSET = "MATURITY_TEST_SURELY_UNSET_VAR"

ENV_CASES = [
    ("prometheus bearer_token_env", {"probe": "prometheus", "url": "http://127.0.0.1:9", "bearer_token_env": UNSET}),
    ("prometheus basic_auth_env", {"probe": "prometheus", "url": "http://127.0.0.1:9", "basic_auth_env": UNSET}),
    (
        "alertmanager bearer_token_env",
        {"probe": "alertmanager", "url": "http://127.0.0.1:9", "bearer_token_env": UNSET},
    ),
    ("gitlab token_env", {"probe": "gitlab", "url": "http://127.0.0.1:9", "token_env": UNSET, "groups": ["a"]}),
    ("gitlab job_token_env", {"probe": "gitlab", "url": "http://127.0.0.1:9", "job_token_env": UNSET, "groups": ["a"]}),
]


@pytest.mark.parametrize("entry", [e for _n, e in ENV_CASES], ids=[n for n, _e in ENV_CASES])
def test_unset_credential_variable_fails_the_source_clearly(
    entry: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    repo = Path(__file__).resolve().parent.parent / "sandbox" / "kubernetes_estate"
    cfg = tmp_path / "m.yaml"
    sources = [{"name": "src", "retries": 0, **entry}, {"name": "repo", "probe": "files", "path": str(repo)}]
    cfg.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["-q", "scan", "-c", str(cfg), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    runs = {s["name"]: s for s in report["scan"]["sources"]}
    src, repo_run = runs["src"], runs["repo"]
    assert src["status"] == "error" and UNSET in src["error"] and "not set" in src["error"], src
    assert repo_run["status"] == "ok" and repo_run["evidence_count"] > 0
    assert src["failed_kinds"] and all(UNSET in why for why in src["failed_kinds"].values())
