"""Seeds the aws-platform estate into a moto server (called by tests/fidelity.py).

The production account of a platform team that runs the storefront for the product teams, run
well. Primary region us-east-1, recovery region us-west-2.

- Web and API tiers: two Auto Scaling groups (launch templates, ELB health checks) across three
  zones behind Application Load Balancers, target tracking on requests per target (web) and CPU
  (api), a weekday pre-scale; a Route 53 failover record pair with a health check on the primary
  ALB and a standby ALB in us-west-2.
- Data: RDS PostgreSQL Multi-AZ (14 days of backups, deletion protection, encrypted) with a
  cross-region read replica in us-west-2; a DynamoDB sessions table with PITR (moto models no global tables);
  a cluster-mode Redis group (two shards, a replica each); S3 assets with versioning and
  cross-region replication; AWS Backup vaults in both regions, a daily and a monthly plan that
  copies every recovery point to the recovery vault.
- Governance: AWS Config recording everything with conformance rules (required tags, Multi-AZ,
  backups, versioning, CloudTrail); an organisation trail, multi-region, log validation; every
  resource tagged owner / cost-center / env (the reporting worker misses cost-center).
- Operations: CloudWatch alarms at two severities (a pager topic with PagerDuty and e-mail, a
  warning topic to chat) on infrastructure and business metrics (orders placed against an
  anomaly band, payment failures), two dashboards, monthly budgets with actual
  and forecast alerts, SSM Automation runbooks for the common recoveries.

Gaps a good team still has: the nightly reporting worker is one instance in one zone whose CPU
alarm notifies nobody (and lacks its cost-center tag); the feature-flags table is provisioned
without PITR (its contents are rebuilt from Git, they say); no Incident Manager response plans
(moto does not model Incident Manager; the team pages through PagerDuty).
"""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "555555555555"
PRIMARY = "us-east-1"
DR = "us-west-2"
PASSWORD = "moto-estate-not-a-secret"
AMI = "ami-12c6146b"


def _tags(owner: str, cost: str | None = "cc-310", env: str = "prod") -> list[dict[str, str]]:
    out = [{"Key": "owner", "Value": owner}, {"Key": "env", "Value": env}]
    if cost:
        out.append({"Key": "cost-center", "Value": cost})
    return out


def _network(client: Any, region: str, cidr: str) -> tuple[str, list[str]]:
    ec2 = client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.{i}.0/24", AvailabilityZone=f"{region}{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in enumerate("abc")
    ]
    return vpc, subnets


def _alb(client: Any, region: str, name: str, vpc: str, subnets: list[str], port: int) -> tuple[str, str, str]:
    elb = client("elbv2", region)
    lb = elb.create_load_balancer(
        Name=name, Subnets=subnets, Scheme="internet-facing", Type="application", Tags=_tags("platform")
    )["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name=f"{name}-tg",
        Protocol="HTTP",
        Port=port,
        VpcId=vpc,
        HealthCheckEnabled=True,
        HealthCheckPath="/healthz",
        HealthCheckIntervalSeconds=10,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]
    )
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    return lb["LoadBalancerArn"], lb["DNSName"], tg


def _group(
    client: Any,
    region: str,
    name: str,
    subnets: list[str],
    *,
    size: tuple[int, int, int],
    tg: str | None,
    tags: list[dict[str, str]],
) -> None:
    ec2 = client("ec2", region)
    ec2.create_launch_template(
        LaunchTemplateName=f"{name}-lt",
        LaunchTemplateData={"ImageId": AMI, "InstanceType": "m6i.large", "Monitoring": {"Enabled": True}},
    )
    kw: dict[str, Any] = (
        {"TargetGroupARNs": [tg], "HealthCheckType": "ELB", "HealthCheckGracePeriod": 120} if tg else {}
    )
    client("autoscaling", region).create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": f"{name}-lt", "Version": "$Latest"},
        MinSize=size[0],
        MaxSize=size[1],
        DesiredCapacity=size[2],
        VPCZoneIdentifier=",".join(subnets),
        Tags=[{**t, "PropagateAtLaunch": True} for t in tags],
        **kw,
    )


