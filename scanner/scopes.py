"""Scopes: which evidence belongs to which project or team, and each scope's own grades.

A scope (`scopes:` in maturity.yaml) names the systems of one project or team by selectors per
probe. Every evidence item is attributed from the subject and data its kind carries:

- **shared**: evidence about the whole platform (Alertmanager routing, Prometheus's own
  configuration and storage, cluster nodes and API groups, an organisation's budgets, trails
  and Config recorders). It counts for every scope and is listed as shared in each.
- **owned**: evidence that names a namespace, a GitLab project, an AWS account or tag, rule
  labels or a target job, or a repository path. It belongs to every scope whose selector
  matches it (possibly several, possibly none: then only the whole estate counts it).

A scope is graded by the same grading function as the estate, over its own evidence plus the
shared evidence. A kind the scope has no selector for (a team that declared no Prometheus
matcher) is `unknown` with `source_not_configured` in that scope, never `not_met`: an empty
population that only reflects a missing selector is not a finding.

Everything here is a pure function of the recorded evidence, sources and scope definitions
(`scan.scopes`, `scan.source_accounts` in the report), so `verify` re-derives every scope.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from scanner.config import ScanConfig, ScopeConfig, parse_matcher
from scanner.evidence import Evidence

__all__ = [
    "SHARED",
    "Attribution",
    "attribute",
    "scope_entries",
    "scope_meta",
    "scopes_from_meta",
]

SHARED = "shared"

# Kinds about the platform as a whole, whatever source reported them.
PLATFORM_KINDS = frozenset(
    {
        "alertmanager.config",
        "alertmanager.receiver",
        "alertmanager.silence",
        "alertmanager.status",
        "prometheus.config",
        "prometheus.runtime",
        "prometheus.tsdb",
        "prometheus.alertmanagers",
        "prometheus.exporters",
        "kubernetes.api_groups",
        "kubernetes.node_zones",
        "aws.budget",
        "aws.cost_anomaly_monitor",
        "aws.cost_allocation_tag",
        "aws.cloudtrail_trail",
        "aws.config_recorder",
        "aws.config_rule",
    }
)
# Prometheus kinds that carry labels a matcher can select (target pools: their `job`).
LABELLED_PROMETHEUS = frozenset({"prometheus.alert_rule", "prometheus.recording_rule", "prometheus.slo"})
_ARN_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):")
_ROLE_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")
_FILE_ORIGIN = re.compile(r"^file://([^#;]*)")


@dataclass(frozen=True)
class _Facets:
    """What an evidence item says about whom it belongs to."""

    namespaces: tuple[str, ...] = ()
    labels: Mapping[str, str] | None = None
    project: str | None = None
    account: str | None = None
    tag_keys: frozenset[str] = frozenset()
    tag_values: frozenset[str] = frozenset()
    path: str | None = None


@dataclass
class Attribution:
    """Per evidence id: SHARED, or the names of the scopes it belongs to (maybe none)."""

    of: dict[str, str | tuple[str, ...]] = field(default_factory=dict)

    def evidence_for(self, scope: str, evidence: Iterable[Evidence]) -> tuple[list[Evidence], list[str]]:
        """The scope's evidence (own and shared) and the ids of the shared items among it."""
        items, shared = [], []
        for ev in evidence:
            a = self.of.get(ev.id, ())
            if a == SHARED:
                items.append(ev)
                shared.append(ev.id)
            elif scope in a:
                items.append(ev)
        return items, sorted(shared)


def _norm_key(k: str) -> str:
    return re.sub(r"[^a-z0-9]", "", k.lower())


def _family(kind: str) -> str:
    return kind.split(".", 1)[0]


