"""The loopback Kubernetes API server speaks the wire format a real client expects."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from sandbox.kubernetes import KubeApiServer, default_estate_dir, load_objects

TOKEN = "server-test-token-abcdef012345"


@pytest.fixture(scope="module")
def server() -> Iterator[KubeApiServer]:
    with KubeApiServer(load_objects(default_estate_dir()), token=TOKEN, forbidden={"cronjobs.batch"}) as srv:
        yield srv


# One client for the module: building an httpx client (and its SSL context) costs ~0.1 s.
HTTP = httpx.Client()


def get(server: KubeApiServer, path: str, **params: str) -> httpx.Response:
    return HTTP.get(server.url + path, params=params, headers={"Authorization": f"Bearer {TOKEN}"})


def test_discovery(server: KubeApiServer) -> None:
    api = get(server, "/api").json()
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]
    groups = get(server, "/apis").json()
    assert groups["kind"] == "APIGroupList"
    names = {g["name"] for g in groups["groups"]}
    assert {"apps", "policy", "argoproj.io", "chaos-mesh.org", "velero.io"} <= names
    assert "keda.sh" not in names  # no objects, so not installed
    apps = next(g for g in groups["groups"] if g["name"] == "apps")
    assert apps["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    rl = get(server, "/apis/apps/v1").json()
    assert rl["kind"] == "APIResourceList" and rl["groupVersion"] == "apps/v1"
    assert {"deployments", "statefulsets", "daemonsets", "replicasets"} <= {r["name"] for r in rl["resources"]}
    core = get(server, "/api/v1").json()
    assert any(r["name"] == "namespaces" and r["namespaced"] is False for r in core["resources"])


def test_list_cluster_wide_and_namespaced(server: KubeApiServer) -> None:
    body = get(server, "/apis/apps/v1/deployments").json()
    assert body["kind"] == "DeploymentList" and body["apiVersion"] == "apps/v1"
    assert body["metadata"]["resourceVersion"]
    names = {i["metadata"]["name"] for i in body["items"]}
    assert {"checkout", "cart", "billing-api", "coredns"} <= names
    assert "kind" not in body["items"][0]  # built-in list items omit kind, like the real server
    shop = get(server, "/apis/apps/v1/namespaces/shop/deployments").json()
    assert {i["metadata"]["namespace"] for i in shop["items"]} == {"shop"}
    crd = get(server, "/apis/argoproj.io/v1alpha1/rollouts").json()
    assert crd["items"][0]["kind"] == "Rollout"  # custom resources keep them
    ns = get(server, "/api/v1/namespaces/shop").json()
    assert ns["kind"] == "Namespace" and ns["metadata"]["labels"]["team"] == "payments"


def test_pagination_and_bad_continue(server: KubeApiServer) -> None:
    all_names = [i["metadata"]["name"] for i in get(server, "/api/v1/nodes").json()["items"]]
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        params = {"limit": "4"} | ({"continue": token} if token else {})
        body = get(server, "/api/v1/nodes", **params).json()
        pages += 1
        seen += [i["metadata"]["name"] for i in body["items"]]
        token = body["metadata"].get("continue", "")
        if not token:
            break
        assert body["metadata"]["remainingItemCount"] > 0
    assert pages == 2 and seen == all_names and len(seen) == 6
    bad = get(server, "/api/v1/nodes", limit="2", **{"continue": "not-a-token"})
    assert bad.status_code == 410
    assert bad.json() | {"message": ""} == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "",
        "reason": "Expired",
        "code": 410,
    }


def test_forbidden_and_not_installed(server: KubeApiServer) -> None:
    r = get(server, "/apis/batch/v1/cronjobs")
    assert r.status_code == 403
    body = r.json()
    assert (body["kind"], body["apiVersion"], body["status"], body["reason"], body["code"]) == (
        "Status",
        "v1",
        "Failure",
        "Forbidden",
        403,
    )
    assert 'cannot list resource "cronjobs"' in body["message"]
    missing = get(server, "/apis/keda.sh/v1alpha1/scaledobjects")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"


def test_secrets_refused_and_recorded(server: KubeApiServer) -> None:
    before = len(server.secret_requests)
    for path in ("/api/v1/secrets", "/api/v1/namespaces/shop/secrets", "/api/v1/namespaces/shop/secrets/shop-tls"):
        r = get(server, path)
        assert r.status_code == 403 and r.json()["reason"] == "Forbidden"
    assert len(server.secret_requests) == before + 3


def test_requests_recorded_and_writes_refused(server: KubeApiServer) -> None:
    r = HTTP.post(
        server.url + "/apis/apps/v1/namespaces/shop/deployments",
        content=b"{}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 405
    assert any(q.method == "POST" for q in server.requests)
    get(server, "/api/v1/services", limit="3")
    last = server.requests[-1]
    assert (last.method, last.path, dict(last.query)) == ("GET", "/api/v1/services", {"limit": "3"})


def test_token_required() -> None:
    with KubeApiServer([], token="right-token-0123456789") as srv:
        r = HTTP.get(srv.url + "/api", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401 and r.json()["reason"] == "Unauthorized"


def test_injected_faults() -> None:
    with KubeApiServer(load_objects(default_estate_dir())) as srv:
        srv.inject_fault(r"/deployments$", 429, times=1, retry_after=2)
        first = HTTP.get(srv.url + "/apis/apps/v1/deployments")
        assert first.status_code == 429 and first.headers["Retry-After"] == "2"
        assert json.loads(first.text)["reason"] == "TooManyRequests"
        assert HTTP.get(srv.url + "/apis/apps/v1/deployments").status_code == 200
