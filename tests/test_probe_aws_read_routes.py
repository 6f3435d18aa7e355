"""Read routes (probes/aws/data.py: Aurora custom endpoints, RDS Proxy endpoints) against
botocore's Stubber (real response shapes, validated against the service model): moto 5.2.5
implements neither DescribeDBClusterEndpoints nor DescribeDBProxyEndpoints. The whole-probe run
against moto (both kinds unknown) and the IAM policy check are in test_probe_aws.py."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from probes.aws import data
from tests.fixtures.aws.stubbed import read_route_calls
from tests.ruletable import evaluate
from tests.test_probe_aws_practices import collect, rows

RULE_CUSTOM = "aws.databases.reader-custom-endpoint"
RULE_PROXY = "aws.databases.proxy-read-only-endpoint"


def clusters(env: str = "production") -> tuple[str, dict[str, Any]]:
    members = [
        {"DBInstanceIdentifier": "orders-1", "IsClusterWriter": True},
        {"DBInstanceIdentifier": "orders-2", "IsClusterWriter": False},
        {"DBInstanceIdentifier": "orders-3", "IsClusterWriter": False},
    ]
    cl = {"DBClusterIdentifier": "orders", "DBClusterMembers": members, "TagList": [{"Key": "env", "Value": env}]}
    return ("describe_db_clusters", {"DBClusters": [cl]})


def test_reader_custom_endpoint_meets_and_builtin_endpoints_are_skipped() -> None:
    calls = [clusters(), ("describe_db_cluster_endpoints", read_route_calls()["DescribeDBClusterEndpoints"])]
    [ep] = collect(data.aurora_custom_endpoints, {"rds": calls})
    assert ep.subject == "us-east-1/orders/reporting"
    assert ep.data["custom_type"] == "READER" and ep.data["reader_members"] == 2
    assert ep.data["environment"] == "production"
    assert evaluate(RULE_CUSTOM, rows([ep])).status == "met"


def test_static_and_excluded_members() -> None:
    body = read_route_calls()["DescribeDBClusterEndpoints"]
    custom = dict(body["DBClusterEndpoints"][2])
    static = {**custom, "StaticMembers": ["orders-1"]}  # the writer only: no reader routed
    excluded = {**custom, "DBClusterEndpointIdentifier": "one", "ExcludedMembers": ["orders-2"]}
    calls = [clusters(), ("describe_db_cluster_endpoints", {"DBClusterEndpoints": [static, excluded]})]
    a, b = collect(data.aurora_custom_endpoints, {"rds": calls})
    assert a.data["reader_members"] == 0 and b.data["reader_members"] == 1
    assert evaluate(RULE_CUSTOM, rows([a])).status == "unknown"


def test_proxy_read_only_endpoint_meets() -> None:
    answers = read_route_calls()
    calls = [
        clusters(),
        ("describe_db_proxy_endpoints", answers["DescribeDBProxyEndpoints"]),
        ("describe_db_proxy_targets", answers["DescribeDBProxyTargets"]),
    ]
    [ep] = collect(data.rds_proxy_endpoints, {"rds": calls})  # the default endpoint is skipped
    assert ep.subject == "us-east-1/orders-proxy/orders-ro"
    assert ep.data["cluster"] == "orders" and ep.data["reader_targets"] == 2
    assert evaluate(RULE_PROXY, rows([ep])).status == "met"
    # The same route over a staging cluster is out of scope: unknown.
    calls[0] = clusters("staging")
    [stg] = collect(data.rds_proxy_endpoints, {"rds": calls})
    result = evaluate(RULE_PROXY, rows([stg]))
    assert result.status == "unknown" and result.reason_code == "nothing_in_scope"


def test_read_write_proxy_endpoint_reads_no_targets() -> None:
    ep = {"DBProxyEndpointName": "peer", "DBProxyName": "p", "Status": "available", "TargetRole": "READ_WRITE"}
    [item] = collect(
        data.rds_proxy_endpoints, {"rds": [clusters(), ("describe_db_proxy_endpoints", {"DBProxyEndpoints": [ep]})]}
    )
    assert item.data["cluster"] is None and item.data["reader_targets"] == 0


def test_access_denied_is_an_error_not_none() -> None:
    with pytest.raises(ClientError, match="AccessDenied"):
        collect(data.rds_proxy_endpoints, {"rds": [clusters(), ("describe_db_proxy_endpoints", "AccessDenied")]})