def _facets(ev: Evidence, probe: str, accounts: Mapping[str, str]) -> _Facets | None:
    """The item's facets; None when it is shared platform evidence."""
    if ev.kind in PLATFORM_KINDS:
        return None
    d = ev.data
    path = None
    if probe == "files":
        m = _FILE_ORIGIN.match(ev.origin)
        path = m.group(1).strip("/") if m else None
    fam = _family(ev.kind)
    if fam == "kubernetes":
        if ev.kind == "kubernetes.namespace":
            return _Facets(namespaces=(str(d.get("name", "")),), path=path)
        if ev.kind == "kubernetes.velero_schedule":
            inc = [str(n) for n in d.get("included_namespaces") or []]
            if not inc or "*" in inc:
                return None  # backs up every namespace: the platform's
            return _Facets(namespaces=tuple(inc), path=path)
        ns = d.get("namespace")
        return _Facets(namespaces=(str(ns),), path=path) if ns else None
    if fam == "prometheus":
        if ev.kind in LABELLED_PROMETHEUS:
            raw = d.get("labels")
            labels: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            return _Facets(labels={str(k): str(v) for k, v in labels.items()}, path=path)
        if ev.kind == "prometheus.target_pool":
            return _Facets(labels={"job": str(d.get("job", ""))}, path=path)
        return _Facets(path=path)
    if fam == "gitlab":
        project = d.get("project") or d.get("path") or ev.subject.split("/environments/", 1)[0]
        return _Facets(project=str(project), path=path)
    if fam == "aws":
        arn = str(d.get("arn") or ev.subject)
        m = _ARN_ACCOUNT.match(arn)
        account = m.group(1) if m else accounts.get(ev.source)
        keys = frozenset(_norm_key(str(k)) for k in d.get("tag_keys") or [])
        values = frozenset(str(v) for v in (d.get("owner"), d.get("cost_tag")) if v)
        return _Facets(account=account, tag_keys=keys, tag_values=values, path=path)
    return _Facets(path=path)  # another probe's kind: only a repository path can place it


def _matcher_ok(labels: Mapping[str, str], label: str, op: str, value: str) -> bool:
    got = labels.get(label, "")  # as in PromQL, a missing label is the empty string
    if op == "=":
        return got == value
    if op == "!=":
        return got != value
    hit = regex.fullmatch(value, got, timeout=0.5) is not None
    return hit if op == "=~" else not hit


def _path_ok(path: str, wanted: str) -> bool:
    """`apps/shop` selects `apps/shop/api.yaml` and `gitops/apps/shop/api.yaml` (any repository root)."""
    parts, want = path.split("/"), wanted.strip("/").split("/")
    return any(parts[i : i + len(want)] == want for i in range(len(parts) - len(want) + 1))


class _Matcher:
    """One scope's selectors, compiled."""

    def __init__(self, scope: ScopeConfig, ns_labels: Mapping[str, Mapping[str, str]]) -> None:
        sel = scope.selectors
        self.name = scope.name
        self.k8s = sel.kubernetes
        self.gitlab = sel.gitlab
        self.aws = sel.aws
        self.files = sel.files
        self.matchers = [parse_matcher(m) for m in (sel.prometheus.matchers if sel.prometheus else [])]
        self.ns_labels = ns_labels

    def namespace_ok(self, ns: str) -> bool:
        if self.k8s is None:
            return False
        if ns in self.k8s.namespaces:
            return True
        want = self.k8s.labels
        have = self.ns_labels.get(ns, {})
        return bool(want) and all(have.get(k) == v for k, v in want.items())

    def matches(self, ev: Evidence, f: _Facets) -> bool:
        fam = _family(ev.kind)
        if fam == "kubernetes" and any(self.namespace_ok(ns) for ns in f.namespaces):
            return True
        if fam == "prometheus" and f.labels is not None and self.matchers:
            if any(_matcher_ok(f.labels, *m) for m in self.matchers):
                return True
        if fam == "gitlab" and self.gitlab is not None and f.project:
            if f.project in self.gitlab.projects or any(
                f.project.startswith(g.rstrip("/") + "/") for g in self.gitlab.groups
            ):
                return True
        if fam == "aws" and self.aws is not None:
            if f.account is not None and f.account in self.aws.accounts:
                return True
            tags = self.aws.tags
            if tags and any(_norm_key(k) in f.tag_keys and v in f.tag_values for k, v in tags.items()):
                return True
        return bool(self.files and f.path and any(_path_ok(f.path, p) for p in self.files.paths))

    def covers(self, kind: str, from_files: bool) -> bool:
        """True when this scope has a selector that can place evidence of `kind`."""
        fam = _family(kind)
        if from_files and self.files is not None:
            return True
        return {
            "kubernetes": self.k8s is not None,
            "prometheus": bool(self.matchers) and (kind in LABELLED_PROMETHEUS or kind == "prometheus.target_pool"),
            "gitlab": self.gitlab is not None,
            "aws": self.aws is not None,
        }.get(fam, False)