def _alarm(
    cw: Any, name: str, ns: str, metric: str, dims: dict[str, str], op: str, threshold: float, **kw: Any
) -> None:
    stat = kw.pop("Statistic", "Average")
    if stat:
        kw["Statistic"] = stat
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace=ns,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        Period=kw.pop("Period", 60),
        EvaluationPeriods=kw.pop("EvaluationPeriods", 5),
        DatapointsToAlarm=kw.pop("DatapointsToAlarm", 3),
        Threshold=threshold,
        ComparisonOperator=op,
        TreatMissingData=kw.pop("TreatMissingData", "missing"),
        **kw,
    )


def seed(client: Any, account: str) -> None:
    # --- organisation-wide audit: the management account's trail covers every account and region
    org = client("organizations", PRIMARY)
    org.create_organization(FeatureSet="ALL")
    s3 = client("s3", PRIMARY)
    s3.create_bucket(Bucket="acme-org-audit-logs")
    s3.put_bucket_versioning(Bucket="acme-org-audit-logs", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket="acme-org-audit-logs", Tagging={"TagSet": _tags("security", "cc-900")})
    trail = client("cloudtrail", PRIMARY)
    trail.create_trail(
        Name="org-trail",
        S3BucketName="acme-org-audit-logs",
        IsMultiRegionTrail=True,
        IsOrganizationTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
    )
    trail.start_logging(Name="org-trail")

    # --- paging: critical pages PagerDuty (and mails the team), warnings go to the chat channel
    sns = client("sns", PRIMARY)
    pager = sns.create_topic(Name="platform-critical", Tags=_tags("platform"))["TopicArn"]
    warn = sns.create_topic(Name="platform-warning", Tags=_tags("platform"))["TopicArn"]
    sns.subscribe(TopicArn=pager, Protocol="https", Endpoint="https://events.pagerduty.com/integration/3f9a1c/enqueue")
    sns.subscribe(TopicArn=pager, Protocol="email", Endpoint="platform-oncall@acme.example")
    sns.subscribe(TopicArn=warn, Protocol="https", Endpoint="https://chat.acme.example/hooks/platform-alerts")
    dr_sns = client("sns", DR)
    dr_pager = dr_sns.create_topic(Name="platform-critical", Tags=_tags("platform"))["TopicArn"]
    dr_sns.subscribe(
        TopicArn=dr_pager, Protocol="https", Endpoint="https://events.pagerduty.com/integration/3f9a1c/enqueue"
    )

    # --- network and the two tiers, three zones
    vpc, subnets = _network(client, PRIMARY, "10.60")
    web_lb, web_dns, web_tg = _alb(client, PRIMARY, "storefront-web", vpc, subnets, 8080)
    api_lb, _api_dns, api_tg = _alb(client, PRIMARY, "storefront-api", vpc, subnets, 9000)
    _group(client, PRIMARY, "storefront-web", subnets, size=(3, 24, 6), tg=web_tg, tags=_tags("storefront"))
    _group(client, PRIMARY, "storefront-api", subnets, size=(3, 18, 6), tg=api_tg, tags=_tags("storefront"))
    # the nightly reporting worker: one instance, one zone, no load balancer; no cost-center tag
    _group(client, PRIMARY, "reports-worker", subnets[:1], size=(1, 1, 1), tg=None, tags=_tags("data", None))

    asg = client("autoscaling", PRIMARY)
    web_label = f"{web_lb.split(':loadbalancer/')[1]}/{web_tg.split(':')[-1]}"
    asg.put_scaling_policy(
        AutoScalingGroupName="storefront-web",
        PolicyName="web-requests-per-target",
        PolicyType="TargetTrackingScaling",
        EstimatedInstanceWarmup=180,
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": web_label,
            },
            "TargetValue": 900.0,
        },
    )
    asg.put_scaling_policy(
        AutoScalingGroupName="storefront-api",
        PolicyName="api-cpu-target",
        PolicyType="TargetTrackingScaling",
        EstimatedInstanceWarmup=180,
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 50.0,
        },
    )
    for group in ("storefront-web", "storefront-api"):
        asg.put_scheduled_update_group_action(
            AutoScalingGroupName=group,
            ScheduledActionName=f"{group}-weekday-prescale",
            Recurrence="30 6 * * 1-5",
            MinSize=6,
            MaxSize=24 if group == "storefront-web" else 18,
        )

    # recovery region: a warm standby web tier behind its own ALB
    dr_vpc, dr_subnets = _network(client, DR, "10.61")
    _dr_lb, dr_dns, dr_tg = _alb(client, DR, "storefront-web-dr", dr_vpc, dr_subnets, 8080)
    _group(client, DR, "storefront-web-dr", dr_subnets, size=(2, 24, 2), tg=dr_tg, tags=_tags("storefront"))
    client("autoscaling", DR).put_scaling_policy(
        AutoScalingGroupName="storefront-web-dr",
        PolicyName="web-requests-per-target",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 50.0,
        },
    )

    # --- DNS failover between the regions
    r53 = client("route53", PRIMARY)
    zone = r53.create_hosted_zone(Name="shop.acme.example", CallerReference="shop-zone-2024")["HostedZone"]["Id"]
    checks = {}
    for key, fqdn in (("primary", web_dns), ("secondary", dr_dns)):
        checks[key] = r53.create_health_check(
            CallerReference=f"storefront-{key}",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": fqdn,
                "ResourcePath": "/healthz",
                "RequestInterval": 10,
                "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
        r53.change_tags_for_resource(
            ResourceType="healthcheck", ResourceId=checks[key], AddTags=[{"Key": "Name", "Value": f"storefront-{key}"}]
        )
    r53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "www.shop.acme.example",
                        "Type": "CNAME",
                        "SetIdentifier": key,
                        "Failover": key.upper(),
                        "TTL": 30,
                        "HealthCheckId": checks[key],
                        "ResourceRecords": [{"Value": fqdn}],
                    },
                }
                for key, fqdn in (("primary", web_dns), ("secondary", dr_dns))
            ]
        },
    )

    # --- data
    rds = client("rds", PRIMARY)
    orders = rds.create_db_instance(
        DBInstanceIdentifier="orders-db",
        Engine="postgres",
        EngineVersion="15.5",
        DBInstanceClass="db.r6g.xlarge",
        AllocatedStorage=400,
        MaxAllocatedStorage=1000,
        MasterUsername="orders_admin",
        MasterUserPassword=PASSWORD,
        MultiAZ=True,
        BackupRetentionPeriod=14,
        PreferredBackupWindow="03:00-03:30",
        DeletionProtection=True,
        StorageEncrypted=True,
        EnablePerformanceInsights=True,
        MonitoringInterval=15,
        MonitoringRoleArn=f"arn:aws:iam::{account}:role/rds-monitoring-role",
        Tags=[*_tags("storefront"), {"Key": "backup", "Value": "daily"}],
    )["DBInstance"]["DBInstanceArn"]
    client("rds", DR).create_db_instance_read_replica(
        DBInstanceIdentifier="orders-db-replica-usw2",
        SourceDBInstanceIdentifier=orders,
        DBInstanceClass="db.r6g.xlarge",
        SourceRegion=PRIMARY,
        Tags=_tags("storefront"),
    )

    # sessions: on demand with PITR (moto does not model global tables; the daily backup plan
    # copies the table's recovery points to us-west-2)
    ddb = client("dynamodb", PRIMARY)
    ddb.create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "sid", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sid", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        Tags=[*_tags("storefront"), {"Key": "backup", "Value": "daily"}],
    )
    ddb.update_continuous_backups(
        TableName="sessions", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    ddb.create_table(
        TableName="feature-flags",
        KeySchema=[{"AttributeName": "flag", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "flag", "AttributeType": "S"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 20, "WriteCapacityUnits": 5},
        Tags=_tags("platform"),
    )

    client("elasticache", PRIMARY).create_replication_group(
        ReplicationGroupId="storefront-cache",
        ReplicationGroupDescription="catalogue and cart reads in front of orders-db",
        Engine="redis",
        CacheNodeType="cache.r6g.large",
        CacheParameterGroupName="default.redis7.cluster.on",
        ClusterMode="enabled",
        NumNodeGroups=2,
        ReplicasPerNodeGroup=1,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        SnapshotRetentionLimit=5,
        Tags=_tags("storefront"),
    )

    dr_s3 = client("s3", DR)
    for bucket, s3c, region in (("acme-storefront-assets", s3, PRIMARY), ("acme-storefront-assets-usw2", dr_s3, DR)):
        kw: dict[str, Any] = {"CreateBucketConfiguration": {"LocationConstraint": region}} if region != PRIMARY else {}
        s3c.create_bucket(Bucket=bucket, **kw)
        s3c.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3c.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tags("storefront")})
    s3.put_bucket_replication(
        Bucket="acme-storefront-assets",
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{account}:role/s3-replication",
            "Rules": [
                {
                    "ID": "to-usw2",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::acme-storefront-assets-usw2", "StorageClass": "STANDARD"},
                }
            ],
        },
    )

    backup = client("backup", PRIMARY)
    backup.create_backup_vault(BackupVaultName="platform-prod", BackupVaultTags={"owner": "platform"})
    dr_vault = client("backup", DR).create_backup_vault(
        BackupVaultName="platform-prod-usw2", BackupVaultTags={"owner": "platform"}
    )["BackupVaultArn"]
    copy = [{"DestinationBackupVaultArn": dr_vault, "Lifecycle": {"DeleteAfterDays": 35}}]
    backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "platform-prod",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "platform-prod",
                    "ScheduleExpression": "cron(0 4 * * ? *)",
                    "StartWindowMinutes": 60,
                    "CompletionWindowMinutes": 240,
                    "Lifecycle": {"DeleteAfterDays": 35},
                    "CopyActions": copy,
                },
                {
                    "RuleName": "monthly",
                    "TargetBackupVaultName": "platform-prod",
                    "ScheduleExpression": "cron(0 5 1 * ? *)",
                    "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365},
                    "CopyActions": [{"DestinationBackupVaultArn": dr_vault, "Lifecycle": {"DeleteAfterDays": 365}}],
                },
            ],
        },
        BackupPlanTags={"owner": "platform", "cost-center": "cc-310"},
    )

    # --- configuration recording and conformance rules, both regions
    cfg_bucket = "acme-config-history"
    s3.create_bucket(Bucket=cfg_bucket)
    s3.put_bucket_tagging(Bucket=cfg_bucket, Tagging={"TagSet": _tags("security", "cc-900")})
    cfg_topic = sns.create_topic(Name="config-changes", Tags=_tags("platform"))["TopicArn"]
    for region in (PRIMARY, DR):
        config = client("config", region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == PRIMARY},
            }
        )
        config.put_delivery_channel(
            DeliveryChannel={
                "name": "default",
                "s3BucketName": cfg_bucket,
                "s3KeyPrefix": region,
                **({"snsTopicARN": cfg_topic} if region == PRIMARY else {}),
                "configSnapshotDeliveryProperties": {"deliveryFrequency": "Six_Hours"},
            }
        )
        config.start_configuration_recorder(ConfigurationRecorderName="default")
        rules = {
            "required-tags": ("REQUIRED_TAGS", {"tag1Key": "owner", "tag2Key": "cost-center", "tag3Key": "env"}),
            "rds-multi-az": ("RDS_MULTI_AZ_SUPPORT", None),
            "rds-backup-enabled": ("DB_INSTANCE_BACKUP_ENABLED", None),
            "s3-versioning": ("S3_BUCKET_VERSIONING_ENABLED", None),
            "cloudtrail-enabled": ("CLOUD_TRAIL_ENABLED", None),
            "dynamodb-pitr": ("DYNAMODB_PITR_ENABLED", None),
            "alb-health-check": ("ELB_DELETION_PROTECTION_ENABLED", None),
        }
        for name, (ident, params) in rules.items():
            rule: dict[str, Any] = {"ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": ident}}
            if params:
                rule["InputParameters"] = json.dumps(params)
            config.put_config_rule(ConfigRule=rule)

    # --- alarms: two severities, infrastructure and business
    cw = client("cloudwatch", PRIMARY)
    crit = {"AlarmActions": [pager], "OKActions": [pager], "ActionsEnabled": True}
    warning = {"AlarmActions": [warn], "OKActions": [warn], "ActionsEnabled": True}
    web_dim = {"LoadBalancer": web_lb.split(":loadbalancer/")[1]}
    api_dim = {"LoadBalancer": api_lb.split(":loadbalancer/")[1]}
    db_dim = {"DBInstanceIdentifier": "orders-db"}
    _alarm(
        cw,
        "P1-storefront-web-5xx",
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        web_dim,
        "GreaterThanThreshold",
        100.0,
        Statistic="Sum",
        AlarmDescription="Runbook: Platform-RestartWebTier",
        **crit,
    )
    _alarm(
        cw,
        "P1-storefront-api-5xx",
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        api_dim,
        "GreaterThanThreshold",
        100.0,
        Statistic="Sum",
        **crit,
    )
    _alarm(
        cw,
        "P2-storefront-api-latency",
        "AWS/ApplicationELB",
        "TargetResponseTime",
        api_dim,
        "GreaterThanThreshold",
        0.8,
        Statistic=None,
        ExtendedStatistic="p99",
        **warning,
    )
    _alarm(
        cw,
        "P1-storefront-api-latency",
        "AWS/ApplicationELB",
        "TargetResponseTime",
        api_dim,
        "GreaterThanThreshold",
        2.0,
        Statistic=None,
        ExtendedStatistic="p99",
        **crit,
    )
    _alarm(
        cw,
        "P1-storefront-web-unhealthy-hosts",
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        {**web_dim, "TargetGroup": web_tg.split(":")[-1]},
        "GreaterThanThreshold",
        2.0,
        **crit,
    )
    _alarm(cw, "P2-orders-db-cpu", "AWS/RDS", "CPUUtilization", db_dim, "GreaterThanThreshold", 70.0, **warning)
    _alarm(cw, "P1-orders-db-cpu", "AWS/RDS", "CPUUtilization", db_dim, "GreaterThanThreshold", 90.0, **crit)
    _alarm(cw, "P2-orders-db-free-storage", "AWS/RDS", "FreeStorageSpace", db_dim, "LessThanThreshold", 80e9, **warning)
    _alarm(
        cw,
        "P2-orders-db-connections",
        "AWS/RDS",
        "DatabaseConnections",
        db_dim,
        "GreaterThanThreshold",
        800.0,
        **warning,
    )
    _alarm(
        cw,
        "P2-storefront-api-cpu",
        "AWS/EC2",
        "CPUUtilization",
        {"AutoScalingGroupName": "storefront-api"},
        "GreaterThanThreshold",
        75.0,
        **warning,
    )
    _alarm(
        cw,
        "P2-sessions-throttled",
        "AWS/DynamoDB",
        "ThrottledRequests",
        {"TableName": "sessions"},
        "GreaterThanThreshold",
        10.0,
        Statistic="Sum",
        **warning,
    )
    _alarm(
        cw,
        "P2-storefront-cache-memory",
        "AWS/ElastiCache",
        "DatabaseMemoryUsagePercentage",
        {"ReplicationGroupId": "storefront-cache"},
        "GreaterThanThreshold",
        80.0,
        **warning,
    )
    # business: checkout failures and payments, published by the API as custom metrics
    _alarm(
        cw,
        "P1-checkout-payment-failures",
        "Storefront/Checkout",
        "PaymentFailures",
        {"Service": "checkout"},
        "GreaterThanThreshold",
        25.0,
        Statistic="Sum",
        **crit,
    )
    _alarm(
        cw,
        "P2-checkout-abandoned-carts",
        "Storefront/Checkout",
        "CheckoutErrors",
        {"Service": "checkout"},
        "GreaterThanThreshold",
        40.0,
        Statistic="Sum",
        **warning,
    )
    cw.put_metric_alarm(
        AlarmName="P1-orders-placed-anomalous",
        AlarmDescription="Orders per 5 minutes outside the learned band. Runbook: Platform-StorefrontTriage",
        Metrics=[
            {
                "Id": "orders",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "Storefront/Checkout",
                        "MetricName": "OrdersPlaced",
                        "Dimensions": [{"Name": "Service", "Value": "checkout"}],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            },
            {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(orders, 3)", "ReturnData": True},
        ],
        ThresholdMetricId="band",
        ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold",
        EvaluationPeriods=3,
        DatapointsToAlarm=2,
        **crit,
    )
    # the replica in us-west-2 is watched from its own region
    _alarm(
        client("cloudwatch", DR),
        "P2-orders-db-replica-lag",
        "AWS/RDS",
        "ReplicaLag",
        {"DBInstanceIdentifier": "orders-db-replica-usw2"},
        "GreaterThanThreshold",
        300.0,
        AlarmActions=[dr_pager],
        ActionsEnabled=True,
    )
    # the reporting worker's alarm was created by hand and never wired to a topic
    _alarm(
        cw,
        "reports-worker-cpu",
        "AWS/EC2",
        "CPUUtilization",
        {"AutoScalingGroupName": "reports-worker"},
        "GreaterThanThreshold",
        90.0,
        ActionsEnabled=False,
    )
    # (the team's composite alarm P1-storefront-degraded is not seeded: moto does not implement
    # PutCompositeAlarm)

    def widget(title: str, metrics: list[list[Any]], x: int, y: int) -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {"title": title, "region": PRIMARY, "metrics": metrics, "view": "timeSeries", "period": 60},
        }

    cw.put_dashboard(
        DashboardName="storefront-business",
        DashboardBody=json.dumps(
            {
                "widgets": [
                    widget("Orders placed", [["Storefront/Checkout", "OrdersPlaced", "Service", "checkout"]], 0, 0),
                    widget(
                        "Payment failures", [["Storefront/Checkout", "PaymentFailures", "Service", "checkout"]], 12, 0
                    ),
                    widget("API requests", [["AWS/ApplicationELB", "RequestCount", *sum(api_dim.items(), ())]], 0, 6),
                    widget(
                        "API p99 latency",
                        [["AWS/ApplicationELB", "TargetResponseTime", *sum(api_dim.items(), ()), {"stat": "p99"}]],
                        12,
                        6,
                    ),
                ]
            }
        ),
    )
    cw.put_dashboard(
        DashboardName="platform-infrastructure",
        DashboardBody=json.dumps(
            {
                "widgets": [
                    widget(
                        "ASG in service",
                        [
                            ["AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", g]
                            for g in ("storefront-web", "storefront-api")
                        ],
                        0,
                        0,
                    ),
                    widget(
                        "orders-db CPU", [["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", "orders-db"]], 12, 0
                    ),
                    widget(
                        "orders-db replica lag",
                        [["AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", "orders-db-replica-usw2", {"region": DR}]],
                        0,
                        6,
                    ),
                    widget(
                        "cache memory",
                        [
                            [
                                "AWS/ElastiCache",
                                "DatabaseMemoryUsagePercentage",
                                "ReplicationGroupId",
                                "storefront-cache",
                            ]
                        ],
                        12,
                        6,
                    ),
                ]
            }
        ),
    )

    # --- cost: a monthly account budget and one per cost centre, actual and forecast alerts
    budgets = client("budgets", PRIMARY)
    for name, amount, cost_filter in (
        ("platform-prod-monthly", "42000", None),
        ("cc-310-storefront", "30000", {"TagKeyValue": ["user:cost-center$cc-310"]}),
    ):
        budget: dict[str, Any] = {
            "BudgetName": name,
            "BudgetLimit": {"Amount": amount, "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        }
        if cost_filter:
            budget["CostFilters"] = cost_filter
        budgets.create_budget(
            AccountId=account,
            Budget=budget,
            NotificationsWithSubscribers=[
                {
                    "Notification": {
                        "NotificationType": kind,
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": pct,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "platform-finops@acme.example"}],
                }
                for kind, pct in (("ACTUAL", 80.0), ("FORECASTED", 100.0))
            ],
        )

    # --- runbooks: SSM Automation documents for the common recoveries
    ssm = client("ssm", PRIMARY)
    runbooks = {
        "Platform-RestartWebTier": (
            "Instance refresh of the storefront web tier, one zone at a time.",
            [
                {
                    "name": "refresh",
                    "action": "aws:executeAwsApi",
                    "inputs": {
                        "Service": "autoscaling",
                        "Api": "StartInstanceRefresh",
                        "AutoScalingGroupName": "storefront-web",
                        "Preferences": {"MinHealthyPercentage": 90},
                    },
                },
            ],
        ),
        "Platform-PromoteOrdersReplica": (
            "Regional failover: promote the us-west-2 replica of orders-db and scale the standby web tier.",
            [
                {
                    "name": "promote",
                    "action": "aws:executeAwsApi",
                    "inputs": {
                        "Service": "rds",
                        "Api": "PromoteReadReplica",
                        "DBInstanceIdentifier": "orders-db-replica-usw2",
                    },
                },
                {
                    "name": "scaleStandby",
                    "action": "aws:executeAwsApi",
                    "inputs": {
                        "Service": "autoscaling",
                        "Api": "SetDesiredCapacity",
                        "AutoScalingGroupName": "storefront-web-dr",
                        "DesiredCapacity": 6,
                    },
                },
            ],
        ),
        "Platform-StorefrontTriage": (
            "First steps for a storefront page: collect target health, recent deploys and DB load.",
            [
                {
                    "name": "targets",
                    "action": "aws:executeAwsApi",
                    "inputs": {"Service": "elbv2", "Api": "DescribeTargetHealth", "TargetGroupArn": api_tg},
                },
            ],
        ),
    }
    for name, (description, steps) in runbooks.items():
        ssm.create_document(
            Name=name,
            DocumentType="Automation",
            DocumentFormat="JSON",
            Content=json.dumps({"schemaVersion": "0.3", "description": description, "mainSteps": steps}),
            Tags=_tags("platform"),
        )
