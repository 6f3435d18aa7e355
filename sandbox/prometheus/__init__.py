"""The demo's monitoring estate: a real Prometheus and a two-peer Alertmanager cluster on free
loopback ports, scraping a small exporter that speaks the Prometheus text format (node,
application and blackbox metrics), with 30 days of backfilled probe history so availability
can be measured. Files live in sandbox/prometheus/estate/; ports are filled in at start.

The process helpers here are also used by the tests (tests/promserver.py).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox.base import Estate
from sandbox.prometheus.exporter import TEXT, Exporter, exporter_pages, stamped

__all__ = [
    "ESTATE_DIR",
    "TEXT",
    "Exporter",
    "PrometheusEstate",
    "Server",
    "backfill",
    "free_port",
    "render",
    "stamped",
    "start_alertmanager",
    "start_prometheus",
]

ESTATE_DIR = Path(__file__).with_name("estate")
PROMETHEUS = "prometheus"
ALERTMANAGER = "prometheus-alertmanager"
PROMTOOL = "promtool"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    for candidate in (name, name.removeprefix("prometheus-")):
        path = shutil.which(candidate)
        if path:
            return path
    raise FileNotFoundError(f"{name} is not installed (apt-get install prometheus prometheus-alertmanager)")


@dataclass
class Server:
    """A process we started, with its base URL."""

    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _wait_ready(server: Server, path: str = "/-/ready", timeout_s: float = 30.0) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.url} exited: {server.log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(server.url + path, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{server.url} not ready after {timeout_s}s: {server.log.read_text(errors='replace')[-2000:]}")


def render(text: str, values: Mapping[str, Any]) -> str:
    """Fill `{{NAME}}` placeholders (config templates must not need a template engine)."""
    for k, v in values.items():
        text = text.replace("{{" + k + "}}", str(v))
    return text


def backfill(
    tsdb: Path,
    series: Iterable[tuple[str, Mapping[str, str], Callable[[int], float]]],
    *,
    days: int = 31,
    step_s: int = 300,
    end_offset_s: int = 3 * 3600,
) -> None:
    """Write history into a TSDB folder with promtool (before Prometheus starts).

    Each series is (metric, labels, value_of(i)) sampled every `step_s` over `days`, ending
    `end_offset_s` before now so the blocks never overlap the head.
    """
    tsdb.mkdir(parents=True, exist_ok=True)
    end = int(time.time()) - end_offset_s
    n = days * 86400 // step_s
    lines: list[str] = []
    for metric, labels, value_of in series:
        lbl = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines.append(f"# TYPE {metric} gauge")
        lines.extend(f"{metric}{{{lbl}}} {value_of(i)} {end - (n - i) * step_s}" for i in range(n))
    lines.append("# EOF")
    src = tsdb.parent / "backfill.om"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run(
        [
            _binary(PROMTOOL),
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=24h",
            str(src),
            str(tsdb),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"promtool failed: {out.stderr.decode(errors='replace')[-2000:]}")
    src.unlink()


def start_prometheus(
    workdir: Path,
    config: str,
    rules: Mapping[str, str],
    *,
    retention: str = "40d",
    extra: Iterable[str] = (),
    port: int | None = None,
) -> Server:
    """Start Prometheus with `config` (prometheus.yml text) and rule files; wait until ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name, text in rules.items():
        (workdir / name).write_text(text, encoding="utf-8")
    (workdir / "prometheus.yml").write_text(config, encoding="utf-8")
    port = port or free_port()
    cmd = [
        _binary(PROMETHEUS),
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--storage.tsdb.retention.time={retention}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        *extra,
    ]
    return _launch(cmd, workdir, port, "prometheus.log")


