"""The building blocks of the sandbox AWS estates: accounts, regions and dummy credentials, a boto3
client maker bound to one account of a moto server, and small builders for the resources both
estates use (tags, a VPC with subnets, DynamoDB tables, Auto Scaling groups, alarms, AWS Config)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

__all__ = [
    "DR",
    "DUMMY_KEY",
    "DUMMY_SECRET",
    "NEGLECTED_ACCOUNT",
    "PRIMARY",
    "SECRET_CANARY",
    "WELL_RUN_ACCOUNT",
    "ClientMaker",
    "alarm",
    "asg",
    "config_recorder",
    "moto_clients",
    "network",
    "table",
    "tags",
]

ClientMaker = Callable[[str, str], Any]

SECRET_CANARY = "canary-Secret-123"  # noqa: S105 - a canary, not a credential; seeded as passwords and secret values; must never be reported
WELL_RUN_ACCOUNT = "111111111111"
NEGLECTED_ACCOUNT = "222222222222"
PRIMARY, DR = "us-east-1", "eu-west-1"
DUMMY_KEY = "moto-demo-key-id"  # moto accepts any credentials; these are not real
DUMMY_SECRET = "moto-demo-not-a-secret"  # noqa: S105 - moto accepts any credentials


def moto_clients(endpoint_url: str, account: str | None = None) -> ClientMaker:
    """A client maker for one account of a moto server (via sts:AssumeRole when `account`)."""
    base = boto3.Session(aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_SECRET, region_name=PRIMARY)
    session = base
    if account:
        creds = base.client("sts", endpoint_url=endpoint_url).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/seeder", RoleSessionName="seeder"
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def make(service: str, region: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url)

    return make


def tags(owner: str | None, cost: str | None = None, **extra: str) -> list[dict[str, str]]:
    """AWS tags: `extra` as given, then the owner and cost-center tags when set."""
    out = [{"Key": k, "Value": v} for k, v in extra.items()]
    if owner:
        out.append({"Key": "owner", "Value": owner})
    if cost:
        out.append({"Key": "cost-center", "Value": cost})
    return out


def network(client: ClientMaker, region: str, zones: int) -> tuple[str, list[str]]:
    """A VPC with one subnet in each of the first `zones` availability zones."""
    ec2 = client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = []
    for i in range(zones):
        az = f"{region}{'abc'[i]}"
        subnets.append(
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        )
    return vpc, subnets


def table(client: ClientMaker, region: str, name: str, *, pitr: bool, owner: str | None) -> str:
    """An on-demand DynamoDB table keyed by `id`, with point-in-time recovery when `pitr`."""
    ddb = client("dynamodb", region)
    arn = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=tags(owner, "cc-100" if owner else None),
    )["TableDescription"]["TableArn"]
    if pitr:
        ddb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return str(arn)


def asg(
    client: ClientMaker, region: str, name: str, subnets: list[str], *, policy: bool, tg_arn: str | None = None
) -> None:
    """An Auto Scaling group; with `policy`, sized 2..12, tag-propagating and CPU target-tracked."""
    image = "ami-12c6146b"  # an AMI every moto region knows; listing images is slow in moto
    asg = client("autoscaling", region)
    asg.create_launch_configuration(LaunchConfigurationName=f"{name}-lc", ImageId=image, InstanceType="t3.small")
    kw: dict[str, Any] = {"TargetGroupARNs": [tg_arn]} if tg_arn else {}
    if policy:  # a well-run group propagates its owner and cost tags to the instances it launches
        kw["Tags"] = [
            {"Key": t["Key"], "Value": t["Value"], "PropagateAtLaunch": True} for t in tags("storefront", "cc-200")
        ]
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchConfigurationName=f"{name}-lc",
        MinSize=2 if policy else 1,
        MaxSize=12 if policy else 1,
        DesiredCapacity=2 if policy else 1,
        VPCZoneIdentifier=",".join(subnets),
        HealthCheckType="ELB" if tg_arn else "EC2",
        **kw,
    )
    if policy:
        asg.put_scaling_policy(
            AutoScalingGroupName=name,
            PolicyName=f"{name}-cpu-target",
            PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration={
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                "TargetValue": 60.0,
            },
        )


def alarm(
    client: ClientMaker,
    region: str,
    name: str,
    metric: str,
    namespace: str,
    *,
    actions: list[str],
    threshold: float = 80.0,
) -> None:
    """A CloudWatch alarm on `metric`; without `actions` it is disabled and notifies nobody."""
    client("cloudwatch", region).put_metric_alarm(
        AlarmName=name,
        MetricName=metric,
        Namespace=namespace,
        Statistic="Average",
        Period=300,
        EvaluationPeriods=2,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold" if metric != "FreeStorageSpace" else "LessThanThreshold",
        AlarmActions=actions,
        ActionsEnabled=bool(actions),
    )


def config_recorder(client: ClientMaker, region: str, account: str, *, rules: bool) -> None:
    """AWS Config recording everything in `region` to an S3 bucket, with managed rules when `rules`."""
    cfg = client("config", region)
    cfg.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == PRIMARY},
        }
    )
    bucket = f"acme-config-{region}"
    client("s3", region).create_bucket(
        Bucket=bucket, **({"CreateBucketConfiguration": {"LocationConstraint": region}} if region != PRIMARY else {})
    )
    client("s3", region).put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags("security", "cc-900")})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    if rules:
        for ident in ("RDS_MULTI_AZ_SUPPORT", "DB_INSTANCE_BACKUP_ENABLED", "S3_BUCKET_VERSIONING_ENABLED"):
            cfg.put_config_rule(
                ConfigRule={
                    "ConfigRuleName": ident.lower().replace("_", "-"),
                    "Source": {"Owner": "AWS", "SourceIdentifier": ident},
                }
            )
