"""Realistic synthetic reports, built through the real pipeline (rules, scoring, grading, seal).

`build_report` writes a small rule set and an attestation file into a folder, makes evidence
with `Evidence.make`, and calls `scanner.pipeline.assemble`, so the renderers see exactly the
shape a scan produces. `payload` is put into every field a scanned system controls (subjects,
origins, labels, annotations, names, URLs, source errors), which the XSS tests rely on.
`scale` adds that many extra evidence items (the 100k benchmark).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from scanner.attest import load_statements
from scanner.catalog import load_catalog
from scanner.evidence import Evidence
from scanner.pipeline import assemble
from scanner.report import seal
from scanner.rules import load_rules

__all__ = ["KINDS", "build_report"]

KINDS = {
    "demo.alert_rule": "an alerting rule",
    "demo.workload": "a workload",
    "cloud.bucket": "an object storage bucket",
}

RULES = """\
id: demo.alerting.threshold-rules
title: Alerting rules compare metrics against thresholds
evidence: [demo.alert_rule]
decides:
  - clause: "ydt:5.3.1:L1.1#a"
    rationale: An alerting rule whose expression compares a series with a constant is a threshold alert.
  - clause: "wa:OPS08-BP01#a"
    rationale: Threshold alerts analyse the workload's metrics.
condition:
  count:
    kind: demo.alert_rule
    that: {path: data.expr, regex: "[<>]=?\\\\s*[0-9]"}
    label: expression compares with a constant
    gte: 1
remediation: Add alerting rules with explicit thresholds.
---
id: demo.workloads.readiness
title: Workloads declare readiness probes
evidence: [demo.workload]
decides:
  - requirement: "ydt:5.1.1:L1.1"
    rationale: A workload that is monitored for readiness exposes OS and process health.
  - clause: "ydt:6.2.2:L1.1#a"
    coverage: supports
    rationale: Readiness gates are shown beside a basic deployment process.
params:
  min_ratio: 0.9
condition:
  ratio:
    kind: demo.workload
    that: {path: data.readiness, truthy: true}
    label: has a readiness probe
    gte: $min_ratio
remediation: Add a readinessProbe to every container.
---
id: demo.alerting.runbooks
title: Alerting rules link a runbook
evidence: [demo.alert_rule]
decides:
  - clause: "ydt:5.3.1:L2.1#a"
    rationale: Graded alerts need a documented response, which a runbook link shows.
condition:
  every:
    kind: demo.alert_rule
    that: {path: data.annotations.runbook_url, exists: true}
    label: links a runbook
remediation: Add a runbook_url annotation to every alerting rule.
---
id: cloud.buckets.versioned
title: Buckets keep versions
evidence: [cloud.bucket]
decides:
  - requirement: "ydt:7.1.1:L1.1"
    rationale: Versioned configuration storage is the basis of configuration records.
  - clause: "wa:OPS04-BP01#b"
    rationale: Versioning is one way to observe configuration over time.
condition:
  every:
    kind: cloud.bucket
    that: {path: data.versioning, eq: true}
remediation: Turn on bucket versioning.
"""

STATEMENTS = """\
attestations:
  - requirements: ["ydt:5.3.1:L1.2"]
    statement: "The on-call team reviews alert thresholds monthly {p}"
    owner: "sre-lead {p}"
    reviewer: auditor@example.com
    evidence_url: "https://wiki.example.com/alerts?x=1"
    date: 2026-01-10
    expires: 2027-01-10
  - requirements: ["ydt:5.1.1:L2.1"]
    statement: "Logs are collected centrally by the platform team."
    owner: platform
    reviewer: auditor@example.com
    evidence_url: "https://wiki.example.com/logs"
    date: 2024-01-10
    expires: 2025-01-10
waivers:
  - capabilities: ["ydt:11.1.1"]
    reason: "No end-user facing product in scope {p}"
    owner: cto
    reviewer: auditor@example.com
    date: 2026-06-30
    expires: 2027-06-30
