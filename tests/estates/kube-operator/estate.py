"""A B2B SaaS's production cluster on bare metal (fra-prod), served live by the loopback Kubernetes API.

Ledgerline sells procurement and invoice reconciliation to mid-size companies. Its one production
cluster is a kubeadm cluster in a colocation data centre in Frankfurt: three control-plane nodes and
six workers over three racks (labelled as zones), MetalLB for load balancer addresses, an external
Ceph cluster behind the `ceph-block` StorageClass, and PostgreSQL on VMs outside the cluster. No
public cloud account is used (maturity.yaml declares `not_used: [aws]`).

Twelve services in four namespaces, deployed by Argo CD (annotation tracking) except reporting's:

- portal: web-app and api-gateway, three replicas each, probes, requests/limits, surge-first
  rolling updates, CPU HPAs, PDBs, rate limits on both ingresses, default-deny network policy,
  quota and limit range.
- core: accounts, orders, invoicing and catalog services, a notification worker and a PDF
  renderer, two or three replicas with readiness probes and requests; PDBs on accounts and orders
  only; the PDF renderer is not scraped.
- data: a three-node RabbitMQ StatefulSet (PDB, PodMonitor) and a single-replica Meilisearch
  StatefulSet on a volume, no PDB, not scraped.
- reporting: the analytics team's analytics-api (two replicas, no limits, not scraped) and a
  nightly export CronJob nobody monitors, installed by hand with Helm; no network policy, quota or
  limit range.

kube-prometheus-stack through the Prometheus Operator: a two-replica Prometheus (30 days, 90GB,
enforced sample limit, no remote write), a three-replica Alertmanager with per-team
AlertmanagerConfigs (Slack, PagerDuty for critical, grouping), ServiceMonitors for most services,
two PodMonitors, a blackbox Probe on the two public endpoints, node/kube-state-metrics and
application PrometheusRules (14 alerts, 12 with severity, 11 with a runbook; four recording rules).
Grafana, fluent-bit shipping journal and container logs to an OpenSearch outside the cluster.
No canary tooling, chaos tooling, Velero or cluster autoscaler. The objects are the YAML files
under objects/ (what `kubectl get -o yaml` exported); `loopback()` serves them.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.base import Estate
from sandbox.kubernetes import ApiResource, KubernetesEstate

OBJECTS = Path(__file__).resolve().parent / "objects"
CONTEXT = "fra-prod"

# Kinds this cluster holds that the loopback server's default surface does not list.
EXTRA = (
    ApiResource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ApiResource("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False),
)


def loopback() -> list[Estate]:
    return [KubernetesEstate(OBJECTS, context=CONTEXT, source="fra-prod", extra=EXTRA)]
