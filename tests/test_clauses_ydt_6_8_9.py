"""Clauses of YD/T chapters 6, 8 and 9, and the rules that decide them.

The chapters are loaded on their own (a framework file listing only them), so this checks their
clause splits through the real loader whatever state the other chapters are in.
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
from tests.ruletable import decide

FILES = ["06-incident-change.yaml", "08-capacity-cost.yaml", "09-high-availability.yaml"]
OURS = ("ydt:6.", "ydt:8.", "ydt:9.")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    src = default_catalog_dir() / "ydt1756-4"
    root = tmp_path_factory.mktemp("catalog")
    (root / "ydt1756-4").mkdir()
    fw = yaml.safe_load((src / "framework.yaml").read_text(encoding="utf-8"))
    fw["domains"] = FILES
    (root / "ydt1756-4" / "framework.yaml").write_text(yaml.safe_dump(fw, allow_unicode=True), encoding="utf-8")
    for name in FILES:
        shutil.copy(src / name, root / "ydt1756-4" / name)
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


def test_every_item_lists_its_clauses_and_drops_the_v1_assessment() -> None:
    for name in FILES:
        doc = yaml.safe_load((default_catalog_dir() / "ydt1756-4" / name).read_text(encoding="utf-8"))
        for sub in doc["subdomains"]:
            for cap in sub["capabilities"]:
                for item in (i for items in cap["levels"].values() for i in items or []):
                    assert item.get("clauses") and "assessment" not in item, item["id"]


def test_chapters_load_and_split_where_the_standard_joins_demands(catalog: Catalog) -> None:
    assert len(catalog.requirements) == 169
    # A shared preamble ("也需要做到……要求") is repeated through fragments, one demand per clause.
    c = catalog.clauses["ydt:6.1.1:L2.1#d"]
    assert c.text.zh == "也需要做到……监控的基本覆盖……要求" and c.assessment == "evidence"
    # Examples after 如 stay inside their clause: one clause, not three.
    assert [x.id for x in catalog.requirements["ydt:8.1.1:L1.1"].clauses] == ["ydt:8.1.1:L1.1#a"]
    assert catalog.requirements["ydt:6.1.3:L2.3"].assessment == "mixed"


def test_rules_name_existing_clauses_in_v2_form_and_decide_only_evidence(catalog: Catalog) -> None:
    seen = 0
    for rule, d in our_decides():
        seen += 1
        assert d.coverage in ("decides", "supports"), (rule, d.target)
        assert d.target in catalog.decidable_ids(), (rule, d.target)
        if d.coverage == "decides":
            for cid in decided(catalog, d.target):
                assert catalog.clauses[cid].assessment == "evidence", (rule, cid)
    assert seen >= 75


def test_alternative_tools_decide_the_same_clause(catalog: Catalog) -> None:
    by_clause: dict[str, set[str]] = {}
    for rule, d in our_decides():
        if d.coverage == "decides":
            for cid in decided(catalog, d.target):
                by_clause.setdefault(cid, set()).add(rule)
    assert {"gitlab.deployments.rollback-ready", "kubernetes.workloads.rollback-history"} <= by_clause[
        "ydt:6.2.2:L2.3#a"
    ]
    assert {"gitlab.changes.merge-request-approvals", "gitlab.environments.protected-production"} <= by_clause[
        "ydt:6.2.1:L2.3#a"
    ]
    assert {"aws.compute.multi-az-serving", "kubernetes.cluster.multi-zone"} <= by_clause["ydt:9.1.2:L3.1#a"]
    assert "aws.compute.multi-az" not in by_clause["ydt:9.1.2:L3.1#a"]  # node groups are not the apps
    assert {"aws.cloudwatch.capacity-early-warning", "prometheus.capacity.early-warning"} <= by_clause[
        "ydt:8.1.1:L3.3#a"
    ]
    # Zone spread is fault tolerance, not dynamic capacity balancing (review: WRONG).
    assert not {"aws.compute.multi-az", "aws.compute.multi-az-serving"} & by_clause.get("ydt:8.1.1:L3.1#a", set())
    # AWS Budgets never decide cost awareness (organisational); they decide basic budgeting only as
    # met-or-unknown (an account without a budget is unknown: budgets often live in other tools).
    assert "aws.cost.budgets" not in by_clause.get("ydt:8.2.1:L1.1#a", set())
    assert {c for c, rules in by_clause.items() if "aws.cost.budgets" in rules} == {"ydt:8.2.2:L1.1#a"}


@pytest.mark.parametrize(
    "rule",
    [
        "prometheus.capacity.infra-alerts",
        "prometheus.capacity.business-alerts",
        "prometheus.capacity.early-warning",
        "prometheus.capacity.forecast",
    ],
)
def test_no_capacity_alert_or_forecast_rule_at_all_is_a_finding(rule: str) -> None:
    # `empty: not_met`: a Prometheus with zero alerting rules has no capacity alerting.
    assert decide(rule, []) == "not_met"
