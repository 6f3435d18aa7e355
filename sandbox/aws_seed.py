"""Seed a moto server with AWS estates: a well-run one, a neglected one, and secrets that must
never reach a report. Used by the demo (sandbox/aws.py) and by the tests.

Every function takes `client(service, region)`, a boto3 client maker bound to one account of
one moto server (see `moto_clients`), so the same seeding drives both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from sandbox.aws_seed_posture import seed_posture_neglected, seed_posture_well_run

__all__ = [
    "NEGLECTED_ACCOUNT",
    "SECRET_CANARY",
    "WELL_RUN_ACCOUNT",
    "moto_clients",
    "seed_mixed",
    "seed_neglected",
    "seed_secrets",
    "seed_well_run",
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


def _tags(owner: str | None, cost: str | None = None, **extra: str) -> list[dict[str, str]]:
    out = [{"Key": k, "Value": v} for k, v in extra.items()]
    if owner:
        out.append({"Key": "owner", "Value": owner})
    if cost:
        out.append({"Key": "cost-center", "Value": cost})
    return out


def _network(client: ClientMaker, region: str, zones: int) -> tuple[str, list[str]]:
    ec2 = client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = []
    for i in range(zones):
        az = f"{region}{'abc'[i]}"
        subnets.append(
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        )
    return vpc, subnets


def _table(client: ClientMaker, region: str, name: str, *, pitr: bool, owner: str | None) -> str:
    ddb = client("dynamodb", region)
    arn = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=_tags(owner, "cc-100" if owner else None),
    )["TableDescription"]["TableArn"]
    if pitr:
        ddb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return str(arn)


def _asg(
    client: ClientMaker, region: str, name: str, subnets: list[str], *, policy: bool, tg_arn: str | None = None
) -> None:
    image = "ami-12c6146b"  # an AMI every moto region knows; listing images is slow in moto
    asg = client("autoscaling", region)
    asg.create_launch_configuration(LaunchConfigurationName=f"{name}-lc", ImageId=image, InstanceType="t3.small")
    kw: dict[str, Any] = {"TargetGroupARNs": [tg_arn]} if tg_arn else {}
    if policy:  # a well-run group propagates its owner and cost tags to the instances it launches
        kw["Tags"] = [
            {"Key": t["Key"], "Value": t["Value"], "PropagateAtLaunch": True} for t in _tags("storefront", "cc-200")
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


def _alarm(
    client: ClientMaker,
    region: str,
    name: str,
    metric: str,
    namespace: str,
    *,
    actions: list[str],
    threshold: float = 80.0,
) -> None:
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


def seed_well_run(client: ClientMaker, account: str) -> None:
    """A production estate an architect would approve: Multi-AZ, PITR, copies to a DR region,
    failover routing, budgets, Config and CloudTrail everywhere, owners tagged, FIS drills."""
    oncall = f"arn:aws:sns:{PRIMARY}:{account}:oncall"
    # AWS Backup: hourly + continuous, cold tier, copies to a locked vault in the DR region.
    for region, vault in ((PRIMARY, "prod-vault"), (DR, "dr-vault")):
        bk = client("backup", region)
        bk.create_backup_vault(BackupVaultName=vault)
        bk.put_backup_vault_lock_configuration(BackupVaultName=vault, MinRetentionDays=7, MaxRetentionDays=365)
    client("backup", PRIMARY).create_backup_plan(
        BackupPlan={
            "BackupPlanName": "prod-hourly",
            "Rules": [
                {
                    "RuleName": "hourly",
                    "TargetBackupVaultName": "prod-vault",
                    "ScheduleExpression": "cron(0 * ? * * *)",
                    "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365},
                    "CopyActions": [
                        {
                            "DestinationBackupVaultArn": f"arn:aws:backup:{DR}:{account}:backup-vault:dr-vault",
                            "Lifecycle": {"DeleteAfterDays": 365},
                        }
                    ],
                },
                {
                    "RuleName": "continuous",
                    "TargetBackupVaultName": "prod-vault",
                    "ScheduleExpression": "cron(0 5 ? * * *)",
                    "EnableContinuousBackup": True,
                    "Lifecycle": {"DeleteAfterDays": 35},
                },
            ],
        }
    )
    client("backup", DR).create_backup_plan(
        BackupPlan={
            "BackupPlanName": "dr-daily",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "dr-vault",
                    "ScheduleExpression": "cron(0 3 ? * * *)",
                    "Lifecycle": {"DeleteAfterDays": 35},
                }
            ],
        }
    )
    # Databases: Multi-AZ primary with a read replica; an Aurora cluster with a reader; PITR tables.
    rds = client("rds", PRIMARY)
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db",
        Engine="postgres",
        DBInstanceClass="db.m6g.large",
        AllocatedStorage=100,
        MasterUsername="orders_admin",
        MasterUserPassword=SECRET_CANARY,
        MultiAZ=True,
        BackupRetentionPeriod=14,
        DeletionProtection=True,
        StorageEncrypted=True,
        Tags=[*_tags("payments", "cc-100"), {"Key": "Environment", "Value": "production"}],
    )
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-db-ro", SourceDBInstanceIdentifier="orders-db", Tags=_tags("payments", "cc-100")
    )
    rds.create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        MasterUsername="ledger_admin",
        MasterUserPassword=SECRET_CANARY,
        BackupRetentionPeriod=14,
        DeletionProtection=True,
        StorageEncrypted=True,
        Tags=_tags("payments", "cc-100"),
    )
    for i in (1, 2):
        rds.create_db_instance(
            DBInstanceIdentifier=f"ledger-{i}",
            DBClusterIdentifier="ledger",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
    _table(client, PRIMARY, "carts", pitr=True, owner="storefront")
    _table(client, DR, "carts-dr", pitr=True, owner="storefront")
    # Cache: two nodes, automatic failover, Multi-AZ, daily snapshots kept a week.
    client("elasticache", PRIMARY).create_replication_group(
        ReplicationGroupId="cart-cache",
        ReplicationGroupDescription="cart sessions",
        Engine="redis",
        CacheNodeType="cache.r6g.large",
        NumNodeGroups=1,
        ReplicasPerNodeGroup=2,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        SnapshotRetentionLimit=7,
        Tags=_tags("storefront", "cc-200"),
    )
    # Object storage: versioned and replicated to the DR region.
    s3p, s3d = client("s3", PRIMARY), client("s3", DR)
    s3p.create_bucket(Bucket="acme-prod-assets")
    s3d.create_bucket(Bucket="acme-dr-assets", CreateBucketConfiguration={"LocationConstraint": DR})
    for s3c, bucket in ((s3p, "acme-prod-assets"), (s3d, "acme-dr-assets")):
        s3c.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3c.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tags("storefront", "cc-200")})
    s3p.put_bucket_replication(
        Bucket="acme-prod-assets",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{account}:role/s3-replication",
            "Rules": [
                {
                    "ID": "to-dr",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::acme-dr-assets"},
                }
            ],
        },
    )
    # Compute: an ALB over three zones with health checks, an ASG with target tracking.
    vpc, subnets = _network(client, PRIMARY, 3)
    elb = client("elbv2", PRIMARY)
    lb = elb.create_load_balancer(
        Name="web-alb",
        Subnets=subnets,
        Scheme="internet-facing",
        Type="application",
        Tags=_tags("storefront", "cc-200"),
    )["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="web-tg", Protocol="HTTP", Port=8080, VpcId=vpc, HealthCheckEnabled=True, HealthCheckPath="/healthz"
    )["TargetGroups"][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    _asg(client, PRIMARY, "web-asg", subnets, policy=True, tg_arn=tg["TargetGroupArn"])
    # Alarms with actions, on capacity, plus an anomaly-detection band.
    _alarm(client, PRIMARY, "web-cpu-high", "CPUUtilization", "AWS/EC2", actions=[oncall])
    _alarm(client, PRIMARY, "orders-db-free-storage", "FreeStorageSpace", "AWS/RDS", actions=[oncall], threshold=10e9)
    client("cloudwatch", PRIMARY).put_metric_alarm(
        AlarmName="api-latency-anomaly",
        ComparisonOperator="GreaterThanUpperThreshold",
        EvaluationPeriods=3,
        ThresholdMetricId="band",
        Metrics=[
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime"},
                    "Period": 60,
                    "Stat": "Average",
                },
            },
            {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"},
        ],
        AlarmActions=[oncall],
    )
    # DNS failover between regions, health-checked.
    r53 = client("route53", PRIMARY)
    zone = r53.create_hosted_zone(Name="shop.example.com", CallerReference="shop")["HostedZone"]["Id"]
    hc = r53.create_health_check(
        CallerReference="api-primary",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "api-use1.shop.example.com",
            "Port": 443,
            "ResourcePath": "/healthz",
        },
    )["HealthCheck"]["Id"]
    r53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "api.shop.example.com",
                        "Type": "CNAME",
                        "SetIdentifier": "primary",
                        "Failover": "PRIMARY",
                        "TTL": 60,
                        "HealthCheckId": hc,
                        "ResourceRecords": [{"Value": "api-use1.shop.example.com"}],
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "api.shop.example.com",
                        "Type": "CNAME",
                        "SetIdentifier": "secondary",
                        "Failover": "SECONDARY",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "api-euw1.shop.example.com"}],
                    },
                },
            ]
        },
    )
    # Cost: a monthly budget with actual and forecast alerts.
    client("budgets", PRIMARY).create_budget(
        AccountId=account,
        Budget={
            "BudgetName": "platform-monthly",
            "BudgetLimit": {"Amount": "25000", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80},
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "finops@example.com"}],
            },
            {
                "Notification": {
                    "NotificationType": "FORECASTED",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 100,
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "finops@example.com"}],
            },
        ],
    )
    # Governance: Config recording everything in both regions, a multi-region validated trail.
    for region in (PRIMARY, DR):
        _config(client, region, account, rules=True)
    s3p.create_bucket(Bucket="acme-audit-logs")
    s3p.put_bucket_versioning(Bucket="acme-audit-logs", VersioningConfiguration={"Status": "Enabled"})
    s3p.put_bucket_tagging(Bucket="acme-audit-logs", Tagging={"TagSet": _tags("security", "cc-900")})
    ct = client("cloudtrail", PRIMARY)
    ct.create_trail(
        Name="org-audit", S3BucketName="acme-audit-logs", IsMultiRegionTrail=True, EnableLogFileValidation=True
    )
    ct.start_logging(Name="org-audit")
    # Fault injection: a guarded template and a recent run.
    fis = client("fis", PRIMARY)
    template = fis.create_experiment_template(
        clientToken="az-outage",
        description="stop one AZ of web-asg",
        stopConditions=[
            {"source": "aws:cloudwatch:alarm", "value": f"arn:aws:cloudwatch:{PRIMARY}:{account}:alarm:web-cpu-high"}
        ],
        targets={
            "web": {"resourceType": "aws:ec2:instance", "selectionMode": "PERCENT(50)", "resourceTags": {"app": "web"}}
        },
        actions={"stop": {"actionId": "aws:ec2:stop-instances", "targets": {"Instances": "web"}}},
        roleArn=f"arn:aws:iam::{account}:role/fis",
        tags={"owner": "sre"},
    )["experimentTemplate"]["id"]
    fis.start_experiment(clientToken="run-1", experimentTemplateId=template)
    seed_posture_well_run(client, account, oncall_topic=oncall)


def _config(client: ClientMaker, region: str, account: str, *, rules: bool) -> None:
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
    client("s3", region).put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tags("security", "cc-900")})
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


def seed_neglected(client: ClientMaker, account: str) -> None:
    """A legacy estate: single-AZ databases without backups, no failover, no budgets, no
    Config, a trail that stopped logging, alarms that notify nobody, untagged resources."""
    rds = client("rds", PRIMARY)
    rds.create_db_instance(
        DBInstanceIdentifier="legacy-mysql",
        Engine="mysql",
        DBInstanceClass="db.t3.medium",
        AllocatedStorage=50,
        MasterUsername="root",
        MasterUserPassword=SECRET_CANARY,
        MultiAZ=False,
        BackupRetentionPeriod=0,
    )
    _table(client, PRIMARY, "events", pitr=False, owner=None)
    client("elasticache", PRIMARY).create_replication_group(
        ReplicationGroupId="sessions-cache",
        ReplicationGroupDescription="sessions",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        AutomaticFailoverEnabled=False,
        SnapshotRetentionLimit=0,
    )
    client("s3", PRIMARY).create_bucket(Bucket="legacy-uploads")
    client("s3", PRIMARY).put_bucket_tagging(
        Bucket="legacy-uploads", Tagging={"TagSet": [{"Key": "Name", "Value": "uploads"}]}
    )
    _vpc, subnets = _network(client, PRIMARY, 1)
    _asg(client, PRIMARY, "batch-asg", subnets, policy=False)
    client("elb", PRIMARY).create_load_balancer(
        LoadBalancerName="legacy-clb",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
        AvailabilityZones=[f"{PRIMARY}a"],
    )
    _alarm(client, PRIMARY, "cpu-high", "CPUUtilization", "AWS/EC2", actions=[])
    client("s3", PRIMARY).create_bucket(Bucket="legacy-trail")
    client("cloudtrail", PRIMARY).create_trail(Name="old-trail", S3BucketName="legacy-trail")  # never started
    seed_posture_neglected(client, account)


def seed_secrets(client: ClientMaker) -> None:
    """Secret material the probe must never read or report (values are the canary)."""
    client("secretsmanager", PRIMARY).create_secret(
        Name="prod/db/password", SecretString=json.dumps({"password": SECRET_CANARY})
    )
    client("ssm", PRIMARY).put_parameter(Name="/prod/api-key", Value=SECRET_CANARY, Type="SecureString")


def seed_mixed(client: ClientMaker, account: str) -> None:
    """For the demo: the well-run estate and the neglected leftovers in one account."""
    seed_well_run(client, account)
    seed_neglected(client, account)
    seed_secrets(client)
