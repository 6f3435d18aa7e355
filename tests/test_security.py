"""Security: credentials never leak, credential-looking data is redacted, and any changed byte of
a report or bundle is caught by `verify`.

(The Kubernetes probe never asking for Secrets and the ClusterRole/IAM policy granting only reads
are tested in test_probe_kubernetes_rbac.py and test_probe_aws.py.)
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.server import ThreadedMotoServer

from sandbox.gitlab import GitLabAPI, build_history
from sandbox.grafana import GrafanaAPI
from sandbox.grafana import well_run as grafana_estate
from sandbox.jsm import EMAIL as JSM_EMAIL
from sandbox.jsm import well_run as jsm_well_run
from sandbox.kubernetes import KubeApiServer, default_estate_dir, load_objects, write_kubeconfig
from sandbox.loki import well_run as loki_well_run
from sandbox.pagerduty import PagerDutyAPI, well_run_estate
from sandbox.prometheus import Exporter
from sandbox.sentry import well_run as sentry_well_run
from scanner.cli import main
from scanner.evidence import Evidence

J = "application/json"
BUILD = (200, J, json.dumps({"status": "success", "data": {"version": "2.42.0"}}))
EMPTY = (200, J, json.dumps({"status": "success", "data": {"groups": []}}))

# One canary per credential the scanner is given (none is a real credential).
CANARIES = {
    "prometheus bearer token (env)": "promBearerCanary7f3a9c1e5b",
    "prometheus basic password (env)": "promBasicCanary2d8e4f6a0c",
    "gitlab token (env)": "glpat-GitlabCanary5e1b7d3f9a",
    "aws access key id (credentials_file)": "AKIACANARY0123456789",
    "aws secret key (credentials_file)": "awsSecretCanary9c7e5a3b1d",
    "kubernetes bearer token (kubeconfig)": "kubeTokenCanary4b6d8f0a2c",
    "grafana service account token (env)": "glsa_GrafanaCanary3c5e7a9b1d_0f2e4c6a",
    "pagerduty api key (env)": "pdCanaryKey8a6c4e2b0d",
    "loki bearer token (env)": "lokiBearerCanary1f3b5d7e9a",
    "sentry auth token (env)": "sntrys_SentryCanary6d4b2f0e8c",
    "jira api token (env, basic)": "ATATT3xJsmCanary7b9d1f3a5c",
}
# The loopback services holding those canaries, and the variable each source reads its token from.
LOOPBACK_ENVS = {
    "CANARY_GRAFANA": "grafana service account token (env)",
    "CANARY_PAGERDUTY": "pagerduty api key (env)",
    "CANARY_LOKI": "loki bearer token (env)",
    "CANARY_SENTRY": "sentry auth token (env)",
}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One scan config whose every credentialed source holds a canary, with servers behind it."""
    tmp = tmp_path_factory.mktemp("canary")
    prom_bearer = Exporter(
        {"/api/v1/status/buildinfo": BUILD, "*": EMPTY},
        require_auth=f"Bearer {CANARIES['prometheus bearer token (env)']}",
    ).start()
    prom_basic = Exporter({"/api/v1/status/buildinfo": BUILD, "*": (500, "text/plain", "down")}).start()
    gitlab = GitLabAPI(build_history(), token=CANARIES["gitlab token (env)"])
    gitlab.start()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    kube = KubeApiServer(load_objects(default_estate_dir()), token=CANARIES["kubernetes bearer token (kubeconfig)"])
    kube.start()
    creds = tmp / "aws-credentials"
    creds.write_text(
        f"[scan]\naws_access_key_id = {CANARIES['aws access key id (credentials_file)']}\n"
        f"aws_secret_access_key = {CANARIES['aws secret key (credentials_file)']}\n"
    )
    kc = write_kubeconfig(tmp / "kubeconfig.yaml", kube.url, token=CANARIES["kubernetes bearer token (kubeconfig)"])
    grafana = GrafanaAPI(grafana_estate(), token=CANARIES["grafana service account token (env)"])
    grafana.start()
    pagerduty = PagerDutyAPI(well_run_estate(), token=CANARIES["pagerduty api key (env)"]).__enter__()
    loki = loki_well_run(token=CANARIES["loki bearer token (env)"])
    sentry = sentry_well_run(token=CANARIES["sentry auth token (env)"], page_size=2)
    jsm = jsm_well_run(token=CANARIES["jira api token (env, basic)"], incidents=5)
    sources = [
        {
            "name": "prom",
            "probe": "prometheus",
            "url": prom_bearer.url,
            "bearer_token_env": "CANARY_PROM",
            "retries": 0,
        },
        {
            "name": "prom-basic",
            "probe": "prometheus",
            "url": prom_basic.url,
            "basic_auth_env": "CANARY_BASIC",
            "retries": 0,
        },
        {
            "name": "gitlab",
            "probe": "gitlab",
            "url": gitlab.url,
            "token_env": "CANARY_GITLAB",
            "projects": ["acme/web/storefront"],
        },
        {
            "name": "aws",
            "probe": "aws",
            "regions": ["us-east-1"],
            "endpoint_url": f"http://{host}:{port}",
            "profile": "scan",
            "credentials_file": str(creds),
            "retries": 0,
        },
        {"name": "cluster", "probe": "kubernetes", "kubeconfig": str(kc), "context": "sandbox"},
        {"name": "grafana", "probe": "grafana", "url": grafana.url, "bearer_token_env": "CANARY_GRAFANA"},
        {"name": "pagerduty", "probe": "pagerduty", "url": pagerduty.url, "token_env": "CANARY_PAGERDUTY"},
        {"name": "loki", "probe": "loki", "url": loki.url, "bearer_token_env": "CANARY_LOKI"},
        {
            "name": "sentry",
            "probe": "sentry",
            "url": sentry.url,
            "organization": "acme",
            "bearer_token_env": "CANARY_SENTRY",
        },
        {"name": "jsm", "probe": "jsm", "url": jsm.url, "basic_auth_env": "CANARY_JSM", "per_page": 3},
    ]
    cfg = tmp / "maturity.yaml"
    cfg.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    env = {
        **os.environ,
        "CANARY_PROM": CANARIES["prometheus bearer token (env)"],
        "CANARY_BASIC": "scanner:" + CANARIES["prometheus basic password (env)"],
        "CANARY_GITLAB": CANARIES["gitlab token (env)"],
        "CANARY_JSM": f"{JSM_EMAIL}:{CANARIES['jira api token (env, basic)']}",
        **{env: CANARIES[what] for env, what in LOOPBACK_ENVS.items()},
    }
    try:
        yield {"config": cfg, "env": env, "tmp": tmp}
    finally:
        for srv in (prom_bearer, prom_basic, kube):
            srv.stop()
        gitlab.stop()
        grafana.stop()
        pagerduty.__exit__(None, None, None)
        loki.stop()
        sentry.stop()
        jsm.stop()
        httpx.post(f"http://{host}:{port}/moto-api/reset", timeout=10)  # moto's state is process-wide
        moto.stop()


