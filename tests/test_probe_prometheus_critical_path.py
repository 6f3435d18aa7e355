"""The live Prometheus probe's rules path (issue 22, critical path): the rules answer is read and
checked on a worker, its rules are normalised into evidence on the probe's own thread while the
SLO step runs, and the per-rule work is done once (strings cut out of an expression once, metric
classes, group names and durations memoised). None of it may change the evidence.

- the helpers that were rewritten give what the code they replace gave (copies of it below) on
  the bench estate's expressions, hand-picked edge cases and seeded random ones;
- against a real Prometheus loaded with the bench's rules plus odd ones, every rule item (kind,
  subject, data, sha256, in order) equals the one the former loop makes from the same answer;
- a malformed rules answer still fails both rule kinds and the SLO step, and nothing else.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.estate.prometheus import PROMETHEUS_YML, rule_files, sli_history
from probes.prometheus import PrometheusConfig, PrometheusProbe, promql, rulefacts, values
from probes.prometheus import normalise as norm
from sandbox.prometheus import Exporter, Server, backfill, free_port, render, start_prometheus
from scanner.evidence import Evidence
from scanner.probe import ProbeContext

# ---- the code the fast paths replace, as it was -------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def old_duration_s(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total if pos == len(text) and pos > 0 else None


def old_promql_functions(expr: str) -> list[str]:
    names = {m.group(1) for m in rulefacts._FUNC.finditer(expr)} | {
        m.group(1) for m in rulefacts._AGG_BY.finditer(expr)
    }
    return sorted(n for n in names if n not in rulefacts._KEYWORDS)


def old_promql_metrics(expr: str) -> list[str]:
    r = rulefacts
    text = expr[: values.MAX_TEXT]
    names = set(r._NAME_IN_BRACES.findall(text))
    text = r._QUOTED.sub(" ", text)
    text = r._BRACES.sub(" ", text)
    text = r._BRACKETS.sub(" ", text)
    text = r._LABEL_LIST.sub(" ", text)
    for m in r._IDENT.finditer(text):
        word = m.group()
        rest = text[m.end() : m.end() + 40].lstrip()
        if rest.startswith("(") or word in r._KEYWORDS or word.lower() in ("inf", "nan", "atan2"):
            continue
        if m.start() > 0 and (text[m.start() - 1].isdigit() or text[m.start() - 1] == "."):
            continue
        names.add(word)
    return sorted(names)[: r.MAX_METRICS]


def old_max_range_s(expr: str) -> float | None:
    ranges = [old_duration_s(m.group(1)) for m in promql._RANGE.finditer(promql._text(expr))]
    known = [x for x in ranges if x is not None]
    return max(known) if known else None


def old_common(
    group: str, file: str, expr: str, labels: dict[str, str], health: str | None, last_error: str | None
) -> dict[str, Any]:
    funcs = old_promql_functions(expr)
    metrics = old_promql_metrics(expr)
    grouping = promql.grouping_labels(expr)
    source_of = promql.metric_source.__wrapped__
    platform = norm.PLATFORM_METRIC
    sources = {
        "platform" if src == "application" and platform.match(m) else src for m in metrics for src in (source_of(m),)
    }
    return {
        "group": group,
        "file": file,
        "expr": expr,
        "labels": labels,
        "functions": funcs,
        "metrics": metrics,
        "business_metrics": [m for m in metrics if not platform.match(m)],
        "edge_request_metrics": rulefacts._edge_requests(expr, metrics, grouping),
        "vendored": rulefacts.is_vendored_group.__wrapped__(group),
        "aggregates": sorted(set(funcs) & rulefacts._AGGREGATIONS),
        "grouping_labels": grouping,
        "business_dimensions": promql.business_dimensions(grouping),
        "metric_sources": sorted(sources),
        "joins": promql.joins(expr),
        "max_range_s": old_max_range_s(expr),
        "health": health,
        "last_error": (last_error or None),
    }


def old_rule_items(answer: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The former `live.rules` loop over a decoded answer, with the former per-rule facts."""
    out = []
    for g in answer["data"]["groups"]:
        gname, gfile = str(g.get("name", "")), str(g.get("file", ""))
        for r in g["rules"]:
            health, last_error = r.get("health"), r.get("lastError") or None
            expr = str(r.get("expr") if r.get("expr") is not None else r.get("query") or "")
            labels = values.str_map(r.get("labels"))
            if r.get("type") == "alerting":
                name = str(r.get("alert") or r.get("name") or "")
                for_s = old_duration_s(r.get("for")) if "for" in r else old_duration_s(r.get("duration"))
                annotations = values.str_map(r.get("annotations"))
                keys = sorted(annotations)
                runbook = any(rulefacts._RUNBOOK_KEY.search(k) for k in keys) or any(
                    rulefacts._DOC_WORD.search(m.group())
                    for v in annotations.values()
                    for m in rulefacts._URL.finditer(v[: values.MAX_TEXT])
                )
                data = old_common(gname, gfile, expr, labels, health, last_error)
                data.update(
                    {
                        "name": name,
                        "for_s": for_s or 0.0,
                        "severity": (labels.get("severity") or labels.get("priority") or "").lower() or None,
                        "annotation_keys": keys,
                        "has_runbook": runbook,
                        "has_description": any(k in annotations for k in ("summary", "description", "message")),
                        "compares_constant": bool(rulefacts._THRESHOLD.search(expr)),
                        "state": r.get("state"),
                    }
                )
                data["group_interval_s"] = old_duration_s(g.get("interval"))
                out.append(("prometheus.alert_rule", f"{gname}/{name}", data))
            elif r.get("type") == "recording":
                name = str(r.get("record") or r.get("name") or "")
                data = old_common(gname, gfile, expr, labels, health, last_error)
                data["name"] = name
                data["group_interval_s"] = old_duration_s(g.get("interval"))
                out.append(("prometheus.recording_rule", f"{gname}/{name}", data))
    # Added since (5.3.1:L3.5 early warning): each alerting rule's peers over the whole listing,
    # written here the plain quadratic way against `mark_peers`' counting.
    alerts = [d for kind, _s, d in out if kind == "prometheus.alert_rule"]

    def key(d: dict[str, Any]) -> str:
        parts = d["expr"].split('"')
        return '"'.join(p if i % 2 else re.sub(r"\s+", "", re.sub(r"\d+(\.\d+)?", "", p)) for i, p in enumerate(parts))

    for d in alerts:
        d["peer_severities"] = sorted(
            {o["severity"] for o in alerts if o is not d and o["severity"] and key(o) == key(d)}
        )[:10]
    return out


