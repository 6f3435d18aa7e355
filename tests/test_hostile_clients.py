"""Every live HTTP client against hostile servers on loopback: huge bodies, gzip bombs, trickles,
endless and cyclic pagination, and links or redirects to another origin.

Each server stops by itself (request budget, byte budget, time budget); each test bounds its own
time. A `Recorder` on another port stands in for the attacker's host: no request, and no
credential, may ever reach it.
"""

from __future__ import annotations

import logging
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probes.gitlab.config import GitLabConfig
from probes.gitlab.http import Api
from probes.gitlab.http import ApiError as GitLabError
from probes.http import ApiError as PromError
from probes.http import HttpSourceConfig, JsonClient
from probes.kubernetes.client import ApiError as KubeError
from probes.kubernetes.client import KubeReader, make_api_client
from probes.netguard import CHUNK, MAX_BODY, BodyTooLarge, OriginRefused, check_origin, origin_of, read_body
from sandbox.hostile import Hostile, Recorder, cyclic_kube, endless_kube, gitlab_links, gzip_bomb
from sandbox.kubernetes import write_kubeconfig
from scanner.probe import ProbeContext

TOKEN = "glpat-HOSTILEcanary0123456789"
BEARER = "prom-bearer-canary-0123456789"
KUBE_TOKEN = "kube-canary-token-0123456789"


def _ctx(seconds: float = 60.0) -> ProbeContext:
    return ProbeContext(source="hostile", deadline=time.monotonic() + seconds, log=logging.getLogger("maturity.test"))


@pytest.fixture
def recorder() -> Iterator[Hostile]:
    with Recorder() as r:
        yield r


def _prom(url: str, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> JsonClient:
    monkeypatch.setenv("HOSTILE_PROM_TOKEN", BEARER)
    cfg = HttpSourceConfig(
        name="prom", probe="prometheus", url=url, bearer_token_env="HOSTILE_PROM_TOKEN", retries=0, **kw
    )
    return JsonClient(cfg, _ctx())


def _gitlab(url: str, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Api:
    monkeypatch.setenv("HOSTILE_GITLAB_TOKEN", TOKEN)
    cfg = GitLabConfig(name="gl", probe="gitlab", url=url, token_env="HOSTILE_GITLAB_TOKEN", retries=0, **kw)
    return Api(cfg, _ctx())


def _kube(url: str, tmp_path: Path, **kw: Any) -> KubeReader:
    kc = write_kubeconfig(tmp_path / "kubeconfig", url, token=KUBE_TOKEN)
    return KubeReader(make_api_client(str(kc), None, False), _ctx(), retries=0, page_size=10, **kw)


def _no_credentials_reached(recorder: Hostile) -> None:
    assert recorder.count == 0, recorder.requests
    for _path, headers in recorder.requests:  # belt and braces, should the count rule change
        text = repr(headers)
        assert TOKEN not in text and BEARER not in text and KUBE_TOKEN not in text


# --- origins -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example:8080/api/v4/projects",
        "http://good.example@evil.example/api/v4/projects",
        "http://evil.example@good.example/api/v4/projects",  # userinfo, even on the right host
        "https://good.example/api/v4/projects",  # scheme
        "http://good.example:8081/api/v4/projects",  # port
        "http://good.example/other/projects",  # outside the API path
        "http://good.example/api/v4/../../admin",
        "http://good.example\\@evil.example/api/v4/",
        "http://good.example.evil.example/api/v4/",
        "//evil.example/api/v4/",
        "file:///etc/passwd",
    ],
)
def test_a_link_off_the_configured_origin_is_refused(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(OriginRefused, match="refused to follow a next-page link"):
        check_origin(url, "http://good.example/api/v4", what="next-page link")
    assert [r for r in caplog.records if "refused to follow" in r.getMessage()]


@pytest.mark.parametrize(
    "url",
    ["http://good.example/api/v4/projects?page=2", "HTTP://GOOD.EXAMPLE:80/api/v4/x", "http://good.example./api/v4/x"],
)
def test_the_same_origin_in_another_spelling_is_followed(url: str) -> None:
    check_origin(url, "http://good.example/api/v4", what="next-page link")
    assert origin_of(url) == ("http", "good.example", 80)


# --- bodies ------------------------------------------------------------------------------------


def _pieces(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK):
        yield data[i : i + CHUNK]


@pytest.mark.parametrize("encoding", ["gzip", None])
def test_a_body_never_costs_much_more_than_its_cap(encoding: str | None) -> None:
    """Decoding a gzip bomb in one zlib call briefly held twice the cap (zlib joins its output
    blocks); decoded step by step, and raw bytes refused before they are appended, the peak stays
    near the cap whatever the compression ratio."""
    cap = 8_000_000
    data = gzip_bomb(6 * cap) if encoding else b"a" * (3 * cap)
    tracemalloc.start()
    try:
        with pytest.raises(BodyTooLarge):
            read_body(_pieces(data), encoding=encoding, cap=cap)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.3 * cap, f"peak {peak / cap:.2f} x the cap"


def test_a_body_at_the_cap_is_read_whole() -> None:
    data = b'{"a": "' + b"x" * 1000 + b'"}'
    packed = zlib.compress(data)
    assert read_body(_pieces(packed), encoding="gzip", cap=len(data)) == data
    assert read_body(_pieces(data), encoding=None, cap=len(data)) == data
    with pytest.raises(BodyTooLarge):
        read_body(_pieces(packed), encoding="gzip", cap=len(data) - 1)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "gzip, gzip"])
