"""Tokens stay home for the loopback-served sources (issue 18: Grafana, PagerDuty, Loki, Sentry, JSM):
a redirect to another origin is refused by every one of them, and Sentry, whose cursors are
next-page URLs, refuses a next link to another origin however it is spelt. Each test runs the
whole probe against a hostile server (sandbox/hostile.py) and a recorder on another port that
nothing, above all no credential, may ever reach."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from probes.grafana import GrafanaConfig, GrafanaProbe
from probes.jsm import JsmConfig, JsmProbe
from probes.loki import LokiConfig, LokiProbe
from probes.pagerduty import PagerDutyProbe
from probes.pagerduty.config import PagerDutyConfig
from probes.sentry import SentryConfig, SentryProbe
from sandbox.hostile import Hostile, Recorder
from sandbox.jsm import well_run as jsm_well_run
from scanner.probe import CollectError, Probe, ProbeContext

pytestmark = pytest.mark.slow  # each test starts two loopback servers

TOKEN = "hostileLoopbackCanary0123456789"
ENV = "HOSTILE_LOOPBACK_TOKEN"


@pytest.fixture
def recorder() -> Iterator[Hostile]:
    with Recorder() as r:
        yield r


def _configs(url: str) -> dict[str, tuple[Probe, Any]]:
    """Each source's probe and a config pointing it at `url` with TOKEN as its credential."""
    return {
        "grafana": (GrafanaProbe(), GrafanaConfig(name="g", probe="grafana", url=url, bearer_token_env=ENV, retries=0)),
        "pagerduty": (
            PagerDutyProbe(),
            PagerDutyConfig(name="p", probe="pagerduty", url=url, token_env=ENV, retries=0),
        ),
        "loki": (LokiProbe(), LokiConfig(name="l", probe="loki", url=url, bearer_token_env=ENV, retries=0)),
        "sentry": (
            SentryProbe(),
            SentryConfig(name="s", probe="sentry", url=url, organization="acme", bearer_token_env=ENV, retries=0),
        ),
        "jsm": (JsmProbe(), JsmConfig(name="j", probe="jsm", url=url, bearer_token_env=ENV, retries=0)),
    }


def _collect(probe: Probe, cfg: Any) -> list[str]:
    """Every failure reason of one collection: the source's, or each failed kind's."""
    ctx = ProbeContext(source=cfg.name, deadline=time.monotonic() + 30, log=logging.getLogger("maturity.test"))
    try:
        for _ in probe.collect(cfg, ctx):
            pass
    except CollectError as exc:  # SourceFailure, or a step's error the probe let through
        return [exc.reason]
    return [f.reason for f in ctx.failures.values()]


def _nothing_reached(recorder: Hostile) -> None:
    assert recorder.count == 0, recorder.requests
    assert TOKEN not in repr(recorder.requests)


@pytest.mark.parametrize("source", ["grafana", "pagerduty", "loki", "sentry", "jsm"])
def test_a_redirect_to_another_origin_is_refused(
    source: str, recorder: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    with Hostile("redirect", location=f"{recorder.url}/stolen") as srv:
        probe, cfg = _configs(srv.url)[source]
        reasons = _collect(probe, cfg)
        assert srv.count > 0, "the probe never asked the hostile server"
    assert reasons, "a source answered only by redirects cannot have succeeded"
    assert any("refused to follow a redirect" in r for r in reasons), reasons
    _nothing_reached(recorder)


def _sentry_links(recorder: Hostile) -> list[str]:
    evil = recorder.url
    port = evil.rsplit(":", 1)[1]
    return [
        f"{evil}/api/0/organizations/acme/projects/?cursor=0:1:0",  # another port, same IP
        f"http://localhost:{port}/api/0/organizations/acme/projects/?cursor=0:1:0",  # another host name
        f"http://LOCALHOST.:{port}/api/0/organizations/acme/projects/?cursor=0:1:0",  # case and trailing dot
        f"http://user@{evil.split('//', 1)[1]}/api/0/organizations/acme/projects/?cursor=0:1:0",  # userinfo
    ]


@pytest.mark.parametrize("which", range(4))
def test_sentry_never_follows_a_next_link_to_another_origin(
    which: int, recorder: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    link = _sentry_links(recorder)[which]

    def page(path: str, _q: dict[str, list[str]], _n: int) -> tuple[Any, dict[str, str]]:
        if path == "/api/0/organizations/acme/":
            return {"slug": "acme", "openMembership": False}, {}
        header = f'<{link}>; rel="next"; results="true"; cursor="0:1:0"'
        return [{"id": "1", "slug": "web", "provider": {"key": "jira"}}], {"Link": header}

    with Hostile("json", page=page) as srv:
        probe, cfg = _configs(srv.url)["sentry"]
        reasons = _collect(probe, cfg)
    assert any("refused to follow a next-page link" in r for r in reasons), reasons
    _nothing_reached(recorder)


def test_jsm_never_follows_a_next_link_elsewhere(recorder: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    """JSM's envelopes carry `_links.next`; the client counts `start` itself, so a next link
    naming another host is never fetched and the scan still reads every page."""
    monkeypatch.setenv(ENV, TOKEN)
    api = jsm_well_run(token=TOKEN, incidents=6)
    original = api._page

    def hostile_page(rows: list[Any], path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        doc = original(rows, path, query)
        if not doc["isLastPage"]:
            doc["_links"]["next"] = f"{recorder.url}/stolen?start={doc['start'] + doc['limit']}"
        return doc

    api._page = hostile_page  # type: ignore[method-assign]
    try:
        probe, cfg = _configs(api.url)["jsm"]
        cfg = cfg.model_copy(update={"per_page": 2})
        assert _collect(probe, cfg) == []
        assert sum(1 for r in api.requests if r.path.endswith("/request")) > 3  # several pages, all read
    finally:
        api.stop()
    _nothing_reached(recorder)
