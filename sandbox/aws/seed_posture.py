"""Seed the resilience-posture facts of the AWS estates (Resilience Hub policies, Security Hub
findings, EventBridge rules, Config change notifications, scheduled scaling, cache data tiering).

Called at the end of `seed_well_run` / `seed_neglected` (sandbox/aws/seed.py), with the same
`client(service, region)` maker.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

__all__ = ["seed_posture_neglected", "seed_posture_well_run"]

ClientMaker = Callable[[str, str], Any]
PRIMARY = "us-east-1"


def _finding(account: str, ident: str, severity: str, title: str) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "SchemaVersion": "2018-10-08",
        "Id": ident,
        "ProductArn": f"arn:aws:securityhub:{PRIMARY}:{account}:product/{account}/default",
        "GeneratorId": "seed",
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks"],
        "CreatedAt": now,
        "UpdatedAt": now,
        "Severity": {"Label": severity},
        "Title": title,
        "Description": title,
        "Resources": [{"Type": "AwsAccount", "Id": f"AWS::::Account:{account}"}],
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
    }


def seed_posture_well_run(client: ClientMaker, account: str, *, oncall_topic: str) -> None:
    """RTO/RPO targets applied to an app, Security Hub on with no open critical finding,
    configuration changes streamed to SNS and EventBridge, scheduled scaling, data tiering."""
    hub = client("resiliencehub", PRIMARY)
    policy = hub.create_resiliency_policy(
        policyName="mission-critical",
        tier="MissionCritical",
        policy={
            "Software": {"rtoInSecs": 300, "rpoInSecs": 60},
            "Hardware": {"rtoInSecs": 300, "rpoInSecs": 60},
            "AZ": {"rtoInSecs": 600, "rpoInSecs": 60},
            "Region": {"rtoInSecs": 3600, "rpoInSecs": 300},
        },
    )["policy"]["policyArn"]
    hub.create_app(name="storefront", policyArn=policy)
    sh = client("securityhub", PRIMARY)
    sh.enable_security_hub()
    sh.batch_import_findings(
        Findings=[_finding(account, "seed-high-1", "HIGH", "S3 bucket without server access logging")]
    )
    client("config", PRIMARY).put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": f"acme-config-{PRIMARY}", "snsTopicARN": oncall_topic}
    )
    client("events", PRIMARY).put_rule(
        Name="config-changes-to-oncall",
        EventPattern=json.dumps({"source": ["aws.config"], "detail-type": ["Config Configuration Item Change"]}),
        State="ENABLED",
    )
    client("autoscaling", PRIMARY).put_scheduled_update_group_action(
        AutoScalingGroupName="web-asg", ScheduledActionName="night-scale-in", Recurrence="0 22 * * *", DesiredCapacity=2
    )
    client("elasticache", PRIMARY).create_replication_group(
        ReplicationGroupId="catalog-cache",
        ReplicationGroupDescription="catalog, rarely read items tiered to SSD",
        Engine="redis",
        CacheNodeType="cache.r6gd.xlarge",
        NumNodeGroups=1,
        ReplicasPerNodeGroup=1,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        SnapshotRetentionLimit=1,
        DataTieringEnabled=True,
    )


def seed_posture_neglected(client: ClientMaker, account: str) -> None:
    """An unapplied policy without targets, an open critical finding, a rule on EC2 only."""
    client("resiliencehub", PRIMARY).create_resiliency_policy(
        policyName="draft",
        tier="NonCritical",
        policy={k: {"rtoInSecs": 86400, "rpoInSecs": 86400} for k in ("Software", "Hardware", "AZ")},
    )
    sh = client("securityhub", PRIMARY)
    sh.enable_security_hub()
    sh.batch_import_findings(
        Findings=[_finding(account, "seed-critical-1", "CRITICAL", "Root account has active access keys")]
    )
    client("events", PRIMARY).put_rule(
        Name="ec2-state", EventPattern=json.dumps({"source": ["aws.ec2"]}), State="ENABLED"
    )
