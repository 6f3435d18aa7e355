"""Clauses of YD/T chapters 10 and 11 and of the AWS WA best practices, and the rules on them.

The chapters and areas are loaded on their own (framework files listing only them), so this
checks their clause splits through the real loader whatever state the other chapters are in.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from scanner.catalog import Catalog, default_catalog_dir, load_catalog
from scanner.rules import Decides, RuleDoc, default_rules_dir
from scanner.yamlio import load_yaml_documents, validate

YDT_FILES = ["10-business-continuity.yaml", "11-user-experience.yaml"]
WA_FILES = ["1-organization.yaml", "2-prepare.yaml", "3-operate.yaml", "4-evolve.yaml"]
OURS = ("ydt:10.", "ydt:11.", "wa:")


def _copy(root: Path, framework: str, files: list[str]) -> None:
    src = default_catalog_dir() / framework
    (root / framework).mkdir()
    fw = yaml.safe_load((src / "framework.yaml").read_text(encoding="utf-8"))
    fw["domains"] = files
    (root / framework / "framework.yaml").write_text(yaml.safe_dump(fw, allow_unicode=True), encoding="utf-8")
    for name in files:
        shutil.copy(src / name, root / framework / name)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("catalog")
    _copy(root, "ydt1756-4", YDT_FILES)
    _copy(root, "aws-wa-ops", WA_FILES)
    return load_catalog(root)


def our_decides() -> Iterator[tuple[str, Decides]]:
    for f in sorted(p for p in Path(default_rules_dir()).rglob("*.yaml") if ".cases." not in p.name):
        for doc in load_yaml_documents(f):
            if doc:
                rule = validate(RuleDoc, doc, f)
                yield from ((rule.id, d) for d in rule.decides if d.target.startswith(OURS))


def decided(catalog: Catalog, target: str) -> list[str]:
    """The clause ids a decides entry names (an item means all its clauses)."""
    return [target] if "#" in target else [c.id for c in catalog.requirements[target].clauses]


def by_clause(catalog: Catalog, coverage: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rule, d in our_decides():
        if d.coverage == coverage:
            for cid in decided(catalog, d.target):
                out.setdefault(cid, set()).add(rule)
    return out


def test_every_item_lists_its_clauses_and_drops_the_v1_assessment() -> None:
    for name in YDT_FILES:
        doc = yaml.safe_load((default_catalog_dir() / "ydt1756-4" / name).read_text(encoding="utf-8"))
        for sub in doc["subdomains"]:
            for cap in sub["capabilities"]:
                for item in (i for items in cap["levels"].values() for i in items or []):
                    assert item.get("clauses") and "assessment" not in item, item["id"]
    for name in WA_FILES:
        doc = yaml.safe_load((default_catalog_dir() / "aws-wa-ops" / name).read_text(encoding="utf-8"))
        for q in doc["questions"]:
            for bp in q["best_practices"]:
                assert bp.get("clauses") and "assessment" not in bp, bp["id"]


def test_chapters_and_areas_load_and_split_where_the_text_joins_demands(catalog: Catalog) -> None:
    assert len(catalog.requirements) == 54 + 53 + 71
    # Same-city and off-site RPO are shown by different systems (Multi-AZ vs cross-region lag).
    assert [c.text.zh for c in catalog.requirements["ydt:10.1.1:L3.3"].clauses] == [
        "同城跨机房 RPO 小于 2 分钟",
        "异地 RPO 小于 10 分钟",
    ]
    # A DR plan is a document (organisational); drills leave records (evidence).
    assert catalog.requirements["ydt:10.2.1:L2.1"].assessment == "mixed"
    assert catalog.clauses["ydt:10.2.1:L2.1#a"].assessment == "organisational"
    # "智能化" claims stay organisational; the automated mitigation beside them is evidence.
    assert catalog.clauses["ydt:10.3.1:L4.1#a"].assessment == "organisational"
    assert catalog.clauses["ydt:10.3.1:L4.1#b"].assessment == "evidence"
    # WA: a title joining three properties gets three clauses; prose stays with its clause.
    assert len(catalog.requirements["wa:OPS05-BP09"].clauses) == 3
    assert catalog.clauses["wa:OPS05-BP09#b"].text.zh == "小规模更改"
    # WA: a best practice whose text makes one demand is one clause holding the whole text.
    bp = catalog.requirements["wa:OPS05-BP01"]
    assert [c.text.zh for c in bp.clauses] == [bp.text.zh]


def test_rules_name_existing_clauses_in_v2_form_and_decide_only_evidence(catalog: Catalog) -> None:
    seen = 0
    for rule, d in our_decides():
        seen += 1
        assert d.coverage in ("decides", "supports"), (rule, d.target)
        assert d.target in catalog.decidable_ids(), (rule, d.target)
        if d.coverage == "decides":
            for cid in decided(catalog, d.target):
                assert catalog.clauses[cid].assessment == "evidence", (rule, cid)
    assert seen >= 65


def test_alternative_tools_decide_the_same_clause(catalog: Catalog) -> None:
    decides = by_clause(catalog, "decides")
    for cid in ("ydt:10.3.2:L2.1#a", "ydt:10.3.2:L4.1#a"):
        assert {"aws.fis.fault-injection", "kubernetes.chaos.fault-injection"} <= decides[cid], cid
    # 主动模拟硬件或操作系统故障: only host-level chaos (stress, IO, time, network, node) simulates
    # hardware or OS faults; killing pods does not, so the general chaos rule must not decide it.
    assert {"aws.fis.fault-injection", "kubernetes.chaos.host-faults"} <= decides["ydt:10.3.2:L3.1#a"]
    assert "kubernetes.chaos.fault-injection" not in decides["ydt:10.3.2:L3.1#a"]
    # Multi-AZ is multi-data-centre: cross-region failover is one alternative, not a necessity.
    assert {"aws.dr.multi-region-failover", "aws.compute.multi-az"} <= decides["ydt:10.2.1:L3.1#b"]
    # Fast switchover needs the serving groups across zones, not a node group (eks-shop estate).
    assert {"aws.dr.multi-region-failover", "aws.compute.multi-az-serving"} <= decides["ydt:10.2.1:L3.1#c"]
    assert {"gitlab.deployments.rollback-ready", "kubernetes.workloads.rollback-history"} <= decides["wa:OPS06-BP01#a"]
    assert {
        "prometheus.alerting.severity-labels",
        "alertmanager.alerting.priority-routing",
        "gitlab.incidents.severity-graded",
    } <= decides["wa:OPS10-BP03#a"]
    # The business-impact weighting of priorities is for people to vouch for.
    assert "wa:OPS10-BP03#b" not in decides


def test_reviewed_defects_only_support_their_clause(catalog: Catalog) -> None:
    decides, supports = by_clause(catalog, "decides"), by_clause(catalog, "supports")
    # Rules the review found to fail (or pass) on evidence that does not show the clause: shown
    # beside it, never deciding it, until their conditions are fixed.
    for rule, cid in (
        ("prometheus.slo.availability-9999", "ydt:10.1.1:L4.2#a"),
        ("aws.backup.plan-schedules", "ydt:10.1.1:L1.1#a"),
        ("gitlab.incidents.response-2-5-10", "ydt:10.3.3:L3.2#a"),
        ("gitlab.incidents.response-1-3-5", "ydt:10.3.3:L4.1#c"),
        ("gitlab.deployments.traceable", "wa:OPS05-BP01#a"),
        ("prometheus.alerting.rules-healthy", "wa:OPS08-BP01#a"),
    ):
        assert rule in supports.get(cid, set()), (rule, cid)
        assert rule not in decides.get(cid, set()), (rule, cid)
    # Fixed in issue 17 (business SLIs only, median; application histograms only; paging widened).
    assert "prometheus.slo.availability-999" in decides["ydt:10.1.1:L2.2#a"]
    assert "prometheus.experience.application-telemetry" in decides["wa:OPS04-BP02#a"]
    # Split in 2026-12 (fidelity estate kube-operator: OVERCLAIM): the routes-only rule supports,
    # escalation-path (an on-call tool that escalates; PagerDuty judged from its policies) decides.
    assert "alertmanager.alerting.escalation-path" in decides["wa:OPS10-BP04#a"]
    assert "alertmanager.alerting.escalation" in supports["wa:OPS10-BP04#a"]
    # Restore drills decide once restore jobs are read over 400 days and no restore is unknown.
    assert "aws.backup.restore-drills" in decides["ydt:10.2.1:L1.1#b"]
    assert "aws.backup.restore-tests" in decides["ydt:10.2.1:L2.1#b"]
