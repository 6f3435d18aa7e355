"""MemoryDB clusters, the X-Ray service graph and owner tags over the AWS Config inventory.

MemoryDB and the X-Ray call path run against a moto server over HTTP. moto 5.2.5 answers
GetServiceGraph with no services and SelectResourceConfig only with results preset inside the
server process, so the graph and inventory answers are given by botocore's Stubber in their
real shapes (validated against the service models), as in test_probe_aws_practices.py.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from probes.aws import AwsConfig, AwsProbe, data, ownership, tracing
from probes.aws.kinds import MODELS
from probes.aws.plan import Scan
from probes.aws.session import Clients
from scanner.evidence import Evidence
from scanner.probe import ProbeContext
from tests.ruletable import evaluate

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def moto_scan(url: str, services: tuple[str, ...], regions: tuple[str, ...] = (REGION,)) -> Scan:
    session = boto3.Session(aws_access_key_id="moto-test", aws_secret_access_key="moto-test-not-secret")
    cfg = AwsConfig(name="aws", probe="aws", regions=list(regions), endpoint_url=url, retries=0)
    ctx = ProbeContext(source="aws", deadline=time.monotonic() + 60, log=logging.getLogger("test.aws"))
    clients = Clients(cfg, ctx, lambda svc, reg: session.client(svc, region_name=reg, endpoint_url=url))
    for svc in services:
        for reg in regions:
            clients.prepare(svc, reg)
    return Scan(cfg, clients, ACCOUNT)


def stub_scan(
    answers: dict[str, list[tuple[str, Any]]], regions: tuple[str, ...] = (REGION,), max_items: int = 4
) -> Scan:
    """A Scan whose clients answer only from `answers["service@region"]`, in call order."""
    session = boto3.Session(aws_access_key_id="stub", aws_secret_access_key="stub-not-secret")

    def make(service: str, region: str) -> Any:
        client = session.client(service, region_name=region)
        stub = Stubber(client)
        for op, resp in answers.get(f"{service}@{region}", []):
            stub.add_response(op, resp)
        stub.activate()
        return client

    cfg = AwsConfig(name="aws", probe="aws", regions=list(regions), retries=0, max_items_per_kind=max_items)
    ctx = ProbeContext(source="aws", deadline=time.monotonic() + 30, log=logging.getLogger("test.aws"))
    clients = Clients(cfg, ctx, make)
    for key in answers:
        service, _, region = key.partition("@")
        clients.prepare(service, region)
    return Scan(cfg, clients, ACCOUNT)


def checked(items: list[Evidence]) -> list[Evidence]:
    for e in items:  # every item fits its kind's model, as the runner demands
        MODELS[e.kind].model_validate(dict(e.data))
    return items


def rows(items: list[Evidence]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.kind, e.subject, dict(e.data)) for e in items]


# --- MemoryDB (moto) ---------------------------------------------------------------------------


def test_memorydb_clusters_read_from_moto(moto_url: str) -> None:
    scan = moto_scan(moto_url, ("memorydb",))
    mdb = scan.client("memorydb", REGION)
    mdb.create_cluster(
        ClusterName="sessions", NodeType="db.r6g.large", ACLName="open-access", NumShards=2, NumReplicasPerShard=2
    )
    mdb.create_cluster(ClusterName="cart-dev", NodeType="db.t4g.small", ACLName="open-access", NumShards=1)
    items = checked(list(data.memorydb_clusters(scan, REGION)))
    got = {e.subject: dict(e.data) for e in items}
    sessions = got["us-east-1/sessions"]
    assert sessions["shards"] == 2 and sessions["nodes"] == 6 and sessions["min_replicas_per_shard"] == 2
    assert sessions["multi_az"] is True and sessions["status"] == "available"
    result = evaluate("aws.memorydb.consistent-failover", rows(items))
    assert result.status == "met" and result.subjects == ("us-east-1/sessions",)  # not the dev cluster


def test_memorydb_shard_without_details_reads_as_no_replica() -> None:
    cluster = {"Name": "orders", "Status": "available", "NumberOfShards": 1, "AvailabilityMode": "singleaz"}
    scan = stub_scan({"memorydb@us-east-1": [("describe_clusters", {"Clusters": [cluster]})]})
    [item] = checked(list(data.memorydb_clusters(scan, REGION)))
    assert item.data["min_replicas_per_shard"] == 0 and item.data["multi_az"] is False
    assert evaluate("aws.memorydb.consistent-failover", rows([item])).status == "unknown"


# --- X-Ray ---------------------------------------------------------------------------------------


def _node(ref: int, name: str, kind: str | None, edges: list[int]) -> dict[str, Any]:
    node: dict[str, Any] = {"ReferenceId": ref, "Name": name, "Edges": [{"ReferenceId": e} for e in edges]}
    if kind is not None:
        node["Type"] = kind
    return node


def test_xray_empty_graph_from_moto(moto_url: str) -> None:
    scan = moto_scan(moto_url, ("xray",))
    [item] = checked(list(tracing.service_graph(scan, REGION)))
    assert item.data["services"] == 0 and item.data["connected_services"] == 0
    assert evaluate("aws.xray.distributed-tracing", rows([item])).status == "unknown"


def test_xray_graph_counts_only_instrumented_services_joined_by_edges() -> None:
    graph = [
        _node(0, "client", "client", [1]),
        _node(1, "orders-api/prod", "AWS::ApiGateway::Stage", [2]),
        _node(2, "checkout", "AWS::Lambda::Function", [3, 4]),
        _node(3, "pricing", "AWS::ECS::Container", [5]),
        _node(4, "orders", "AWS::DynamoDB::Table", []),
        _node(5, "tax.example.com", "remote", []),
        _node(6, "batch", None, [4]),  # an SDK service without an origin plugin, calling only DynamoDB
    ]
    scan = stub_scan({"xray@us-east-1": [("get_service_graph", {"Services": graph})]})
    [item] = checked(list(tracing.service_graph(scan, REGION)))
    d = item.data
    assert d["services"] == 6 and d["traced_services"] == 4
    assert d["connected_names"] == ["checkout", "orders-api/prod", "pricing"] and d["connected_services"] == 3
    result = evaluate("aws.xray.distributed-tracing", rows([item]))
    assert result.status == "met" and result.subjects == ("us-east-1",)


def test_xray_single_service_calling_aws_resources_decides_nothing() -> None:
    graph = [
        _node(0, "client", "client", [1]),
        _node(1, "orders", "AWS::EC2::Instance", [2, 3]),
        _node(2, "orders-table", "AWS::DynamoDB::Table", []),
        _node(3, "assets", "AWS::S3::Bucket", []),
    ]
    scan = stub_scan({"xray@us-east-1": [("get_service_graph", {"Services": graph})]})
    [item] = checked(list(tracing.service_graph(scan, REGION)))
    assert item.data["traced_services"] == 1 and item.data["connected_services"] == 0
    assert evaluate("aws.xray.distributed-tracing", rows([item])).status == "unknown"


# --- Owner tags over the Config inventory --------------------------------------------------------

ALL_TYPES = {"name": "default", "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}}


def _recorder(recorder: dict[str, Any], recording: bool) -> list[tuple[str, Any]]:
    return [
        ("describe_configuration_recorders", {"ConfigurationRecorders": [recorder]}),
        (
            "describe_configuration_recorder_status",
            {"ConfigurationRecordersStatus": [{"name": "default", "recording": recording}]},
        ),
    ]


def _row(kind: str, ident: str, tags: dict[str, str]) -> str:
    return json.dumps(
        {
            "resourceId": ident,
            "resourceType": kind,
            "tags": [{"key": k, "value": v, "tag": f"{k}={v}"} for k, v in tags.items()],
        }
    )


def test_owner_tags_over_the_inventory_include_never_tagged_resources() -> None:
    owned = [_row("AWS::EC2::Instance", f"i-{n}", {"Team": "payments", "env": "prod"}) for n in range(9)]
    owned += [_row("AWS::S3::Bucket", "acme-assets", {"owner": "web"})]
    never_tagged = _row("AWS::SQS::Queue", "orders-dlq", {})
    empty_owner = _row("AWS::Lambda::Function", "resize", {"Owner": ""})
    config = [
        *_recorder(ALL_TYPES, True),
        ("select_resource_config", {"Results": owned[:5], "NextToken": "t1"}),
        ("select_resource_config", {"Results": [*owned[5:], never_tagged, empty_owner]}),
    ]
    scan = stub_scan({"config@us-east-1": config}, max_items=10)  # 50 rows may be read
    [item] = checked(list(ownership.owner_inventory(scan, REGION)))
    d = item.data
    assert (d["resources"], d["with_owner"], d["complete"], d["regions_not_covered"]) == (12, 10, True, [])
    assert d["unowned"] == ["us-east-1/AWS::SQS::Queue/orders-dlq", "us-east-1/AWS::Lambda::Function/resize"]
    assert "payments" not in json.dumps(dict(d))  # tag values never leave the probe
    # 10 of 12 (83%) is below 90%: unknown, never not_met; at 80% it is met.
    assert evaluate("aws.config.owner-inventory", rows([item])).status == "unknown"
    assert evaluate("aws.config.owner-inventory", rows([item]), params={"min_ratio": 0.8}).status == "met"


def test_owner_inventory_unknown_where_config_does_not_record_or_is_capped() -> None:
    only_s3 = {"name": "default", "recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]}}
    owned = [_row("AWS::EC2::Instance", f"i-{n}", {"owner": "web"}) for n in range(30)]
    scan = stub_scan(
        {
            "config@us-east-1": [*_recorder(ALL_TYPES, True), ("select_resource_config", {"Results": owned})],
            "config@eu-west-1": _recorder(only_s3, True),
        },
        regions=("us-east-1", "eu-west-1"),
    )
    [item] = checked(list(ownership.owner_inventory(scan, REGION)))
    d = item.data
    assert d["regions_not_covered"] == ["eu-west-1"]
    assert d["complete"] is False and d["resources"] == 20  # 4 x 5 rows read, 30 there
    assert evaluate("aws.config.owner-inventory", rows([item])).status == "unknown"


def test_recorder_coverage_of_workload_types() -> None:
    on = {"recording": True}
    assert ownership.recorder_covers(ALL_TYPES, on) and not ownership.recorder_covers(ALL_TYPES, {"recording": False})
    excl = {"recordingGroup": {"recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}}}
    assert ownership.recorder_covers(excl, on)
    excl["recordingGroup"]["exclusionByResourceTypes"] = {"resourceTypes": ["AWS::EC2::Instance"]}
    assert not ownership.recorder_covers(excl, on)
    incl = {"recordingGroup": {"resourceTypes": list(ownership.WORKLOAD_TYPES)}}
    assert ownership.recorder_covers(incl, on)


def test_whole_probe_reads_the_new_kinds_from_moto(moto_url: str) -> None:
    """Every new kind is observed against moto (none fails), and the inventory of an account whose
    Config records nothing there is read as not covered."""
    cfg = AwsConfig(
        name="aws",
        probe="aws",
        regions=[REGION],
        endpoint_url=moto_url,
        retries=0,
        concurrency=4,
    )
    probe = AwsProbe(
        client_factory=lambda svc, reg: boto3.Session(
            aws_access_key_id="moto-test", aws_secret_access_key="moto-test-not-secret"
        ).client(svc, region_name=reg, endpoint_url=moto_url)
    )
    ctx = ProbeContext(source="aws", deadline=time.monotonic() + 60, log=logging.getLogger("test.aws"))
    items = list(probe.collect(cfg, ctx))
    new = {"aws.memorydb_cluster", "aws.xray_service_graph", "aws.owner_inventory"}
    assert not new & set(ctx.failures)
    [inv] = [e for e in items if e.kind == "aws.owner_inventory"]
    assert inv.data["regions_not_covered"] == [REGION] and inv.data["resources"] == 0
    assert {"memorydb:DescribeClusters", "xray:GetServiceGraph"} <= probe.last_calls


# --- DynamoDB multi-Region strong consistency ------------------------------------------------------


def test_global_table_consistency_mode_is_read() -> None:
    def table(name: str, mode: str | None, replicas: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"TableName": name, "Replicas": [{"RegionName": r} for r in replicas]}
        if mode:
            body["MultiRegionConsistency"] = mode
        return {"Table": body}

    pitr = {"ContinuousBackupsDescription": {"ContinuousBackupsStatus": "ENABLED"}}
    answers = [
        ("list_tables", {"TableNames": ["orders", "sessions", "locks"]}),
        ("describe_table", table("orders", "STRONG", ["us-east-1", "us-east-2", "us-west-2"])),
        ("describe_continuous_backups", pitr),
        ("describe_table", table("sessions", "EVENTUAL", ["us-east-1", "eu-west-1"])),
        ("describe_continuous_backups", pitr),
        ("describe_table", table("locks", "STRONG", [])),  # not global: the mode says nothing
        ("describe_continuous_backups", pitr),
    ]
    scan = stub_scan({"dynamodb@us-east-1": answers})
    items = checked(list(data.dynamodb_tables(scan, REGION)))
    mode = {e.data["name"]: e.data["multi_region_consistency"] for e in items}
    assert mode == {"orders": "STRONG", "sessions": "EVENTUAL", "locks": None}
    # The eventual-mode production table leaves the clause unknown; without it, met.
    assert evaluate("aws.dr.strong-consistency", rows(items)).status == "unknown"
    strong = [e for e in items if e.data["name"] != "sessions"]
    result = evaluate("aws.dr.strong-consistency", rows(strong))
    assert result.status == "met" and result.subjects == ("us-east-1/orders",)
