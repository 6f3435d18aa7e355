"""Seeds the AWS side of the eks-shop estate into a moto server (called by tests/fidelity.py).

Kestrel Outdoor sells outdoor gear online in Europe. Its production runs on one EKS cluster
(`shop-prod`, eu-west-1) built from the usual eksctl/Terraform layout; estate.py serves the live
cluster itself. The account around it:

- Network: one VPC over two zones (eu-west-1a, eu-west-1b), public subnets tagged for load
  balancers, private subnets for the nodes (tagged for the cluster).
- EKS: the cluster (API and audit control-plane logs on) and one managed node group `general`
  (m6i.xlarge, min 3 / max 9 / desired 3 over the two private subnets); the node group's Auto
  Scaling group carries the cluster-autoscaler discovery tags and no scaling policy of its own
  (cluster-autoscaler sets its desired size).
- Data: RDS MySQL 8.0 `shop-mysql` (orders, customers, catalogue) in one zone, 7 days of
  automated backups, encrypted, deletion protection; no read replica. ElastiCache Redis
  `shop-redis`: one node, no replica, no snapshots (carts and sessions live there).
- S3: product images (versioned), order exports for the ERP and the trail bucket (neither
  versioned).
- Operations: two CloudWatch alarms on the database (CPU above 80%, free storage below 20 GiB)
  to an SNS topic mailed to the ops list; CloudWatch Logs groups that fluent-bit writes
  (application, host, dataplane; 30 days) and the control-plane group (90 days); a single-region
  trail (no log file validation); a monthly cost budget alerting at 80% of actual spend.
- Absent: AWS Config, AWS Backup plans, alarms on the cache, the load balancer or the nodes, any
  second region.
"""

from __future__ import annotations

from typing import Any

ACCOUNT = "777777777777"
REGION = "eu-west-1"
CLUSTER = "shop-prod"
PASSWORD = "moto-estate-not-a-secret"


def _tags(owner: str = "platform") -> list[dict[str, str]]:
    return [{"Key": "owner", "Value": owner}, {"Key": "env", "Value": "prod"}, {"Key": "app", "Value": "shop"}]