def _namespace_labels(evidence: Iterable[Evidence]) -> dict[str, dict[str, str]]:
    """Labels of every namespace seen (live or in Git), merged by name."""
    out: dict[str, dict[str, str]] = {}
    for ev in evidence:
        if ev.kind == "kubernetes.namespace" and isinstance(ev.data.get("labels"), Mapping):
            out.setdefault(str(ev.data.get("name", "")), {}).update(
                {str(k): str(v) for k, v in ev.data["labels"].items()}
            )
    return out


def _probes(sources: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {str(s.get("name")): str(s.get("probe")) for s in sources}


def attribute(
    evidence: Sequence[Evidence],
    scopes: Sequence[ScopeConfig],
    sources: Sequence[Mapping[str, Any]],
    accounts: Mapping[str, str] | None = None,
) -> Attribution:
    """Attribute every evidence item: SHARED, or the scopes whose selectors match it."""
    probes = _probes(sources)
    matchers = [_Matcher(s, _namespace_labels(evidence)) for s in scopes]
    out = Attribution()
    for ev in evidence:
        f = _facets(ev, probes.get(ev.source, ""), accounts or {})
        out.of[ev.id] = SHARED if f is None else tuple(m.name for m in matchers if m.matches(ev, f))
    return out


def _scoped_observations(
    m: _Matcher, observations: Mapping[str, Mapping[str, Any]], probes: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Observations as this scope sees them: a kind it has no selector for is not configured."""
    out: dict[str, dict[str, Any]] = {}
    for kind, obs in observations.items():
        o = dict(obs)
        from_files = any(probes.get(str(s)) == "files" for s in obs.get("sources") or [])
        if o.get("observed") and kind not in PLATFORM_KINDS and not m.covers(kind, from_files):
            o.update(
                observed=False,
                state="not_configured",
                reason=f"scope {m.name} declares no selector for {_family(kind)} evidence",
            )
        out[kind] = o
    return out


def scope_entries(
    scopes: Sequence[ScopeConfig],
    evidence: Sequence[Evidence],
    observations: Mapping[str, Mapping[str, Any]],
    sources: Sequence[Mapping[str, Any]],
    accounts: Mapping[str, str],
    grade_fn: Callable[[list[Evidence], Mapping[str, Mapping[str, Any]]], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """`scopes[]` of the report: each scope graded by `grade_fn` over its own and shared evidence.

    `grade_fn(evidence, observations)` returns frameworks[] exactly as the estate's are made.
    """
    attribution = attribute(evidence, scopes, sources, accounts)
    probes = _probes(sources)
    ns_labels = _namespace_labels(evidence)
    out = []
    for scope in scopes:
        items, shared = attribution.evidence_for(scope.name, evidence)
        fws = grade_fn(items, _scoped_observations(_Matcher(scope, ns_labels), observations, probes))
        below = [
            c["id"]
            for fw in fws
            for c in fw["capabilities"]
            if scope.target_level is not None and c.get("level") is not None and c["level"] < scope.target_level
        ]
        out.append(
            {
                "name": scope.name,
                "owner": scope.owner,
                "target_level": scope.target_level,
                "selectors": scope.selectors.model_dump(mode="json", exclude_none=True),
                "evidence": {"own": len(items) - len(shared), "shared": len(shared)},
                "shared_evidence": shared,
                "below_target": below,
                "frameworks": fws,
            }
        )
    return out


def scope_meta(config: ScanConfig | None, recorded: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a report or bundle records so the scopes re-derive without the config: the scope
    definitions and the account each AWS source reads (from its role ARN). Without a config,
    what `recorded` (a bundle manifest) holds."""
    if config is None:
        rec = recorded or {}
        return {k: rec[k] for k in ("scopes", "source_accounts") if rec.get(k)}
    if not config.scopes:
        return {}
    accounts = {}
    for src in config.source_configs():
        m = _ROLE_ACCOUNT.match(str(getattr(src, "role_arn", None) or ""))
        if m:
            accounts[src.name] = m.group(1)
    return {
        "scopes": [s.model_dump(mode="json", exclude_none=True) for s in config.scopes],
        "source_accounts": dict(sorted(accounts.items())),
    }


def scopes_from_meta(meta: Mapping[str, Any]) -> list[ScopeConfig]:
    """The scope definitions recorded in `scan` (or a bundle manifest)."""
    return [ScopeConfig.model_validate(s) for s in meta.get("scopes") or []]
