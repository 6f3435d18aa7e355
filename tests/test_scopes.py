"""Scopes (scanner/scopes.py): evidence attributed to scopes by their selectors, platform
evidence shared and marked so, each scope graded on its own, and `--min-level SCOPE:CAP=L`.

The attribution tests build evidence as each probe records it; the end-to-end tests scan a small
GitOps repository through the files probe and the real CLI.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.config import ScopeConfig
from scanner.evidence import Evidence
from scanner.scopes import SHARED, attribute

SOURCES = [
    {"name": "k8s", "probe": "kubernetes"},
    {"name": "gl", "probe": "gitlab"},
    {"name": "aws", "probe": "aws"},
    {"name": "prom", "probe": "prometheus"},
    {"name": "am", "probe": "alertmanager"},
    {"name": "repo", "probe": "files"},
]
SHOP = ScopeConfig.model_validate(
    {
        "name": "shop",
        "owner": "shop-lead@example.com",
        "target_level": 2,
        "selectors": {
            "kubernetes": {"namespaces": ["shop"]},
            "gitlab": {"projects": ["shop/api"]},
            "aws": {"accounts": ["111111111111"]},
            "prometheus": {"matchers": ['team="shop"']},
            "files": {"paths": ["apps/shop"]},
        },
    }
)
PAY = ScopeConfig.model_validate(
    {
        "name": "pay",
        "owner": "pay-lead@example.com",
        "selectors": {
            "kubernetes": {"labels": {"team": "pay"}},
            "gitlab": {"groups": ["pay"]},
            "aws": {"tags": {"team": "pay"}},
            "prometheus": {"matchers": ['team=~"pay|billing"']},
        },
    }
)


def ev(source: str, kind: str, subject: str, origin: str = "api", **data: Any) -> Evidence:
    return Evidence.make(kind, subject, data, origin, source=source, collected_at="2026-09-01T00:00:00Z")


# (what the case shows, evidence, the scopes it must belong to: SHARED or a tuple of names)
CASES: list[tuple[str, Evidence, str | tuple[str, ...]]] = [
    ("namespace by name", ev("k8s", "kubernetes.workload", "shop/Deployment/web", namespace="shop"), ("shop",)),
    (
        "namespace by its labels",
        ev("k8s", "kubernetes.workload", "payments/Deployment/api", namespace="payments"),
        ("pay",),
    ),
    ("namespace of no scope", ev("k8s", "kubernetes.workload", "misc/Deployment/x", namespace="misc"), ()),
    (
        "the labelled namespace itself",
        ev("k8s", "kubernetes.namespace", "payments", name="payments", labels={"team": "pay"}),
        ("pay",),
    ),
    ("cluster nodes are the platform's", ev("k8s", "kubernetes.node_zones", "cluster", nodes_ready=3), SHARED),
    (
        "GitLab project listed",
        ev("gl", "gitlab.environment", "shop/api/environments/prod", project="shop/api"),
        ("shop",),
    ),
    ("GitLab project not listed", ev("gl", "gitlab.environment", "shop/web/environments/prod", project="shop/web"), ()),
    (
        "GitLab project under a group (and subgroup)",
        ev("gl", "gitlab.project", "pay/core/ledger", project="pay/core/ledger"),
        ("pay",),
    ),
    (
        "AWS account from the ARN",
        ev("aws", "aws.rds_instance", "orders", arn="arn:aws:rds:us-east-1:111111111111:db:orders"),
        ("shop",),
    ),
    (
        "AWS tag",
        ev(
            "aws",
            "aws.tagged_resource",
            "bucket",
            arn="arn:aws:s3:eu-west-1:222222222222:pay-ledger",
            tag_keys=["team"],
            owner="pay",
        ),
        ("pay",),
    ),
    (
        "AWS tag of another team",
        ev(
            "aws",
            "aws.tagged_resource",
            "bucket",
            arn="arn:aws:s3:eu-west-1:222222222222:ops-logs",
            tag_keys=["team"],
            owner="ops",
        ),
        (),
    ),
    ("an organisation's budget", ev("aws", "aws.budget", "monthly", name="monthly"), SHARED),
    ("alert rule label", ev("prom", "prometheus.alert_rule", "g/HighErrors", labels={"team": "shop"}), ("shop",)),
    ("alert rule regex matcher", ev("prom", "prometheus.alert_rule", "g/Ledger", labels={"team": "billing"}), ("pay",)),
    ("alert rule without the label", ev("prom", "prometheus.alert_rule", "g/Up", labels={}), ()),
    ("Alertmanager routing", ev("am", "alertmanager.config", "am", receivers=2), SHARED),
    (
        "repository path (any repository root)",
        ev(
            "repo",
            "kubernetes.workload",
            "default/Deployment/cart",
            "file://gitops/apps/shop/cart.yaml#1",
            namespace="default",
        ),
        ("shop",),
    ),
    (
        "a path that only starts like the selector",
        ev(
            "repo", "kubernetes.workload", "default/Deployment/x", "file://apps/shopfront/x.yaml#1", namespace="default"
        ),
        (),
    ),
]


@pytest.mark.parametrize(("name", "item", "want"), CASES, ids=[c[0] for c in CASES])
def test_evidence_is_attributed_by_selectors(name: str, item: Evidence, want: str | tuple[str, ...]) -> None:
    labels = ev("k8s", "kubernetes.namespace", "payments", name="payments", labels={"team": "pay"})
    got = attribute([labels, item], [SHOP, PAY], SOURCES)
    assert got.of[item.id] == want


def test_evidence_matching_two_scopes_belongs_to_both() -> None:
    everyone = ScopeConfig.model_validate(
        {"name": "all-teams", "owner": "cto@example.com", "selectors": {"prometheus": {"matchers": ['team=~".+"']}}}
    )
    rule = ev("prom", "prometheus.alert_rule", "g/HighErrors", labels={"team": "shop"})
    assert attribute([rule], [SHOP, PAY, everyone], SOURCES).of[rule.id] == ("shop", "all-teams")


def test_each_scope_sees_its_own_and_the_shared_evidence() -> None:
    items = [item for _, item, _ in CASES]
    got = attribute(items, [SHOP, PAY], SOURCES)
    own, shared = got.evidence_for("shop", items)
    want_shared = sorted(i.id for _, i, w in CASES if w == SHARED)
    assert shared == want_shared
    assert {e.id for e in own} == {i.id for _, i, w in CASES if w == SHARED or "shop" in w}
    pay_items, _ = got.evidence_for("pay", items)
    assert not {e.id for e in pay_items} & {i.id for _, i, w in CASES if w == ("shop",)}


# ---------------------------------------------------------------- end to end: files probe + CLI


def deployment(ns: str, name: str, replicas: int) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{ns}/{name}:1.0.0
          readinessProbe: {{httpGet: {{path: /healthz, port: 8080}}}}
          livenessProbe: {{httpGet: {{path: /healthz, port: 8080}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


CONFIG = """sources: [{name: repo, probe: files, path: repo}]
frameworks: [ydt1756-4]
not_used: [aws]  # the applications run on Kubernetes only: an ECS alternative is no reason to doubt
attestations: [statements/]
scopes:
  - name: shop
    owner: shop-lead@example.com
    target_level: 2
    selectors: {kubernetes: {namespaces: [shop]}}
  - name: pay
    owner: pay-lead@example.com
    target_level: 2
    selectors: {kubernetes: {labels: {team: pay}}}
