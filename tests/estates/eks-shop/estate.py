"""Kestrel Outdoor's production EKS cluster (shop-prod, eu-west-1), served live by the loopback
Kubernetes API; seed.py seeds the AWS account around it into moto, and tests/fidelity.py scans both.

Three nodes of one managed node group over two zones (two in eu-west-1a, one in eu-west-1b),
grown by cluster-autoscaler. The shop namespace holds four services of mixed quality (see
objects/shop.yaml): storefront and checkout run well (replicas, probes, requests/limits, PDBs;
storefront autoscales, checkout has a PriorityClass and a rate-limited ingress), cart has two
replicas, a readiness probe, requests only and an HPA but no PDB, and catalog is one replica
without probes or resources on `:latest`, applied by hand. Monitoring is the prometheus-community
charts without the operator: a one-replica Prometheus Deployment whose prometheus.yml and rule
files are a ConfigMap (15 days on a gp3 volume, no remote write; node, ingress and business
recording rules; ten alerts, three with runbooks), a one-replica Alertmanager (ConfigMap: Slack and
the ops mailbox, severity routing, no inhibition), kube-state-metrics, node-exporter and Grafana
with two sidecar dashboards. fluent-bit ships container, host and kubelet logs to CloudWatch Logs;
ingress-nginx runs two controllers behind an NLB. No GitOps, canary, chaos tooling or Velero.
The objects are the YAML files under objects/ (what `kubectl get -o yaml` exported).
"""

from __future__ import annotations

from pathlib import Path

from sandbox.base import Estate
from sandbox.kubernetes import STORAGE_AND_SCHEDULING, KubernetesEstate

OBJECTS = Path(__file__).resolve().parent / "objects"
CONTEXT = "arn:aws:eks:eu-west-1:777777777777:cluster/shop-prod"

EXTRA = STORAGE_AND_SCHEDULING


def loopback() -> list[Estate]:
    return [KubernetesEstate(OBJECTS, context=CONTEXT, source="shop-prod", extra=EXTRA)]
