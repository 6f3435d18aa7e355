"""Table tests for rules/aws: evidence in, status out (met, not_met, unknown) for every rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ruletable import Row, decide, evaluate


def db(ident: str, **kw: Any) -> Row:
    data = {
        "id": ident,
        "is_replica": False,
        "multi_az": True,
        "backup_retention_days": 14,
        "pitr": True,
        "restorable_lag_minutes": 1.0,
        "read_replica_count": 0,
        "cross_region_backup_regions": [],
        "cross_region_replica": False,
        **kw,
    }
    return ("aws.rds_instance", f"us-east-1/{ident}", data)


def cluster(ident: str, **kw: Any) -> Row:
    data = {
        "id": ident,
        "multi_az": True,
        "reader_count": 1,
        "backup_retention_days": 7,
        "pitr": True,
        "restorable_lag_minutes": 0.5,
        "cross_region_replicas": [],
        **kw,
    }
    return ("aws.rds_cluster", f"us-east-1/{ident}", data)


def table(name: str, **kw: Any) -> Row:
    return (
        "aws.dynamodb_table",
        f"us-east-1/{name}",
        {"name": name, "pitr": True, "cross_region_replica": False, **kw},
    )


def plan(name: str, **kw: Any) -> Row:
    return (
        "aws.backup_plan",
        f"us-east-1/{name}",
        {
            "name": name,
            "min_interval_hours": 24,
            "cross_region_copy": False,
            "cross_account_copy": False,
            "cold_storage": False,
            **kw,
        },
    )


def cache(ident: str, **kw: Any) -> Row:
    return (
        "aws.elasticache_group",
        f"us-east-1/{ident}",
        {
            "id": ident,
            "engine": "redis",
            "min_replicas_per_shard": 1,
            "snapshot_retention_days": 7,
            "automatic_failover": True,
            "multi_az": True,
            **kw,
        },
    )


def alarm(name: str, **kw: Any) -> Row:
    return (
        "aws.cloudwatch_alarm",
        f"us-east-1/{name}",
        {"name": name, "capacity_metric": True, "has_actions": True, "anomaly_detection": False, **kw},
    )


def kind(k: str, subject: str, **data: Any) -> Row:
    return (k, subject, data)


# rule id -> (evidence that meets it, evidence that does not)
TABLE: dict[str, tuple[list[Row], list[Row]]] = {
    "aws.databases.automated-backups": (
        [
            db("orders"),
            db("orders-ro", is_replica=True, backup_retention_days=0),
            db("ledger-1", cluster="ledger", backup_retention_days=0),
            cluster("ledger"),
            table("carts"),
        ],
        [db("orders"), db("legacy", backup_retention_days=1), table("events", pitr=False)],
    ),
    "aws.databases.multi-az": (
        [db("orders"), db("orders-ro", is_replica=True, multi_az=False), cluster("ledger")],
        [db("orders"), db("legacy", multi_az=False), cluster("ledger", reader_count=0)],
    ),
    "aws.databases.read-replicas": (
        [db("orders", read_replica_count=1)],
        [db("orders"), cluster("ledger", reader_count=0)],
    ),
    "aws.databases.point-in-time-recovery": (
        [db("orders"), cluster("ledger"), table("carts")],
        [db("orders", restorable_lag_minutes=9.0), table("carts")],
    ),
    "aws.databases.offsite-copies": (
        [plan("daily"), table("carts", cross_region_replica=True)],
        [plan("daily"), db("orders"), table("carts")],
    ),
    "aws.backup.cold-and-immutable": (
        [plan("daily", cold_storage=True), kind("aws.backup_vault", "us-east-1/prod", locked=True)],
        [plan("daily", cold_storage=True), kind("aws.backup_vault", "us-east-1/prod", locked=False)],
    ),
    "aws.backup.plan-schedules": (
        [plan("hourly", min_interval_hours=1)],
        [plan("hourly", min_interval_hours=1), plan("weekly", min_interval_hours=168)],
    ),
    "aws.backup.jobs-succeed": (
        [kind("aws.backup_job", f"j{i}", state="COMPLETED") for i in range(20)]
        + [kind("aws.backup_job", "running", state="RUNNING")],
        [kind("aws.backup_job", "ok", state="COMPLETED"), kind("aws.backup_job", "bad", state="FAILED")],
    ),
    "aws.backup.restore-tests": (
        [kind("aws.restore_testing_plan", "q", interval_hours=2190)],
        [
            kind("aws.restore_testing_plan", "yearly", interval_hours=8760),
            kind("aws.restore_job", "r", status="FAILED"),
        ],
    ),
    "aws.dr.multi-region-failover": (
        [
            kind("aws.route53_routing_record", "api", routing="failover", health_checked=True),
            kind("aws.s3_bucket", "assets", cross_region_replication=True),
        ],
        [
            kind("aws.route53_routing_record", "api", routing="weighted", health_checked=True),
            kind("aws.s3_bucket", "assets", cross_region_replication=True),
        ],
    ),
    "aws.compute.multi-az": (
        [kind("aws.autoscaling_group", "web", zone_count=3), kind("aws.load_balancer", "alb", zone_count=2)],
        [kind("aws.autoscaling_group", "web", zone_count=3), kind("aws.load_balancer", "clb", zone_count=1)],
    ),
    "aws.fis.fault-injection": (
        [
            kind("aws.fis_template", "t", has_stop_condition=True),
            kind("aws.fis_experiment", "e", in_window=True, status="completed"),
        ],
        [
            kind("aws.fis_template", "t", has_stop_condition=True),
            kind("aws.fis_experiment", "e", in_window=True, status="failed"),
        ],
    ),
    "aws.elasticache.replicas-and-persistence": (
        [cache("cart"), cache("legacy", engine="memcached", min_replicas_per_shard=0)],
        [cache("cart"), cache("sessions", min_replicas_per_shard=0)],
    ),
    "aws.elasticache.automatic-failover": (
        [cache("cart")],
        [cache("cart"), cache("sessions", automatic_failover=False)],
    ),
    "aws.cost.budgets": (
        [kind("aws.budget", "monthly", type="COST", notification_count=1)],
        [
            kind("aws.budget", "monthly", type="COST", notification_count=0),
            kind("aws.budget", "ri", type="RI_UTILIZATION", notification_count=2),
        ],
    ),
    "aws.cost.anomaly-detection": (
        [kind("aws.cost_anomaly_monitor", "svc", alerts=True)],
        [kind("aws.cost_anomaly_monitor", "svc", alerts=False)],
    ),
    "aws.cost.allocation-tags": (
        [kind("aws.cost_allocation_tag", "cost-center", active=True)]
        + [kind("aws.tagged_resource", f"r{i}", has_cost_tag=i < 9) for i in range(10)],
        [kind("aws.cost_allocation_tag", "cost-center", active=True)]
        + [kind("aws.tagged_resource", f"r{i}", has_cost_tag=i < 5) for i in range(10)],
    ),
    "aws.config.recorder-all-regions": (
        [kind("aws.config_recorder", "us-east-1", recording=True, all_supported=True)],
        [
            kind("aws.config_recorder", "us-east-1", recording=True, all_supported=True),
            kind("aws.config_recorder", "eu-west-1", recording=False, all_supported=False),
        ],
    ),
    "aws.config.compliance-rules": (
        [kind("aws.config_rule", "r", state="ACTIVE")],
        [kind("aws.config_rule", "r", state="DELETING")],
    ),
    "aws.cloudtrail.change-audit": (
        [kind("aws.cloudtrail_trail", "org", multi_region=True, logging=True, log_file_validation=True)],
        [kind("aws.cloudtrail_trail", "org", multi_region=True, logging=False, log_file_validation=True)],
    ),
    "aws.tags.owner-coverage": (
        [kind("aws.tagged_resource", f"r{i}", has_owner=True) for i in range(10)],
        [kind("aws.tagged_resource", f"r{i}", has_owner=i < 8) for i in range(10)],
    ),
    "aws.autoscaling.scaling-policies": (
        [kind("aws.autoscaling_group", "web", policy_count=1, elastic=True)],
        [kind("aws.autoscaling_group", "batch", policy_count=0, elastic=False)],
    ),
    "aws.cloudwatch.capacity-alarms": (
        [alarm("cpu")],
        [alarm("cpu", has_actions=False), alarm("errors", capacity_metric=False)],
    ),
    "aws.cloudwatch.alarm-actions": ([alarm("cpu"), alarm("disk")], [alarm("cpu"), alarm("disk", has_actions=False)]),
    "aws.cloudwatch.anomaly-detection": (
        [alarm("latency", anomaly_detection=True)],
        [alarm("latency", anomaly_detection=True, has_actions=False)],
    ),
}


@pytest.mark.parametrize("rule_id", sorted(TABLE))
def test_rule_table(rule_id: str) -> None:
    good, bad = TABLE[rule_id]
    assert decide(rule_id, good) == "met", evaluate(rule_id, good).explanation
    assert decide(rule_id, bad) == "not_met", evaluate(rule_id, bad).explanation
    assert decide(rule_id, None) == "unknown"


def test_every_aws_rule_has_a_table() -> None:
    from tests.ruletable import installed_rules

    assert {r.id for r in installed_rules().rules if r.id.startswith("aws.")} == set(TABLE)


@pytest.mark.parametrize(
    ("rule_id", "empty"),
    [
        # Full rules need something to judge: nothing observed is not met.
        ("aws.elasticache.replicas-and-persistence", "not_met"),
        ("aws.cloudwatch.capacity-alarms", "not_met"),
        ("aws.config.recorder-all-regions", "not_met"),
        ("aws.databases.multi-az", "not_met"),
        # Partial rules where absence is no failure pass vacuously (the item stays unknown).
        ("aws.elasticache.automatic-failover", "met"),
        ("aws.autoscaling.scaling-policies", "met"),
        ("aws.databases.automated-backups", "met"),
        # Absence is the finding.
        ("aws.cost.budgets", "not_met"),
        ("aws.backup.plan-schedules", "not_met"),
    ],
)
def test_empty_but_observed(rule_id: str, empty: str) -> None:
    assert decide(rule_id, []) == empty


def test_explanations_name_failing_resources() -> None:
    _good, bad = TABLE["aws.databases.multi-az"]
    assert "us-east-1/legacy" in evaluate("aws.databases.multi-az", bad).explanation
    assert (
        "eu-west-1"
        in evaluate("aws.config.recorder-all-regions", TABLE["aws.config.recorder-all-regions"][1]).explanation
    )


def test_thresholds_are_params() -> None:
    rows = [plan("weekly", min_interval_hours=168)]
    assert decide("aws.backup.plan-schedules", rows) == "not_met"
    assert decide("aws.backup.plan-schedules", rows, params={"max_interval_hours": 168}) == "met"
    lagging = [db("orders", restorable_lag_minutes=4.0)]
    assert decide("aws.databases.point-in-time-recovery", lagging) == "not_met"
    assert decide("aws.databases.point-in-time-recovery", lagging, params={"max_lag_minutes": 5}) == "met"