def test_a_corrupt_or_unknown_encoding_is_a_malformed_answer(encoding: str) -> None:
    """zlib's own error used to escape the client as an unexpected exception."""
    with pytest.raises(BodyTooLarge, match=r"corrupt|unsupported"):
        read_body([b"this is not a compressed stream"], encoding=encoding)


# --- Prometheus / Alertmanager (httpx) ---------------------------------------------------------


def test_prometheus_huge_body_stops_at_the_cap_while_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    with Hostile("huge", max_bytes=6 * MAX_BODY) as srv:
        client = _prom(srv.url, monkeypatch)
        tracemalloc.start()
        try:
            with pytest.raises(PromError, match="larger than") as exc:
                client.get_json("/api/v1/rules")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            client.close()
    assert exc.value.category == "malformed"
    assert peak < 3 * MAX_BODY, f"peak {peak} bytes: the body was read before it was measured"


def test_prometheus_gzip_bomb_stops_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    with Hostile("gzip_bomb", bomb_bytes=5 * MAX_BODY) as srv:
        client = _prom(srv.url, monkeypatch)
        tracemalloc.start()
        try:
            with pytest.raises(PromError, match=r"exceeds the cap|larger than") as exc:
                client.get_json("/api/v1/rules")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            client.close()
    assert exc.value.category == "malformed"
    assert peak < 3 * MAX_BODY