# ---- helpers against the code they replace ---------------------------------------------------------

EDGE_EXPRS = [
    "",
    "up",
    'sum by (job, le) (rate(x_bucket{job="a(b)"}[5m])) > 0.5',
    "max_over_time(foo[1h:5m]) or on (instance) group_left (node) bar offset 1d",
    "sum(rate(a[5m])) / ignoring(code) sum(rate(b[30d]))",
    '{__name__="weird:metric", job=~".+"} + on() vector(1)',
    "histogram_quantile(0.99, sum without (pod) (rate(h_bucket[10m]))) >= bool 1e3",
    'label_replace(up, "x", "$1", "instance", "(.*)") * 5m_not_a_metric',
    "count(a) by (service, route, tenant) != -2",
    'x{a="unterminated} y',
    "foo[" + "1" * 50 + "s] + bar[1.5h] + baz[ 2w ] + q[5m:] + r[nonsense]",
    "atan2(a, b) + Inf + NaN + inf - nan",
    "   sum   (   rate(  a [5m]  )  )   ",
    "a" * 5000 + " + b",
    'sum(x{l="' + "é" * 10 + '"}) by (ünïcode)',
    "rate(a[5m])\u00a0\u00a0(b) + c\t\t(d)",
    "node_cpu_seconds_total + kube_pod_info + job:http_requests:rate5m + cluster:node_cpu:ratio + prometheus_up",
]
DURATIONS = ["5m", " 5m ", "1h30m", "500ms", "1.5h", "", "  ", "5", "m", "5x", "1d2h3m4s5ms", "1y1w", "5m5", "5M"]


def _exprs() -> Iterator[str]:
    files = rule_files(400, sli=4)
    yield from re.findall(r"expr: '(.*)'", "".join(files.values()))
    yield from EDGE_EXPRS
    rnd = random.Random(22)
    alphabet = ["sum", "rate", "by", "(", ")", "[5m]", "[1h:5m]", "{", "}", '"', "'", "`", "=", "~", ",", " ", "on",
                "group_left", "x_total", "job", "1e3", ".", "5", "le", "node_load1", "\\", ":", "without", "up"]  # fmt: skip
    for _ in range(3000):
        yield "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))


def test_rewritten_helpers_give_what_the_code_they_replace_gave() -> None:
    for expr in _exprs():
        assert rulefacts.promql_functions(expr) == old_promql_functions(expr), expr
        assert rulefacts.promql_metrics(expr) == old_promql_metrics(expr), expr
        assert promql.max_range_s(expr) == old_max_range_s(expr), expr
        assert rulefacts._common("g", "f", expr, {}, None, None) == old_common("g", "f", expr, {}, None, None), expr
    for value in [*DURATIONS, *DURATIONS, 5, 2.5, True, None, [], {"a": 1}]:
        assert values.duration_s(value) == old_duration_s(value), value


# ---- the probe against a real Prometheus -------------------------------------------------------------

