"""A mid-size SaaS company's production cluster (prod-eu), served live by the loopback Kubernetes API.

Eight namespaces on six nodes over three zones (a general and a tainted data node group, both grown
by cluster-autoscaler):

- payments: payments-api and ledger-worker run well (three replicas spread over the zones,
  readiness/liveness probes, requests and limits, surge-first rolling updates, PDBs, CPU HPAs, a
  PriorityClass, a quota, default-deny network policies, ingress rate limiting, SLO recording rules
  and alerts with runbooks).
- web: the storefront with two replicas and probes, no PDB or autoscaler.
- data: Kafka (three brokers, one per zone, PVCs) and a Zalando-operator PostgreSQL (leader plus
  one streaming replica in another zone, WAL-G archive and a nightly logical backup to S3).
- legacy: an invoicing monolith and an admin portal on single replicas, no probes or resources,
  `:latest` images; a monthly CronJob.
- monitoring: kube-prometheus-stack (two-replica Prometheus on volumes, 15 days, no remote write;
  three-replica Alertmanager whose configuration is in a Secret not exported here; Grafana;
  node-exporter; kube-state-metrics), ingress-nginx, cert-manager, and in kube-system
  cluster-autoscaler, CoreDNS and metrics-server.

No GitOps controller, no canary tooling, no chaos tooling, no Velero. The objects are the YAML files
under objects/ (what `kubectl get -o yaml` exported); `loopback()` serves them.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.base import Estate
from sandbox.kubernetes import STORAGE_AND_SCHEDULING, KubernetesEstate

OBJECTS = Path(__file__).resolve().parent / "objects"
CONTEXT = "prod-eu"

EXTRA = STORAGE_AND_SCHEDULING


def loopback() -> list[Estate]:
    return [KubernetesEstate(OBJECTS, context=CONTEXT, source="prod-eu", extra=EXTRA)]
