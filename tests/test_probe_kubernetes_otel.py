"""OpenTelemetryCollector facts (probes/kubernetes/otel.py): component types from the pipelines,
both API versions, and a configuration that cannot be read left unknown, never "none"."""

from __future__ import annotations

from typing import Any

from probes.kubernetes.kinds import MODELS
from probes.kubernetes.otel import MAX_CONFIG_BYTES, otel_collector_facts


def _collector(spec: dict[str, Any], api: str = "opentelemetry.io/v1beta1") -> dict[str, Any]:
    return {
        "apiVersion": api,
        "kind": "OpenTelemetryCollector",
        "metadata": {"name": "c", "namespace": "o"},
        "spec": spec,
    }


V1BETA1_CONFIG = {
    "receivers": {"otlp": {"protocols": {"grpc": {}}}, "influxdb": {}, "zipkin": {}, "prometheus": {}},
    "processors": {"batch": {}, "transform/drop": {}},
    "exporters": {"otlphttp": {}, "debug": {}},
    "service": {
        "pipelines": {
            "metrics": {
                "receivers": ["otlp", "influxdb", "prometheus"],
                "processors": ["transform/drop", "batch"],
                "exporters": ["otlphttp"],
            },
            "traces/in": {"receivers": ["otlp"], "exporters": ["otlphttp"]},
        }
    },
}


def test_only_components_in_pipelines_count() -> None:
    f = otel_collector_facts(_collector({"mode": "statefulset", "replicas": 3, "config": V1BETA1_CONFIG}))
    MODELS["kubernetes.otel_collector"].model_validate(f)
    assert f["receivers"] == ["influxdb", "otlp", "prometheus"]  # zipkin is declared, used by no pipeline
    assert f["push_receivers"] == ["influxdb", "otlp"]  # prometheus scrapes, it is not pushed to
    assert f["shaping_processors"] == ["transform"] and f["processors"] == ["batch", "transform"]
    assert f["exporters"] == ["otlphttp"] and f["signals"] == ["metrics", "traces"]
    assert (f["mode"], f["replicas"], f["autoscaled"], f["receiver_tls"]) == ("statefulset", 3, False, False)


def test_v1alpha1_string_config_and_defaults() -> None:
    cfg = "receivers:\n  otlp:\n    protocols:\n      http:\n        tls: {cert_file: /c}\nservice:\n  pipelines:\n    logs: {receivers: [otlp], exporters: [loki]}\n"
    f = otel_collector_facts(_collector({"config": cfg, "maxReplicas": 4}, "opentelemetry.io/v1alpha1"))
    assert (f["mode"], f["replicas"], f["autoscaled"], f["receiver_tls"], f["config_read"]) == (
        "deployment",
        1,
        True,
        True,
        True,
    )
    d = otel_collector_facts(_collector({"mode": "daemonset", "nodeSelector": {"kubernetes.io/os": "windows"}}))
    assert (d["replicas"], d["node_os"], d["config_read"], d["receivers"]) == (None, "windows", False, [])


def test_unreadable_config_is_not_read() -> None:
    for bad in ("receivers: [unclosed", "x" * (MAX_CONFIG_BYTES + 1), "just a string"):
        f = otel_collector_facts(_collector({"config": bad}))
        assert not f["config_read"] and f["push_receivers"] == [] and f["shaping_processors"] == []


def test_a_collector_in_git_is_the_same_kind() -> None:
    from probes.kubernetes.files import KubernetesFiles

    parser = KubernetesFiles()
    doc = _collector({"mode": "daemonset", "config": V1BETA1_CONFIG})
    items = [*parser.accept("otel/agent.yaml", 0, doc), *parser.finish()]
    otel = [e for e in items if e.kind == "kubernetes.otel_collector"]
    assert [e.subject for e in otel] == ["o/c"] and otel[0].data["mode"] == "daemonset"
    assert parser.found


def test_scaled_to_zero_stays_zero() -> None:
    f = otel_collector_facts(_collector({"replicas": 0, "config": V1BETA1_CONFIG}))
    assert (f["mode"], f["replicas"], f["autoscaled"]) == ("deployment", 0, False)
