"""The well-run sandbox AWS estate: Multi-AZ, point-in-time recovery, copies to a DR region,
failover routing, budgets, Config and CloudTrail everywhere, owners tagged, FIS drills."""

from __future__ import annotations

import io
import zipfile

from sandbox.aws.seed_parts import (
    DR,
    PRIMARY,
    SECRET_CANARY,
    ClientMaker,
    alarm,
    asg,
    config_recorder,
    network,
    table,
    tags,
)
from sandbox.aws.seed_posture import seed_posture_well_run

__all__ = ["seed_well_run"]


def lambda_zip() -> bytes:
    """A deployment package with one trivial handler."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buf.getvalue()


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
        Tags=[*tags("payments", "cc-100"), {"Key": "Environment", "Value": "production"}],
    )
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-db-ro", SourceDBInstanceIdentifier="orders-db", Tags=tags("payments", "cc-100")
    )
    rds.create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        MasterUsername="ledger_admin",
        MasterUserPassword=SECRET_CANARY,
        BackupRetentionPeriod=14,
        DeletionProtection=True,
        StorageEncrypted=True,
        Tags=tags("payments", "cc-100"),
    )
    for i in (1, 2):
        rds.create_db_instance(
            DBInstanceIdentifier=f"ledger-{i}",
            DBClusterIdentifier="ledger",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
    table(client, PRIMARY, "carts", pitr=True, owner="storefront")
    table(client, DR, "carts-dr", pitr=True, owner="storefront")
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
        Tags=tags("storefront", "cc-200"),
    )
    # Object storage: versioned and replicated to the DR region.
    s3p, s3d = client("s3", PRIMARY), client("s3", DR)
    s3p.create_bucket(Bucket="acme-prod-assets")
    s3d.create_bucket(Bucket="acme-dr-assets", CreateBucketConfiguration={"LocationConstraint": DR})
    for s3c, bucket in ((s3p, "acme-prod-assets"), (s3d, "acme-dr-assets")):
        s3c.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3c.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags("storefront", "cc-200")})
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
    vpc, subnets = network(client, PRIMARY, 3)
    elb = client("elbv2", PRIMARY)
    lb = elb.create_load_balancer(
        Name="web-alb",
        Subnets=subnets,
        Scheme="internet-facing",
        Type="application",
        Tags=tags("storefront", "cc-200"),
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
    asg(client, PRIMARY, "web-asg", subnets, policy=True, tg_arn=tg["TargetGroupArn"])
    # Containers: an ECS Fargate API over three zones behind the ALB, scaled on CPU.
    sg = client("ec2", PRIMARY).create_security_group(GroupName="api", Description="api tasks", VpcId=vpc)["GroupId"]
    ecs = client("ecs", PRIMARY)
    ecs.create_cluster(clusterName="prod")
    ecs.register_task_definition(
        family="api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
        containerDefinitions=[{"name": "api", "image": "api:2.3.0", "memory": 1024, "essential": True}],
    )
    ecs.create_service(
        cluster="prod",
        serviceName="api",
        taskDefinition="api",
        desiredCount=3,
        launchType="FARGATE",
        loadBalancers=[{"targetGroupArn": tg["TargetGroupArn"], "containerName": "api", "containerPort": 8080}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}},
        deploymentConfiguration={
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
    )
    aas = client("application-autoscaling", PRIMARY)
    aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId="service/prod/api",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=3,
        MaxCapacity=12,
    )
    aas.put_scaling_policy(
        PolicyName="api-cpu-60",
        ServiceNamespace="ecs",
        ResourceId="service/prod/api",
        ScalableDimension="ecs:service:DesiredCount",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    )
    # Serverless: a webhook function capped by reserved concurrency, released through an alias.
    role = client("iam", PRIMARY).create_role(
        RoleName="webhook-exec",
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
    )["Role"]["Arn"]
    lam = client("lambda", PRIMARY)
    lam.create_function(
        FunctionName="payments-webhook",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": lambda_zip()},
        Timeout=10,
    )
    lam.put_function_concurrency(FunctionName="payments-webhook", ReservedConcurrentExecutions=20)
    version = lam.publish_version(FunctionName="payments-webhook")["Version"]
    lam.create_alias(FunctionName="payments-webhook", Name="live", FunctionVersion=version)
    # Alarms with actions, on capacity, plus an anomaly-detection band.
    alarm(client, PRIMARY, "web-cpu-high", "CPUUtilization", "AWS/EC2", actions=[oncall])
    alarm(client, PRIMARY, "orders-db-free-storage", "FreeStorageSpace", "AWS/RDS", actions=[oncall], threshold=10e9)
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
        config_recorder(client, region, account, rules=True)
    s3p.create_bucket(Bucket="acme-audit-logs")
    s3p.put_bucket_versioning(Bucket="acme-audit-logs", VersioningConfiguration={"Status": "Enabled"})
    s3p.put_bucket_tagging(Bucket="acme-audit-logs", Tagging={"TagSet": tags("security", "cc-900")})
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