def start_alertmanager(
    workdir: Path, config: str, *, cluster_port: int | None = None, peers: Iterable[int] = (), port: int | None = None
) -> Server:
    """Start Alertmanager; clustering only when `cluster_port` is given (gossip on loopback)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(config, encoding="utf-8")
    port = port or free_port()
    cluster = (
        [
            f"--cluster.listen-address=127.0.0.1:{cluster_port}",
            "--cluster.advertise-address=127.0.0.1:" + str(cluster_port),
        ]
        if cluster_port
        else ["--cluster.listen-address="]
    )
    cluster += [f"--cluster.peer=127.0.0.1:{p}" for p in peers]
    cmd = [
        _binary(ALERTMANAGER),
        f"--config.file={workdir / 'alertmanager.yml'}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        *cluster,
    ]
    return _launch(cmd, workdir, port, "alertmanager.log")


def _launch(cmd: list[str], workdir: Path, port: int, log_name: str) -> Server:
    """Run `cmd` in `workdir`, its output to a log there, and wait until it answers on `port`."""
    log = workdir / log_name
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=workdir)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    _wait_ready(server)
    return server


def _availability(every: int) -> Callable[[int], float]:
    """1 except one sample in `every` (every=3000 at 5-minute steps: about 99.97%)."""
    return lambda i: 0.0 if every and i % every == every // 2 else 1.0


def wait_scraped(prom: Server, timeout_s: float = 15.0) -> None:
    """Wait until every active target was scraped at least once (the first scrape is jittered)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        targets = httpx.get(prom.url + "/api/v1/targets", timeout=2).json()["data"]["activeTargets"]
        if targets and all(t.get("health") != "unknown" for t in targets):
            return
        time.sleep(0.2)


@dataclass
class Started:
    prometheus: Server
    alertmanagers: list[Server]
    exporter: Exporter


def start_estate(
    folder: Path,
    workdir: Path,
    *,
    am_peers: int = 2,
    history: Iterable[tuple[str, Mapping[str, str], int]] = (),
    retention: str = "40d",
    dead_alertmanager: bool = False,
) -> Started:
    """Start the estate described by `folder` (prometheus.yml, rules/*.yaml, alertmanager.yml,
    exporter/*.prom, all with {{PLACEHOLDERS}}); `history`: (metric, labels, failure period)."""
    exporter = Exporter(exporter_pages(folder)).start()
    ams: list[Server] = []
    # promtool is the slowest step: backfill while the Alertmanagers start.
    failures: list[Exception] = []

    def fill() -> None:
        try:
            backfill(workdir / "prom" / "data", [(m, lbl, _availability(every)) for m, lbl, every in history])
        except Exception as exc:  # noqa: BLE001 - re-raised in the starting thread
            failures.append(exc)

    filler = threading.Thread(target=fill, name="backfill") if history else None
    if filler:
        filler.start()
    try:
        am_text = (folder / "alertmanager.yml").read_text(encoding="utf-8")
        if am_peers > 1:
            gossip = [free_port() for _ in range(am_peers)]
            for i, gp in enumerate(gossip):
                ams.append(
                    start_alertmanager(
                        workdir / f"am{i}", am_text, cluster_port=gp, peers=[p for p in gossip if p != gp]
                    )
                )
        elif am_peers == 1:
            ams.append(start_alertmanager(workdir / "am0", am_text))
        prom_port = free_port()
        values: dict[str, Any] = {
            "EXPORTER": f"127.0.0.1:{exporter.port}",
            "DEAD": f"127.0.0.1:{free_port()}",
            "SELF": f"127.0.0.1:{prom_port}",
        }
        for i, am in enumerate(ams):
            values[f"AM{i}"] = am.url.removeprefix("http://")
        if dead_alertmanager:
            values["AM0"] = f"127.0.0.1:{free_port()}"  # configured, but nothing listens there
        if filler:
            filler.join()
            if failures:
                raise failures[0]
        rules = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "rules").glob("*.yaml"))}
        config = render((folder / "prometheus.yml").read_text(encoding="utf-8"), values)
        prom = start_prometheus(workdir / "prom", config, rules, retention=retention, port=prom_port)
    except BaseException:
        if filler:
            filler.join()
        exporter.stop()
        for am in ams:
            am.stop()
        raise
    wait_scraped(prom)
    return Started(prom, ams, exporter)


class PrometheusEstate(Estate):
    """A well-run monitoring estate: node, application and blackbox metrics, graded alerts with
    runbooks, SLO recording rules, remote write, HA Alertmanager with paging and inhibition."""

    name = "prometheus"

    def __init__(self) -> None:
        self.started: Started | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        self.started = start_estate(
            ESTATE_DIR,
            workdir / "prometheus-estate",
            history=[
                ("probe_success", {"job": "blackbox", "instance": "https://shop.example.com"}, 3000),
                ("probe_success", {"job": "blackbox", "instance": "https://api.example.com/healthz"}, 4000),
            ],
        )
        return [
            {"name": "prometheus", "probe": "prometheus", "url": self.started.prometheus.url},
            {"name": "alertmanager", "probe": "alertmanager", "url": self.started.alertmanagers[0].url},
        ]

    def stop(self) -> None:
        if self.started is None:
            return
        self.started.prometheus.stop()
        for am in self.started.alertmanagers:
            am.stop()
        self.started.exporter.stop()
        self.started = None
