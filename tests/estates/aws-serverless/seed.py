"""Seeds the aws-serverless estate into a moto server (called by tests/fidelity.py).

A small product team's account in one region (eu-west-1). The public API is API Gateway (REST)
in front of Lambda functions: `orders-api` (reserved concurrency 50, alias `live` on a published
version), `payments-webhook` (reserved concurrency 10, alias `live`), `report-builder` (no
reservation, no alias). Orders live in DynamoDB `orders` (on-demand, point-in-time recovery,
and the account's only AWS Backup plan, `dynamodb-daily`, is
meant for it, though moto records no resource assignment); `sessions` is provisioned 5/5 with no PITR and
no backup. Order events go through SQS `order-events` with a dead-letter queue after 5 receives.
The storefront runs on ECS Fargate (2 tasks, two subnets in two zones) behind an ALB with a
health-checked target group; no service auto scaling. Catalogue data is Aurora PostgreSQL: one
writer, no reader, 1-day backups, no deletion protection. S3: the assets bucket is versioned,
the exports bucket and the trail bucket are not. CloudWatch alarms: ALB 5xx and Lambda errors
notify the `product-alerts` topic; Lambda throttles and the queue's DLQ depth have no actions;
one Aurora CPU alarm notifies. One single-region trail, logging, without log file validation.
No AWS Config. One monthly cost budget with an 80% actual-spend alert to an e-mail address.
Tags: `team`/`env` on some resources (orders table, ALB, Lambda orders-api), none on others.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

ACCOUNT = "444444444444"
REGION = "eu-west-1"
PASSWORD = "moto-estate-not-a-secret"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buf.getvalue()


def seed(client: Any, account: str) -> None:
    account = account or ACCOUNT
    team = [{"Key": "team", "Value": "checkout"}, {"Key": "env", "Value": "prod"}]

    # --- network, ALB, ECS Fargate storefront ---------------------------------------------
    ec2 = client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    sg = ec2.create_security_group(GroupName="storefront", Description="storefront tasks", VpcId=vpc)["GroupId"]

    elb = client("elbv2", REGION)
    lb = elb.create_load_balancer(
        Name="storefront-alb", Subnets=subnets, Scheme="internet-facing", Type="application", Tags=team
    )["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(
        Name="storefront-tg",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc,
        TargetType="ip",
        HealthCheckPath="/health",
        HealthCheckEnabled=True,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=3,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}]
    )

    ecs = client("ecs", REGION)
    ecs.create_cluster(clusterName="storefront")
    ecs.register_task_definition(
        family="storefront",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
        containerDefinitions=[
            {
                "name": "web",
                "image": f"{account}.dkr.ecr.{REGION}.amazonaws.com/storefront:1.14.2",
                "portMappings": [{"containerPort": 8080}],
                "essential": True,
            }
        ],
    )
    ecs.create_service(
        cluster="storefront",
        serviceName="storefront",
        taskDefinition="storefront",
        desiredCount=2,
        launchType="FARGATE",
        loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}],
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}},
        deploymentConfiguration={
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
    )

    # --- Lambda + API Gateway ---------------------------------------------------------------
    iam = client("iam", REGION)
    role = iam.create_role(
        RoleName="lambda-exec",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    lam = client("lambda", REGION)
    code = _zip()
    fns = {}
    for name, reserved, alias, tags in (
        ("orders-api", 50, True, {"team": "checkout", "env": "prod"}),
        ("payments-webhook", 10, True, {}),
        ("report-builder", None, False, {}),
    ):
        fns[name] = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": code},
            Timeout=10,
            MemorySize=512,
            Tags=tags,
        )["FunctionArn"]
        if reserved:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
        if alias:
            v = lam.publish_version(FunctionName=name)["Version"]
            lam.create_alias(FunctionName=name, Name="live", FunctionVersion=v)

    apigw = client("apigateway", REGION)
    api = apigw.create_rest_api(name="orders-public", description="public orders API")["id"]
    root = next(r for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")["id"]
    res = apigw.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
    apigw.put_method(restApiId=api, resourceId=res, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=res,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fns['orders-api']}:live/invocations",
    )
    apigw.create_deployment(restApiId=api, stageName="prod")
    # stage-level throttling: 200 rps steady, bursts of 400
    apigw.update_stage(
        restApiId=api,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "200"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "400"},
        ],
    )

    # --- SQS with a DLQ ---------------------------------------------------------------------
    sqs = client("sqs", REGION)
    dlq = sqs.create_queue(QueueName="order-events-dlq", Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(
        QueueName="order-events",
        Attributes={
            "VisibilityTimeout": "60",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
        },
    )

    # --- DynamoDB ---------------------------------------------------------------------------
    ddb = client("dynamodb", REGION)
    orders_arn = ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        Tags=team,
    )["TableDescription"]["TableArn"]
    ddb.update_continuous_backups(
        TableName="orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    ddb.create_table(
        TableName="sessions",
        KeySchema=[{"AttributeName": "sid", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "sid", "AttributeType": "S"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )

    # --- Aurora PostgreSQL: one writer, no reader -------------------------------------------
    rds = client("rds", REGION)
    rds.create_db_cluster(
        DBClusterIdentifier="catalog-aurora",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="catalog_owner",
        MasterUserPassword=PASSWORD,
        BackupRetentionPeriod=1,
        StorageEncrypted=True,
        DeletionProtection=False,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="catalog-aurora-1",
        DBClusterIdentifier="catalog-aurora",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )

    # --- S3 -----------------------------------------------------------------------------------
    s3 = client("s3", REGION)
    loc = {"LocationConstraint": REGION}
    for b in ("checkout-assets-444444444444", "checkout-exports-444444444444", "checkout-trail-444444444444"):
        s3.create_bucket(Bucket=b, CreateBucketConfiguration=loc)
    s3.put_bucket_versioning(Bucket="checkout-assets-444444444444", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket="checkout-assets-444444444444", Tagging={"TagSet": team})

    # --- CloudTrail: single region, no log file validation -----------------------------------
    ct = client("cloudtrail", REGION)
    ct.create_trail(Name="checkout-trail", S3BucketName="checkout-trail-444444444444", IsMultiRegionTrail=False)
    ct.start_logging(Name="checkout-trail")

    # --- SNS + CloudWatch alarms --------------------------------------------------------------
    sns = client("sns", REGION)
    topic = sns.create_topic(Name="product-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="checkout-oncall@example.com")
    cw = client("cloudwatch", REGION)
    alarms = (
        # name, metric, namespace, op, threshold, dims, statistic, actions
        (
            "storefront-5xx-high",
            "HTTPCode_Target_5XX_Count",
            "AWS/ApplicationELB",
            "GreaterThanThreshold",
            25.0,
            [{"Name": "LoadBalancer", "Value": "app/storefront-alb/0123456789abcdef"}],
            "Sum",
            True,
        ),
        (
            "storefront-latency-p99",
            "TargetResponseTime",
            "AWS/ApplicationELB",
            "GreaterThanThreshold",
            1.5,
            [{"Name": "LoadBalancer", "Value": "app/storefront-alb/0123456789abcdef"}],
            "Average",
            True,
        ),
        (
            "orders-api-errors",
            "Errors",
            "AWS/Lambda",
            "GreaterThanThreshold",
            5.0,
            [{"Name": "FunctionName", "Value": "orders-api"}],
            "Sum",
            True,
        ),
        (
            "orders-api-throttles",
            "Throttles",
            "AWS/Lambda",
            "GreaterThanThreshold",
            0.0,
            [{"Name": "FunctionName", "Value": "orders-api"}],
            "Sum",
            False,
        ),
        (
            "order-events-dlq-depth",
            "ApproximateNumberOfMessagesVisible",
            "AWS/SQS",
            "GreaterThanThreshold",
            0.0,
            [{"Name": "QueueName", "Value": "order-events-dlq"}],
            "Maximum",
            False,
        ),
        (
            "catalog-aurora-cpu-high",
            "CPUUtilization",
            "AWS/RDS",
            "GreaterThanThreshold",
            80.0,
            [{"Name": "DBClusterIdentifier", "Value": "catalog-aurora"}],
            "Average",
            True,
        ),
    )
    for name, metric, ns, op, threshold, dims, stat, notify in alarms:
        kw: dict[str, Any] = {"AlarmActions": [topic]} if notify else {}
        cw.put_metric_alarm(
            AlarmName=name,
            MetricName=metric,
            Namespace=ns,
            Dimensions=dims,
            Statistic=stat,
            Period=60,
            EvaluationPeriods=5,
            Threshold=threshold,
            ComparisonOperator=op,
            ActionsEnabled=notify,
            **kw,
        )

    # --- AWS Backup: DynamoDB orders only -----------------------------------------------------
    bk = client("backup", REGION)
    bk.create_backup_vault(BackupVaultName="checkout-vault")
    plan = bk.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "dynamodb-daily",
            "Rules": [
                {
                    "RuleName": "daily-35d",
                    "TargetBackupVaultName": "checkout-vault",
                    "ScheduleExpression": "cron(0 3 * * ? *)",
                    "Lifecycle": {"DeleteAfterDays": 35},
                }
            ],
        }
    )["BackupPlanId"]
    # The plan is meant for the orders table; moto 5 does not implement CreateBackupSelection, so
    # the account shows the plan and its rule but no resource assignment.
    del plan, orders_arn

    # --- Budget with an alert -----------------------------------------------------------------
    client("budgets", "us-east-1").create_budget(
        AccountId=account,
        Budget={
            "BudgetName": "checkout-monthly",
            "BudgetLimit": {"Amount": "1500", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {
                    "NotificationType": "ACTUAL",
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80.0,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "checkout-lead@example.com"}],
            }
        ],
    )