"""


def _yaml_str(s: str) -> str:
    """`s` as the inside of a double-quoted YAML string."""
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 else c for c in out)


def build_report(
    folder: Path,
    *,
    payload: str = "",
    scale: int = 0,
    good: bool = True,
    started: str = "2026-11-20T10:00:00Z",
) -> dict[str, Any]:
    """A sealed report. `good=False` makes alerting regress (for baseline diffs)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    (folder / "statements.yaml").write_text(STATEMENTS.replace("{p}", _yaml_str(payload)), encoding="utf-8")
    catalog = load_catalog()
    ruleset = load_rules([folder / "rules.yaml"], requirement_ids=catalog.decidable_ids(), kinds=set(KINDS))
    statements = load_statements(
        [folder / "statements.yaml"],
        requirement_ids=catalog.decidable_ids(),
        capability_ids=set(catalog.capabilities),
    )
    p = payload
    at = "2026-11-20T10:00:05Z"
    ev: list[Evidence] = [
        Evidence.make(
            "demo.alert_rule",
            f"HighCPU{p}",
            {
                "expr": "cpu > 0.8" if good else "up",
                "labels": {"severity": f"page{p}"},
                "annotations": {"runbook_url": f"https://runbooks.example.com/cpu{p}", "summary": f"CPU high {p}"},
            },
            f"http://prom.example:9090/api/v1/rules{p}",
            source="prom",
            collected_at=at,
        ),
        Evidence.make(
            "demo.alert_rule",
            f"DiskFull{p}",
            {
                "expr": "disk_free < 10" if good else "disk_free",
                "labels": {"severity": "ticket"},
                "annotations": {"description": f"disk {p}"},
            },
            "http://prom.example:9090/api/v1/rules",
            source="prom",
            collected_at=at,
        ),
    ]
    for i in range(12):
        ev.append(
            Evidence.make(
                "demo.workload",
                f"prod/deploy-{i:02d}{p if i == 0 else ''}",
                {
                    "namespace": "prod",
                    "name": f"deploy-{i:02d}",
                    "readiness": i % 4 != 0,
                    "image": f"registry.example/app:{i}",
                },
                f"file://gitops/apps/deploy-{i:02d}.yaml",
                source="repo",
                collected_at=at,
            )
        )
    for i in range(scale):
        ev.append(
            Evidence.make(
                "demo.workload",
                f"ns-{i % 97}/workload-{i:06d}",
                {
                    "namespace": f"ns-{i % 97}",
                    "name": f"workload-{i:06d}",
                    "readiness": i % 10 != 0,
                    "replicas": i % 5,
                    "labels": {"team": f"team-{i % 13}", "app": f"app-{i % 211}"},
                },
                f"https://k8s.example:6443/apis/apps/v1/namespaces/ns-{i % 97}/deployments",
                source="cluster",
                collected_at=at,
            )
        )
    observations = {
        "demo.alert_rule": {"observed": True, "sources": ["prom"], "reason": None},
        "demo.workload": {"observed": True, "sources": ["repo", "cluster"] if scale else ["repo"], "reason": None},
        "cloud.bucket": {"observed": False, "sources": [], "reason": f"source 'aws{p}': AccessDenied (403) {p}"},
    }
    sources = [
        {
            "name": "prom",
            "probe": "prometheus",
            "status": "ok",
            "error": None,
            "evidence_count": 2,
            "duration_s": 0.4,
            "observed_kinds": ["demo.alert_rule"],
            "failed_kinds": {},
        },
        {
            "name": "repo",
            "probe": "files",
            "status": "ok",
            "error": None,
            "evidence_count": 12,
            "duration_s": 0.1,
            "observed_kinds": ["demo.workload"],
            "failed_kinds": {},
        },
        {
            "name": f"aws{p}",
            "probe": "aws",
            "status": "error",
            "error": f"AccessDenied (403) {p}",
            "evidence_count": 0,
            "duration_s": 1.2,
            "observed_kinds": [],
            "failed_kinds": {"cloud.bucket": f"AccessDenied (403) {p}"},
        },
    ]
    if scale:
        sources.append(
            {
                "name": "cluster",
                "probe": "kubernetes",
                "status": "ok",
                "error": None,
                "evidence_count": scale,
                "duration_s": 30.0,
                "observed_kinds": ["demo.workload"],
                "failed_kinds": {},
            }
        )
    meta = {
        "started": started,
        "finished": started[:-3] + "42Z",
        "scanner_version": "0.1.0",
        "config_digest": "0" * 64,
        "sources": sources,
    }
    report = assemble(
        catalog, ruleset, statements, ev, observations, frameworks=["ydt1756-4", "aws-wa-ops"], scan_meta=meta
    )
    return _stable(report, folder)


def _stable(report: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Rule and statement files named relative to `folder`, resealed: the same report from any temp folder."""
    prefix = str(folder) + "/"
    for item in [*report["statements"], *report["rules"]]:
        if str(item.get("file", "")).startswith(prefix):
            item["file"] = item["file"][len(prefix) :]
    return seal(report)


def write_rules_text() -> str:
    """The synthetic rule set's YAML (for documentation and debugging)."""
    return textwrap.dedent(RULES)
