"""Larkwave's production cluster (lw-prod, GKE Standard, regional in europe-west1), served live by
the loopback Kubernetes API of sandbox/.

A media-streaming company (the Larkwave TV apps and website): eight nodes over three zones in two
autoscaled node pools (`general`, two per zone; `spot-batch`, Spot VMs for transcoding). Product
teams release with Helm from GitHub Actions; the SRE team runs the platform.

Monitoring (objects/monitoring.yaml) is the prometheus-community `prometheus` chart, not the
operator: its server as a two-replica StatefulSet (30 s scrapes, 3 days locally) with a Thanos
sidecar uploading to GCS, reading prometheus.yml and RECORDING rules only from the ConfigMap
`prometheus-server`; the ALERTING rules are evaluated by a Thanos Ruler StatefulSet (its own
ConfigMap `thanos-ruler-rules`); both send to the Ops team's central Alertmanager outside the
cluster (alertmanager.ops.example.net:9093). The chart's bundled Alertmanager still runs with the
chart's default configuration (one receiver without integrations) and receives nothing. Thanos
Query/Store/Compact, node-exporter, kube-state-metrics, pushgateway, blackbox-exporter, Grafana
with sidecar dashboards. GKE Managed Prometheus's collectors run too (gmp-system), unused. Logs:
Promtail to a single-binary Loki (objects/logging.yaml). Applications of mixed quality
(objects/playback.yaml, apps.yaml). The central Alertmanager, the on-call tool, GitHub, the
Cloud SQL and Memorystore instances and the GCP project are not scanned.
"""

from __future__ import annotations

from pathlib import Path

from sandbox.base import Estate
from sandbox.kubernetes import STORAGE_AND_SCHEDULING, KubernetesEstate

OBJECTS = Path(__file__).resolve().parent / "objects"
CONTEXT = "gke_lw-media-prod_europe-west1_lw-prod"

EXTRA = STORAGE_AND_SCHEDULING


def loopback() -> list[Estate]:
    return [KubernetesEstate(OBJECTS, context=CONTEXT, source="lw-prod", extra=EXTRA)]