ODD_RULES = """\
groups:
- name: kubernetes-apps
  interval: 30s
  rules:
  - alert: PodCrashLooping
    expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1'
    for: 15m
    labels: {priority: P1}
    annotations: {message: 'see https://wiki.example.com/crash', token: 'abc'}
  - record: namespace:container_cpu:sum
    expr: 'sum by (namespace, service) (rate(container_cpu_usage_seconds_total{namespace="shop"}[1h:5m]))'
- name: edge
  rules:
  - alert: EdgeErrors
    expr: 'sum by (ingress) (rate(nginx_ingress_controller_requests{status=~"5.."}[5m])) / on (ingress) group_left sum by (ingress) (rate(nginx_ingress_controller_requests[5m])) > 0.02'
    labels: {severity: Critical}
  - record: slo:sli_error:ratio_rate5m
    expr: '1 - avg(up{job="shop"})'
"""


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("prom-critical")
    port = free_port()
    files = {**rule_files(600, sli=4), "rules-odd.yaml": ODD_RULES}
    backfill(work / "data", sli_history(files))
    # Rules evaluated every 2 s (the benchmark's minute would leave them unevaluated for a minute).
    config = PROMETHEUS_YML.replace("evaluation_interval: 1m", "evaluation_interval: 2s")
    prom = start_prometheus(work, render(config, {"SELF": f"127.0.0.1:{port}"}), files, port=port)
    # Every rule evaluated once first: a rule's health turns from "unknown" to "ok" at its first
    # evaluation, which could fall between the probe's answer and the test's own.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        groups = httpx.get(prom.url + "/api/v1/rules", timeout=10).json()["data"]["groups"]
        if all(r.get("health") != "unknown" for g in groups for r in g["rules"]):
            break
        time.sleep(0.5)
    yield prom
    prom.stop()


def _collect(url: str, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[list[Evidence], ProbeContext]:
    monkeypatch.setattr("scanner.evidence.now_iso", lambda: "2026-12-03T00:00:00Z")
    cfg = PrometheusConfig(name="prom", probe="prometheus", url=url, **kw)
    ctx = ProbeContext(source="prom", deadline=time.monotonic() + 60, log=logging.getLogger("test.prom"))
    return list(PrometheusProbe().collect(cfg, ctx)), ctx


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", [1, 4])
def test_rule_evidence_equals_the_former_loop(
    prometheus: Server, monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    items, ctx = _collect(prometheus.url, monkeypatch, concurrency=concurrency)
    assert not ctx.failures, ctx.failures
    answer = httpx.get(prometheus.url + "/api/v1/rules", timeout=10).json()  # rules do not change while it runs
    origin = prometheus.url + "/api/v1/rules"
    want = [
        Evidence.make(k, s, d, origin, source="prom", collected_at="2026-12-03T00:00:00Z")
        for k, s, d in old_rule_items(answer)
    ]
    got = [e for e in items if e.kind in ("prometheus.alert_rule", "prometheus.recording_rule")]
    assert len(got) == len(want) > 600
    assert items[: len(got)] == got  # rule items come first, as before
    assert [(e.kind, e.subject, e.data, e.sha256) for e in got] == [(e.kind, e.subject, e.data, e.sha256) for e in want]
    assert [json.dumps(e.data) for e in got] == [json.dumps(e.data) for e in want]  # same key order and types
    slo = [e for e in items if e.kind == "prometheus.slo"]
    assert {e.data["sli"] for e in slo} >= {f"svc_{i}:availability:ratio_rate5m" for i in (0, 15)}
    assert [e.kind for e in items if e.kind not in ("prometheus.alert_rule", "prometheus.recording_rule")] == [
        "prometheus.config",
        "prometheus.target_pool",
        "prometheus.runtime",
        "prometheus.tsdb",
        "prometheus.exporters",
        *["prometheus.slo"] * len(slo),
    ]


BUILD = (200, "application/json", json.dumps({"status": "success", "data": {"version": "2.42.0"}}))


@pytest.mark.parametrize(
    "rules_page",
    [
        (200, "application/json", json.dumps({"status": "success", "data": {"groups": [{"name": "g", "rules": [7]}]}})),
        (500, "text/plain", "boom"),
    ],
    ids=["malformed-rule", "server-error"],
)
def test_an_unreadable_rules_answer_fails_the_rules_and_the_slo_step_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules_page: tuple[int, str, str]
) -> None:
    ok = (200, "application/json", json.dumps({"status": "success", "data": {}}))
    ex = Exporter({"/api/v1/status/buildinfo": BUILD, "/api/v1/rules": rules_page, "*": ok}).start()
    try:
        items, ctx = _collect(ex.url, monkeypatch, concurrency=4, retries=0)
    finally:
        ex.stop()
    assert not [e for e in items if e.kind.endswith("_rule")]
    assert {"prometheus.alert_rule", "prometheus.recording_rule", "prometheus.slo"} <= set(ctx.failures)
    assert "needs the recording rules" in ctx.failures["prometheus.slo"].reason