def seed(client: Any, account: str) -> None:
    account = account or ACCOUNT

    # --- network: the eksctl-style VPC, public and private subnets in two zones
    ec2 = client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": f"{CLUSTER}-vpc"}, *_tags()])
    public, private = [], []
    for i, zone in enumerate("ab"):
        pub = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")
        prv = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{64 + 32 * i}.0/19", AvailabilityZone=f"{REGION}{zone}")
        public.append(pub["Subnet"]["SubnetId"])
        private.append(prv["Subnet"]["SubnetId"])
        ec2.create_tags(
            Resources=[public[-1]],
            Tags=[
                {"Key": "kubernetes.io/role/elb", "Value": "1"},
                {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "shared"},
            ],
        )
        ec2.create_tags(
            Resources=[private[-1]],
            Tags=[
                {"Key": "kubernetes.io/role/internal-elb", "Value": "1"},
                {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "shared"},
            ],
        )
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    nodes_sg = ec2.create_security_group(GroupName=f"{CLUSTER}-nodes", Description="EKS worker nodes", VpcId=vpc)[
        "GroupId"
    ]
    db_sg = ec2.create_security_group(GroupName="shop-mysql", Description="MySQL from the nodes", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "UserIdGroupPairs": [{"GroupId": nodes_sg}]}
        ],
    )

    # --- EKS: control plane with API/audit logs, one managed node group
    eks = client("eks", REGION)
    eks.create_cluster(
        name=CLUSTER,
        version="1.30",
        roleArn=f"arn:aws:iam::{account}:role/{CLUSTER}-cluster-role",
        resourcesVpcConfig={
            "subnetIds": public + private,
            "securityGroupIds": [nodes_sg],
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
        },
        logging={
            "clusterLogging": [
                {"types": ["api", "audit", "authenticator"], "enabled": True},
                {"types": ["controllerManager", "scheduler"], "enabled": False},
            ]
        },
        tags={"owner": "platform", "env": "prod", "app": "shop"},
    )
    eks.create_nodegroup(
        clusterName=CLUSTER,
        nodegroupName="general",
        scalingConfig={"minSize": 3, "maxSize": 9, "desiredSize": 3},
        subnets=private,
        instanceTypes=["m6i.xlarge"],
        amiType="AL2023_x86_64_STANDARD",
        capacityType="ON_DEMAND",
        nodeRole=f"arn:aws:iam::{account}:role/{CLUSTER}-node-role",
        labels={"role": "general"},
        tags={"owner": "platform", "env": "prod", "app": "shop"},
    )
    # what the managed node group creates in the account: a launch template and its Auto Scaling
    # group, discovered by cluster-autoscaler through its tags (no scaling policy of its own)
    ec2.create_launch_template(
        LaunchTemplateName=f"eks-{CLUSTER}-general",
        LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "m6i.xlarge", "SecurityGroupIds": [nodes_sg]},
    )
    client("autoscaling", REGION).create_auto_scaling_group(
        AutoScalingGroupName=f"eks-general-{CLUSTER}-4ec9a1b2",
        LaunchTemplate={"LaunchTemplateName": f"eks-{CLUSTER}-general", "Version": "$Latest"},
        MinSize=3,
        MaxSize=9,
        DesiredCapacity=3,
        VPCZoneIdentifier=",".join(private),
        HealthCheckType="EC2",
        Tags=[
            {"Key": "eks:cluster-name", "Value": CLUSTER, "PropagateAtLaunch": True},
            {"Key": "eks:nodegroup-name", "Value": "general", "PropagateAtLaunch": True},
            {"Key": "k8s.io/cluster-autoscaler/enabled", "Value": "true", "PropagateAtLaunch": False},
            {"Key": f"k8s.io/cluster-autoscaler/{CLUSTER}", "Value": "owned", "PropagateAtLaunch": False},
            {"Key": "owner", "Value": "platform", "PropagateAtLaunch": True},
            {"Key": "env", "Value": "prod", "PropagateAtLaunch": True},
        ],
    )

    # --- data: MySQL in one zone with 7 days of backups; Redis on one node, no snapshots
    rds = client("rds", REGION)
    rds.create_db_subnet_group(
        DBSubnetGroupName="shop-db", DBSubnetGroupDescription="private subnets", SubnetIds=private
    )
    rds.create_db_instance(
        DBInstanceIdentifier="shop-mysql",
        Engine="mysql",
        EngineVersion="8.0.36",
        DBInstanceClass="db.r6g.large",
        AllocatedStorage=200,
        StorageType="gp3",
        MasterUsername="shop_admin",
        MasterUserPassword=PASSWORD,
        DBSubnetGroupName="shop-db",
        VpcSecurityGroupIds=[db_sg],
        AvailabilityZone=f"{REGION}a",
        MultiAZ=False,
        BackupRetentionPeriod=7,
        PreferredBackupWindow="01:00-01:30",
        PreferredMaintenanceWindow="sun:02:00-sun:03:00",
        DeletionProtection=True,
        StorageEncrypted=True,
        Tags=_tags("shop-backend"),
    )
    ec = client("elasticache", REGION)
    ec.create_cache_subnet_group(
        CacheSubnetGroupName="shop-cache", CacheSubnetGroupDescription="private subnets", SubnetIds=private
    )
    ec.create_cache_cluster(
        CacheClusterId="shop-redis",
        Engine="redis",
        EngineVersion="7.1",
        CacheNodeType="cache.m6g.large",
        NumCacheNodes=1,
        CacheSubnetGroupName="shop-cache",
        PreferredAvailabilityZone=f"{REGION}a",
        SnapshotRetentionLimit=0,
        Tags=[{"Key": "owner", "Value": "shop-backend"}, {"Key": "env", "Value": "prod"}],
    )

    # --- S3: images versioned, exports and the trail bucket not
    s3 = client("s3", REGION)
    loc = {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    for bucket in ("kestrel-shop-product-images", "kestrel-shop-order-exports", "kestrel-shop-cloudtrail"):
        s3.create_bucket(Bucket=bucket, **loc)
        s3.put_bucket_tagging(
            Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "platform"}, {"Key": "env", "Value": "prod"}]}
        )
    s3.put_bucket_versioning(Bucket="kestrel-shop-product-images", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket="kestrel-shop-order-exports",
        LifecycleConfiguration={
            "Rules": [
                {"ID": "expire-exports", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 90}}
            ]
        },
    )

    # --- audit: one trail in this region only, no log file validation
    trail = client("cloudtrail", REGION)
    trail.create_trail(Name="shop-trail", S3BucketName="kestrel-shop-cloudtrail", IsMultiRegionTrail=False)
    trail.start_logging(Name="shop-trail")

    # --- alarms: database CPU and free storage, mailed to the ops list
    sns = client("sns", REGION)
    topic = sns.create_topic(Name="shop-ops-alerts", Tags=_tags())["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@kestrel-outdoor.example")
    cw = client("cloudwatch", REGION)
    for name, metric, op, threshold in (
        ("shop-mysql-cpu-high", "CPUUtilization", "GreaterThanThreshold", 80.0),
        ("shop-mysql-free-storage-low", "FreeStorageSpace", "LessThanThreshold", 20 * 1024**3),
    ):
        cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/RDS",
            MetricName=metric,
            Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "shop-mysql"}],
            Statistic="Average",
            Period=300,
            EvaluationPeriods=3,
            Threshold=threshold,
            ComparisonOperator=op,
            AlarmActions=[topic],
            OKActions=[topic],
            ActionsEnabled=True,
        )

    # --- logs: the groups fluent-bit writes (Container Insights layout) and the control plane's
    logs = client("logs", REGION)
    for group, days in (
        (f"/aws/containerinsights/{CLUSTER}/application", 30),
        (f"/aws/containerinsights/{CLUSTER}/host", 30),
        (f"/aws/containerinsights/{CLUSTER}/dataplane", 30),
        (f"/aws/eks/{CLUSTER}/cluster", 90),
    ):
        logs.create_log_group(logGroupName=group, tags={"owner": "platform", "env": "prod"})
        logs.put_retention_policy(logGroupName=group, retentionInDays=days)

    # --- cost: one monthly budget, an alert at 80% of actual spend
    client("budgets", "us-east-1").create_budget(
        AccountId=account,
        Budget={
            "BudgetName": "shop-prod-monthly",
            "BudgetLimit": {"Amount": "9000", "Unit": "USD"},
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
                "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "finance-ops@kestrel-outdoor.example"}],
            }
        ],
    )
