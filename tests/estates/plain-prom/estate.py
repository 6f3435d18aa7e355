"""Tallyhive's production cluster (tally-prod, EKS 1.30 in eu-central-1), served live by the
loopback Kubernetes API of sandbox/.

Four worker nodes of one managed node group, two in each of two zones, no cluster-autoscaler.
Three application namespaces of mixed quality (objects/core.yaml, billing.yaml, tools.yaml):
core's api runs well (three replicas spread over the zones, probes, requests/limits, PDB, CPU
HPA, a rate-limited ingress) and web partly (two replicas, readiness only, requests only, HPA, no
PDB); billing-api has two replicas, probes and a PDB but no HPA, invoice-worker one replica with a
liveness probe only; tools holds a one-replica admin UI on `:latest` without probes or resources
and a nightly export CronJob. A one-replica Redis StatefulSet on a volume serves core's sessions.

Monitoring is the prometheus-community `prometheus` Helm chart, not the operator
(objects/monitoring.yaml): a one-replica `prometheus-server` Deployment (20 days on a gp3 volume,
no remote write) reading the ConfigMap `prometheus-server` (prometheus.yml with the chart's
kubernetes_sd jobs and a blackbox job; alerting_rules.yml, 13 alerts; recording_rules.yml,
per-service RED rules), an Alertmanager Deployment with its ConfigMap (per-team routes to Slack
and PagerDuty, one inhibit rule), kube-state-metrics, the node-exporter DaemonSet, the blackbox
exporter and Grafana with two sidecar dashboards. No log shipper or Loki, no GitOps controller,
canary, chaos tooling or Velero. The objects are what `kubectl get -o yaml` exported.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.base import Estate
from sandbox.kubernetes import ApiResource, KubernetesEstate

OBJECTS = Path(__file__).resolve().parent / "objects"
CONTEXT = "arn:aws:eks:eu-central-1:424242424242:cluster/tally-prod"

# Kinds this cluster holds that the loopback server's default surface does not list.
EXTRA = (
    ApiResource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ApiResource("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False),
)


def loopback() -> list[Estate]:
    return [KubernetesEstate(OBJECTS, context=CONTEXT, source="tally-prod", extra=EXTRA)]
