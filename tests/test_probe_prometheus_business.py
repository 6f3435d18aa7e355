"""Issue 17: what the Prometheus and Alertmanager normalisation tells apart (platform series vs
the organisation's own, kubelet jobs vs node_exporter, paging webhooks, cross-object inhibition)."""

from __future__ import annotations

from probes.alertmanager.normalise import config_facts
from probes.prometheus.normalise import alert_rule, exporter_family, promql_metrics, recording_rule, scrape_pool


def test_metrics_read_by_an_expression_skip_labels_strings_ranges_and_functions() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))'
        ' > 0.5 and on(job) label_replace(orders_total, "a", "$1", "b", "(.*)") offset 1d'
    )
    assert promql_metrics(expr) == ["http_request_duration_seconds_bucket", "orders_total"]
    assert promql_metrics('{__name__="abc"} > 1e3') == ["abc"]


def test_self_monitoring_series_are_never_business_metrics() -> None:
    _, own = recording_rule("g", "f", {"record": "job:up:sum", "expr": "sum by (job) (up)"})
    assert own["metrics"] == ["up"] and own["business_metrics"] == []
    _, kube = alert_rule(
        "kubernetes-system", "f", {"alert": "KubeClientErrors", "expr": "rate(rest_client_requests_total[5m]) > 0.01"}
    )
    assert kube["business_metrics"] == [] and kube["vendored"] is True
    _, app = alert_rule("shop", "f", {"alert": "OrdersFailing", "expr": "rate(orders_failed_total[5m]) > 1"})
    assert app["business_metrics"] == ["orders_failed_total"] and app["vendored"] is False


def test_kubelet_jobs_are_not_node_exporter() -> None:
    assert exporter_family("kubernetes-nodes") == "kubelet"
    assert exporter_family("kubernetes-nodes-cadvisor", "/metrics/cadvisor") == "cadvisor"
    assert exporter_family("node-exporter") == "node"
    assert exporter_family("global", "/federate") == "federate"


def test_metric_relabel_actions_are_recorded() -> None:
    _, data = scrape_pool(
        {"job_name": "app", "metric_relabel_configs": [{"action": "drop", "regex": "x"}, {"target_label": "a"}]}, {}
    )
    assert data["relabel_actions"] == ["drop", "replace"]


def test_dingtalk_wecom_and_oncall_webhooks_page_and_urls_stay_out() -> None:
    doc = {
        "route": {"receiver": "chat", "routes": [{"receiver": "ding", "matchers": ['severity="critical"']}]},
        "receivers": [
            {"name": "chat", "slack_configs": [{"api_url": "https://hooks.slack.com/x"}]},
            {"name": "ding", "webhook_configs": [{"url": "http://prometheus-webhook-dingtalk:8060/dingtalk/ops/send"}]},
            {"name": "auto", "webhook_configs": [{"url": "http://robusta-runner.robusta:80/api/alerts"}]},
            {"name": "wx", "wechat_configs": [{"corp_id": "c"}]},
        ],
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": ["alertname"],
            },
            {
                "source_matchers": ['alertname="InfoInhibitor"'],
                "target_matchers": ['severity="info"'],
                "equal": ["namespace"],
            },
        ],
    }
    facts, receivers = config_facts(doc)
    assert facts["paging_types"] == ["dingtalk", "wechat"]
    assert facts["webhook_targets"] == ["automation", "dingtalk"]
    assert facts["automation_receivers"] == []  # not routed
    assert facts["cross_object_inhibit_rules"] == 0
    assert "dingtalk:8060" not in repr(facts) + repr(receivers)
    doc["inhibit_rules"].append(
        {
            "source_matchers": ['alertname="NodeDown"'],
            "target_matchers": ['severity=~"warning|critical"'],
            "equal": ["node"],
        }
    )
    assert config_facts(doc)[0]["cross_object_inhibit_rules"] == 1
    doc["inhibit_rules"][-1]["equal"] = ["instance"]  # the exporter's address: one object
    facts = config_facts(doc)[0]
    assert (facts["cross_object_inhibit_rules"], facts["target_keyed_inhibit_rules"]) == (0, 1)
