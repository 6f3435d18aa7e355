"""Request budgets of the live probes (issue 10): counts and spacing, never timing targets."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.bench_scan_gitlab import minimal_requests as gitlab_minimal
from bench.estate.gitlab import GROUP, CachedGitLabAPI, big_history
from bench.estate.kubernetes import estate_objects
from bench.estate.proxy import LatencyProxy
from probes.gitlab import GitLabProbe
from probes.gitlab.config import GitLabConfig
from probes.kubernetes import KubernetesConfig, KubernetesProbe
from sandbox.kubernetes import KubeApiServer, write_kubeconfig
from scanner.probe import ProbeContext

TOKEN = "perf-test-token-0000"


def _ctx(name: str) -> ProbeContext:
    return ProbeContext(source=name, deadline=time.monotonic() + 120, log=logging.getLogger(f"test.{name}"))


@pytest.fixture(scope="module")
def kube() -> Iterator[tuple[KubeApiServer, LatencyProxy]]:
    server = KubeApiServer(list(estate_objects(300, 6)), token=TOKEN).start()
    proxy = LatencyProxy(server.url, concurrency=4).start()
    yield server, proxy
    proxy.stop()
    server.stop()


def test_kubernetes_probe_reads_lists_only_in_full_pages(
    kube: tuple[KubeApiServer, LatencyProxy], tmp_path: Path
) -> None:
    server, proxy = kube
    proxy.reset()
    kc = write_kubeconfig(tmp_path / "kc", proxy.url, token=TOKEN)
    cfg = KubernetesConfig(name="c", probe="kubernetes", kubeconfig=str(kc), page_size=50)
    ctx = _ctx("c")
    items = list(KubernetesProbe().collect(cfg, ctx))
    assert sum(1 for e in items if e.kind == "kubernetes.workload") == 300
    paths = [s.path for s in proxy.seen]
    lists = {p.split("?")[0] for p in paths if "limit=" in p}
    minimal = 2 + sum(
        max(1, math.ceil(len(server.objects.get(_key(p), [])) / 50)) for p in lists
    )  # /api and /apis, then full pages
    assert len(paths) == minimal == ctx.requests
    assert not [p for p in paths if "/svc-" in p], "no request per workload"


def _key(path: str) -> tuple[str, str]:
    parts = path.strip("/").split("/")
    return ("", parts[-1]) if parts[0] == "api" else (parts[1], parts[-1])


@pytest.fixture(scope="module")
def gitlab() -> Iterator[tuple[CachedGitLabAPI, LatencyProxy]]:
    api = CachedGitLabAPI(big_history(3, 450), token=TOKEN)
    api.start()
    proxy = LatencyProxy(api.url, concurrency=4).start()
    yield api, proxy
    proxy.stop()
    api.stop()


def _gitlab_cfg(proxy: LatencyProxy, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> GitLabConfig:
    monkeypatch.setenv("PERF_GITLAB_TOKEN", TOKEN)
    return GitLabConfig(name="g", probe="gitlab", url=proxy.url, token_env="PERF_GITLAB_TOKEN", groups=[GROUP], **kw)


def test_gitlab_probe_makes_exactly_the_minimal_requests(
    gitlab: tuple[CachedGitLabAPI, LatencyProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    _api, proxy = gitlab
    proxy.reset()
    ctx = _ctx("g")
    items = list(GitLabProbe().collect(_gitlab_cfg(proxy, monkeypatch), ctx))
    assert {e.kind for e in items} >= {"gitlab.deployment_stats", "gitlab.project"}
    assert proxy.count == gitlab_minimal(proxy.seen) == ctx.requests
    deployments = [s for s in proxy.seen if "/deployments" in s.path]
    total = deployments[0].total or 0
    assert total > 100
    assert len(deployments) == 3 * math.ceil(total / 100), "deployments in full pages of 100, none one by one"


def test_gitlab_rate_limit_spaces_requests(
    gitlab: tuple[CachedGitLabAPI, LatencyProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    _api, proxy = gitlab
    proxy.reset()
    rate = 40.0
    list(GitLabProbe().collect(_gitlab_cfg(proxy, monkeypatch, rate_limit_per_s=rate, concurrency=4), _ctx("g")))
    stamps = sorted(s.at for s in proxy.seen)
    assert len(stamps) > 40
    span = stamps[-1] - stamps[0]
    assert span >= 0.8 * (len(stamps) - 1) / rate  # never faster than the budget (generous bound)
    # and no burst: any one-second window holds at most rate + a small slack
    j = 0
    for i, t in enumerate(stamps):
        while stamps[j] < t - 1.0:
            j += 1
        assert i - j + 1 <= rate * 1.25 + 2


def _kube_facts(kube: tuple[KubeApiServer, LatencyProxy], tmp_path: Path, **kw: Any) -> list[tuple[str, str, Any]]:
    _server, proxy = kube
    kc = write_kubeconfig(tmp_path / "kc", proxy.url, token=TOKEN)
    cfg = KubernetesConfig(name="c", probe="kubernetes", kubeconfig=str(kc), page_size=50, **kw)
    return [(e.kind, e.subject, e.data) for e in KubernetesProbe().collect(cfg, _ctx("c"))]


def test_kubernetes_lists_are_read_concurrently_within_the_cap_with_identical_facts(
    kube: tuple[KubeApiServer, LatencyProxy], tmp_path: Path
) -> None:
    _server, proxy = kube
    proxy.latency_s = 0.02  # long enough for lists to overlap
    try:
        proxy.reset()
        one_by_one = _kube_facts(kube, tmp_path, concurrency=1)
        assert proxy.max_in_flight == 1
        proxy.reset()
        pooled = _kube_facts(kube, tmp_path, concurrency=3)
        assert 2 <= proxy.max_in_flight <= 3
    finally:
        proxy.latency_s = 0.0
    assert pooled == one_by_one  # same facts in the same order, whichever answer came first


def test_kubernetes_rate_limit_holds_across_concurrent_lists(
    kube: tuple[KubeApiServer, LatencyProxy], tmp_path: Path
) -> None:
    _server, proxy = kube
    proxy.reset()
    rate = 40.0
    _kube_facts(kube, tmp_path, concurrency=4, rate_limit_per_s=rate)
    stamps = sorted(s.at for s in proxy.seen)
    assert len(stamps) > 20
    assert stamps[-1] - stamps[0] >= 0.8 * (len(stamps) - 1) / rate  # never faster than the budget
    j = 0  # no burst: any half-second window holds at most rate / 2 + a small slack
    for i, t in enumerate(stamps):
        while stamps[j] < t - 0.5:
            j += 1
        assert i - j + 1 <= rate / 2 * 1.25 + 2
