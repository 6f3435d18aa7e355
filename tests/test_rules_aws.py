"""What rule cases cannot say: an explanation names the resources that fail (the evidence comes
from the cases beside the rules, rules/aws/*.cases.yaml)."""

from __future__ import annotations

import pytest

from tests.ruletable import cases_files, evaluate, load_cases


@pytest.mark.parametrize(
    ("rule_id", "named"),
    [("aws.databases.multi-az", "us-east-1/legacy"), ("aws.config.recorder-all-regions", "eu-west-1")],
)
def test_explanations_name_failing_resources(rule_id: str, named: str) -> None:
    case = next(c for f in cases_files() for c in load_cases(f) if c.rule == rule_id and c.case.expect == "not_met")
    result = evaluate(rule_id, case.rows)
    assert result.status == "not_met"
    assert named in result.explanation
    ok = [row for row in case.rows if row[1] != named]
    assert named not in evaluate(rule_id, ok).explanation
