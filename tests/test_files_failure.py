"""Per-file, per-document failure in the files probe: a broken part fails the kinds it could
have fed (their rules are unknown), names the file and line, and never hides objects that fail
a rule (issue 15, part 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from probes.files import FilesConfig
from probes.kubernetes.join import FILE_KINDS
from scanner.config import ScanConfig
from scanner.probe import load_probes
from scanner.runner import ScanResult, run_sources
from tests.fixtures.kubernetes.helpers import kube_rule_results, scan_files

RULE = "kubernetes.workloads.replicated"
PROM_KINDS = ("prometheus.alert_rule", "prometheus.recording_rule")


def deployment(name: str, replicas: int) -> str:
    """A Deployment and the Service that makes it serving (the population the rule judges)."""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: app, image: "example/{name}:1"}}]
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80}}]
"""


def estate(tmp: Path, tail: str = "") -> Path:
    (tmp / "good.yaml").write_text("---\n".join(deployment(f"ok{i}", 3) for i in range(3)), encoding="utf-8")
    bad = "---\n".join(deployment(f"single{i}", 1) for i in range(3))
    (tmp / "singles.yaml").write_text(bad + tail, encoding="utf-8")
    return tmp


def workloads(result: ScanResult) -> set[str]:
    return {e.subject for e in result.evidence if e.kind == "kubernetes.workload"}


def test_intact_estate_is_not_met(tmp_path: Path) -> None:
    result = scan_files(estate(tmp_path))
    assert result.sources[0].status == "ok"
    assert kube_rule_results(result, [RULE])[RULE].status == "not_met"


def test_unterminated_string_never_flips_not_met_to_met(tmp_path: Path) -> None:
    result = scan_files(estate(tmp_path, '---\nkind: ConfigMap\nmetadata: {name: "unterminated\n'))
    run = result.sources[0]
    assert run.status == "partial"
    assert kube_rule_results(result, [RULE])[RULE].status == "unknown"
    for kind in FILE_KINDS:
        obs = result.observations[kind]
        assert not obs.observed and "singles.yaml:" in (obs.reason or ""), (kind, obs.reason)
    # The documents before the broken one are still shown as evidence.
    assert {"shop/Deployment/single0", "shop/Deployment/ok0"} <= workloads(result)
    errors = [e for e in result.evidence if e.kind == "files.parse_error"]
    assert [e.subject for e in errors] == ["singles.yaml"]
    assert "singles.yaml:" in errors[0].data["error"]


def test_broken_file_of_another_family_spoils_only_what_it_could_feed(tmp_path: Path) -> None:
    estate(tmp_path)
    (tmp_path / "rules.yaml").write_text(
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: {x: [\n", encoding="utf-8"
    )
    result = scan_files(tmp_path)
    assert kube_rule_results(result, [RULE])[RULE].status == "not_met"  # kubernetes kinds intact
    assert result.observations["kubernetes.workload"].observed
    for kind in PROM_KINDS:
        assert not result.observations[kind].observed and "rules.yaml:" in (result.observations[kind].reason or "")


def test_escape_in_a_broken_file_is_assumed_to_feed_every_family(tmp_path: Path) -> None:
    estate(tmp_path)
    (tmp_path / "odd.json").write_text('{"\\u0061piVersion": "v1", "kind": "Pod", "metadata": {', encoding="utf-8")
    result = scan_files(tmp_path)
    assert not result.observations["kubernetes.workload"].observed


def test_parser_fault_fails_its_family(tmp_path: Path) -> None:
    estate(tmp_path)
    (tmp_path / "cr.yaml").write_text(
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec: {}\n", encoding="utf-8"
    )
    result = scan_files(tmp_path)
    for kind in PROM_KINDS:
        assert not result.observations[kind].observed
    assert result.observations["kubernetes.workload"].observed


@pytest.mark.parametrize("limit", ["max_file_bytes", "max_files"])
def test_limits_fail_the_kinds_instead_of_dropping_files(tmp_path: Path, limit: str) -> None:
    estate(tmp_path)
    extra = {"max_file_bytes": 400} if limit == "max_file_bytes" else {"max_files": 1}
    src = FilesConfig(name="repo", probe="files", path=str(tmp_path), **extra)
    result = run_sources(ScanConfig(sources=[src]), load_probes())
    assert kube_rule_results(result, [RULE])[RULE].status == "unknown"
    assert limit in (result.observations["kubernetes.workload"].reason or "")


def test_oversized_unrelated_file_spoils_nothing(tmp_path: Path) -> None:
    estate(tmp_path)
    (tmp_path / "dashboard.json").write_text('{"panels": [' + "1," * 2000 + "1]}", encoding="utf-8")
    src = FilesConfig(name="repo", probe="files", path=str(tmp_path), max_file_bytes=3000)
    result = run_sources(ScanConfig(sources=[src]), load_probes())
    assert result.observations["kubernetes.workload"].observed
    assert kube_rule_results(result, [RULE])[RULE].status == "not_met"
    assert result.sources[0].status == "partial"


def test_not_utf8_file_fails_what_it_could_feed(tmp_path: Path) -> None:
    estate(tmp_path)
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata: {a: \xe9}\n")
    result = scan_files(tmp_path)
    obs = result.observations["kubernetes.workload"]
    assert not obs.observed and "not UTF-8" in (obs.reason or "")


def test_unrendered_template_is_named_as_such(tmp_path: Path) -> None:
    estate(tmp_path)
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {{- x }}\n",
        encoding="utf-8",
    )
    obs = scan_files(tmp_path).observations["kubernetes.workload"]
    assert not obs.observed and "chart/deploy.yaml:" in (obs.reason or "") and "exclude:" in (obs.reason or "")
    src = FilesConfig(name="repo", probe="files", path=str(tmp_path), exclude=["chart/*"])
    assert run_sources(ScanConfig(sources=[src]), load_probes()).observations["kubernetes.workload"].observed
