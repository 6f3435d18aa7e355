"""Seeds the aws-rds estate into a moto server (called by tests/fidelity.py).

A small production account: the web tier scales in an Auto Scaling group across two zones
behind an Application Load Balancer; the orders database is RDS PostgreSQL, Multi-AZ, with
automated backups (7 days) and a read replica; the reporting database is Multi-AZ with 35 days.
A Redis replication group (two nodes, automatic failover) caches hot order reads; a DynamoDB table
keeps idempotency keys with point-in-time recovery; the web tier also scales up on a weekday
schedule. CloudWatch alarms on the database and the web tier notify an SNS topic; one
multi-region trail; AWS Config records every resource type, with a delivery channel and change
notifications. There is no AWS Backup plan and no budget.
"""

from __future__ import annotations

from typing import Any

ACCOUNT = "333333333333"
REGION = "us-east-1"
PASSWORD = "moto-estate-not-a-secret"


def seed(client: Any, account: str) -> None:
    ec2 = client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    tags = [{"Key": "owner", "Value": "orders-team"}, {"Key": "env", "Value": "prod"}]

    elb = client("elbv2", REGION)
    lb = elb.create_load_balancer(
        Name="web-alb", Subnets=subnets, Scheme="internet-facing", Type="application", Tags=tags
    )
    tg = elb.create_target_group(
        Name="web-tg", Protocol="HTTP", Port=8080, VpcId=vpc, HealthCheckPath="/healthz", HealthCheckEnabled=True
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )

    asg = client("autoscaling", REGION)
    asg.create_launch_configuration(LaunchConfigurationName="web-lc", ImageId="ami-12c6146b", InstanceType="t3.medium")
    asg.create_auto_scaling_group(
        AutoScalingGroupName="web-asg",
        LaunchConfigurationName="web-lc",
        MinSize=2,
        MaxSize=8,
        DesiredCapacity=2,
        VPCZoneIdentifier=",".join(subnets),
        HealthCheckType="ELB",
        TargetGroupARNs=[tg],
        Tags=[{**t, "PropagateAtLaunch": True} for t in tags],
    )
    asg.put_scaling_policy(
        AutoScalingGroupName="web-asg",
        PolicyName="web-cpu-target",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 55.0,
        },
    )

    rds = client("rds", REGION)
    rds.create_db_instance(
        DBInstanceIdentifier="orders-pg",
        Engine="postgres",
        DBInstanceClass="db.r6g.large",
        AllocatedStorage=200,
        MasterUsername="orders_owner",
        MasterUserPassword=PASSWORD,
        MultiAZ=True,
        BackupRetentionPeriod=7,
        PreferredBackupWindow="02:00-02:30",
        DeletionProtection=True,
        StorageEncrypted=True,
        Tags=tags,
    )
    rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-pg-ro", SourceDBInstanceIdentifier="orders-pg", Tags=tags
    )
    rds.create_db_instance(
        DBInstanceIdentifier="reporting-pg",
        Engine="postgres",
        DBInstanceClass="db.m6g.large",
        AllocatedStorage=500,
        MasterUsername="reporting_owner",
        MasterUserPassword=PASSWORD,
        MultiAZ=True,
        BackupRetentionPeriod=35,
        StorageEncrypted=True,
        Tags=tags,
    )

    topic = client("sns", REGION).create_topic(Name="orders-oncall")["TopicArn"]
    cw = client("cloudwatch", REGION)
    alarms = (
        (
            "orders-pg-cpu-high",
            "CPUUtilization",
            "AWS/RDS",
            "GreaterThanThreshold",
            80.0,
            "DBInstanceIdentifier",
            "orders-pg",
        ),
        (
            "orders-pg-storage-low",
            "FreeStorageSpace",
            "AWS/RDS",
            "LessThanThreshold",
            20e9,
            "DBInstanceIdentifier",
            "orders-pg",
        ),
        (
            "orders-pg-connections-high",
            "DatabaseConnections",
            "AWS/RDS",
            "GreaterThanThreshold",
            400.0,
            "DBInstanceIdentifier",
            "orders-pg",
        ),
        (
            "web-5xx-high",
            "HTTPCode_Target_5XX_Count",
            "AWS/ApplicationELB",
            "GreaterThanThreshold",
            50.0,
            "LoadBalancer",
            "app/web-alb",
        ),
    )
    for name, metric, ns, op, threshold, dim, value in alarms:
        cw.put_metric_alarm(
            AlarmName=name,
            MetricName=metric,
            Namespace=ns,
            Dimensions=[{"Name": dim, "Value": value}],
            Statistic="Average",
            Period=300,
            EvaluationPeriods=3,
            Threshold=threshold,
            ComparisonOperator=op,
            AlarmActions=[topic],
            OKActions=[topic],
            ActionsEnabled=True,
        )

    client("s3", REGION).create_bucket(Bucket="orders-audit-trail")
    trail = client("cloudtrail", REGION)
    trail.create_trail(
        Name="org-audit", S3BucketName="orders-audit-trail", IsMultiRegionTrail=True, EnableLogFileValidation=True
    )
    trail.start_logging(Name="org-audit")

    # AWS Config records every supported resource type (global ones too) into the audit bucket
    # and announces configuration changes on a topic the platform team subscribes to.
    config_topic = client("sns", REGION).create_topic(Name="config-changes")["TopicArn"]
    config = client("config", REGION)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(
        DeliveryChannel={
            "name": "default",
            "s3BucketName": "orders-audit-trail",
            "s3KeyPrefix": "config",
            "snsTopicARN": config_topic,
            "configSnapshotDeliveryProperties": {"deliveryFrequency": "TwentyFour_Hours"},
        }
    )
    config.start_configuration_recorder(ConfigurationRecorderName="default")

    client("elasticache", REGION).create_replication_group(
        ReplicationGroupId="orders-cache",
        ReplicationGroupDescription="hot order reads in front of orders-pg",
        Engine="redis",
        CacheNodeType="cache.r6g.large",
        NumNodeGroups=1,
        ReplicasPerNodeGroup=1,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        SnapshotRetentionLimit=3,
        Tags=tags,
    )
    ddb = client("dynamodb", REGION)
    ddb.create_table(
        TableName="orders-idempotency",
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=tags,
    )
    ddb.update_continuous_backups(
        TableName="orders-idempotency", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    asg.put_scheduled_update_group_action(
        AutoScalingGroupName="web-asg",
        ScheduledActionName="weekday-morning",
        Recurrence="0 7 * * 1-5",
        MinSize=4,
        MaxSize=8,
        DesiredCapacity=4,
    )
    # request volume against its learned band (anomaly detection), paging the on-call topic
    cw.put_metric_alarm(
        AlarmName="web-requests-anomalous",
        Metrics=[
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ApplicationELB",
                        "MetricName": "RequestCount",
                        "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web-alb"}],
                    },
                    "Period": 300,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            },
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)", "ReturnData": True},
        ],
        ThresholdMetricId="ad1",
        ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold",
        EvaluationPeriods=3,
        AlarmActions=[topic],
        ActionsEnabled=True,
    )
