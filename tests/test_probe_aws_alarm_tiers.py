"""Graded alarm tiers and group autoscaling read from DescribeAlarms / DescribeAutoScalingGroups
answers (probes/aws/ops.py), without a server."""

from __future__ import annotations

from typing import Any

from probes.aws.ops import _autoscaled, _tiers

PAGER = "arn:aws:sns:us-east-1:111122223333:pager"
TEAM = "arn:aws:sns:us-east-1:111122223333:team"
SCALE = "arn:aws:autoscaling:us-east-1:111122223333:scalingPolicy:abc:autoScalingGroupName/web:policyName/out"


def _alarm(name: str, threshold: float, actions: list[str], **kw: Any) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "Namespace": "AWS/RDS",
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "orders"}],
        "Statistic": "Average",
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": threshold,
        "ActionsEnabled": True,
        "AlarmActions": actions,
        **kw,
    }


def test_two_thresholds_to_two_topics_are_tiers() -> None:
    tiers = _tiers([_alarm("warn", 70, [TEAM]), _alarm("page", 90, [PAGER])])
    assert tiers == {"warn": ["page"], "page": ["warn"]}


def test_same_topic_other_dimension_scaling_trigger_or_disabled_are_not() -> None:
    assert _tiers([_alarm("a", 70, [PAGER]), _alarm("b", 90, [PAGER])]) == {}
    other = _alarm("b", 90, [TEAM], Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "ledger"}])
    assert _tiers([_alarm("a", 70, [PAGER]), other]) == {}
    assert _tiers([_alarm("scale", 70, [SCALE]), _alarm("page", 90, [PAGER])]) == {}
    assert _tiers([_alarm("a", 70, [TEAM], ActionsEnabled=False), _alarm("b", 90, [PAGER])]) == {}
    below = _alarm("b", 10, [TEAM], ComparisonOperator="LessThanThreshold")
    assert _tiers([_alarm("a", 70, [PAGER]), below]) == {}


def test_autoscaled_needs_room_and_an_acting_policy_or_schedule() -> None:
    g = {"MinSize": 2, "MaxSize": 8}
    assert _autoscaled(g, [{"type": "TargetTrackingScaling", "forecast_only": False}], 0)
    assert _autoscaled(g, [], 1)
    assert not _autoscaled(g, [{"type": "PredictiveScaling", "forecast_only": True}], 0)
    assert not _autoscaled({"MinSize": 3, "MaxSize": 3}, [{"type": "TargetTrackingScaling"}], 1)
