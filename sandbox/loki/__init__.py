"""Loki estates for tests and the demo: a well-run one (journal, application, access and audit
streams, per-stream retention, log-based alerting rules that parse fields) and a sparse one
(application logs only, one global retention, no rules). Lines are pushed through the API."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from sandbox.loki.api import LokiAPI, Stream

__all__ = ["LokiAPI", "Stream", "feed", "sparse", "well_run"]  # Loki itself: sandbox.loki.api

WELL_RUN_STREAMS: list[dict[str, str]] = [
    {"job": "systemd-journal", "unit": "kubelet.service", "host": "node-1"},
    {"job": "varlogs", "filename": "/var/log/syslog", "host": "node-1"},
    {"namespace": "shop", "container": "checkout", "pod": "checkout-7d9f", "app": "checkout"},
    {"namespace": "shop", "container": "payments", "pod": "payments-5c2a", "app": "payments"},
    {"namespace": "ingress-nginx", "container": "controller", "app": "ingress-nginx"},
    {"job": "kube-apiserver-audit", "filename": "/var/log/kubernetes/audit.log"},
]

WELL_RUN_CONFIG: dict[str, Any] = {
    "auth_enabled": False,
    "compactor": {"working_directory": "/loki/compactor", "retention_enabled": True, "delete_request_store": "s3"},
    "limits_config": {
        "retention_period": "744h",
        "retention_stream": [
            {"selector": '{namespace="shop"}', "priority": 1, "period": "2160h"},
            {"selector": '{job="kube-apiserver-audit"}', "priority": 2, "period": "8760h"},
        ],
    },
}

WELL_RUN_RULES: list[dict[str, Any]] = [
    {
        "file": "shop",
        "name": "checkout-logs",
        "rules": [
            {
                "alert": "CheckoutErrorBurst",
                "expr": 'sum(rate({app="checkout"} | json | level="error" [5m])) > 1',
                "for": "5m",
                "labels": {"severity": "critical", "team": "shop"},
                "annotations": {
                    "summary": "checkout logs errors",
                    "runbook_url": "https://wiki.example.com/rb/checkout-errors",
                },
            },
            {
                "record": "shop:http_latency_p95:5m",
                "expr": 'quantile_over_time(0.95, {app="ingress-nginx"} | logfmt | unwrap request_time [5m]) by (host)',
            },
        ],
    }
]


def feed(url: str, streams: list[dict[str, str]], lines: int = 20, tenant: str | None = None) -> None:
    """Push `lines` recent lines to each stream through POST /loki/api/v1/push (as a shipper would)."""
    now = time.time_ns()
    payload = {
        "streams": [
            {
                "stream": labels,
                "values": [
                    [str(now - (i + 1) * 5 * 10**9), json.dumps({"level": "info", "msg": f"line {i}"})]
                    for i in range(lines)
                ],
            }
            for labels in streams
        ]
    }
    req = urllib.request.Request(
        url + "/loki/api/v1/push", data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    if tenant:
        req.add_header("X-Scope-OrgID", tenant)
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


def well_run(token: str | None = None) -> LokiAPI:
    """A started Loki holding the well-run estate."""
    api = LokiAPI(token=token, config=dict(WELL_RUN_CONFIG), rule_groups=list(WELL_RUN_RULES), shipping=True)
    api.runtime = {"overrides": {"fake": {"retention_period": "336h"}}}
    api.start()
    if token is None:
        feed(api.url, WELL_RUN_STREAMS)
    else:
        api.push(_payload(WELL_RUN_STREAMS))
    return api


def sparse() -> LokiAPI:
    """A started Loki with container logs only, one global retention and no ruler rules."""
    api = LokiAPI(config={"compactor": {"working_directory": "/loki/c"}, "limits_config": {"retention_period": "0s"}})
    api.start()
    feed(api.url, [{"namespace": "shop", "container": "checkout", "app": "checkout"}])
    return api


def _payload(streams: list[dict[str, str]]) -> dict[str, Any]:
    now = time.time_ns()
    return {"streams": [{"stream": s, "values": [[str(now - 10**9), "x"]]} for s in streams]}
