"""Prometheus exposition: checked by promtool, scraped by a real Prometheus, pushed over HTTP."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from prometheus_client.parser import text_string_to_metric_families

from scanner.errors import ScanError
from scanner.metrics import push_metrics, render_metrics
from tests.reportgen import build_report

PAYLOAD = 'q"uo\\te\nnew'


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return build_report(tmp_path_factory.mktemp("metrics"), payload=PAYLOAD)


def _tool(name: str) -> str:
    path = shutil.which(name) or f"/usr/bin/{name}"
    assert Path(path).exists(), f"{name} missing: run `make system-deps` (apt-get install prometheus)"
    return path


def samples(text: str) -> dict[tuple[Any, ...], float]:
    """Every sample of an exposition: (name, *sorted label pairs) -> value."""
    out: dict[tuple[Any, ...], float] = {}
    for family in text_string_to_metric_families(text):
        for smp in family.samples:
            out[(smp.name, *sorted(smp.labels.items()))] = smp.value
    return out


def test_promtool_accepts_the_exposition(report: dict[str, Any], tmp_path: Path) -> None:
    text = render_metrics(report)
    res = subprocess.run(
        [_tool("promtool"), "check", "metrics"], input=text, capture_output=True, text=True, timeout=30
    )
    assert res.returncode == 0, res.stdout + res.stderr
    for family in (
        "maturity_capability_level",
        "maturity_requirements",
        "maturity_source_up",
        "maturity_scan_duration_seconds",
        "maturity_scan_timestamp_seconds",
        "maturity_evidence_items",
    ):
        assert f"# HELP {family} " in text and f"# TYPE {family} gauge" in text
    got = samples(text)
    # The whole estate's grades carry scope="" (stored by Prometheus as no label at all).
    assert (
        got[
            "maturity_capability_level",
            ("capability", "ydt:5.3.1"),
            ("framework", "ydt1756-4"),
            ("kind", "level"),
            ("scope", ""),
        ]
        == 1
    )
    # the waived capability is left out
    assert got["maturity_requirements", ("framework", "ydt1756-4"), ("scope", ""), ("status", "not_applicable")] == 0
    assert got["maturity_capabilities_out_of_scope", ("framework", "ydt1756-4"), ("scope", "")] == 1
    assert 'capability="ydt:11.1.1"' not in text
    assert (
        got["maturity_unknown_clauses", ("framework", "ydt1756-4"), ("reason_code", "needs_attestation"), ("scope", "")]
        > 0
    )
    assert 'source="awsq\\"uo\\\\te\\nnew"' in text  # escaped label value
    assert got[("maturity_scan_duration_seconds",)] == 42
    # the textfile collector rejects timestamps: every sample line is `name{labels} value`
    for line in text.splitlines():
        if not line.startswith("#"):
            assert re.fullmatch(r"[a-z_]+(\{.*\})? -?[0-9.e+]+", line), line


def test_each_scope_gets_its_own_series(report: dict[str, Any]) -> None:
    """A declared scope's grades are series of their own (scope="shop"); the estate's stay scope=""."""
    fws = json.loads(json.dumps(report["frameworks"]))
    cap = next(c for fw in fws for c in fw["capabilities"] if c["id"] == "ydt:5.3.1")
    cap["level"] = 3
    scoped = {**report, "scopes": [{"name": "shop", "frameworks": fws}]}
    text = render_metrics(scoped)
    got = samples(text)
    level = ("maturity_capability_level", ("capability", "ydt:5.3.1"), ("framework", "ydt1756-4"), ("kind", "level"))
    assert got[(*level, ("scope", ""))] == 1
    assert got[(*level, ("scope", "shop"))] == 3
    assert got["maturity_capabilities_out_of_scope", ("framework", "ydt1756-4"), ("scope", "shop")] == 1
    assert ("maturity_requirements", ("framework", "ydt1756-4"), ("scope", "shop"), ("status", "met")) in got
    # Source and scan families describe the one scan, not a scope.
    assert not any("scope=" in ln for ln in text.splitlines() if ln.startswith("maturity_source_"))
    assert "shop" not in render_metrics(report)


class _Serve(http.server.BaseHTTPRequestHandler):
    body = b""
    received: ClassVar[list[tuple[str, str, str, bytes]]] = []
    status = 200

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def do_PUT(self) -> None:
        data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).received.append((self.command, self.path, self.headers.get("Content-Type", ""), data))
        self.send_response(self.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[tuple[http.server.ThreadingHTTPServer, type[_Serve]]]:
    handler = type("Handler", (_Serve,), {"received": []})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv, handler
    srv.shutdown()
    srv.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(port: int, q: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as resp:
        doc = json.load(resp)
    result: list[dict[str, Any]] = doc["data"]["result"]
    return result


def test_real_prometheus_scrapes_and_answers(report: dict[str, Any], server: Any, tmp_path: Path) -> None:
    srv, handler = server
    handler.body = render_metrics(report).encode("utf-8")
    port = _free_port()
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: maturity\n    static_configs: [{{targets: ['127.0.0.1:{srv.server_address[1]}']}}]\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [
            _tool("prometheus"),
            f"--config.file={cfg}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        got: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not got:
            time.sleep(0.3)
            try:
                got = _query(port, 'maturity_capability_level{capability="ydt:5.3.1",kind="level"}')
            except OSError:
                continue
        assert got, "Prometheus did not scrape the metrics in time"
        assert got[0]["value"][1] == "1" and got[0]["metric"]["framework"] == "ydt1756-4"
        up = _query(port, "maturity_source_up == 0")
        assert [m["metric"]["source"] for m in up] == ["aws" + PAYLOAD]  # escaping survived the round trip
        assert _query(port, "up")[0]["value"][1] == "1"
        # every query of the Grafana dashboard answers with data from these metrics
        for expr in _dashboard_queries():
            assert _query(port, expr), expr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _dashboard_queries() -> list[str]:
    dash = json.loads(
        (Path(__file__).resolve().parents[1] / "deploy/grafana/maturity-dashboard.json").read_text(encoding="utf-8")
    )
    subst = {"$kind": "level", "$capability": ".*", "$framework": ".*"}
    out = []
    for panel in dash["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            for k, v in subst.items():
                expr = expr.replace(k, v)
            out.append(expr)
    assert len(out) >= 7
    return out


def test_push_to_pushgateway(report: dict[str, Any], server: Any) -> None:
    srv, handler = server
    text = render_metrics(report)
    push_metrics(f"http://127.0.0.1:{srv.server_address[1]}/", text)
    method, path, ctype, body = handler.received[0]
    assert (method, path) == ("PUT", "/metrics/job/maturity_scanner")
    assert ctype.startswith("text/plain; version=0.0.4") and body.decode("utf-8") == text


def test_push_errors_are_scan_errors(server: Any) -> None:
    srv, handler = server
    handler.status = 500
    with pytest.raises(ScanError, match="HTTP 500"):
        push_metrics(f"http://127.0.0.1:{srv.server_address[1]}", "x 1\n")
    with pytest.raises(ScanError, match="cannot push metrics"):
        push_metrics(f"http://127.0.0.1:{_free_port()}", "x 1\n", timeout_s=2)
