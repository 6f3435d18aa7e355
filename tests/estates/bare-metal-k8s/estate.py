"""Kestrel Freight's production cluster (kfr-dc1), served live by the loopback Kubernetes API of
sandbox/.

A logistics company's on-premise cluster: kubeadm 1.29 on bare metal in one data centre (three
control-plane and five worker nodes over three racks, no cloud provider, no zones), MetalLB for
LoadBalancer addresses, ingress-nginx, ceph-csi volumes from the storage team's Ceph cluster.

Monitoring is hand-written manifests applied with kubectl by the platform team (objects/
monitoring.yaml), neither the Prometheus Operator nor the prometheus-community chart: a
two-replica Prometheus StatefulSet (docker.io/prom/prometheus, 15 s scrapes, 15 days locally,
remote_write to the central Thanos Receive) reading `prometheus.yml` from the ConfigMap
`prometheus-config` at /etc/prometheus and its rule files from the ConfigMap `prometheus-rules`
at /etc/prometheus/rules; one Alertmanager Deployment whose `alertmanager.yml` comes from the
ConfigMap `alertmanager-config` through a subPath (team routes, e-mail and an on-call webhook, no
inhibit rules); node-exporter on every node, kube-state-metrics, Grafana. Logs: a Promtail
DaemonSet (its own ConfigMap: container logs, the systemd journal, ingress access logs parsed)
pushing to a single-binary Loki (objects/logging.yaml). Applications of mixed quality in
dispatch, tracking and billing (objects/apps.yaml). The namespace `legacy` keeps a ConfigMap with
the prometheus.yml of the old VM-era Prometheus, mounted by nothing (objects/legacy.yaml).
"""

from __future__ import annotations

from pathlib import Path

from sandbox.base import Estate
from sandbox.kubernetes import STORAGE_AND_SCHEDULING, KubernetesEstate

OBJECTS = Path(__file__).resolve().parent / "objects"
CONTEXT = "kubernetes-admin@kfr-dc1"

EXTRA = STORAGE_AND_SCHEDULING


def loopback() -> list[Estate]:
    return [KubernetesEstate(OBJECTS, context=CONTEXT, source="kfr-dc1", extra=EXTRA)]
