"""Resilience posture: AWS Resilience Hub policies (RTO/RPO targets) and applications, Security
Hub findings, and EventBridge rules (who is told when configuration changes).

All read-only. Security Hub findings are counted by severity; only a few titles (bounded) are
kept so an auditor sees what the count means, never resource details or remediation text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from probes.aws.facts import iso
from probes.aws.plan import Part, Scan, Service
from probes.aws.session import pages
from scanner.evidence import Evidence

__all__ = ["SERVICES"]

# Security Hub workflow states of a finding nobody has dealt with yet.
_OPEN_WORKFLOW = {"NEW", "NOTIFIED"}
_MAX_TITLES = 5


def _targets(policy: dict[str, Any]) -> tuple[int | None, int | None]:
    """The tightest RTO and RPO (seconds) over the policy's disruption types."""
    rtos = [int(v["rtoInSecs"]) for v in policy.values() if isinstance(v, dict) and v.get("rtoInSecs") is not None]
    rpos = [int(v["rpoInSecs"]) for v in policy.values() if isinstance(v, dict) and v.get("rpoInSecs") is not None]
    return (min(rtos) if rtos else None, min(rpos) if rpos else None)


def resilience_policies(s: Scan, region: str) -> Iterator[Evidence]:
    """Resiliency policies with their RTO/RPO targets, and how many applications use each."""
    c = s.client("resiliencehub", region)
    used: dict[str, list[str]] = {}

    def read(app: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return app, c.describe_app(appArn=app["appArn"]).get("app") or {}

    for app, body in s.each(read, islice(pages(c, "list_apps", "appSummaries"), s.cfg.max_items_per_kind)):
        if body.get("policyArn"):
            used.setdefault(body["policyArn"], []).append(str(body.get("name") or app.get("name")))
    for p in islice(pages(c, "list_resiliency_policies", "resiliencyPolicies"), s.cfg.max_items_per_kind):
        arn = p.get("policyArn", "")
        targets = p.get("policy") or {}
        rto, rpo = _targets(targets)
        apps = sorted(used.get(arn, []))
        yield s.ev(
            "aws.resiliency_policy",
            f"{region}/{p.get('policyName') or arn}",
            {
                "region": region,
                "name": p.get("policyName") or arn,
                "tier": p.get("tier"),
                "disruption_types": sorted(k for k, v in targets.items() if isinstance(v, dict)),
                "min_rto_s": rto,
                "min_rpo_s": rpo,
                "has_targets": rto is not None and rpo is not None,
                "apps": apps[:50],
                "app_count": len(apps),
            },
            f"resiliencehub/{region}/ListResiliencyPolicies",
        )


def security_hub(s: Scan, region: str) -> Iterator[Evidence]:
    """One item per region: whether Security Hub is on and its open findings by severity."""
    c = s.client("securityhub", region)
    try:
        hub = c.describe_hub()
    except ClientError as exc:
        err = exc.response.get("Error", {})
        if err.get("Code") != "InvalidAccessException" or "not subscribed" not in str(err.get("Message", "")):
            raise
        hub = None  # not enabled here: a fact, not a failure
    counts = {"CRITICAL": 0, "HIGH": 0}
    titles: list[str] = []
    read = 0
    if hub is not None:
        filters = {
            "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
            "WorkflowStatus": [{"Value": v, "Comparison": "EQUALS"} for v in sorted(_OPEN_WORKFLOW)],
            "SeverityLabel": [{"Value": v, "Comparison": "EQUALS"} for v in counts],
        }
        for f in islice(pages(c, "get_findings", "Findings", Filters=filters), s.cfg.max_items_per_kind):
            read += 1
            # Filter again here: an endpoint that ignores Filters must not inflate the counts.
            label = str((f.get("Severity") or {}).get("Label") or "")
            status = str((f.get("Workflow") or {}).get("Status") or f.get("WorkflowState") or "NEW")
            if label not in counts or f.get("RecordState", "ACTIVE") != "ACTIVE" or status not in _OPEN_WORKFLOW:
                continue
            counts[label] += 1
            if label == "CRITICAL" and len(titles) < _MAX_TITLES:
                titles.append(str(f.get("Title") or "")[:120])
    yield s.ev(
        "aws.security_hub",
        region,
        {
            "region": region,
            "enabled": hub is not None,
            "subscribed_at": iso(hub.get("SubscribedAt")) if hub else None,
            "critical_open": counts["CRITICAL"],
            "high_open": counts["HIGH"],
            "critical_titles": titles,
            "truncated": read >= s.cfg.max_items_per_kind,
        },
        f"securityhub/{region}/GetFindings",
    )


def _pattern(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return sorted({str(v)[:100] for v in value if isinstance(v, (str, int))})[:20]
    return [str(value)[:100]] if isinstance(value, str) else []


def eventbridge_rules(s: Scan, region: str) -> Iterator[Evidence]:
    """Rules of the default event bus: their event sources and detail types (patterns only)."""
    c = s.client("events", region)
    for r in islice(pages(c, "list_rules", "Rules"), s.cfg.max_items_per_kind):
        pattern = _pattern(r.get("EventPattern"))
        sources = _strings(pattern.get("source"))
        details = _strings(pattern.get("detail-type"))
        yield s.ev(
            "aws.eventbridge_rule",
            f"{region}/{r['Name']}",
            {
                "region": region,
                "name": r["Name"],
                "enabled": r.get("State") == "ENABLED",
                "scheduled": bool(r.get("ScheduleExpression")),
                "sources": sources,
                "detail_types": details,
                "config_changes": "aws.config" in sources
                and (not details or any("Configuration Item Change" in d for d in details)),
            },
            f"events/{region}/ListRules",
        )


SERVICES = (
    Service("resiliencehub", (Part(("aws.resiliency_policy",), resilience_policies),)),
    Service("securityhub", (Part(("aws.security_hub",), security_hub),)),
    Service("events", (Part(("aws.eventbridge_rule",), eventbridge_rules),)),
)
