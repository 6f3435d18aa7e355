"""The loopback GitLab API speaks GitLab's wire format (headers, bodies, auth, pagination)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.gitlab import Fault, GitLabAPI, build_history

TOKEN = "sandbox-api-token-123"
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def api() -> Iterator[GitLabAPI]:
    server = GitLabAPI(build_history(NOW), token=TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(api: GitLabAPI) -> Iterator[httpx.Client]:
    api.clear()
    with httpx.Client(base_url=api.url + "/api/v4", headers={"PRIVATE-TOKEN": TOKEN}) as c:
        yield c


def test_history_is_deterministic() -> None:
    a, b = build_history(NOW), build_history(NOW)
    assert [len(p.deployments) for p in a.projects] == [len(p.deployments) for p in b.projects]
    assert a.projects[0].deployments[-1] == b.projects[0].deployments[-1]


def test_offset_pagination_headers_and_links(client: httpx.Client, api: GitLabAPI) -> None:
    r = client.get(
        "/projects/acme%2Fweb%2Fstorefront/deployments", params={"environment": "production", "per_page": 50}
    )
    assert r.status_code == 200
    total = int(r.headers["X-Total"])
    assert total > 100 and len(r.json()) == 50
    assert r.headers["X-Page"] == "1" and r.headers["X-Next-Page"] == "2" and r.headers["X-Per-Page"] == "50"
    assert int(r.headers["X-Total-Pages"]) == -(-total // 50)
    links = {
        rel: url
        for url, rel in (
            (p.split(";")[0].strip(" <>"), p.split('rel="')[1].rstrip('"')) for p in r.headers["Link"].split(",")
        )
    }
    assert set(links) == {"next", "first", "last"}
    assert all(u.startswith(api.url + "/api/v4/") for u in links.values())  # the host is the configured one
    assert parse_qs(urlsplit(links["next"]).query)["environment"] == ["production"]
    last = client.get(links["last"])
    assert (
        last.headers.get("X-Next-Page", "") == ""
        and 'rel="prev"' in last.headers["Link"]
        and 'rel="next"' not in last.headers["Link"]
    )
    seen = []
    url: str | None = "/projects/acme%2Fweb%2Fstorefront/deployments?environment=production&per_page=100"
    while url:
        page = client.get(url)
        seen += page.json()
        url = next((p.split(";")[0].strip(" <>") for p in page.headers["Link"].split(",") if 'rel="next"' in p), None)
    assert len(seen) == total == len({d["id"] for d in seen})
    assert all(d["environment"]["name"] == "production" for d in seen)


def test_keyset_pagination_on_projects(client: httpx.Client) -> None:
    r = client.get("/projects", params={"pagination": "keyset", "order_by": "id", "sort": "asc", "per_page": 2})
    assert len(r.json()) == 2 and "X-Total" not in r.headers
    assert r.headers["Link"].endswith('rel="next"') and "id_after=" in r.headers["Link"]
    nxt = r.headers["Link"].split(";")[0].strip("<>")
    r2 = client.get(nxt)
    assert [p["id"] for p in r2.json()] == [p["id"] + 2 for p in r.json()]
    assert "Link" not in r2.headers  # last page: no next link


def test_filters_and_shapes(client: httpx.Client) -> None:
    deps = client.get(
        "/projects/acme%2Fledger%2Fcore/deployments", params={"updated_after": "2025-01-01T00:00:00Z"}
    ).json()
    assert deps and all(d["updated_at"] >= "2025-01-01" for d in deps)
    d = deps[0]
    assert {"id", "iid", "ref", "sha", "status", "created_at", "updated_at", "environment", "deployable"} <= set(d)
    assert {"commit", "pipeline"} <= set(d["deployable"])
    issues = client.get("/projects/acme%2Fledger%2Fcore/issues", params={"issue_type": "incident"}).json()
    assert issues and all(i["issue_type"] == "incident" for i in issues)
    # issues_statistics has no issue_type parameter (GitLab drops it): it counts every issue, so
    # incidents are counted from the list's X-Total instead.
    every = client.get("/projects/acme%2Fledger%2Fcore/issues", params={"per_page": 100}).json()
    stats = client.get("/projects/acme%2Fledger%2Fcore/issues_statistics", params={"issue_type": "incident"}).json()
    assert stats["statistics"]["counts"]["all"] == len(every) > len(issues)
    one = client.get("/projects/acme%2Fledger%2Fcore/issues", params={"issue_type": "incident", "per_page": 1})
    assert one.headers["X-Total"] == str(len(issues)) and len(one.json()) == 1
    sub = client.get("/groups/acme/projects", params={"include_subgroups": "true"}).json()
    assert {p["path_with_namespace"] for p in sub} >= {"acme/web/storefront", "acme/ledger/core"}
    assert client.get("/groups/acme/projects").json() == []  # projects live in subgroups only
    raw = client.get("/projects/acme%2Fweb%2Fapi/repository/files/.gitlab-ci.yml/raw", params={"ref": "main"})
    assert raw.status_code == 200 and raw.headers["Content-Type"].startswith("text/plain") and "stages:" in raw.text


def test_error_bodies(client: httpx.Client, api: GitLabAPI) -> None:
    r = client.get("/projects/nope%2Fmissing")
    assert r.status_code == 404 and r.json() == {"message": "404 Project Not Found"}
    r = client.get("/projects", headers={"PRIVATE-TOKEN": "wrong"})
    assert r.status_code == 401 and r.json() == {"message": "401 Unauthorized"}
    r = httpx.get(api.url + "/api/v4/projects")
    assert r.status_code == 401
    assert client.post("/projects").status_code == 405  # read-only


def test_bearer_and_job_token_auth(api: GitLabAPI) -> None:
    api.clear()
    assert httpx.get(api.url + "/api/v4/projects/101", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert httpx.get(api.url + "/api/v4/projects/101", headers={"JOB-TOKEN": TOKEN}).status_code == 200
    assert [r.auth for r in api.requests] == ["bearer", "job-token"]
    assert all(TOKEN not in str(r) for r in api.requests)  # recorded without credentials


def test_fault_injection_429_then_normal(client: httpx.Client, api: GitLabAPI) -> None:
    api.inject(Fault(r"/projects/\d+$", 429, times=1, retry_after=7))
    r = client.get("/projects/101")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert client.get("/projects/101").status_code == 200
    assert [x.status for x in api.requests] == [429, 200]


def test_premium_endpoints_forbidden_without_license(client: httpx.Client) -> None:
    # The library project has none protected; the DORA API is not offered for it (403).
    assert client.get("/projects/acme%2Fweb%2Fui-kit/protected_environments").json() == []
    assert (
        client.get("/projects/acme%2Fweb%2Fui-kit/dora/metrics", params={"metric": "deployment_frequency"}).status_code
        == 403
    )
    ok = client.get(
        "/projects/acme%2Fweb%2Fapi/dora/metrics", params={"metric": "change_failure_rate", "start_date": "2025-01-01"}
    )
    assert ok.status_code == 200 and ok.json()[0]["value"] == 0.02
