"""EKS node groups created one per zone: each Auto Scaling group is single-zone, but the
cluster's nodes span the zones of all its groups (`cluster_zone_count`), and
`aws.compute.multi-az` reads the cluster, not each group. Run against a moto server over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from probes.aws import ops
from tests.ruletable import evaluate
from tests.test_probe_aws_signals import REGION, checked, moto_scan, moto_url  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def _group(asg: Any, name: str, subnet: str, tags: dict[str, str]) -> None:
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchConfigurationName="lc",
        MinSize=1,
        MaxSize=3,
        DesiredCapacity=1,
        VPCZoneIdentifier=subnet,
        Tags=[{"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()],
    )


@pytest.fixture(scope="module")
def groups(moto_url: str) -> Iterator[dict[str, dict[str, Any]]]:  # noqa: F811
    kw = {"region_name": REGION, "endpoint_url": moto_url}
    kw |= {"aws_access_key_id": "moto-test", "aws_secret_access_key": "moto-test-not-secret"}
    ec2, asg = boto3.client("ec2", **kw), boto3.client("autoscaling", **kw)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = {
        z: ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=z)["Subnet"]["SubnetId"]
        for i, z in enumerate(("us-east-1a", "us-east-1b", "us-east-1c"))
    }
    asg.create_launch_configuration(LaunchConfigurationName="lc", ImageId="ami-12c6146b", InstanceType="t3.small")
    for z, subnet in subnets.items():  # one managed node group per zone, as eksctl and Terraform often lay them out
        _group(asg, f"eks-prod-ng-{z[-1]}", subnet, {"eks:cluster-name": "prod", "eks:nodegroup-name": f"ng-{z[-1]}"})
    # a self-managed group of another cluster, tagged the Cluster Autoscaler's way, in one zone only
    _group(
        asg,
        "edge-workers",
        subnets["us-east-1a"],
        {"k8s.io/cluster-autoscaler/node-template/label/pool": "edge", "k8s.io/cluster-autoscaler/edge": "owned"},
    )
    # kops tags every group with a node-template key first: it names no cluster
    _group(
        asg,
        "batch-workers",
        subnets["us-east-1b"],
        {"k8s.io/cluster-autoscaler/node-template/label/pool": "batch", "kubernetes.io/cluster/batch": "owned"},
    )
    items = checked(list(ops.autoscaling_groups(moto_scan(moto_url, ("autoscaling",)), REGION)))
    yield {e.data["name"]: dict(e.data) for e in items}


def test_node_groups_count_their_cluster_s_zones(groups: dict[str, dict[str, Any]]) -> None:
    for z in "abc":
        g = groups[f"eks-prod-ng-{z}"]
        assert g["zone_count"] == 1 and g["cluster_zone_count"] == 3 and g["kubernetes_node_group"], g
    assert groups["edge-workers"]["cluster_zone_count"] == 1
    assert groups["batch-workers"]["cluster_zone_count"] == 1  # not merged with edge through node-template


def test_multi_az_reads_the_cluster_not_each_group(groups: dict[str, dict[str, Any]]) -> None:
    rows = [("aws.autoscaling_group", n, d) for n, d in groups.items()]
    prod_only = [r for r in rows if r[1] not in ("edge-workers", "batch-workers")]
    assert evaluate("aws.compute.multi-az", prod_only).status == "met"
    assert evaluate("aws.compute.multi-az", rows).status == "not_met"  # edge's nodes sit in one zone
