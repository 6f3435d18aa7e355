"""The kubernetes probe resolves each workload's priority from the cluster's PriorityClasses:
the class's value, the cluster's default (the globalDefault class, else 0), and whether the
workload is below it; a class that is not defined, or classes that cannot be listed, leave
those fields null, never a guess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

from probes.kubernetes.workloads import MAX_PRIORITY_CLASSES, PriorityClasses
from sandbox.kubernetes import KubeApiServer
from tests.fixtures.kubernetes.helpers import TOKEN, by_subject, scan_files, scan_live


def _deployment(name: str, priority_class: str | None) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": [{"name": name, "image": f"registry.example/{name}:1"}]}
    if priority_class is not None:
        pod["priorityClassName"] = priority_class
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "jobs"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod},
        },
    }


def _class(name: str, value: Any, *, default: Any = False, policy: str | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": name},
        "value": value,
        "globalDefault": default,
        "description": "never kept",
    }
    if policy is not None:
        obj["preemptionPolicy"] = policy
    return obj


WORKLOADS = [
    _deployment("transcode", "batch-preemptible"),
    _deployment("billing-batch", "batch"),
    _deployment("sweeper", "tier-c"),
    _deployment("api", None),
    _deployment("ghost", "not-defined"),
    _deployment("agent", "system-cluster-critical"),
]
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "jobs"}}


def _priorities(server: KubeApiServer, tmp: Path, **source: Any) -> dict[str, tuple[Any, Any]]:
    result = scan_live(server, tmp, **source)
    w = by_subject(result, "kubernetes.workload")
    return {s.split("/")[-1]: (d["priority_value"], d["priority_below_default"]) for s, d in w.items()}


def test_values_resolved_against_the_default_of_zero(tmp_path: Path) -> None:
    classes = [
        _class("batch-preemptible", -10, policy="Never"),
        _class("batch", 1000000),  # the review's counter-example: named for batch, outranks everything
        _class("tier-c", -500),  # an arbitrary name at a low value
    ]
    with KubeApiServer([NAMESPACE, *classes, *WORKLOADS], token=TOKEN) as srv:
        got = _priorities(srv, tmp_path, page_size=2)  # paged: 5 classes over three pages
        assert "/apis/scheduling.k8s.io/v1/priorityclasses" in srv.request_paths()
    assert got == {
        "transcode": (-10, True),
        "billing-batch": (1000000, False),
        "sweeper": (-500, True),
        "api": (0, False),  # no class, no globalDefault class: priority 0
        "ghost": (None, None),  # not defined: admission would refuse its pods
        "agent": (2000000000, False),  # the API server's own class
    }


def test_global_default_class_sets_the_default(tmp_path: Path) -> None:
    classes = [
        _class("standard", 1000, default=True),
        _class("batch-preemptible", 100),  # positive, yet below the default online pods get
        _class("batch", 1000),  # equal to the default: does not yield
        _class("tier-c", 5000),
    ]
    with KubeApiServer([NAMESPACE, *classes, *WORKLOADS], token=TOKEN) as srv:
        got = _priorities(srv, tmp_path)
    assert got["api"] == (1000, False)
    assert got["transcode"] == (100, True)
    assert got["billing-batch"] == (1000, False)
    assert got["sweeper"] == (5000, False)


def test_forbidden_priority_classes_leave_the_fields_unknown(tmp_path: Path) -> None:
    classes = [_class("batch-preemptible", -10), _class("batch", 1000000), _class("tier-c", -500)]
    with KubeApiServer(
        [NAMESPACE, *classes, *WORKLOADS], token=TOKEN, forbidden={"priorityclasses.scheduling.k8s.io"}
    ) as srv:
        result = scan_live(srv, tmp_path)
    assert result.observations["kubernetes.workload"].observed  # a field lost, not the kind
    assert "priorityclasses" in (result.sources[0].error or "") or result.sources[0].failed
    w = {s.split("/")[-1]: d for s, d in by_subject(result, "kubernetes.workload").items()}
    assert {n: (d["priority_value"], d["priority_below_default"]) for n, d in w.items()} == {
        "transcode": (None, None),
        "billing-batch": (None, None),
        "sweeper": (None, None),
        "api": (None, False),  # no class: the default, whatever it is; never below it
        "ghost": (None, None),
        "agent": (None, None),
    }
    assert w["transcode"]["priority_class"] == "batch-preemptible"  # the name is still read


def test_forbidden_services_leave_serving_unknown(tmp_path: Path) -> None:
    """Without the Services nothing shows which workloads serve: an online API at a low class
    must not read as offline work (review 2026-12-04, evening)."""
    classes = [_class("batch-preemptible", -10), _class("batch", 1000000), _class("tier-c", -500)]
    with KubeApiServer([NAMESPACE, *classes, *WORKLOADS], token=TOKEN, forbidden={"services"}) as srv:
        result = scan_live(srv, tmp_path)
    w = by_subject(result, "kubernetes.workload")
    assert w and all(d["serving"] is None for d in w.values())
    (tmp_path / "listed").mkdir()
    with KubeApiServer([NAMESPACE, *classes, *WORKLOADS], token=TOKEN) as srv:
        result = scan_live(srv, tmp_path / "listed")
    assert all(isinstance(d["serving"], bool) for d in by_subject(result, "kubernetes.workload").values())


def test_failing_list_leaves_the_fields_unknown(tmp_path: Path) -> None:
    classes = [_class("batch-preemptible", -10), _class("tier-c", -500)]
    with KubeApiServer([NAMESPACE, *classes, *WORKLOADS], token=TOKEN) as srv:
        srv.inject_fault(r"/priorityclasses$", 500, times=50)
        got = _priorities(srv, tmp_path, retries=0)
    assert got["transcode"] == (None, None) and got["api"] == (None, False)


def test_bad_items_fail_only_what_they_feed() -> None:
    table = PriorityClasses()
    for obj in (
        _class("ok", -5),
        _class("huge", 2**40),  # not an int32
        _class("text", "-5"),
        {"metadata": {}, "value": 7},  # no name: nothing to resolve
    ):
        table.add(obj)
    assert table.resolve("ok") == (-5, True)
    assert table.resolve("huge") == (None, None)
    assert table.resolve("text") == (None, None)
    assert table.resolve(None) == (0, False)
    # a default class whose value or flag cannot be read: the default is unknown
    table.add(_class("odd-default", "high", default=True))
    assert table.resolve("ok") == (-5, None) and table.resolve(None) == (None, False)
    flag = PriorityClasses()
    flag.add(_class("ok", -5))
    flag.add(_class("maybe", 10, default="yes"))
    assert flag.resolve("ok") == (-5, None)
    # several globalDefault classes: admission takes the lowest
    two = PriorityClasses()
    for obj in (_class("a", 100, default=True), _class("b", 50, default=True), _class("low", 60)):
        two.add(obj)
    assert two.resolve(None) == (50, False) and two.resolve("low") == (60, False)


def test_too_many_classes_are_not_trusted() -> None:
    table = PriorityClasses()
    for i in range(MAX_PRIORITY_CLASSES + 1):
        table.add(_class(f"c{i}", -1))
    assert table.resolve("c0") == (None, None) and table.resolve(None) == (None, False)


def test_manifests_do_not_resolve_priorities(tmp_path: Path) -> None:
    """A repository's PriorityClasses are not the cluster's (which exist, which is the default)."""
    (tmp_path / "all.yaml").write_text(
        yaml.safe_dump_all([_class("batch-preemptible", -10), _deployment("transcode", "batch-preemptible")])
    )
    (tmp_path / "api.yaml").write_text(yaml.safe_dump(_deployment("api", None)))
    w = by_subject(scan_files(tmp_path), "kubernetes.workload")
    got = {s.split("/")[-1]: (d["priority_value"], d["priority_below_default"]) for s, d in w.items()}
    assert got == {"transcode": (None, None), "api": (None, False)}


def test_server_lists_priority_classes_as_a_real_one() -> None:
    """PriorityClassList: paged, built-in items without kind, the API server's own classes added."""
    with KubeApiServer([_class("batch-preemptible", -10, policy="Never")], token=TOKEN) as srv:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        url = srv.url + "/apis/scheduling.k8s.io/v1/priorityclasses"
        first = httpx.get(url, params={"limit": "2"}, headers=headers).json()
        assert (first["apiVersion"], first["kind"]) == ("scheduling.k8s.io/v1", "PriorityClassList")
        assert len(first["items"]) == 2 and first["metadata"]["remainingItemCount"] == 1
        rest = httpx.get(url, params={"limit": "2", "continue": first["metadata"]["continue"]}, headers=headers)
        items = {i["metadata"]["name"]: i for i in first["items"] + rest.json()["items"]}
        assert set(items) == {"batch-preemptible", "system-node-critical", "system-cluster-critical"}
        assert "kind" not in items["batch-preemptible"] and items["batch-preemptible"]["value"] == -10
        assert items["system-node-critical"]["value"] == 2000001000
        assert items["batch-preemptible"]["preemptionPolicy"] == "Never"
    with KubeApiServer([], token=TOKEN, forbidden={"priorityclasses.scheduling.k8s.io"}) as srv:
        r = httpx.get(
            srv.url + "/apis/scheduling.k8s.io/v1/priorityclasses", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert r.status_code == 403 and r.json()["reason"] == "Forbidden"
