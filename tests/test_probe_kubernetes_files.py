"""Kubernetes manifests on disk give the same evidence kinds, through the same derivation,
as the live cluster they describe; and the same rule statuses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# probes.files first: importing a parser module before it is a circular import (reported).
from probes.files import FilesProbe
from probes.kubernetes.files import KubernetesFiles
from probes.kubernetes.join import FILE_KINDS, KINDS
from sandbox.kubernetes import KubeApiServer, default_estate_dir, load_objects
from scanner.runner import ScanResult
from tests.fixtures.kubernetes.helpers import TOKEN, by_subject, kube_rule_results, scan_files, scan_live
from tests.ruletable import installed_rules

GITOPS = Path(__file__).parent / "fixtures" / "kubernetes" / "gitops"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScanResult, ScanResult]]:
    with KubeApiServer(load_objects(default_estate_dir()), token=TOKEN) as srv:
        live = scan_live(srv, tmp_path_factory.mktemp("kube"))
    yield live, scan_files(default_estate_dir())


def test_file_kinds_are_live_kinds_without_nodes_and_discovery() -> None:
    assert set(FILE_KINDS) == set(KINDS) - {
        "kubernetes.node_zones",
        "kubernetes.api_groups",
        "kubernetes.velero_restore",
    }
    assert KubernetesFiles.kinds == FILE_KINDS
    assert set(FILE_KINDS) <= set(FilesProbe.kinds)


def test_same_workload_facts(both: tuple[ScanResult, ScanResult]) -> None:
    live, disk = both
    lw, dw = by_subject(live, "kubernetes.workload"), by_subject(disk, "kubernetes.workload")
    assert set(lw) == set(dw) and len(lw) == 10
    for subject, data in lw.items():
        # Only the ReplicaSet count (rollout history actually kept) and the resolved priority (the
        # cluster's PriorityClasses and its default) need a live cluster.
        # (From files a workload without a class is still known not to be below the default.)
        live_only = ("revisions", "priority_value", "priority_below_default")
        assert {**data, **dict.fromkeys(live_only)} == {**dw[subject], **dict.fromkeys(live_only)}, subject
        assert dw[subject]["priority_value"] is None
        assert dw[subject]["priority_below_default"] is (False if data["priority_class"] is None else None)
    for kind in FILE_KINDS:
        assert set(by_subject(live, kind)) == set(by_subject(disk, kind)), kind


def test_same_rule_statuses(both: tuple[ScanResult, ScanResult]) -> None:
    live, disk = both
    file_rules = [
        r.id
        for r in installed_rules().rules
        if r.id.startswith("kubernetes.") and set(r.doc.evidence) <= set(FILE_KINDS)
    ]
    assert len(file_rules) >= 15
    lr, dr = kube_rule_results(live, file_rules), kube_rule_results(disk, file_rules)
    # A chaos manifest in Git shows no run (no creationTimestamp or status): unknown from files.
    ran = {"kubernetes.chaos.fault-injection", "kubernetes.chaos.host-faults"}
    assert {v.status for k, v in dr.items() if k in ran} <= {"unknown"}
    tracked_live = {  # Argo CD labels objects live only
        "kubernetes.workloads.unified-deployment-platform",
        "kubernetes.workloads.deployment-tooling",
        "kubernetes.workloads.declarative-management",
    }
    # a manifest read from Git cannot tell what applies it: nothing in scope, never "applied by hand"
    assert dr["kubernetes.workloads.declarative-management"].status == "unknown"
    assert lr["kubernetes.workloads.declarative-management"].status in {"met", "not_met"}
    lr = {k: v for k, v in lr.items() if k not in ran | tracked_live}
    dr = {k: v for k, v in dr.items() if k not in ran | tracked_live}
    assert {k: v.status for k, v in lr.items()} == {k: v.status for k, v in dr.items()}
    # both outcomes are exercised (rules about components the estate does not run stay unknown)
    assert {"met", "not_met"} <= {v.status for v in lr.values()}
    live_only = kube_rule_results(
        disk,
        [
            "kubernetes.cluster.multi-zone",
            "kubernetes.inventory.auto-discovery",
            "kubernetes.workloads.unified-deployment-platform",
        ],
    )
    assert {v.status for v in live_only.values()} == {"unknown"}


def test_lists_helm_output_and_unrelated_files() -> None:
    result = scan_files(GITOPS)
    assert result.sources[0].status == "ok", result.sources[0].error
    w = by_subject(result, "kubernetes.workload")
    assert set(w) == {"team-a/Deployment/web", "team-a/Deployment/worker"}
    web = w["team-a/Deployment/web"]
    assert (web["hpa_covered"], web["pdb_covered"], web["managed_by"], web["owner"], web["min_replicas"]) == (
        True,
        True,
        "helm-template",  # a chart's output on disk: rendered, and nothing says what applies it
        "a",
        2,
    )
    assert w["team-a/Deployment/worker"]["readiness_all"] is False
    assert set(by_subject(result, "kubernetes.service")) == {"team-a/web"}
    assert by_subject(result, "kubernetes.service")["team-a/web"]["endpoints_ready"] is None  # not knowable from files
    # Observed, with zero items: the repository declares no chaos experiments.
    assert result.observations["kubernetes.chaos_experiment"].observed
    assert not result.observations["kubernetes.node_zones"].observed


def test_repository_without_manifests_leaves_kinds_absent(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("a: 1\n", encoding="utf-8")
    result = scan_files(tmp_path)
    obs = result.observations["kubernetes.workload"]
    assert not obs.observed and "no kubernetes files" in (obs.reason or "")