def test_no_credential_in_any_output_log_or_bundle(estate: dict[str, Any]) -> None:
    out = estate["tmp"] / "out"
    argv = [
        *("scan", "-c", str(estate["config"]), "--json", str(out / "r.json"), "--html", str(out / "r.html")),
        *("--sarif", str(out / "r.sarif"), "--junit", str(out / "r.xml"), "--evidence-dir", str(out / "ev")),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "-v", *argv],
        env=estate["env"],
        capture_output=True,
        text=True,
        timeout=300,  # a loaded machine: nine sources, -v logging
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((out / "r.json").read_text())
    status = {s["name"]: s["status"] for s in report["scan"]["sources"]}
    # The credentials were really used: each authenticated source got in (so each had a chance to leak).
    assert status["prom"] in ("ok", "partial") and status["gitlab"] in ("ok", "partial"), status
    assert status["cluster"] in ("ok", "partial") and status["aws"] in ("ok", "partial"), status
    for name in ("grafana", "pagerduty", "loki", "sentry", "jsm"):
        assert status[name] == "ok", status
    assert "DEBUG" in proc.stderr  # -v really logged
    texts = {"stdout": proc.stdout, "stderr (-v)": proc.stderr}
    texts.update({str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()})
    assert len(texts) >= 8
    for what, canary in CANARIES.items():
        for name, text in texts.items():
            assert canary not in text, f"{what} leaked into {name}"
    # Basic auth travels base64-encoded: that form must not leak either.
    jsm_basic = base64.b64encode(f"{JSM_EMAIL}:{CANARIES['jira api token (env, basic)']}".encode()).decode()
    assert not [name for name, text in texts.items() if jsm_basic in text]


