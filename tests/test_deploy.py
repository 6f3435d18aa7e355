"""Deployment artifacts: manifests valid against the Kubernetes schemas, Dockerfile lint, CI template."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    # no Debian revision pin: the archive drops superseded revisions, so such a pin rots
    assert not re.search(r"apt-get install[^\n]*\b[a-z0-9.+-]+=\d", text), "apt packages float within the release"
    assert "-c constraints.txt" in text, "Python packages are installed from the pinned constraints"
    assert "HEALTHCHECK" in text and '"--version"' in text
    for line in re.findall(r"^COPY\s+(\S+)", text, re.M):
        if not line.startswith("--from"):
            assert (ROOT / line).exists(), f"COPY {line}: not in the repository"


def _component() -> tuple[dict[str, Any], dict[str, Any]]:
    """The GitLab CI/CD component: its spec header and its jobs (two YAML documents)."""
    spec, jobs = yaml.safe_load_all((ROOT / "templates" / "maturity.yml").read_text(encoding="utf-8"))
    return spec["spec"], jobs


def test_gitlab_component_has_a_schedule_a_files_job_and_a_merge_request_gate() -> None:
    spec, ci = _component()
    assert set(spec["inputs"]) >= {"image", "config", "min_levels", "allow_missing_baseline"}
    sched, files, gate = ci["maturity:scheduled"], ci["maturity:files"], ci["maturity:merge-request-gate"]
    assert sched["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "schedule"'
    assert gate["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert "$CI_DEFAULT_BRANCH" in files["rules"][0]["if"]
    gate_script = "\n".join(gate["script"])
    assert "--baseline maturity/baseline.json --fail-on-regression" in gate_script
    # no live source in a pipeline anyone with a branch can change: both gate scans are files-only
    scans = [line for line in gate["script"] if "maturity scan" in line]
    assert len(scans) == 2 and all("--files-only" in line for line in scans)
    assert "--files-only" in "\n".join(files["script"]) and "--files-only" not in "\n".join(sched["script"])
    assert ci[".maturity"]["artifacts"]["reports"]["junit"] == "maturity/junit.xml"
    # every maturity command line in the component parses with the real CLI
    from scanner.cli import build_parser

    parsed = 0
    for job in (sched, files, gate):
        for line in job["script"]:
            for cmd in re.findall(r"(?:^|then |\n)\s*(maturity [^|;]+)", line):
                argv = [a.strip('"') for a in cmd.split()[1:] if not a.startswith("$")]
                build_parser().parse_args(argv)
                parsed += 1
    assert parsed == 5  # scheduled scan and verify, files scan, the gate's target-branch scan and its own


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
    _spec, ci = _component()
    for job in ("maturity:scheduled", "maturity:files", "maturity:merge-request-gate"):
        scans = [line for line in ci[job]["script"] if line.strip().startswith("maturity scan")]
        assert scans and all("--fail-on-source-error" in line for line in scans), job
