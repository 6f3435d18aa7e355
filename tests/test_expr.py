"""The rule condition language: operators, missing fields, explanations, compile errors."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.evidence import Evidence
from scanner.expr import CompileError, compile_condition, compile_predicate


def ev(subject: str, data: dict[str, Any], kind: str = "k.item") -> Evidence:
    return Evidence.make(kind, subject, data, "test://")


ITEM = ev(
    "web",
    {
        "replicas": 3,
        "name": "web-1",
        "labels": {"team": "sre"},
        "ports": [80, 443],
        "probes": [{"type": "readiness"}],
        "ratio": "0.5",
        "none": None,
    },
)


@pytest.mark.parametrize(
    ("pred", "want"),
    [
        ({"path": "data.replicas", "eq": 3}, True),
        ({"path": "data.replicas", "ne": 3}, False),
        ({"path": "data.missing", "ne": 3}, True),
        ({"path": "data.missing", "eq": None}, False),
        ({"path": "data.replicas", "in": [1, 3]}, True),
        ({"path": "data.replicas", "not_in": [1, 3]}, False),
        ({"path": "data.missing", "not_in": [1]}, True),
        ({"path": "data.labels.team", "exists": True}, True),
        ({"path": "data.labels.owner", "exists": False}, True),
        ({"path": "data.none", "exists": True}, False),
        ({"path": "data.name", "regex": "^web-\\d$"}, True),
        ({"path": "data.replicas", "regex": "3"}, False),  # type mismatch is false, not an error
        ({"path": "data.replicas", "gte": 2}, True),
        ({"path": "data.replicas", "gt": 3}, False),
        ({"path": "data.replicas", "lte": 3, "gte": 1}, True),
        ({"path": "data.ratio", "lt": 0.6}, True),  # numeric strings compare as numbers
        ({"path": "data.name", "gte": 1}, False),
        ({"path": "data.ports", "contains": 443}, True),
        ({"path": "data.labels", "contains": "team"}, True),
        ({"path": "data.ports", "len_gte": 3}, False),
        ({"path": "data.ports.1", "eq": 443}, True),
        ({"path": "data.probes", "any": {"path": "type", "eq": "readiness"}}, True),
        ({"path": "data.probes", "all": {"path": "type", "eq": "liveness"}}, False),
        ({"path": "data.labels", "truthy": True}, True),
        ({"path": "data.missing", "truthy": False}, True),
        ({"path": "subject", "eq": "web"}, True),
        ({"all_of": [{"path": "data.replicas", "gte": 2}, {"path": "data.labels.team", "eq": "sre"}]}, True),
        ({"any_of": [{"path": "data.replicas", "gte": 9}, {"path": "data.labels.team", "eq": "x"}]}, False),
        ({"not": {"path": "data.replicas", "gte": 9}}, True),
    ],
)
def test_predicates(pred: dict[str, Any], want: bool) -> None:
    assert compile_predicate(pred, {})(ITEM) is want


def test_parameters_and_literal_dollar() -> None:
    assert compile_predicate({"path": "data.replicas", "gte": "$min"}, {"min": 3})(ITEM)
    assert not compile_predicate({"path": "data.replicas", "gte": "$min"}, {"min": 4})(ITEM)
    assert compile_predicate({"path": "data.name", "ne": "$$x"}, {})(ITEM)
    with pytest.raises(CompileError, match="unknown parameter"):
        compile_predicate({"path": "data.replicas", "gte": "$nope"}, {})


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"path": "data.x", "frobnicate": 1}, "unknown operator"),
        ({"path": "data.x", "regex": "("}, "regex"),
        ({"path": "data.x", "gte": "many"}, "number"),
        ({"path": "data x", "eq": 1}, "bad field path"),
        ({"path": "data.x"}, "needs an operator"),
        ({"eq": 1}, "needs `path`"),
        ({"path": "data.x", "in": 3}, "takes a list"),
        ({"all_of": []}, "non-empty list"),
    ],
)
def test_predicate_compile_errors(node: dict[str, Any], message: str) -> None:
    with pytest.raises(CompileError, match=message):
        compile_predicate(node, {})


def index(*items: Evidence) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = {}
    for e in items:
        out.setdefault(e.kind, []).append(e)
    return out


DEPLOYS = [ev(f"ns/app-{i}", {"ready": i < 7, "prod": i % 2 == 0}) for i in range(10)]


def test_ratio_explains_with_failing_subjects_and_cites_them() -> None:
    c = compile_condition(
        {
            "ratio": {
                "kind": "k.item",
                "that": {"path": "data.ready", "eq": True},
                "gte": 0.8,
                "label": "has a readinessProbe",
            }
        },
        {},
    )
    o = c.evaluate(index(*DEPLOYS))
    assert not o.ok
    assert "7 of 10" in o.detail and "70%" in o.detail and "has a readinessProbe" in o.detail
    assert "ns/app-7" in o.detail
    assert len(o.evidence) == 3 and o.stats["ratio"] == 0.7
    ok = compile_condition(
        {"ratio": {"kind": "k.item", "that": {"path": "data.ready", "eq": True}, "gte": 0.7}}, {}
    ).evaluate(index(*DEPLOYS))
    assert ok.ok


def test_where_narrows_the_population() -> None:
    c = compile_condition(
        {
            "every": {
                "kind": "k.item",
                "where": {"path": "data.prod", "eq": True},
                "that": {"path": "data.ready", "eq": True},
            }
        },
        {},
    )
    o = c.evaluate(index(*DEPLOYS))
    assert not o.ok and "1 of 5" in o.detail and "ns/app-8" in o.detail


def test_empty_population_is_undecided_unless_allowed() -> None:
    every = {"kind": "k.item", "that": {"path": "data.ready", "eq": True}}
    for node in (
        {"every": every},
        {"ratio": {**every, "gte": 0.5}},
        {"some": {"kind": "k.item"}},
        {"none": every},
        {"count": {"kind": "k.item", "lte": 0}},
    ):
        o = compile_condition(node, {}).evaluate({})
        assert o.empty and not o.ok and "nothing in scope" in o.detail, node
    # v1 `allow_empty: true` still reads an empty population as a pass
    o = compile_condition({"every": {**every, "allow_empty": True}}, {}).evaluate({})
    assert o.ok and not o.empty


def test_nothing_in_scope_depends_on_the_quantifier() -> None:
    """`every`/`ratio`/`none` speak about the `where` population (none left: nothing in scope);
    `some`/`count` ask whether such items exist, so items that all miss `where` are a finding."""
    nope = {"path": "data.prod", "eq": "nope"}
    ready = {"path": "data.ready", "eq": True}
    for op, extra in (("every", {}), ("ratio", {"gte": 0.5}), ("none", {})):
        o = compile_condition({op: {"kind": "k.item", "where": nope, "that": ready, **extra}}, {}).evaluate(
            index(*DEPLOYS)
        )
        assert o.empty and not o.ok, op
    for op, extra in (("some", {}), ("count", {"gte": 1})):
        for body in ({"where": nope}, {"where": nope, "that": ready}):
            o = compile_condition({op: {"kind": "k.item", **body, **extra}}, {}).evaluate(index(*DEPLOYS))
            assert not o.ok and not o.empty, (op, body)
        assert compile_condition({op: {"kind": "k.item", "where": nope, **extra}}, {}).evaluate({}).empty


def test_combinations_are_three_valued() -> None:
    idx = index(*DEPLOYS)
    yes = {"some": {"kind": "k.item", "that": {"path": "data.ready", "eq": True}}}
    no = {"every": {"kind": "k.item", "that": {"path": "data.ready", "eq": True}}}
    empty = {"some": {"kind": "k.gone"}}

    def run(node: dict[str, Any]) -> tuple[bool, bool]:
        o = compile_condition(node, {}).evaluate(idx)
        return o.ok, o.empty

    assert run({"all_of": [yes, empty]}) == (False, True)  # undecided part: undecided whole
    assert run({"all_of": [no, empty]}) == (False, False)  # a decided failure decides
    assert run({"any_of": [yes, empty]}) == (True, False)  # a decided success decides
    assert run({"any_of": [no, empty]}) == (False, True)
    assert run({"not": empty}) == (True, True)  # still undecided: the rule's `empty:` decides


def test_some_none_count() -> None:
    idx = index(*DEPLOYS)
    assert (
        compile_condition({"some": {"kind": "k.item", "that": {"path": "data.ready", "eq": False}}}, {})
        .evaluate(idx)
        .ok
    )
    none = compile_condition({"none": {"kind": "k.item", "that": {"path": "data.ready", "eq": False}}}, {}).evaluate(
        idx
    )
    assert not none.ok and "expected none" in none.detail
    cnt = compile_condition(
        {"count": {"kind": "k.item", "that": {"path": "data.prod", "eq": True}, "gte": 5, "lte": 5}}, {}
    ).evaluate(idx)
    assert cnt.ok and cnt.stats["matched"] == 5


def test_boolean_combinations_explain_what_decided() -> None:
    good = {"some": {"kind": "k.item", "that": {"path": "data.ready", "eq": True}}}
    bad = {"every": {"kind": "k.item", "that": {"path": "data.ready", "eq": True}, "label": "ready"}}
    idx = index(*DEPLOYS)
    both = compile_condition({"all_of": [good, bad]}, {}).evaluate(idx)
    assert not both.ok and "3 of 10" in both.detail and "match" not in both.detail.split(";")[0][:3]
    either = compile_condition({"any_of": [bad, good]}, {}).evaluate(idx)
    assert either.ok and "7 of 10" in either.detail
    neg = compile_condition({"not": bad}, {}).evaluate(idx)
    assert neg.ok and neg.detail.startswith("not (")


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"some": {"kind": "k.item"}, "every": {}}, "exactly one operator"),
        ({"sometimes": {"kind": "k.item"}}, "unknown operator"),
        ({"every": {"kind": "k.item"}}, "needs `that`"),
        ({"ratio": {"kind": "k.item", "that": {"path": "data.x", "eq": 1}}}, "needs a bound"),
        ({"some": {"kind": "k.other"}}, "unknown evidence kind"),
        ({"some": {"kind": "k.item", "colour": 1}}, "unknown key"),
        ({"count": {"kind": "k.item", "gte": "$n"}}, "unknown parameter"),
    ],
)
def test_condition_compile_errors(node: dict[str, Any], message: str) -> None:
    with pytest.raises(CompileError, match=message):
        compile_condition(node, {}, {"k.item"})


def test_labels_show_parameter_values() -> None:
    c = compile_condition(
        {
            "ratio": {
                "kind": "k.item",
                "that": {"path": "data.ready", "eq": True},
                "gte": "$min_ratio",
                "label": "ready on ≥ min_ratio of items",
            }
        },
        {"min_ratio": 0.9},
    )
    o = c.evaluate(index(*DEPLOYS))
    assert "ready on ≥ 0.9 (90%) of items" in o.detail


def test_chinese_details_space_latin_words_but_not_full_width_brackets() -> None:
    """A kind name (Latin) is set off from the Chinese by one space; a full-width closing
    parenthesis takes none (Chinese typography)."""
    that = {"path": "data.ready", "eq": True}
    where = {"path": "data.prod", "eq": True}
    plain = compile_condition({"count": {"kind": "k.item", "that": that, "gte": 1, "label": "ready"}}, {}).evaluate(
        index(*DEPLOYS)
    )
    assert "个 k.item 符合［" in plain.detail_zh, plain.detail_zh
    scoped = compile_condition({"every": {"kind": "k.item", "where": where, "that": that}}, {}).evaluate(
        index(*DEPLOYS)
    )
    assert "）中有" in scoped.detail_zh and "） " not in scoped.detail_zh, scoped.detail_zh
    seen = compile_condition({"count": {"kind": "k.item", "gte": 1}}, {}).evaluate(index(*DEPLOYS))
    assert seen.detail_zh.startswith("10 个 k.item 被观察到"), seen.detail_zh
