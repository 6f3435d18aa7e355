"""`maturity init` (scanner/init_config.py): a commented maturity.yaml from the local kubeconfig,
AWS profiles and token variables, that the real config loader accepts and that never holds a
secret."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from scanner.config import ScanConfig, load_config
from scanner.probe import load_probes
from tests.cli import maturity
from tests.conftest import write

SECRETS = ("kube-SECRET-token", "AKIASECRETKEY", "aws-secret-value", "glpat-SECRET", "graf-SECRET", "pd-SECRET")

KUBECONFIG = """
apiVersion: v1
kind: Config
current-context: prod-eu
contexts:
  - {name: prod-eu, context: {cluster: c1, user: admin}}
  - {name: staging, context: {cluster: c2, user: admin}}
  - {name: "bad\\nname", context: {cluster: c3, user: admin}}
clusters:
  - {name: c1, cluster: {server: "https://10.0.0.1"}}
users:
  - {name: admin, user: {token: kube-SECRET-token}}
"""
AWS_CONFIG = "[default]\nregion = eu-west-1\n\n[profile ops]\nregion = us-east-1\n"
AWS_CREDENTIALS = "[default]\naws_access_key_id = AKIASECRETKEY\naws_secret_access_key = aws-secret-value\n"


def _home(tmp: Path) -> Path:
    home = tmp / "home"
    write(home / ".kube" / "config", KUBECONFIG)
    write(home / ".aws" / "config", AWS_CONFIG)
    write(home / ".aws" / "credentials", AWS_CREDENTIALS)
    return home


def _env(home: Path, **more: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(home), **more}


def _load(f: Path) -> ScanConfig:
    return load_config(f, probe_models=load_probes().config_models())


def test_writes_what_it_finds_and_the_loader_accepts_it(tmp_path: Path) -> None:
    env = _env(
        _home(tmp_path),
        AWS_PROFILE="ops",
        AWS_REGION="eu-central-1",
        GITLAB_TOKEN="glpat-SECRET",
        GRAFANA_TOKEN="graf-SECRET",
        PAGERDUTY_TOKEN="pd-SECRET",
        PROMETHEUS_URL="https://scan:hunter2@prom.example.com:9090/prom/?token=abc#x",
    )
    out = maturity("init", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    f = tmp_path / "maturity.yaml"
    text = f.read_text(encoding="utf-8")
    for secret in (*SECRETS, "hunter2", "token=abc"):
        assert secret not in text and secret not in out.stdout + out.stderr, secret
    cfg = _load(f)
    sources: dict[str, Any] = {s.name: s for s in cfg.source_configs()}
    assert sorted(sources) == ["aws", "gitlab", "grafana", "kubernetes", "pagerduty", "prometheus"]
    assert sources["prometheus"].url == "https://prom.example.com:9090/prom"
    assert sources["kubernetes"].context == "prod-eu" and sources["kubernetes"].kubeconfig is None
    assert sources["aws"].profile == "ops" and sources["aws"].regions == ["eu-central-1"]
    assert sources["gitlab"].token_env == "GITLAB_TOKEN" and sources["pagerduty"].token_env == "PAGERDUTY_TOKEN"
    # no Grafana URL known: written disabled with a placeholder, never scanned as it stands
    assert sources["grafana"].bearer_token_env == "GRAFANA_TOKEN" and sources["grafana"].enabled is False
    assert sources["gitlab"].enabled and sources["prometheus"].enabled
    assert "staging" in text and "bad" not in text  # other contexts in a comment; a name with a newline skipped
    assert "# en:" in text and "# zh:" in text
    assert "kubernetes: 2 context(s)" in out.stderr and "$GITLAB_TOKEN is set" in out.stderr


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    f = write(tmp_path / "maturity.yaml", "sources: []  # mine\n")
    env = _env(_home(tmp_path))
    refused = maturity("init", cwd=tmp_path, env=env)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert f.read_text(encoding="utf-8") == "sources: []  # mine\n"
    forced = maturity("init", "--force", cwd=tmp_path, env=env)
    assert forced.returncode == 0 and 'context: "prod-eu"' in f.read_text(encoding="utf-8")


def test_nothing_found_still_loads(tmp_path: Path) -> None:
    out = maturity("init", "--out", "sub/m.yaml", cwd=tmp_path, env=_env(tmp_path / "empty-home"))
    assert out.returncode == 0, out.stderr
    f = tmp_path / "sub" / "m.yaml"
    assert yaml.safe_load(f.read_text(encoding="utf-8"))["sources"] == []
    assert _load(f).source_configs() == []


def test_kubeconfig_from_env_and_placeholders(tmp_path: Path) -> None:
    kube = write(tmp_path / "kc.yaml", KUBECONFIG)
    env = _env(
        tmp_path / "empty-home",
        KUBECONFIG=str(kube),
        SENTRY_AUTH_TOKEN="sentry-SECRET",
        LOKI_URL="http://loki.example.com:3100",
        GRAFANA_URL="ftp://not-http.example.com",
    )
    out = maturity("init", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    cfg = _load(tmp_path / "maturity.yaml")
    sources: dict[str, Any] = {s.name: s for s in cfg.source_configs()}
    assert sources["kubernetes"].kubeconfig == str(kube)
    assert sources["sentry"].enabled is False and sources["sentry"].organization == "your-org"
    assert sources["loki"].url == "http://loki.example.com:3100" and sources["loki"].enabled
    assert "grafana" not in sources and "GRAFANA_URL is not an http(s) URL" in out.stderr
    assert "sentry-SECRET" not in (tmp_path / "maturity.yaml").read_text(encoding="utf-8")


def test_scan_runs_on_the_written_file(tmp_path: Path) -> None:
    """init with PROMETHEUS_URL of a real Prometheus, then scan with the file as written."""
    from sandbox.prometheus import start_prometheus

    prom = start_prometheus(tmp_path / "prom", "global: {scrape_interval: 15s}\n", {})
    try:
        env = _env(tmp_path / "empty-home", PROMETHEUS_URL=prom.url)
        assert maturity("init", cwd=tmp_path, env=env).returncode == 0
        scan = maturity("scan", "-c", "maturity.yaml", "--json", "r.json", "-q", cwd=tmp_path, env=env)
    finally:
        prom.stop()
    assert scan.returncode == 0, scan.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(s["name"], s["status"]) for s in report["scan"]["sources"]] == [("prometheus", "ok")]


def test_several_kubeconfig_files_are_merged_by_name(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", "contexts: [{name: one}]\ncurrent-context: two\n")
    b = write(tmp_path / "b.yaml", "contexts: [{name: two}, {name: one}]\n")
    env = _env(tmp_path / "empty-home", KUBECONFIG=f"{a}{os.pathsep}{b}")
    assert maturity("init", cwd=tmp_path, env=env).returncode == 0
    kube = next(s for s in _load(tmp_path / "maturity.yaml").source_configs() if s.name == "kubernetes")
    text = (tmp_path / "maturity.yaml").read_text(encoding="utf-8")
    assert kube.model_dump()["kubeconfig"] is None and kube.model_dump()["context"] == "two"
    assert "其他上下文: one" in text