"""


def attestations() -> str:
    """People vouch for the 9.1.2 items no rule decides here, so its level turns on replicas alone."""
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)
    return f"""attestations:
  - requirements: ["ydt:9.1.2:L1.1", "ydt:9.1.2:L2.3"]
    clauses: ["ydt:9.1.2:L2.1#b"]
    statement: Nodes fail over automatically and the ingress rate-limits every route; reviewed yearly.
    owner: sre-lead@example.com
    reviewer: auditor@example.com
    evidence_url: https://wiki.example.com/ha-review
    date: "{day}"
    expires: "{day + dt.timedelta(days=300)}"
"""


def write_estate(root: Path) -> Path:
    """Shop runs one replica (a single point), pay runs three; Alertmanager routing is the platform's."""
    for rel, text in {
        "repo/apps/shop/app.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
        + deployment("shop", "web", 1),
        "repo/apps/pay/app.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {team: pay}}\n"
        "---\n" + deployment("payments", "api", 3),
        "repo/apps/misc/app.yaml": deployment("misc", "tool", 1),
        "repo/monitoring/rules.yaml": "groups:\n  - name: shop\n    rules:\n      - alert: HighErrorRate\n"
        '        expr: sum(rate(http_requests_total{code=~"5.."}[5m])) > 1\n',
        "repo/alertmanager.yml": "route: {receiver: ops, group_by: [alertname]}\n"
        "receivers:\n  - name: ops\n    email_configs: [{to: ops@example.com}]\n",
        "statements/ha.yaml": attestations(),
        "m.yaml": CONFIG,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_estate(tmp_path_factory.mktemp("scoped"))


def scan(root: Path, out: str, *gates: str) -> tuple[int, dict[str, Any]]:
    args = ["-q", "scan", "-c", str(root / "m.yaml"), "--json", str(root / out)]
    for g in gates:
        args += ["--min-level", g]
    code = main(args)
    return code, json.loads((root / out).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report(estate: Path) -> dict[str, Any]:
    code, doc = scan(estate, "report.json")
    assert code == 0
    return doc


def capability(frameworks: list[dict[str, Any]], cid: str) -> dict[str, Any]:
    return next(c for fw in frameworks for c in fw["capabilities"] if c["id"] == cid)


def clause(frameworks: list[dict[str, Any]], cid: str) -> dict[str, Any]:
    rid = cid.split("#")[0]
    req = next(r for r in capability(frameworks, rid.rsplit(":", 1)[0])["requirements"] if r["id"] == rid)
    return next(c for c in req["clauses"] if c["id"] == cid)


def scope(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["scopes"] if s["name"] == name)


def test_each_scope_is_graded_on_its_own_evidence(report: dict[str, Any]) -> None:
    shop, pay = scope(report, "shop"), scope(report, "pay")
    # Shop's one replica is a single point; pay's three are not; the estate holds both.
    assert clause(shop["frameworks"], "ydt:9.1.2:L2.1#a")["status"] == "not_met"
    assert clause(pay["frameworks"], "ydt:9.1.2:L2.1#a")["status"] == "met"
    assert clause(report["frameworks"], "ydt:9.1.2:L2.1#a")["status"] == "not_met"
    assert capability(shop["frameworks"], "ydt:9.1.2")["level"] == 1
    assert capability(pay["frameworks"], "ydt:9.1.2")["level"] == 2
    assert capability(report["frameworks"], "ydt:9.1.2")["level"] == 1
    assert "ydt:9.1.2" in shop["below_target"] and "ydt:9.1.2" not in pay["below_target"]
    assert (shop["owner"], shop["target_level"]) == ("shop-lead@example.com", 2)


def test_evidence_counts_and_shared_evidence_are_marked(report: dict[str, Any]) -> None:
    by_id = {e["id"]: e for e in report["evidence"]}
    for name, namespace in (("shop", "shop"), ("pay", "payments")):
        s = scope(report, name)
        shared = {by_id[i]["kind"] for i in s["shared_evidence"]}
        assert shared == {"alertmanager.config", "alertmanager.receiver"}, name
        assert s["evidence"]["shared"] == len(s["shared_evidence"])
        # namespace, workload and service of its own namespace; misc's tool belongs to no scope
        assert s["evidence"]["own"] == 3, (name, s["evidence"])
    workloads = [e for e in report["evidence"] if e["kind"] == "kubernetes.workload"]
    assert {e["subject"] for e in workloads} == {
        "shop/Deployment/web",
        "payments/Deployment/api",
        "misc/Deployment/tool",
    }


def test_a_kind_without_a_selector_is_not_configured_in_the_scope_never_not_met(report: dict[str, Any]) -> None:
    # The alert rule has no runbook: a finding for the estate. The scopes declare no Prometheus
    # matcher (nor a repository path), so for them the rule's evidence was not looked at.
    cid = "ydt:5.3.1:L2.4#a"
    assert clause(report["frameworks"], cid)["status"] == "not_met"
    for name in ("shop", "pay"):
        got = clause(scope(report, name)["frameworks"], cid)
        assert (got["status"], got["reason_code"]) == ("unknown", "source_not_configured"), (name, got)


def test_min_level_gate_per_scope_fails_and_passes(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = scan(estate, "pay.json", "pay:ydt:9.1.2=2")
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    code, _ = scan(estate, "shop.json", "shop:ydt:9.1.2=2")
    err = capsys.readouterr().err
    assert code == 1
    assert "gate failed: min-level: scope shop: ydt:9.1.2" in err
    # the estate gate reads the estate's own level, which shop's single point holds down
    code, _ = scan(estate, "estate.json", "ydt:9.1.2=2")
    assert code == 1
    code, _ = scan(estate, "both.json", "pay:ydt:9.1.2=2", "shop:ydt:9.1.2=1")
    assert code == 0


def test_min_level_naming_no_declared_scope_is_invalid_input(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["-q", "scan", "-c", str(estate / "m.yaml"), "--json", str(estate / "x.json"), "--min-level", "web:ydt:9.1.2=2"]
    )
    assert code == 2
    assert "names no scope of the config: 'web'" in capsys.readouterr().err
    assert not (estate / "x.json").exists()


def test_verify_re_derives_every_scope(
    estate: Path, report: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", "verify", str(estate / "report.json")]) == 0
    capsys.readouterr()
    # Raise shop's level in the report and re-seal it, as a forger would: the scope no longer
    # follows from the evidence, so verify reports the difference.
    from scanner.report import seal

    forged = json.loads(json.dumps(report))
    capability(scope(forged, "shop")["frameworks"], "ydt:9.1.2")["level"] = 2
    forged.pop("digest", None)
    path = estate / "forged.json"
    path.write_text(json.dumps(seal(forged)), encoding="utf-8")
    assert main(["-q", "verify", str(path)]) == 1
    assert "scopes" in capsys.readouterr().out
