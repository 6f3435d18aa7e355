"""Bad input the config schema cannot see: a credential variable that is not set.

Decision: a source whose `*_env` names an unset (or empty) variable is a *failed source* with a
reason naming the variable, not a config error. The config is valid (the variable may be set
on the machine that runs the scan, e.g. a CronJob's Secret), the other sources still scan, the
source's kinds are unknown, and no gate is implied (exit 0). Every probe that takes a token
from the environment behaves the same way.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from probes.files import FilesConfig
from scanner.cli import main
from scanner.config import ScanConfig
from scanner.probe import load_probes
from scanner.runner import run_sources

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
    repo = Path(__file__).resolve().parent.parent / "sandbox" / "kubernetes" / "estate"
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


# --- hostile files in a GitOps repository (issue 15) -------------------------------------------
#
# Each case adds one file to a repository that also holds a healthy estate (Deployments, rule
# files, alertmanager.yml). The scan must finish quickly, fail exactly the kinds the file could
# have fed (their rules are unknown, never met or not_met on what was left), name the file, and
# leave every other family observed.

HOSTILE_FAMILY_KINDS = {
    "kubernetes": "kubernetes.workload",
    "prometheus": "prometheus.alert_rule",
    "alertmanager": "alertmanager.config",
}
_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)
HOSTILE: list[tuple[str, str, bytes, set[str], str]] = [
    # (case, file name, content, families failed, substring of the reason)
    (
        "unterminated string after three Deployments",
        "apps/more.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: x}\n"
        b'---\nkind: ConfigMap\nmetadata: {name: "unterminated\n',
        {"kubernetes"},
        "more.yaml:",
    ),
    (
        "alias bomb (billion laughs, 600 bytes)",
        "bomb.yaml",
        ("apiVersion: v1\n" + _BOMB).encode(),
        {"kubernetes"},
        "aliases expand",
    ),
    (
        "3000-deep nesting",
        "deep.yaml",
        b"apiVersion: v1\nx: " + b"[" * 3000 + b"]" * 3000 + b"\n",
        {"kubernetes"},
        "nested deeper",
    ),
    (
        "100k-deep JSON",
        "deep.json",
        b'{"groups": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        {"prometheus"},
        "nested deeper",
    ),
    ("recursive alias", "loop.yaml", b"route: &r {routes: [*r]}\nreceivers: []\n", {"alertmanager"}, "contains it"),
    # A \u escape could spell any key, so the file could have fed every family.
    (
        "lone surrogate escape",
        "sur.yaml",
        b'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "\\ud800"}\n',
        {"kubernetes", "prometheus", "alertmanager"},
        "sur.yaml:",
    ),
    (
        "integer of 10^5 digits",
        "big.yaml",
        b"groups:\n- name: " + b"9" * 100_000 + b"\n  rules: []\n",
        {"prometheus"},
        "big.yaml:",
    ),
    ("duplicate key", "dup.yaml", b"route: {}\nroute: {}\nreceivers: []\n", {"alertmanager"}, "duplicate key"),
    ("not UTF-8", "latin1.yaml", b"apiVersion: v1\nkind: ConfigMap\ndata: {a: \xe9}\n", {"kubernetes"}, "not UTF-8"),
    (
        "PrometheusRule without spec.groups",
        "cr.yaml",
        b"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec: {}\n",
        {"prometheus"},
        "spec.groups",
    ),
    (
        ".inf and .nan kept as text",
        "inf.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: .inf, b: .nan}\n",
        set(),
        "",
    ),
    (
        "60 KB adversarial annotation",
        "anno.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: {x: '"
        + b"a-" * 30000
        + b"password'}\n",
        set(),
        "",
    ),
]


def _healthy_repo(root: Path) -> None:
    estate = Path(__file__).resolve().parent.parent / "sandbox" / "kubernetes" / "estate"
    for f in estate.glob("*.yaml"):
        (root / f.name).write_bytes(f.read_bytes())
    (root / "rules.yaml").write_text(
        "groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n", encoding="utf-8"
    )
    (root / "alertmanager.yml").write_text("route: {receiver: r}\nreceivers: [{name: r}]\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "content", "failed", "why"), [(n, c, f, w) for _case, n, c, f, w in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_hostile_file_fails_only_what_it_could_feed(
    tmp_path: Path, name: str, content: bytes, failed: set[str], why: str
) -> None:
    _healthy_repo(tmp_path)
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    start = time.monotonic()
    result = run_sources(
        ScanConfig(sources=[FilesConfig(name="repo", probe="files", path=str(tmp_path))]), load_probes()
    )
    assert time.monotonic() - start < 20  # seconds: bounded work, not a timing test
    [run] = result.sources
    assert run.status == ("partial" if failed else "ok"), (run.status, run.error)
    for family, kind in HOSTILE_FAMILY_KINDS.items():
        obs = result.observations[kind]
        if family in failed:
            assert not obs.observed and why in (obs.reason or "") and name.split("/")[-1] in (obs.reason or ""), (
                family,
                obs.reason,
            )
        else:
            assert obs.observed, (family, obs.reason)
    assert len([e for e in result.evidence if e.kind == "kubernetes.workload"]) >= 10  # the estate is still read
