"""A large AWS estate on a moto server: `per_region` resources in each of `regions`.

Per region: 30% S3 buckets (created in that region), 30% DynamoDB tables, 30% CloudWatch
alarms, 10% RDS instances: the services the AWS probe and Prowler both look at. Seeding goes
straight to moto (not through the latency proxy); its duration is measured and printed.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.aws import DUMMY_KEY, DUMMY_SECRET, moto_clients

__all__ = ["REGIONS", "Counts", "seed", "start_moto", "write_credentials"]

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")


@dataclass(frozen=True)
class Counts:
    buckets: int
    tables: int
    alarms: int
    databases: int


def counts(per_region: int) -> Counts:
    b = t = a = (per_region * 3) // 10
    return Counts(b, t, a, per_region - b - t - a)


def start_moto() -> tuple[Any, str]:
    """A ThreadedMotoServer on a free loopback port and its URL."""
    from moto.server import ThreadedMotoServer

    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def _seed_region(url: str, region: str, c: Counts) -> None:
    make = moto_clients(url)
    s3, ddb, cw, rds = (make(svc, region) for svc in ("s3", "dynamodb", "cloudwatch", "rds"))
    tag = region.replace("-", "")
    for i in range(c.buckets):
        kw: dict[str, Any] = {"Bucket": f"bench-{tag}-{i:04d}"}
        if region != "us-east-1":
            kw["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kw)
        if i % 2 == 0:
            s3.put_bucket_versioning(Bucket=kw["Bucket"], VersioningConfiguration={"Status": "Enabled"})
    for i in range(c.tables):
        ddb.create_table(
            TableName=f"bench-{i:04d}",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    for i in range(c.alarms):
        cw.put_metric_alarm(
            AlarmName=f"bench-{i:04d}",
            Namespace="AWS/EC2",
            MetricName="CPUUtilization" if i % 2 else "StatusCheckFailed",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=3,
            Threshold=80.0,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[f"arn:aws:sns:{region}:123456789012:oncall"] if i % 3 else [],
        )
    for i in range(c.databases):
        rds.create_db_instance(
            DBInstanceIdentifier=f"bench-{i:04d}",
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            MasterUsername="bench",
            MasterUserPassword="bench-not-a-secret",
            AllocatedStorage=20,
            MultiAZ=i % 2 == 0,
            BackupRetentionPeriod=7 if i % 4 else 0,
        )


def seed(url: str, per_region: int, regions: tuple[str, ...] = REGIONS) -> Counts:
    """Create the estate (regions in parallel); returns the per-region counts."""
    c = counts(per_region)
    with ThreadPoolExecutor(len(regions)) as pool:
        for f in [pool.submit(_seed_region, url, r, c) for r in regions]:
            f.result()
    return c


def write_credentials(folder: Path) -> Path:
    """A shared credentials file with moto's dummy keys (profile `bench`)."""
    path = folder / "aws-credentials"
    path.write_text(
        f"[bench]\naws_access_key_id = {DUMMY_KEY}\naws_secret_access_key = {DUMMY_SECRET}\n", encoding="utf-8"
    )
    return path
