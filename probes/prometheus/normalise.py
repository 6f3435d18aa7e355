"""Normalisation shared by the live probe and the file parser: the same facts, the same shapes.

Every function here takes plain parsed data (API JSON or YAML) and returns derived, bounded
facts; none reads the network or the disk.

The work is split by responsibility: probes.prometheus.values (durations, mappings, URL hosts),
probes.prometheus.rulefacts (alerting and recording rules), probes.prometheus.configfacts
(prometheus.yml); this module re-exports them under the names callers import from it.
"""

from __future__ import annotations

from probes.prometheus.configfacts import REPLICA_LABELS, config_facts, exporter_family, scrape_pool
from probes.prometheus.rulefacts import (
    PLATFORM_METRIC,
    alert_rule,
    is_vendored_group,
    mark_peers,
    promql_functions,
    promql_metrics,
    recording_rule,
)
from probes.prometheus.values import as_map, duration_s, url_host

__all__ = [
    "PLATFORM_METRIC",
    "REPLICA_LABELS",
    "alert_rule",
    "as_map",
    "config_facts",
    "duration_s",
    "exporter_family",
    "is_vendored_group",
    "mark_peers",
    "promql_functions",
    "promql_metrics",
    "recording_rule",
    "scrape_pool",
    "url_host",
]