@pytest.mark.parametrize("behaviour", ["trickle", "trickle_body"])
def test_prometheus_trickle_cannot_hold_a_request_past_its_deadline(
    behaviour: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Hostile(behaviour, trickle_s=0.1, max_seconds=25) as srv:
        client = _prom(srv.url, monkeypatch, request_timeout_s=1.5)
        start = time.monotonic()
        with pytest.raises(PromError) as exc:
            client.get_json("/api/v1/rules")
        elapsed = time.monotonic() - start
        client.close()
    assert exc.value.category == "timeout"
    assert elapsed < 5, f"a 1.5 s request took {elapsed:.1f} s"


def test_prometheus_refuses_a_cross_origin_redirect(
    recorder: Hostile, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with Hostile("redirect", location=f"{recorder.url}/api/v1/rules") as srv:
        client = _prom(srv.url, monkeypatch)
        with caplog.at_level(logging.WARNING), pytest.raises(PromError, match="refused to follow a redirect"):
            client.get_json("/api/v1/rules")
        client.close()
    _no_credentials_reached(recorder)
    assert sum("refused to follow a redirect" in r.getMessage() for r in caplog.records) == 1


def test_prometheus_follows_a_redirect_within_its_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    def page(path: str, _q: dict[str, list[str]], _n: int) -> tuple[Any, dict[str, str]]:
        return {"status": "success", "data": {"path": path}}, {}

    with Hostile("json", page=page) as srv:
        client = _prom(srv.url + "/prom", monkeypatch)
        # Not a redirect server, so prove the client asks the configured base path:
        assert client.get_json("/api/v1/status/flags")["data"]["path"] == "/prom/api/v1/status/flags"
        client.close()


# --- GitLab (python-gitlab + requests) ---------------------------------------------------------


def _cross_links(recorder: Hostile) -> list[str]:
    evil = recorder.url  # http://127.0.0.1:<other port>
    port = evil.rsplit(":", 1)[1]
    return [
        f"{evil}/api/v4/projects?page=2",  # another port, same IP
        f"{evil}/projects?page=2",  # no /api in the path (python-gitlab's keep_base_url misses it)
        f"http://localhost:{port}/api/v4/projects?page=2",  # another host name
        f"http://LOCALHOST.:{port}/api/v4/projects?page=2",  # case and trailing-dot games
    ]


@pytest.mark.parametrize("which", range(4))
def test_gitlab_never_follows_a_next_link_to_another_origin(
    which: int, recorder: Hostile, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    link = _cross_links(recorder)[which]
    with Hostile("json", page=gitlab_links(lambda _p, _n: link)) as srv:
        api = _gitlab(srv.url, monkeypatch)
        got: list[dict[str, Any]] = []
        with caplog.at_level(logging.WARNING), pytest.raises(GitLabError, match="refused to follow"):
            got.extend(api.pages("/projects"))
        api.close()
    _no_credentials_reached(recorder)
    assert [r.getMessage() for r in caplog.records if "refused to follow" in r.getMessage()]
    assert len(got) == 1  # the first page only; the caller fails the kind on the error


def test_gitlab_userinfo_trick_in_a_next_link_is_refused(recorder: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    with Hostile("json", page=gitlab_links(lambda _p, _n: "")) as srv:
        good = srv.url.removeprefix("http://")
        evil = recorder.url.removeprefix("http://")
        link = f"http://{good}@{evil}/api/v4/projects?page=2"
        srv.page = gitlab_links(lambda _p, _n: link)
        api = _gitlab(srv.url, monkeypatch)
        with pytest.raises(GitLabError, match="refused to follow"):
            list(api.pages("/projects"))
        api.close()
    _no_credentials_reached(recorder)


def test_gitlab_private_token_never_follows_a_cross_origin_redirect(
    recorder: Hostile, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # requests strips Authorization on a cross-host redirect but not PRIVATE-TOKEN.
    with Hostile("redirect", location=f"{recorder.url}/api/v4/projects") as srv:
        api = _gitlab(srv.url, monkeypatch)
        with caplog.at_level(logging.WARNING), pytest.raises(GitLabError, match="refused to follow a redirect"):
            list(api.pages("/projects"))
        with pytest.raises(GitLabError, match="refused to follow a redirect"):
            api.get("/projects/1")
        api.close()
    _no_credentials_reached(recorder)


def test_gitlab_endless_pagination_stops_at_the_page_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("probes.netguard.MAX_PAGES", 25)
    with Hostile("json", max_requests=400) as srv:
        srv.page = gitlab_links(lambda _p, n: f"{srv.url}/api/v4/projects?page={n + 1}")
        api = _gitlab(srv.url, monkeypatch)
        with pytest.raises(GitLabError, match="more than 25 pages"):
            list(api.pages("/projects"))
        api.close()
        assert srv.count <= 26


def test_gitlab_cyclic_links_are_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    with Hostile("json", max_requests=400) as srv:
        srv.page = gitlab_links(lambda _p, n: f"{srv.url}/api/v4/projects?page={2 if n % 2 else 3}")
        api = _gitlab(srv.url, monkeypatch)
        with pytest.raises(GitLabError, match="pagination loop"):
            list(api.pages("/projects"))
        api.close()
        assert srv.count <= 4


def test_gitlab_gzip_bomb_and_huge_body_stop_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    for srv in (Hostile("gzip_bomb", bomb_bytes=5 * MAX_BODY), Hostile("huge", max_bytes=6 * MAX_BODY)):
        with srv:
            api = _gitlab(srv.url, monkeypatch)
            tracemalloc.start()
            try:
                with pytest.raises(GitLabError) as exc:
                    api.get("/projects/1")
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
                api.close()
        assert exc.value.category == "malformed", exc.value.reason
        assert peak < 3 * MAX_BODY


@pytest.mark.parametrize("behaviour", ["trickle", "trickle_body"])
def test_gitlab_trickle_cannot_hold_a_request_past_its_deadline(
    behaviour: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Hostile(behaviour, trickle_s=0.1, max_seconds=25) as srv:
        api = _gitlab(srv.url, monkeypatch, request_timeout_s=1.5)
        start = time.monotonic()
        with pytest.raises(GitLabError) as exc:
            api.get("/projects/1")
        elapsed = time.monotonic() - start
        api.close()
    assert exc.value.category == "timeout", exc.value.reason
    assert elapsed < 5


# --- Kubernetes (the official client's urllib3 pool) --------------------------------------------


def test_kubernetes_endless_continue_tokens_stop_at_the_page_cap(tmp_path: Path) -> None:
    with Hostile("json", page=endless_kube, max_requests=400) as srv:
        reader = _kube(srv.url, tmp_path, max_pages=30)
        with pytest.raises(KubeError, match="more than 30 pages"):
            list(reader.list_all("/api/v1/namespaces"))
        reader.api.close()
        assert srv.count <= 31


def test_kubernetes_repeated_continue_token_is_a_loop(tmp_path: Path) -> None:
    with Hostile("json", page=cyclic_kube, max_requests=400) as srv:
        reader = _kube(srv.url, tmp_path)
        with pytest.raises(KubeError, match="pagination loop"):
            list(reader.list_all("/api/v1/namespaces"))
        reader.api.close()
        assert srv.count <= 4


@pytest.mark.parametrize("behaviour", ["huge", "gzip_bomb"])
def test_kubernetes_big_answers_stop_at_the_cap(behaviour: str, tmp_path: Path) -> None:
    with Hostile(behaviour, max_bytes=6 * MAX_BODY, bomb_bytes=5 * MAX_BODY) as srv:
        reader = _kube(srv.url, tmp_path)
        tracemalloc.start()
        try:
            with pytest.raises(KubeError, match=r"cap|larger than"):
                reader.get("/api/v1/namespaces")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            reader.api.close()
    assert peak < 3 * MAX_BODY


@pytest.mark.parametrize("behaviour", ["trickle", "trickle_body"])
def test_kubernetes_trickle_cannot_hold_a_request_past_its_deadline(behaviour: str, tmp_path: Path) -> None:
    with Hostile(behaviour, trickle_s=0.1, max_seconds=25) as srv:
        reader = _kube(srv.url, tmp_path)
        reader.ctx.deadline = time.monotonic() + 1.5  # the request's deadline follows the source's
        start = time.monotonic()
        with pytest.raises(KubeError) as exc:
            reader.get("/api/v1/namespaces")
        elapsed = time.monotonic() - start
        reader.api.close()
    assert exc.value.category in ("timeout", "unreachable"), exc.value.reason
    assert elapsed < 5


def test_kubernetes_refuses_a_cross_origin_redirect(
    recorder: Hostile, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Hostile("redirect", location=f"{recorder.url}/api/v1/namespaces") as srv:
        reader = _kube(srv.url, tmp_path)
        with caplog.at_level(logging.WARNING), pytest.raises(KubeError, match="refused to follow a redirect"):
            reader.get("/api/v1/namespaces")
        reader.api.close()
    _no_credentials_reached(recorder)


# --- threads -------------------------------------------------------------------------------------


def test_pool_workers_are_daemons_so_a_stuck_one_cannot_hold_the_process() -> None:
    from probes.daemonpool import DaemonThreadPool

    release = threading.Event()
    pool = DaemonThreadPool(2, thread_name_prefix="t")
    futures = [pool.submit(release.wait, 30) for _ in range(3)]
    workers = [t for t in threading.enumerate() if t.name.startswith("t_")]
    assert len(workers) == 2 and all(t.daemon for t in workers)
    pool.shutdown(wait=False, cancel_futures=True)
    release.set()
    assert futures[0].result(timeout=5) is True


# --- AWS (botocore) ------------------------------------------------------------------------------


class _Looping:
    """A client whose operation hands back NextToken values: new forever, or a cycle."""

    def __init__(self, cycle: bool) -> None:
        self.cycle = cycle
        self.calls = 0

    def can_paginate(self, _op: str) -> bool:
        return False

    def list_things(self, **kw: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls > 10_000:
            raise AssertionError("the paginator never stopped")
        nxt = ("a" if kw.get("NextToken") != "a" else "b") if self.cycle else f"t{self.calls}"
        return {"Things": [self.calls], "NextToken": nxt}


@pytest.mark.parametrize("cycle", [False, True], ids=["endless", "cyclic"])
def test_aws_manual_pagination_stops_on_loops_and_at_the_cap(cycle: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from probes.aws.session import ApiError as AwsError
    from probes.aws.session import pages

    monkeypatch.setattr("probes.netguard.MAX_PAGES", 40)
    client = _Looping(cycle)
    with pytest.raises(AwsError, match="pagination loop" if cycle else "more than 40 pages") as exc:
        list(pages(client, "list_things", "Things"))
    assert exc.value.category == "malformed"
    assert client.calls <= (3 if cycle else 41)


class _LoopingPaginator:
    """botocore's paginator shape (an iterable with `_get_next_token`) over the same tokens."""

    def __init__(self, client: _Looping) -> None:
        self.client = client

    def paginate(self, **kw: Any) -> _LoopingPaginator:
        return self

    def __iter__(self) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:  # botocore stops only on a token repeated at once; ours never repeat at once
            page = self.client.list_things(**({"NextToken": token} if token else {}))
            yield page
            token = page["NextToken"]

    @staticmethod
    def _get_next_token(page: dict[str, Any]) -> dict[str, Any]:
        return {"NextToken": page.get("NextToken")}


class _LoopingWithPaginator(_Looping):
    def can_paginate(self, _op: str) -> bool:
        return True

    def get_paginator(self, _op: str) -> _LoopingPaginator:
        return _LoopingPaginator(self)


@pytest.mark.parametrize("cycle", [False, True], ids=["endless", "cyclic"])
def test_aws_whole_page_listings_stop_on_loops_and_at_the_cap(cycle: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """CloudWatch alarms come as two lists in one answer and were walked with botocore's
    paginator directly, which stops a token repeated at once but not a cycle or an endless list."""
    from probes.aws.session import ApiError as AwsError
    from probes.aws.session import whole_pages

    monkeypatch.setattr("probes.netguard.MAX_PAGES", 40)
    client = _LoopingWithPaginator(cycle)
    with pytest.raises(AwsError, match="pagination loop" if cycle else "more than 40 pages") as exc:
        list(whole_pages(client, "describe_alarms"))
    assert exc.value.category == "malformed"
    assert client.calls <= (3 if cycle else 41)


def test_no_aws_listing_walks_a_botocore_paginator_unguarded() -> None:
    """Every AWS listing goes through `pages`/`whole_pages` (page cap, loop check)."""
    root = Path(__file__).resolve().parent.parent / "probes"
    texts = {f.relative_to(root): f.read_text(encoding="utf-8") for f in root.rglob("*.py") if f.name != "session.py"}
    offenders = [str(f) for f, text in texts.items() if "get_paginator(" in text or ".paginate(" in text]
    assert offenders == []


@pytest.mark.parametrize("behaviour", ["trickle", "trickle_body"])
def test_aws_trickle_cannot_hold_a_call_past_its_deadline(behaviour: str, tmp_path: Path) -> None:
    from probes.aws.config import AwsConfig
    from probes.aws.session import Clients, classify

    creds = tmp_path / "credentials"
    creds.write_text("[scan]\naws_access_key_id = hostile\naws_secret_access_key = hostile-not-secret\n")
    with Hostile(behaviour, trickle_s=0.1, max_seconds=25) as srv:
        cfg = AwsConfig(
            name="aws",
            probe="aws",
            regions=["us-east-1"],
            endpoint_url=srv.url,
            profile="scan",
            credentials_file=str(creds),
            retries=0,
            connect_timeout_s=1.0,
            read_timeout_s=1.0,
        )
        clients = Clients(cfg, _ctx())
        sqs = clients.prepare("sqs", "us-east-1")
        start = time.monotonic()
        with pytest.raises(Exception) as exc:  # botocore: its class varies with the moment of the cut
            sqs.list_queues()
        elapsed = time.monotonic() - start
    assert elapsed < 5, f"a call with 1 s + 1 s timeouts took {elapsed:.1f}s"
    assert classify(exc.value, "sqs:ListQueues").category == "timeout", repr(exc.value)


# --- deep JSON: one answer fails, as malformed, never as an unexpected RecursionError ----------

DEEP = b"[" * 100_000 + b"]" * 100_000


def test_every_client_calls_a_100k_deep_answer_malformed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """json.loads raises RecursionError past ~1000 levels; a client that only catches ValueError
    lets it escape, and the whole source dies on one answer instead of failing its kinds."""
    with Hostile("raw", body=b'{"status": "success", "data": ' + DEEP + b"}") as srv:
        prom = _prom(srv.url, monkeypatch)
        with pytest.raises(PromError, match="not JSON") as perr:
            prom.get_json("/api/v1/rules")
        prom.close()
        api = _gitlab(srv.url, monkeypatch)
        with pytest.raises(GitLabError) as gerr:
            list(api.pages("/projects"))
        with pytest.raises(GitLabError) as gerr2:
            api.get("/projects/1")
        api.close()
        reader = _kube(srv.url, tmp_path)
        with pytest.raises(KubeError, match="malformed JSON") as kerr:
            reader.get("/api/v1/namespaces")
        reader.api.close()
    assert perr.value.category == "malformed"
    assert gerr.value.category == "malformed" and gerr2.value.category == "malformed"
    assert kerr.value.category == "malformed"  # one category set across every client
