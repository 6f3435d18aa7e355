"""Per-object AWS calls fan out over the source's pool (issue 22): the same evidence in the same
order as one at a time, requests unchanged or fewer, S3 calls cut where the API allows. A real
moto server behind the counting proxy of the benchmarks; the fan-out helper on a real pool."""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer

from bench.estate.proxy import LatencyProxy, Seen
from probes.aws import AwsConfig, AwsProbe
from probes.aws.data import s3_buckets
from probes.aws.plan import Scan
from probes.aws.session import Clients
from probes.daemonpool import DaemonThreadPool
from probes.fanout import ordered_map
from sandbox.aws import WELL_RUN_ACCOUNT, moto_clients, seed_well_run
from scanner.probe import ProbeContext
from tests.fixtures.aws.stubbed import answer_some

LATENCY = 0.03
PER_BUCKET = ("s3:location", "s3:versioning", "s3:replication")
# moto stamps restorable and delivery times with its clock when it answers: equal up to those.
_MOTO_NOW = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _untimed(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _untimed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_untimed(x) for x in v]
    return "<time>" if isinstance(v, str) and _MOTO_NOW.match(v) else v


@pytest.fixture(scope="module")
def proxied() -> Iterator[LatencyProxy]:
    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto's backends are process-wide, shared by every moto server of the test session: start
    # from a clean state and leave one behind.
    httpx.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
    make = moto_clients(url, WELL_RUN_ACCOUNT)
    seed_well_run(make, WELL_RUN_ACCOUNT)
    s3 = make("s3", "us-east-1")
    for i in range(12):  # enough unversioned buckets and tables for per-object calls to overlap
        s3.create_bucket(Bucket=f"fanout-plain-{i:02d}")
    ddb = make("dynamodb", "us-east-1")
    for i in range(6):
        ddb.create_table(
            TableName=f"fanout-{i}",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    proxy = LatencyProxy(url, latency_s=LATENCY, concurrency=8).start()
    try:
        yield proxy
    finally:
        proxy.stop()
        httpx.post(f"{url}/moto-api/reset", timeout=10)
        server.stop()


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("aws-fanout") / "credentials"
    path.write_text("[scan]\naws_access_key_id = moto-test\naws_secret_access_key = moto-test-not-secret\n")
    return path


def _config(proxy: LatencyProxy, creds: Path, **kw: Any) -> AwsConfig:
    return AwsConfig(
        name="aws",
        probe="aws",
        regions=["us-east-1", "eu-west-1"],
        endpoint_url=proxy.url,
        retries=0,
        profile="scan",
        credentials_file=str(creds),
        role_arn=f"arn:aws:iam::{WELL_RUN_ACCOUNT}:role/scanner",
        **kw,
    )


def _collect(proxy: LatencyProxy, creds: Path, probe: AwsProbe | None = None, **kw: Any) -> list[Any]:
    cfg = _config(proxy, creds, **kw)
    ctx = ProbeContext(source="aws", deadline=time.monotonic() + 120, log=logging.getLogger("test.aws"))
    proxy.reset()
    return [(e.kind, e.subject, _untimed(e.data)) for e in (probe or AwsProbe()).collect(cfg, ctx)]


def _s3_calls(seen: list[Seen]) -> list[Seen]:
    return sorted((s for s in seen if s.op.split("@")[0] in PER_BUCKET), key=lambda s: s.at)


@pytest.mark.slow  # moto server
def test_per_bucket_and_per_table_calls_fan_out_with_identical_evidence(proxied: LatencyProxy, creds: Path) -> None:
    one_by_one = _collect(proxied, creds, concurrency=1)
    calls1 = Counter(s.op.split("@")[0] for s in proxied.seen)
    pooled = _collect(proxied, creds, concurrency=4)
    calls4 = Counter(s.op.split("@")[0] for s in proxied.seen)
    assert proxied.max_in_flight <= 4
    assert pooled == one_by_one  # same facts, same order
    for op in ("s3:versioning", "s3:replication", "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups"):
        assert calls4[op] == calls1[op] > 0, op
    assert calls4["s3:location"] == calls1["s3:location"] == 0  # every bucket is in a scanned region


def _s3_part(proxy: LatencyProxy, creds: Path, concurrency: int) -> list[Seen]:
    """The S3 part alone on a pool of its own (in the whole probe the other tasks keep the
    workers busy too, and they help once the task queue drains)."""
    cfg = _config(proxy, creds, concurrency=concurrency)
    ctx = ProbeContext(source="aws", deadline=time.monotonic() + 60, log=logging.getLogger("test.aws"))
    clients = Clients(cfg, ctx)
    for region in {cfg.global_region, *cfg.regions}:  # the filtered listings go to each region
        clients.prepare("s3", region)
    with DaemonThreadPool(concurrency) as pool:
        scan = Scan(cfg, clients, WELL_RUN_ACCOUNT, pool=pool)
        proxy.reset()
        items = pool.submit(lambda: list(s3_buckets(scan, cfg.global_region))).result(timeout=60)
    assert len(items) >= 15
    return _s3_calls(proxy.seen)


@pytest.mark.slow  # moto server
def test_per_bucket_calls_are_sent_together(proxied: LatencyProxy, creds: Path) -> None:
    one_by_one = _s3_part(proxied, creds, 1)
    pooled = _s3_part(proxied, creds, 4)
    assert Counter(s.path for s in pooled) == Counter(s.path for s in one_by_one)
    # One at a time, each per-bucket call waits for the one before (at least the latency apart);
    # fanned out, several are in flight together (counted by the proxy, not timed: a loaded
    # machine spreads the sends but cannot put two in flight on a pool of one).
    assert min(b.at - a.at for a, b in itertools.pairwise(one_by_one)) >= LATENCY * 0.9
    assert 2 <= proxied.max_in_flight <= 4


@pytest.mark.slow  # moto server
def test_replication_is_asked_only_of_buckets_that_ever_had_versioning(proxied: LatencyProxy, creds: Path) -> None:
    items = _collect(proxied, creds, concurrency=4)
    buckets = {s: d for k, s, d in items if k == "aws.s3_bucket"}
    asked = Counter(s.op.split("@")[0] for s in proxied.seen)
    versioned = [b for b, d in buckets.items() if d["versioning"] != "Disabled"]
    assert len(buckets) >= 15 and 0 < len(versioned) < len(buckets)
    assert asked["s3:replication"] == len(versioned)
    assert asked["s3:versioning"] == len(buckets)
    # moto names no BucketRegion but honours the bucket-region filter: one filtered listing per
    # scanned region instead of GetBucketLocation per bucket.
    assert asked["s3:location"] == 0
    assert not any(d["replicated"] for b, d in buckets.items() if b not in versioned)
    assert buckets["acme-prod-assets"]["replicated"] and buckets["acme-prod-assets"]["cross_region_replication"]


@pytest.mark.slow  # moto server
def test_bucket_region_from_the_listing_spares_get_bucket_location(proxied: LatencyProxy, creds: Path) -> None:
    """Current S3 lists each bucket's region (`BucketRegion`); moto does not yet, so the listing
    is answered with the real response shape (validated against the service model) and every
    other call goes to moto."""
    names = ["acme-prod-assets", "acme-dr-assets", "fanout-plain-00"]
    regions = {"acme-prod-assets": "us-east-1", "acme-dr-assets": "eu-west-1", "fanout-plain-00": "us-east-1"}
    listing = {"Buckets": [{"Name": n, "BucketRegion": regions[n]} for n in names]}
    account = moto_clients(proxied.url, WELL_RUN_ACCOUNT)  # the seeded account, through the proxy

    def make(service: str, region: str) -> Any:
        client = account(service, region)
        if service == "s3":
            answer_some(client, {"ListBuckets": listing})
        return client

    probe = AwsProbe(client_factory=make)
    items = _collect(proxied, creds, probe, concurrency=4)
    buckets = {s: d for k, s, d in items if k == "aws.s3_bucket"}
    assert {b: d["region"] for b, d in buckets.items()} == regions
    assert "s3:GetBucketLocation" not in probe.last_calls
    assert not any(s.op.startswith("s3:location") for s in proxied.seen)
    assert buckets["acme-prod-assets"]["replication_destinations"][0]["region"] == "eu-west-1"


def _regions_with(proxy: LatencyProxy, creds: Path, listing: Any) -> tuple[dict[str, str], AwsProbe]:
    """The S3 part's bucket regions when every ListBuckets (filtered or not) is answered by
    `listing(bucket-region filter or None)`, validated against the service model; every other call goes to moto."""
    account = moto_clients(proxy.url, WELL_RUN_ACCOUNT)

    def make(service: str, region: str) -> Any:
        client = account(service, region)
        if service == "s3":

            def handler(model: Any, params: dict[str, Any], **_kw: Any) -> Any:
                if model.name != "ListBuckets":
                    return None
                from botocore.awsrequest import AWSResponse
                from botocore.validate import validate_parameters

                body = listing((params.get("query_string") or {}).get("bucket-region"))  # the request as sent
                validate_parameters(body, model.output_shape)
                return AWSResponse(None, 200, {}, None), body

            client.meta.events.register_first("before-call.*.*", handler)
        return client

    probe = AwsProbe(client_factory=make)
    items = _collect(proxy, creds, probe, concurrency=4)
    return {s: d["region"] for k, s, d in items if k == "aws.s3_bucket"}, probe


@pytest.mark.slow  # moto server
def test_an_endpoint_ignoring_the_region_filter_falls_back_to_get_bucket_location(
    proxied: LatencyProxy, creds: Path
) -> None:
    """The filtered listings are trusted only if the filter was evidently honoured: an endpoint
    answering every region with every bucket (and one naming a bucket in two regions) gets
    GetBucketLocation per bucket, as before, with the same regions."""
    names = ["acme-prod-assets", "acme-dr-assets", "fanout-plain-00"]
    truth = {"acme-prod-assets": "us-east-1", "acme-dr-assets": "eu-west-1", "fanout-plain-00": "us-east-1"}
    regions, probe = _regions_with(proxied, creds, lambda _region: {"Buckets": [{"Name": n} for n in names]})
    assert regions == truth
    assert "s3:GetBucketLocation" in probe.last_calls
    assert Counter(s.op.split("@")[0] for s in proxied.seen)["s3:location"] == len(names)
    # Honoured: a filtered listing per region names each bucket once; no GetBucketLocation.
    regions, probe = _regions_with(
        proxied,
        creds,
        lambda region: {"Buckets": [{"Name": n} for n in names if region in (None, truth[n])]},
    )
    assert regions == truth
    assert "s3:GetBucketLocation" not in probe.last_calls


def test_ordered_map_keeps_order_and_bounds_the_workers() -> None:
    active, peak, lock = [0], [0], threading.Lock()

    def slow(x: int) -> int:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.01)
        with lock:
            active[0] -= 1
        return x * x

    with DaemonThreadPool(3) as pool:
        # Every worker fans out at once: the callers do the work, nothing waits on a queued helper.
        futures = [pool.submit(ordered_map, pool, slow, list(range(20)), 3) for _ in range(3)]
        results = [f.result(timeout=30) for f in futures]
    assert results == [[x * x for x in range(20)]] * 3
    assert 2 <= peak[0] <= 3


def test_ordered_map_raises_the_first_failure_in_order_and_starts_nothing_after_it() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def fn(x: int) -> int:
        with lock:
            started.append(x)
        if x in (5, 9):
            raise ValueError(str(x))
        time.sleep(0.005)
        return x

    with DaemonThreadPool(3) as pool, pytest.raises(ValueError, match=r"^5$"):
        pool.submit(ordered_map, pool, fn, list(range(30)), 3).result(timeout=30)
    assert set(range(6)) <= set(started)  # everything before the failure ran to its end
    # After it only what the two other workers had claimed (and, in a tight race, one more).
    assert max(started) <= 8
