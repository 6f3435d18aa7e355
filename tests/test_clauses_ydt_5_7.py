"""Clauses of YD/T chapters 5 (monitoring) and 7 (configuration), and the rules that decide them.

The two chapters load through the real loader from a framework file that lists only them, so
their splits are checked whatever state the other chapters are in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from scanner.catalog import Catalog, default_catalog_dir, load_catalog
from scanner.rules import Decides, RuleDoc, default_rules_dir
from scanner.yamlio import load_yaml_documents, validate
from tests.ruletable import decide

CHAPTERS = ["05-monitoring.yaml", "07-configuration.yaml"]
PREFIXES = ("ydt:5.", "ydt:7.")


@pytest.fixture(scope="module")
def chapters(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    src = default_catalog_dir() / "ydt1756-4"
    root = tmp_path_factory.mktemp("ch57") / "ydt1756-4"
    root.mkdir()
    fw = yaml.safe_load((src / "framework.yaml").read_text(encoding="utf-8"))
    fw["domains"] = CHAPTERS
    (root / "framework.yaml").write_text(yaml.safe_dump(fw, allow_unicode=True), encoding="utf-8")
    for name in CHAPTERS:
        shutil.copy(src / name, root / name)
    return load_catalog(root.parent)


def entries() -> list[tuple[str, Decides]]:
    """(rule id, decides entry) for every entry naming a chapter 5 or 7 item or clause."""
    out = []
    for f in sorted(p for p in Path(default_rules_dir()).rglob("*.yaml") if ".cases." not in p.name):
        for doc in load_yaml_documents(f):
            if doc:
                rule = validate(RuleDoc, doc, f)
                out += [(rule.id, d) for d in rule.decides if d.target.startswith(PREFIXES)]
    return out


def clauses_of(cat: Catalog, target: str) -> list[str]:
    return [target] if "#" in target else [c.id for c in cat.requirements[target].clauses]


def deciders(cat: Catalog) -> dict[str, set[str]]:
    """clause id -> the rules that decide it (alternatives)."""
    out: dict[str, set[str]] = {}
    for rule, d in entries():
        if d.coverage == "decides":
            for cid in clauses_of(cat, d.target):
                out.setdefault(cid, set()).add(rule)
    return out


def test_chapters_load_with_their_splits(chapters: Catalog) -> None:
    assert len(chapters.requirements) == 107 + 25
    assert len(chapters.clauses) == 166  # 102 single-demand items, 26 split in two, 4 in three
    # Joined demands are split, sharing words through fragments.
    assert [c.text.zh for c in chapters.requirements["ydt:5.3.1:L2.1"].clauses] == [
        "具备告警分级",
        "具备……及简单收敛方案",
    ]
    # Examples after 如 stay inside one clause.
    assert len(chapters.requirements["ydt:5.1.1:L2.1"].clauses) == 1
    # An evidence demand and an organisational one in one item make it mixed.
    assert chapters.requirements["ydt:7.1.2:L3.4"].assessment == "mixed"
    # "智能化" claims no system state proves are organisational.
    assert chapters.requirements["ydt:5.3.3:L5.1"].assessment == "organisational"


def test_entries_are_v2_name_real_clauses_and_decide_only_evidence(chapters: Catalog) -> None:
    seen = entries()
    assert len(seen) >= 55
    for rule, d in seen:
        assert d.coverage in ("decides", "supports"), (rule, d.target)
        assert d.target in chapters.decidable_ids(), (rule, d.target)
        if d.coverage == "decides":
            for cid in clauses_of(chapters, d.target):
                assert chapters.clauses[cid].assessment == "evidence", (rule, cid)


def test_alternatives_decide_the_same_clause(chapters: Catalog) -> None:
    by = deciders(chapters)
    # Two sources of dynamic thresholds were two necessary clauses in v1 (review: OVERSTRICT).
    assert {"prometheus.alerting.dynamic-thresholds", "aws.cloudwatch.anomaly-detection"} <= by["ydt:5.3.1:L4.1#a"]
    # AWS Config and the cluster API both discover configuration objects (review: UNDERCLAIM).
    assert {"aws.config.recorder-all-regions", "kubernetes.inventory.auto-discovery"} <= by["ydt:7.1.1:L3.1#a"]
    assert {"prometheus.alerting.threshold-rules", "aws.cloudwatch.alarm-actions"} <= by["ydt:5.3.1:L1.1#a"]
    # The query interface and the data content of 5.3.2:L2.5 are decided apart (review: UNDERCLAIM).
    assert by["ydt:5.3.2:L2.5#a"] == {"prometheus.data.query-api"}
    assert by["ydt:5.3.2:L2.5#b"] == {"prometheus.data.statistics"}


@pytest.mark.parametrize(
    ("rule", "clause"),
    [
        # A down target that is measured is evidence for quantified collection (review: OVERSTRICT).
        ("prometheus.collection.targets-healthy", "ydt:5.1.1:L2.2#a"),
        # A log DaemonSet does not show three data types (review: OVERSTRICT).
        ("kubernetes.agents.node-logs", "ydt:5.1.1:L2.1#a"),
        # Config rules are compliance checks, not state-change notification (review: OVERSTRICT).
        ("aws.config.compliance-rules", "ydt:7.1.1:L2.1#b"),
        # Reachability alone does not show several channels; as an alternative it would pass alone.
        ("prometheus.alerting.alertmanager-reachable", "ydt:5.3.1:L1.2#a"),
        # Vendored runbook links are not custom guidance.
        ("prometheus.alerting.runbooks", "ydt:5.3.1:L3.3#a"),
    ],
)
def test_evidence_that_cannot_decide_only_supports(chapters: Catalog, rule: str, clause: str) -> None:
    mine = [d for r, d in entries() if r == rule and d.target.split("#")[0] == clause.split("#")[0]]
    assert [(d.target, d.coverage) for d in mine if d.target == clause] == [(clause, "supports")]
    assert rule not in deciders(chapters).get(clause, set())


def test_zero_alerting_rules_is_a_finding() -> None:
    # `empty: not_met`: a Prometheus with no alerting rule at all has no threshold alerting.
    assert decide("prometheus.alerting.threshold-rules", []) == "not_met"
    assert decide("prometheus.alerting.threshold-rules", None) == "unknown"
    row = ("prometheus.alert_rule", "HighCPU", {"name": "HighCPU", "expr": "cpu > 0.9", "compares_constant": True})
    assert decide("prometheus.alerting.threshold-rules", [row]) == "met"
