"""Seed a moto server with AWS estates: a well-run one, a neglected one, and secrets that must
never reach a report. Used by the demo (sandbox/aws/) and by the tests.

Every function takes `client(service, region)`, a boto3 client maker bound to one account of
one moto server (see `moto_clients`), so the same seeding drives both.

The pieces: sandbox.aws.seed_parts (accounts, client maker, resource builders),
sandbox.aws.seed_well_run (the well-run estate), sandbox.aws.seed_posture (posture facts); this
module holds the neglected estate and the secrets, and re-exports what callers import from it.
"""

from __future__ import annotations

import json

from sandbox.aws.seed_parts import (
    DUMMY_KEY,
    DUMMY_SECRET,
    NEGLECTED_ACCOUNT,
    PRIMARY,
    SECRET_CANARY,
    WELL_RUN_ACCOUNT,
    ClientMaker,
    alarm,
    asg,
    moto_clients,
    network,
    table,
)
from sandbox.aws.seed_posture import seed_posture_neglected
from sandbox.aws.seed_well_run import seed_well_run

__all__ = [
    "DUMMY_KEY",
    "DUMMY_SECRET",
    "NEGLECTED_ACCOUNT",
    "PRIMARY",
    "SECRET_CANARY",
    "WELL_RUN_ACCOUNT",
    "moto_clients",
    "seed_mixed",
    "seed_neglected",
    "seed_secrets",
    "seed_well_run",
]


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
    table(client, PRIMARY, "events", pitr=False, owner=None)
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
    _vpc, subnets = network(client, PRIMARY, 1)
    asg(client, PRIMARY, "batch-asg", subnets, policy=False)
    client("elb", PRIMARY).create_load_balancer(
        LoadBalancerName="legacy-clb",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
        AvailabilityZones=[f"{PRIMARY}a"],
    )
    alarm(client, PRIMARY, "cpu-high", "CPUUtilization", "AWS/EC2", actions=[])
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
