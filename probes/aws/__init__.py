"""The `aws` probe: derived facts about an AWS account's data protection, continuity, cost and
configuration governance, read with boto3 (read-only; never secret values).

Work is split into (service, region) tasks run on `concurrency` threads; a task's parts are
called in order, and a part that fails (access denied, not implemented by the endpoint,
throttled past retries, unreachable) fails only its own kinds, so they read as unknown,
never as "observed, none". Global services (S3 listing, Route 53, Budgets, Cost Explorer) are
read once, in `global_region`. The calls a part makes per object (each bucket, table, plan...)
are spread over the same workers (`Scan.each`), so they never run one at a time on a single
thread while the others idle; results keep the listing's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError

from probes.aws import (
    backup,
    containers,
    data,
    governance,
    ops,
    ownership,
    posture,
    practices,
    response,
    serverless,
    tracing,
)
from probes.aws.config import AwsConfig
from probes.aws.fleet import account_units
from probes.aws.kinds import MODELS
from probes.aws.plan import Scan, Service
from probes.aws.session import ApiError, ClientFactory, Clients, classify, iam_action
from probes.daemonpool import DaemonThreadPool
from scanner.evidence import Evidence
from scanner.fleet import Unit
from scanner.probe import Cancelled, KindModel, Probe, ProbeContext, SourceFailure

__all__ = ["SERVICES", "AwsConfig", "AwsProbe", "iam_action"]

SERVICES: tuple[Service, ...] = (
    *backup.SERVICES,
    *data.SERVICES,
    *ops.SERVICES,
    *governance.SERVICES,
    *posture.SERVICES,
    *practices.SERVICES,
    *response.SERVICES,
    *tracing.SERVICES,
    *containers.SERVICES,
    *serverless.SERVICES,
    *ownership.SERVICES,
)

KINDS: dict[str, str] = {
    "aws.backup_plan": "an AWS Backup plan: its rules' schedules (interval hours), lifecycle and copies to other regions/accounts",
    "aws.backup_selection": "an AWS Backup resource assignment: the resources or tag conditions a plan protects",
    "aws.backup_vault": "an AWS Backup vault: recovery point count and vault lock",
    "aws.backup_job": "an AWS Backup job created within the window, with its outcome",
    "aws.restore_job": "an AWS Backup restore job created within the window, with its outcome",
    "aws.restore_testing_plan": "an AWS Backup restore testing plan and its schedule",
    "aws.rds_instance": "an RDS DB instance: Multi-AZ, backup retention, PITR lag, read replicas, cross-region backups",
    "aws.rds_cluster": "an RDS/Aurora cluster: members and readers, backup retention, PITR lag, global cluster",
    "aws.aurora_custom_endpoint": "a custom Aurora cluster endpoint: reader-only or any, its reader members",
    "aws.rds_proxy_endpoint": "an added RDS Proxy endpoint: read-only or read/write, reader targets behind it",
    "aws.dynamodb_table": "a DynamoDB table: point-in-time recovery and global table replicas",
    "aws.elasticache_group": "an ElastiCache replication group or standalone cluster: replicas, failover, Multi-AZ, snapshots",
    "aws.memorydb_cluster": "a MemoryDB cluster: shards, replicas per shard, Multi-AZ, snapshots",
    "aws.s3_bucket": "an S3 bucket: versioning and replication destinations",
    "aws.autoscaling_group": "an Auto Scaling group: zones, size bounds and scaling policies",
    "aws.ecs_service": "an ECS service: desired/running tasks, zones, load balancers, deployment circuit breaker, autoscaling",
    "aws.scalable_target": "an Application Auto Scaling target (ECS service, DynamoDB, Lambda): bounds, policies, schedules",
    "aws.lambda_function": "a Lambda function: reserved concurrency, published versions and aliases, failure destinations",
    "aws.load_balancer": "an Elastic Load Balancer: zones and target health checks",
    "aws.cloudwatch_alarm": "a CloudWatch alarm: metric, actions, anomaly detection",
    "aws.route53_health_check": "a Route 53 health check",
    "aws.route53_routing_record": "a Route 53 record with a routing policy (failover, latency, weighted, ...)",
    "aws.budget": "an AWS Budgets budget and its notifications",
    "aws.cost_anomaly_monitor": "a Cost Anomaly Detection monitor and its alert subscriptions",
    "aws.cost_allocation_tag": "a cost allocation tag key and whether it is active",
    "aws.config_recorder": "the AWS Config recorder of one region (or its absence)",
    "aws.config_rule": "an AWS Config rule",
    "aws.cloudtrail_trail": "a CloudTrail trail: multi-region, logging, log file validation",
    "aws.tagged_resource": "a resource known to the tagging API, with its tag keys and owner/cost tags",
    "aws.owner_inventory": "owner/team tags over the AWS Config inventory of workload resources in every scanned region",
    "aws.fis_template": "a Fault Injection Service experiment template: actions, targets, stop conditions",
    "aws.fis_experiment": "a Fault Injection Service experiment run and its outcome",
    "aws.xray_service_graph": "the X-Ray service graph of one region over the last hours: instrumented services and the edges between them",
    "aws.resiliency_policy": "an AWS Resilience Hub resiliency policy: RTO/RPO targets and the applications using it",
    "aws.security_hub": "AWS Security Hub in one region: enabled, open critical/high findings",
    "aws.eventbridge_rule": "an EventBridge rule: event sources and detail types it matches",
    "aws.support_plan": "the account's AWS Support plan, from the case severities it offers",
    "aws.wellarchitected_workload": "a Well-Architected Tool workload: last review, milestones, improvement status",
    "aws.conformance_pack": "an AWS Config conformance pack and its compliance summary",
    "aws.audit_assessment": "an AWS Audit Manager assessment and its status",
    "aws.patch_state": "Systems Manager Patch Manager in one region: managed instances, recent scans and installs",
    "aws.cost_category": "a Cost Categories definition: rules that map costs to business values",
    "aws.cost_report": "a Cost and Usage Report definition: the detailed bill delivered on a schedule",
    "aws.incident_response_plan": "an Incident Manager response plan and the Automation runbooks it starts",
    "aws.compute_optimizer": "the account's Compute Optimizer enrollment (utilisation analysis on or off)",
    "aws.devops_guru": "DevOps Guru in one region: resources and metrics analysed, open insights",
    "aws.zonal_practice_runs": "ARC zonal autoshift practice runs completed in one region, by outcome",
}


class AwsProbe(Probe):
    """Reads an AWS account; `client_factory` replaces boto3 client creation (tests only)."""

    name = "aws"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = AwsConfig

    def __init__(self, client_factory: ClientFactory | None = None) -> None:
        self.client_factory = client_factory
        self.last_calls: set[str] = set()

    def units(self, config: Any, ctx: ProbeContext) -> list[Unit]:
        """An organization's accounts, one unit each (probes/aws/fleet.py)."""
        return account_units(config, ctx, self.client_factory)

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: AwsConfig = config
        if cfg.organization is not None:  # a fleet runs as its units; reached only without expansion
            raise SourceFailure(
                "an organization source is scanned through its accounts (not expanded)", category="error"
            )
        try:
            clients = Clients(cfg, ctx, self.client_factory)
            account = self._account(clients, cfg)
        except ApiError as exc:
            raise SourceFailure(exc.reason, category=exc.category) from exc
        except BotoCoreError as exc:  # e.g. a profile that does not exist
            err = classify(exc, "credentials")
            raise SourceFailure(f"{err.reason}: {exc}", category="unauthorized") from exc
        scan = Scan(cfg, clients, account)
        try:
            with DaemonThreadPool(max_workers=cfg.concurrency, thread_name_prefix=f"aws-{ctx.source}") as pool:
                scan.pool = pool  # per-object calls (Scan.each) fan out over the same workers
                # Clients are made in this thread (sessions are not thread-safe), each task
                # submitted as soon as its clients exist: the first requests are in flight while
                # the rest are made (about 90 clients, seconds of CPU), not after all of them.
                futures = []
                for svc in SERVICES:
                    if svc.is_global and svc.regional_clients:
                        for region in cfg.regions:
                            clients.prepare(svc.name, region)
                    for region in [cfg.global_region] if svc.is_global else cfg.regions:
                        for name in svc.clients:
                            clients.prepare(name, region)
                        futures.append(pool.submit(self._run, scan, ctx, svc, region))
                for fut in futures:
                    yield from fut.result()
        finally:
            self.last_calls = set(clients.calls)

    @staticmethod
    def _account(clients: Clients, cfg: AwsConfig) -> str:
        sts = clients.prepare("sts", cfg.global_region)
        try:
            return str(sts.get_caller_identity()["Account"])
        except Cancelled:
            raise
        except Exception as exc:
            raise classify(exc, "sts:GetCallerIdentity") from exc

    @staticmethod
    def _run(scan: Scan, ctx: ProbeContext, svc: Service, region: str) -> list[Evidence]:
        """Every part of one service in one region; a failing part fails only its kinds."""
        out: list[Evidence] = []
        for part in svc.parts:
            ctx.check()
            if ctx.any_failed(part.kinds):
                continue  # already unknown (another region failed): spare the calls
            try:
                items = list(part.fn(scan, region))
            except Cancelled:
                raise
            except Exception as exc:  # noqa: BLE001 - any API failure makes these kinds unknown
                err = classify(exc, f"{svc.name} in {region}")
                if err.category == "unreachable":
                    # One service's endpoint in one region (not every service is in every
                    # region); STS answered at the start, so the account itself is reachable.
                    for kind in part.kinds:
                        ctx.kind_failed(kind, err.reason, err.category)
                else:
                    ctx.fail(part.kinds, err)  # refused credentials fail the source, the rest the part
                continue
            out.extend(items)
            ctx.progress(f"{svc.name} {region}: {len(items)} items")
        return out
