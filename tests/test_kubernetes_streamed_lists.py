"""Kubernetes list pages are folded into facts as they arrive (issue 22 part 4), against the
loopback API server: a list read ahead of the consumer holds a bounded number of pages, never
the whole list, and a list that fails half-way leaves none of its pages' facts behind."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from probes.kubernetes import PAGES_AHEAD, _Prefetch
from probes.kubernetes.client import KubeReader, make_api_client
from sandbox.kubernetes import KubeApiServer, write_kubeconfig
from scanner.probe import ProbeContext
from tests.fixtures.kubernetes.helpers import TOKEN, by_subject, scan_live

DEPLOYMENTS = "/apis/apps/v1/deployments"


def _deployment(ns: str, i: int) -> dict[str, Any]:
    name = f"svc-{i:03d}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app"}]}},
        },
    }


def _estate(deployments: int) -> list[dict[str, Any]]:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    return [ns, *(_deployment("shop", i) for i in range(deployments))]


def _deployment_pages(server: KubeApiServer) -> int:
    return sum(1 for r in server.requests if r.path == DEPLOYMENTS)


def test_pages_reach_the_consumer_before_the_list_is_read_to_its_end(tmp_path: Path) -> None:
    with KubeApiServer(_estate(300), token=TOKEN) as server:
        kc = write_kubeconfig(tmp_path / "kc", server.url, token=TOKEN)
        api = make_api_client(str(kc), None, False)
        ctx = ProbeContext(source="c", deadline=time.monotonic() + 60, log=logging.getLogger("test.kube"))
        try:
            reader = KubeReader(api, ctx, retries=0, page_size=5)
            with _Prefetch(reader, 1) as prefetch:
                pages = iter(prefetch.pages(prefetch.submit([DEPLOYMENTS])))
                path, first = next(pages)
                # The reader may run ahead by the pages waiting for the consumer, the one it holds
                # and the one it is asking for: never by the other 50-odd pages of the list.
                assert _deployment_pages(server) <= PAGES_AHEAD + 2
                names = [i["metadata"]["name"] for i in first]
                for _path, items in pages:
                    names += [i["metadata"]["name"] for i in items]
                    assert len(items) <= 5
        finally:
            api.close()
    assert path == DEPLOYMENTS
    assert _deployment_pages(server) == 60
    assert names == [f"svc-{i:03d}" for i in range(300)]  # every item, in the server's order


def test_a_list_failing_half_way_adds_nothing_of_its_read_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("probes.netguard.MAX_PAGES", 3)  # the deployments list (6 pages) fails on its 4th
    with KubeApiServer(_estate(30), token=TOKEN) as server:
        result = scan_live(server, tmp_path, page_size=5)
    assert _deployment_pages(server) == 3
    assert result.observations["kubernetes.workload"].state == "failed"
    assert not [e for e in result.evidence if e.kind == "kubernetes.workload"]
    # The 15 deployments of the pages that were read never reach the join: the namespace
    # counts none (feeding pages straight into the facts would count 15).
    shop = by_subject(result, "kubernetes.namespace")["shop"]
    assert shop["workloads"] == 0


def test_a_complete_list_folded_page_by_page_gives_every_fact(tmp_path: Path) -> None:
    with KubeApiServer(_estate(30), token=TOKEN) as server:
        paged = scan_live(server, tmp_path, page_size=4)
        whole = scan_live(server, tmp_path, page_size=500)
    assert paged.observations["kubernetes.workload"].observed

    def facts(r: Any) -> list[tuple[str, str, Any]]:
        return sorted(
            (e.kind, e.subject, repr(sorted(e.data.items()))) for e in r.evidence if e.kind != "kubernetes.api_groups"
        )

    assert facts(paged) == facts(whole)
    assert by_subject(paged, "kubernetes.namespace")["shop"]["workloads"] == 30
