"""Pushgateway push: grouping keys (user-given scope, the scan's shard) and credentials."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from scanner.errors import InputError
from scanner.metrics import grouping_key, push_metrics, pushgateway_auth
from tests.cli import maturity
from tests.reportgen import build_report


def test_grouping_key_takes_pairs_and_adds_the_shard_of_a_sharded_scan() -> None:
    assert grouping_key(["scope=shop", "env=prod"]) == [("scope", "shop"), ("env", "prod")]
    assert grouping_key(["scope=shop"], {"index": 2, "count": 4}) == [("scope", "shop"), ("shard", "2")]
    assert grouping_key([], {"index": 0, "count": 1}) == []  # an unsharded scan keeps one group


@pytest.mark.parametrize("bad", ["scope", "job=x", "1x=y", "__name__=y", "a-b=c"])
def test_grouping_key_rejects_malformed_pairs(bad: str) -> None:
    with pytest.raises(InputError, match="--pushgateway-group"):
        grouping_key([bad])


def test_grouping_key_rejects_a_key_twice_and_a_clash_with_the_shard() -> None:
    with pytest.raises(InputError, match="twice"):
        grouping_key(["a=1", "a=2"])
    with pytest.raises(InputError, match="shard"):
        grouping_key(["shard=9"], {"index": 1, "count": 2})


def test_credentials_come_from_the_environment_only() -> None:
    assert pushgateway_auth({}) is None
    assert pushgateway_auth({"MATURITY_PUSHGATEWAY_USERNAME": "u", "MATURITY_PUSHGATEWAY_PASSWORD": "p"}) == ("u", "p")
    assert pushgateway_auth({"MATURITY_PUSHGATEWAY_TOKEN": "t", "MATURITY_PUSHGATEWAY_USERNAME": "u"}) == "t"


class _Gateway(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, str]]] = []

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).received.append((self.command, self.path, self.headers.get("Authorization", "")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[str, type[_Gateway]]]:
    handler = type("Handler", (_Gateway,), {"received": []})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", handler
    srv.shutdown()
    srv.server_close()


@pytest.mark.slow
def test_push_puts_to_the_group_path_with_credentials(gateway: tuple[str, type[_Gateway]]) -> None:
    url, handler = gateway
    push_metrics(url, "x 1\n", group=[("scope", "shop"), ("team", "a/b"), ("shard", "1")], auth=("u", "p"))
    push_metrics(url, "x 1\n", auth="tok")
    (m1, path1, auth1), (_, path2, auth2) = handler.received
    b64 = base64.urlsafe_b64encode(b"a/b").decode()
    assert m1 == "PUT" and path1 == f"/metrics/job/maturity_scanner/scope/shop/team@base64/{b64}/shard/1"
    assert auth1 == "Basic " + base64.b64encode(b"u:p").decode()
    assert path2 == "/metrics/job/maturity_scanner" and auth2 == "Bearer tok"


@pytest.mark.slow
def test_cli_pushes_with_the_group_and_env_credentials(gateway: tuple[str, type[_Gateway]], tmp_path: Path) -> None:
    url, handler = gateway
    report = tmp_path / "r.json"
    report.write_text(json.dumps(build_report(tmp_path / "b", good=True)), encoding="utf-8")
    env = {"MATURITY_PUSHGATEWAY_TOKEN": "s3cret-token", "PATH": "/usr/bin"}
    out = maturity("report", str(report), "--pushgateway", url, "--pushgateway-group", "scope=shop", env=env)
    assert out.returncode == 0, out.stderr
    assert handler.received == [("PUT", "/metrics/job/maturity_scanner/scope/shop", "Bearer s3cret-token")]
    assert "s3cret-token" not in out.stdout + out.stderr


def test_cli_rejects_a_bad_group_before_scanning(tmp_path: Path) -> None:
    cfg = tmp_path / "m.yaml"
    cfg.write_text("sources: []\n", encoding="utf-8")
    target = tmp_path / "r.json"
    out = maturity(
        "scan",
        "-c",
        str(cfg),
        "--json",
        str(target),
        "--pushgateway",
        "http://127.0.0.1:9",
        "--pushgateway-group",
        "job=x",
    )
    assert out.returncode == 2 and "--pushgateway-group" in out.stderr
    assert not target.exists()
