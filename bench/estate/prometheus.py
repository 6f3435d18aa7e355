"""A large Prometheus rule estate: `n` alerting and recording rules spread over rule files.

Rules are shaped like a real estate's (per-service error-ratio and latency alerts with
severity, runbook and description; per-service recording rules, a few named like SLIs so the
probe's SLO queries run too). Expressions reference metrics the benchmark Prometheus does not
have, so evaluating them is cheap and the benchmark measures reading them, not evaluating them.
The SLI-named recording rules get 31 days of backfilled history (`sli_history`), so the probe's
SLO step measures real series over its 30-day window and `rules/prometheus/slo.yaml` has
`prometheus.slo` evidence to grade.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["PROMETHEUS_YML", "rule_files", "sli_history"]

PROMETHEUS_YML = """\
global:
  scrape_interval: 15s
  evaluation_interval: 1m
  external_labels: {cluster: bench, replica: a}
rule_files: ["rules-*.yaml"]
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["{{SELF}}"]
"""

_ALERTS = (
    (
        "HighErrorRatio",
        'sum(rate(http_requests_total{{job="svc-{i}",code=~"5.."}}[5m])) / '
        'sum(rate(http_requests_total{{job="svc-{i}"}}[5m])) > 0.05',
        "critical",
    ),
    (
        "HighLatencyP99",
        'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{job="svc-{i}"}}[5m]))) > 1',
        "warning",
    ),
    ("InstanceDown", 'up{{job="svc-{i}"}} == 0', "critical"),
    (
        "DiskFillingUp",
        'predict_linear(node_filesystem_avail_bytes{{job="svc-{i}"}}[6h], 4 * 3600) < 0',
        "warning",
    ),
)
_RECORDS = (
    ("job:http_requests:rate5m", 'sum by (job) (rate(http_requests_total{{job="svc-{i}"}}[5m]))'),
    (
        "job:http_request_duration_seconds:p99_5m",
        'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{{job="svc-{i}"}}[5m])))',
    ),
)


def rule_files(n: int = 5_000, per_group: int = 20, groups_per_file: int = 10, sli: int = 10) -> dict[str, str]:
    """file name -> rule file text holding `n` rules (60 % alerting, 40 % recording), `sli` of
    the recording rules named like availability SLIs."""
    rules: list[str] = []
    for k in range(n):
        i = k // 10  # ten rules per service
        if k % 5 < 3:
            name, expr, sev = _ALERTS[k % len(_ALERTS)]
            rules.append(
                f"  - alert: {name}Svc{i}R{k % 10}\n"
                f"    expr: '{expr.format(i=i)}'\n"
                f"    for: 5m\n"
                f"    labels: {{severity: {sev}, team: team-{i % 40}}}\n"
                f"    annotations:\n"
                f"      summary: '{name} on svc-{i}'\n"
                f"      description: 'svc-{i}: {name} for 5 minutes'\n"
                f"      runbook_url: 'https://runbooks.example.com/{name.lower()}'\n"
            )
        else:
            name, expr = _RECORDS[k % len(_RECORDS)]
            name = name.replace("job:", f"job_r{k % 10}:")
            if sli and k % (n // sli or 1) == 4:
                name, expr = f"svc_{i}:availability:ratio_rate5m", f'avg(up{{{{job="svc-{i}"}}}})'
            rules.append(f"  - record: {name}\n    expr: '{expr.format(i=i)}'\n    labels: {{svc: svc-{i}}}\n")
    files: dict[str, str] = {}
    per_file = per_group * groups_per_file
    for f in range(0, n, per_file):
        chunk = rules[f : f + per_file]
        groups = []
        for g in range(0, len(chunk), per_group):
            groups.append(
                f"- name: group-{f // per_group + g // per_group}\n  rules:\n" + "".join(chunk[g : g + per_group])
            )
        files[f"rules-{f // per_file:03d}.yaml"] = "groups:\n" + "".join(groups)
    return files


_SLI_RECORD = re.compile(r"record: (svc_(\d+):availability:ratio_rate5m)")


def sli_history(
    files: Mapping[str, str], every: int = 3000
) -> list[tuple[str, dict[str, str], Callable[[int], float]]]:
    """Backfill series (for `sandbox.prometheus.backfill`) of every SLI recording rule in
    `files`: the ratio is 1 except one 5-minute sample in `every` (about 99.97 %), and every
    third service's SLI dips once in 500 (about 99.8 %), so the SLO rules see both sides."""
    out: list[tuple[str, dict[str, str], Callable[[int], float]]] = []
    for text in files.values():
        for m in _SLI_RECORD.finditer(text):
            period = 500 if int(m.group(2)) % 3 == 0 else every
            out.append((m.group(1), {"job": f"svc-{m.group(2)}"}, _dips(period)))
    return out


def _dips(period: int) -> Callable[[int], float]:
    """1.0 except sample `period // 2` of every `period` (0.0)."""
    return lambda i: 0.0 if i % period == period // 2 else 1.0
