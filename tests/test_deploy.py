"""Deployment artifacts: manifests valid against the Kubernetes schemas, Dockerfile lint, CI template."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
BIN = Path(sys.executable).parent


def docs(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


@pytest.mark.parametrize("manifest", K8S, ids=[p.name for p in K8S])
def test_manifest_is_valid_kubernetes(manifest: Path) -> None:
    out = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "-k", "1.30.0", str(manifest)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_scanner_runs_as_the_bound_read_only_service_account() -> None:
    objs = [d for p in K8S for d in docs(p)]
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in objs}
    binding = by_kind[("ClusterRoleBinding", "maturity-scanner")]
    role = by_kind[("ClusterRole", binding["roleRef"]["name"])]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "maturity-scanner", "namespace": "maturity"}]
    for rule in role["rules"]:
        assert set(rule["verbs"]) <= {"get", "list", "watch"}
        assert "secrets" not in rule.get("resources", []) and "*" not in rule.get("resources", [])
    for kind in ("CronJob", "Job"):
        for d in (o for o in objs if o["kind"] == kind):
            spec = (
                d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
                if kind == "CronJob"
                else d["spec"]["template"]["spec"]
            )
            assert spec["serviceAccountName"] == "maturity-scanner"
            assert spec["securityContext"]["runAsNonRoot"] is True
            c = spec["containers"][0]
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            assert c["securityContext"]["allowPrivilegeEscalation"] is False


def test_configmap_holds_a_valid_scan_config(tmp_path: Path) -> None:
    cm = next(d for d in docs(DEPLOY / "kubernetes" / "configmap.yaml") if d["kind"] == "ConfigMap")
    cfg = tmp_path / "maturity.yaml"
    cfg.write_text(cm["data"]["maturity.yaml"], encoding="utf-8")
    from scanner.config import load_config
    from scanner.probe import load_probes

    loaded = load_config(cfg, probe_models=load_probes().config_models())
    assert {s.probe for s in loaded.source_configs()} >= {"kubernetes", "prometheus", "alertmanager"}


def test_dockerfile_lints_clean_and_keeps_our_rules() -> None:
    dockerfile = DEPLOY / "container" / "Dockerfile"
    out = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    text = dockerfile.read_text(encoding="utf-8")
    froms = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert froms and all(re.search(r":\d+\.\d+\.\d+", f) for f in froms), "base images are pinned to a patch version"
    assert re.search(r"^USER\s+10001", text, re.M), "runs as a non-root user"
    assert "-c constraints.txt" in text, "Python packages are installed from the pinned constraints"
    assert "HEALTHCHECK" in text and '"--version"' in text
    for line in re.findall(r"^COPY\s+(\S+)", text, re.M):
        if not line.startswith("--from"):
            assert (ROOT / line).exists(), f"COPY {line}: not in the repository"


def test_gitlab_ci_template_has_a_schedule_and_a_merge_request_gate() -> None:
    ci = yaml.safe_load((DEPLOY / "gitlab-ci" / "maturity.gitlab-ci.yml").read_text(encoding="utf-8"))
    sched, gate = ci["maturity:scheduled"], ci["maturity:merge-request-gate"]
    assert sched["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "schedule"'
    assert gate["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    gate_script = "\n".join(gate["script"])
    assert "--baseline baseline/report.json --fail-on-regression" in gate_script
    assert "--junit maturity/junit.xml" in gate_script and "--sarif" in gate_script
    assert ci[".maturity"]["artifacts"]["reports"]["junit"] == "maturity/junit.xml"
    # every maturity command line in the template parses with the real CLI
    from scanner.cli import build_parser

    for job in (sched, gate):
        for line in job["script"]:
            if line.strip().startswith("maturity "):
                argv = line.split()[1:]
                argv = [a for a in argv if not a.startswith("$")]
                argv = [a.strip('"') for a in argv]
                build_parser().parse_args(argv)


def test_shipped_schedules_fail_on_source_error() -> None:
    """A revoked token or a denied ServiceAccount must fail the nightly run, not grade on what
    is left: the CronJob and both GitLab jobs pass --fail-on-source-error, and the CLI accepts
    the CronJob's arguments as written."""
    from scanner.cli import build_parser

    cron = next(d for d in docs(DEPLOY / "kubernetes" / "cronjob.yaml") if d["kind"] == "CronJob")
    container = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert "--fail-on-source-error" in container["args"]
    build_parser().parse_args(container["args"])
    env = {e["name"]: e for e in container["env"]}
    for name in ("MATURITY_PUSHGATEWAY_USERNAME", "MATURITY_PUSHGATEWAY_PASSWORD"):
        assert env[name]["valueFrom"]["secretKeyRef"]["optional"] is True
    ci = yaml.safe_load((DEPLOY / "gitlab-ci" / "maturity.gitlab-ci.yml").read_text(encoding="utf-8"))
    for job in ("maturity:scheduled", "maturity:merge-request-gate"):
        scans = [line for line in ci[job]["script"] if line.strip().startswith("maturity scan")]
        assert scans and all("--fail-on-source-error" in line for line in scans), job