REDACT_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("URL userinfo", {"url": "https://scanner:hunter2pass@git.example.com/x.git"}, "hunter2pass"),
    ("URL token-only userinfo", {"remote": "https://ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r"}, "ghp_abcdef"),
    ("Authorization header value", {"headers": {"Authorization": "Token abcdef123456"}}, "abcdef123456"),
    (
        "bearer in a label",
        {"labels": {"note": "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload'"}},
        "eyJhbGci",
    ),
    (
        "AWS access key in annotation",
        {"annotations": {"desc": "key AKIAABCDEFGHIJKLMNOP here"}},
        "AKIAABCDEFGHIJKLMNOP",
    ),
    ("AWS secret in text", {"text": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY"}, "wJalrXUtnFEMI"),
    ("GitLab token in label", {"labels": {"runner": "glpat-abcdefghijklmnopqrst12"}}, "glpat-abcdefghijklmnopqrst12"),
    ("secret-named key", {"spec": {"db_password": "correct-horse"}}, "correct-horse"),
    ("env-like name/value", {"env": [{"name": "DB_PASSWORD", "value": "battery-staple"}]}, "battery-staple"),
    ("key=value in annotation", {"annotations": {"cmd": "--api-key=s3cr3tvalue99 --verbose"}}, "s3cr3tvalue99"),
    ("token in query string", {"link": "https://hooks.example.com/x?access_token=qwerty123456"}, "qwerty123456"),
    (
        "private key block",
        {"pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----"},
        "MIIEabc",
    ),
]


@pytest.mark.parametrize(
    ("data", "secret"), [(d, s) for _n, d, s in REDACT_CASES], ids=[n for n, _d, _s in REDACT_CASES]
)
def test_credential_looking_values_are_redacted_from_evidence(data: dict[str, Any], secret: str) -> None:
    ev = Evidence.make("test.thing", "subject", data, "origin")
    assert secret not in json.dumps(ev.to_json())
    if "env" not in data:  # the same material written as text (subjects, origins, reasons) goes too
        text = json.dumps(data)
        ev = Evidence.make("test.thing", f"subject {text}", {}, f"origin {text}")
        assert secret not in json.dumps(ev.to_json())


def test_redaction_keeps_ordinary_text() -> None:
    data = {
        "alert": "TokenExpirySoon",
        "summary": "password rotation is due",
        "url": "https://prom.example.com:9090/graph",
    }
    assert dict(Evidence.make("t.k", "s", data, "o").data) == data


# --- verify catches any changed byte ----------------------------------------------------------------


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a report (r.json) and its bundle (ev/) that verify accepts."""
    tmp = tmp_path_factory.mktemp("tamper")
    cfg = tmp / "m.yaml"
    estate_dir = Path(__file__).resolve().parent.parent / "sandbox" / "kubernetes" / "estate"
    cfg.write_text(yaml.safe_dump({"sources": [{"name": "repo", "probe": "files", "path": str(estate_dir)}]}))
    assert main(["-q", "scan", "-c", str(cfg), "--json", str(tmp / "r.json"), "--evidence-dir", str(tmp / "ev")]) == 0
    assert main(["-q", "verify", str(tmp / "r.json"), "--evidence-dir", str(tmp / "ev")]) == 0
    return tmp


def _original(scanned: Path, name: str) -> bytes:
    return (scanned / name if name == "r.json" else scanned / "ev" / name).read_bytes()


def _write_copy(scanned: Path, dest: Path, name: str, data: bytes) -> tuple[Path, Path]:
    (dest / "ev").mkdir(parents=True, exist_ok=True)
    for f in (scanned / "ev").iterdir():
        (dest / "ev" / f.name).write_bytes(f.read_bytes())
    report = dest / "r.json"
    report.write_bytes((scanned / "r.json").read_bytes())
    (report if name == "r.json" else dest / "ev" / name).write_bytes(data)
    return report, dest / "ev"


def _mutate(original: bytes, pos: int, new: int) -> bytes:
    new = new if new != original[pos] else (new + 1) % 256
    return original[:pos] + bytes([new]) + original[pos + 1 :]


def _same_json(a: bytes, b: bytes) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except (ValueError, UnicodeDecodeError):
        return False


TAMPER = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FILES = ["r.json", "manifest.json", "evidence.jsonl", "rules.json", "statements.json"]


@TAMPER
@given(name=st.sampled_from(FILES), where=st.floats(0, 1, exclude_max=True), byte=st.integers(0, 255))
def test_verify_detects_any_changed_byte(
    scanned: Path, tmp_path_factory: pytest.TempPathFactory, name: str, where: float, byte: int
) -> None:
    original = _original(scanned, name)
    data = _mutate(original, int(where * len(original)), byte)
    report, bundle = _write_copy(scanned, tmp_path_factory.mktemp("t"), name, data)
    code = main(["-q", "verify", str(report), "--evidence-dir", str(bundle)])
    if name in ("r.json", "manifest.json") and _same_json(original, data):
        # A change of JSON whitespace leaves the document as it was: nothing to detect.
        assert code == 0
    else:
        assert code != 0, f"{name}: byte {int(where * len(original))} changed to {byte}, verify passed"
