"""Collect one project's facts: a bounded, fixed number of list calls, never one per deployment.

Per project: protected branches, approval rules, the CI file, environments, protected
environments, deployments per production environment, pipelines, merged MRs (+ a bounded
sample of approvals), incidents (+ issue statistics and a bounded sample of first responses),
closed issues (improvement labels), wiki page events, releases and, where offered, GitLab's DORA API. A failing call fails only the kinds that need
it (`ProjectResult.failed`); the probe turns that into `ctx.kind_failed`.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from probes.gitlab.ci import ci_facts
from probes.gitlab.config import GitLabConfig
from probes.gitlab.http import Api, ApiError, encode_id
from probes.gitlab.improvement import improvement_stats
from probes.gitlab.settings import integrations_facts, issue_templates, webhook_facts, wiki_facts
from probes.gitlab.stats import (
    Window,
    deployment_stats,
    dora_figures,
    finished_deployments,
    incident_stats,
    merge_request_stats,
    parse_time,
    pipeline_stats,
)
from scanner.evidence import Evidence

__all__ = ["DoraApi", "ProjectResult", "collect_project"]

MAX_CLOSED_ISSUES = 5000  # closed issues read per project per window: a share needs no more
DORA_METRICS = ("deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore_service")


@dataclass
class DoraApi:
    """Whether the instance offers GitLab's DORA API; switched off for all projects on a 404."""

    enabled: bool
    reason: str = ""


@dataclass
class ProjectResult:
    evidence: list[Evidence] = field(default_factory=list)
    failed: dict[str, ApiError] = field(default_factory=dict)


class _Collector:
    def __init__(self, api: Api, cfg: GitLabConfig, project: dict[str, Any], w: Window, dora_api: DoraApi) -> None:
        self.api, self.cfg, self.p, self.w, self.dora_api = api, cfg, project, w, dora_api
        self.pid = encode_id(project["id"])
        self.path = str(project.get("path_with_namespace") or project["id"])
        self.base = f"/projects/{self.pid}"
        self.out = ProjectResult()
        self.since = self.w.start.strftime("%Y-%m-%dT%H:%M:%SZ")

    def emit(self, kind: str, subject: str, data: dict[str, Any], endpoint: str) -> None:
        origin = f"{self.cfg.url.rstrip('/')}/api/v4{self.base}{endpoint}"
        self.out.evidence.append(self.api.ctx.evidence(kind, subject, data, origin))

    def fail(self, kinds: tuple[str, ...], exc: ApiError) -> None:
        for k in kinds:
            self.out.failed.setdefault(k, ApiError(f"project {self.path}: {exc.reason}", exc.category, exc.status))

    def attempt(self, kinds: tuple[str, ...], fn: Callable[[], Any], default: Any = None) -> Any:
        try:
            return fn()
        except ApiError as exc:
            self.fail(kinds, exc)
            return default

    def listing(
        self, kinds: tuple[str, ...], endpoint: str, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]] | None:
        """Every item of `endpoint` (under the project), or None after recording the failure."""
        try:
            return list(self.api.pages(self.base + endpoint, params))
        except ApiError as exc:
            self.fail(kinds, exc)
            return None

    # -- project settings ---------------------------------------------------------------------
    def project_facts(self, envs: list[dict[str, Any]] | None) -> None:
        kind = ("gitlab.project",)
        branches = self.listing(kind, "/protected_branches") or []
        try:
            rules: list[dict[str, Any]] | None = list(self.api.pages(f"{self.base}/approval_rules"))
            rules_note = None
        except ApiError as exc:
            if exc.category == "unauthorized" or (exc.status or 0) >= 500 or exc.status is None:
                self.fail(kind, exc)
            rules, rules_note = None, f"approval rules unavailable (HTTP {exc.status}): they need GitLab Premium"
        ci_path = self.p.get("ci_config_path") or ".gitlab-ci.yml"
        ci_text: str | None = None
        if "@" not in ci_path and ":" not in ci_path:  # a config kept in another project is not read
            raw = self.attempt(
                kind,
                lambda: self.api.raw(
                    f"{self.base}/repository/files/{encode_id(ci_path)}/raw",
                    {"ref": self.p.get("default_branch") or "HEAD"},
                ),
            )
            ci_text = raw[:1_000_000].decode("utf-8", errors="replace") if raw is not None else None
        ci = ci_facts(ci_text, self.cfg.is_production)
        fail = partial(self.fail, kind)
        links = {
            "integrations": integrations_facts(self.api, self.base, fail),
            "webhooks": webhook_facts(self.api, self.base, fail),
            "wiki": wiki_facts(
                self.api,
                self.base,
                self.p,
                {
                    "runbook": re.compile(self.cfg.runbook_title_pattern),
                    "playbook": re.compile(self.cfg.playbook_title_pattern),
                    "postmortem": re.compile(self.cfg.postmortem_pattern),
                },
                fail,
                since=self.w.start.strftime("%Y-%m-%d"),
            ),
            "issue_templates": issue_templates(self.api, self.base, self.p, fail),
        }
        if ci_path != ".gitlab-ci.yml":
            ci["config_path"] = ci_path[:200]
        default = self.p.get("default_branch")
        prot = [_branch(b) for b in branches]
        cover = [b for b in prot if default and (b["name"] == default or _glob_match(b["name"], default))]
        prod = sorted(e["name"] for e in envs or [] if self.cfg.is_production(e["name"], e.get("tier")))
        self.emit(
            "gitlab.project",
            self.path,
            {
                "id": self.p["id"],
                "path": self.path,
                "default_branch": default,
                "archived": bool(self.p.get("archived")),
                "visibility": self.p.get("visibility"),
                "default_branch_protected": bool(cover) if default else None,
                # GitLab applies the most permissive of the rules that match a branch.
                "default_branch_push_min_level": min(levels)
                if (levels := [b["push_min_level"] for b in cover if b["push_min_level"] is not None])
                else None,
                "default_branch_code_owners": any(b["code_owner_approval_required"] for b in cover) if cover else None,
                "protected_branches": prot[:50],
                "approval_rules": {
                    "available": rules is not None,
                    "count": len(rules) if rules is not None else None,
                    # an "All eligible users" rule (any_approver) names no approver: not counted
                    "required_approvals": max(
                        (int(r.get("approvals_required") or 0) for r in rules if r.get("rule_type") != "any_approver"),
                        default=0,
                    )
                    if rules is not None
                    else None,
                    "note": rules_note,
                },
                "ci": ci,
                "environments_known": envs is not None,
                "production_environments": prod if envs is not None else None,
                **links,
            },
            "",
        )

    # -- environments and deployments ---------------------------------------------------------
    def environments(self) -> list[dict[str, Any]] | None:
        kinds = ("gitlab.environment", "gitlab.deployment_stats", "gitlab.dora")
        envs = self.listing(kinds, "/environments")
        if envs is None:
            return None
        try:
            protected: dict[str, dict[str, Any]] | None = {
                str(p.get("name")): p for p in self.api.pages(f"{self.base}/protected_environments")
            }
        except ApiError as exc:
            self.fail(
                ("gitlab.environment",),
                ApiError(
                    f"protected environments unavailable ({exc.reason}); they need GitLab Premium and the Maintainer role",
                    exc.category,
                    exc.status,
                ),
            )
            protected = None
        for e in envs:
            name = str(e.get("name"))
            tier = e.get("tier")
            pe = protected.get(name) if protected is not None else None
            levels = (pe or {}).get("deploy_access_levels") or []
            approval_rules = (pe or {}).get("approval_rules") or []
            required = int((pe or {}).get("required_approval_count") or 0) + sum(
                int(r.get("required_approvals") or 0) for r in approval_rules
            )
            self.emit(
                "gitlab.environment",
                f"{self.path}:{name}",
                {
                    "project": self.path,
                    "name": name,
                    "tier": tier,
                    "state": e.get("state"),
                    "production": self.cfg.is_production(name, tier),
                    "protected": pe is not None if protected is not None else None,
                    "deploy_access": [
                        str(lv.get("access_level_description") or lv.get("access_level")) for lv in levels
                    ][:20],
                    "required_approvals": required,
                    "approval_rules": len(approval_rules),
                },
                "/environments",
            )
        return envs

    def deployments(self, envs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]] | None:
        kinds = ("gitlab.deployment_stats", "gitlab.dora")
        out: dict[str, list[dict[str, Any]]] = {}
        for e in envs:
            name = str(e.get("name"))
            if not self.cfg.is_production(name, e.get("tier")) or e.get("state") == "stopped":
                continue
            params = {"environment": name, "updated_after": self.since, "order_by": "updated_at", "sort": "asc"}
            deps = self.listing(kinds, "/deployments", params)
            if deps is None:
                return None
            out[name] = deps
            self.emit(
                "gitlab.deployment_stats",
                f"{self.path}:{name}",
                {"project": self.path, "environment": name, "tier": e.get("tier"), **deployment_stats(deps, self.w)},
                "/deployments",
            )
        return out

    # -- merge requests, pipelines, incidents, releases ------------------------------------------
    def merge_requests(self, deploy_times: list[datetime] | None) -> dict[str, Any] | None:
        kinds = ("gitlab.merge_request_stats", "gitlab.dora")
        if self.p.get("merge_requests_enabled") is False:
            mrs: list[dict[str, Any]] = []
        else:
            got = self.listing(
                kinds,
                "/merge_requests",
                {"state": "merged", "updated_after": self.since, "order_by": "updated_at", "sort": "desc"},
            )
            if got is None:
                return None
            mrs = got
        in_window = sorted(
            (m for m in mrs if self.w.contains(parse_time(m.get("merged_at")))),
            key=lambda m: str(m.get("merged_at")),
            reverse=True,
        )
        approvals: list[dict[str, Any]] = []
        sizes: list[Any] = []
        for m in in_window[: self.cfg.approval_sample]:
            a = self.attempt(
                ("gitlab.merge_request_stats",),
                partial(self.api.get, f"{self.base}/merge_requests/{int(m['iid'])}/approvals"),
            )
            if a is None:
                break
            approvals.append(a)
            # The list API carries no size; the single MR's changes_count does ("1000+" when capped).
            one = self.attempt(
                ("gitlab.merge_request_stats",), partial(self.api.get, f"{self.base}/merge_requests/{int(m['iid'])}")
            )
            if one is None:
                break
            sizes.append(one.get("changes_count") if isinstance(one, dict) else None)
        stats = merge_request_stats(
            mrs, approvals, deploy_times, self.w, default_branch=self.p.get("default_branch"), sizes=sizes
        )
        self.emit("gitlab.merge_request_stats", self.path, {"project": self.path, **stats}, "/merge_requests")
        return stats

    def pipelines(self) -> None:
        if self.p.get("jobs_enabled") is False:
            pipes: list[dict[str, Any]] | None = []
        else:
            pipes = self.listing(
                ("gitlab.pipeline_stats",),
                "/pipelines",
                {"updated_after": self.since, "order_by": "id", "sort": "desc"},
            )
        if pipes is not None:
            self.emit(
                "gitlab.pipeline_stats",
                self.path,
                {"project": self.path, **pipeline_stats(pipes, self.w, default_branch=self.p.get("default_branch"))},
                "/pipelines",
            )

    def incidents(self) -> list[dict[str, Any]] | None:
        kinds = ("gitlab.incident_stats", "gitlab.dora")
        if self.p.get("issues_enabled") is False:
            issues: list[dict[str, Any]] = []
            ever: dict[str, Any] | None = {"all": 0, "closed": 0, "opened": 0}
        else:
            got = self.listing(
                kinds,
                "/issues",
                {
                    "issue_type": "incident",
                    "updated_after": self.since,
                    "scope": "all",
                    "order_by": "created_at",
                    "sort": "desc",
                },
            )
            if got is None:
                return None
            issues = got
            stats = self.attempt(
                ("gitlab.incident_stats",),
                lambda: self.api.get(f"{self.base}/issues_statistics", {"issue_type": "incident", "scope": "all"}),
            )
            ever = ((stats or {}).get("statistics") or {}).get("counts") if isinstance(stats, dict) else None
        latest = sorted(
            (i for i in issues if self.w.contains(parse_time(i.get("created_at")))),
            key=lambda i: str(i.get("created_at")),
            reverse=True,
        )
        first: dict[int, datetime | None] = {}
        for i in latest[: self.cfg.incident_note_sample]:
            try:
                first[int(i["iid"])] = self._first_notes(int(i["iid"]))
            except ApiError as exc:
                self.fail(("gitlab.incident_stats",), exc)
                break
        data = incident_stats(
            issues,
            first,
            self.w,
            ever=ever,
            severity=re.compile(self.cfg.severity_label_pattern),
            postmortem=re.compile(self.cfg.postmortem_pattern),
            automation=re.compile(self.cfg.automation_author_pattern),
        )
        self.emit("gitlab.incident_stats", self.path, {"project": self.path, **data}, "/issues?issue_type=incident")
        return issues

    def improvements(self) -> None:
        """Issues (not incidents) closed in the window, and how many were improvement work."""
        kind = ("gitlab.improvement_stats",)
        issues: list[dict[str, Any]] = []
        if self.p.get("issues_enabled") is not False:
            try:
                params = {"issue_type": "issue", "state": "closed", "updated_after": self.since, "scope": "all"}
                issues = list(itertools.islice(self.api.pages(f"{self.base}/issues", params), MAX_CLOSED_ISSUES))
            except ApiError as exc:
                self.fail(kind, exc)
                return
        data = improvement_stats(issues, self.w, re.compile(self.cfg.improvement_label_pattern))
        self.emit("gitlab.improvement_stats", self.path, {"project": self.path, **data}, "/issues?state=closed")

    def _first_notes(self, iid: int) -> datetime | None:
        # One page, oldest first: the first human answer is nearly always on it.
        params = {"sort": "asc", "order_by": "created_at", "per_page": 20}
        for n in self.api.first_page(f"{self.base}/issues/{iid}/notes", params):
            if not n.get("system"):
                return parse_time(n.get("created_at"))
        return None

    def releases(self) -> None:
        def read() -> list[dict[str, Any]]:
            rows = []
            for r in self.api.pages(f"{self.base}/releases", {"order_by": "released_at", "sort": "desc"}):
                t = parse_time(r.get("released_at")) or parse_time(r.get("created_at"))
                if t is not None and t < self.w.start:
                    break  # newest first: the rest are older than the window
                rows.append(r)
            return rows

        rows = self.attempt(("gitlab.release",), read)
        if rows is None:
            return
        in_window = [
            r for r in rows if self.w.contains(parse_time(r.get("released_at")) or parse_time(r.get("created_at")))
        ]
        self.emit(
            "gitlab.release",
            self.path,
            {
                "project": self.path,
                "window": self.w.to_json(),
                "releases": len(in_window),
                "with_notes": sum(1 for r in in_window if str(r.get("description") or "").strip()),
                "with_evidence": sum(1 for r in in_window if r.get("evidences")),
                "latest": [{"tag": r.get("tag_name"), "released_at": r.get("released_at")} for r in in_window[:5]],
            },
            "/releases",
        )

    # -- DORA -----------------------------------------------------------------------------------
    def gitlab_dora(self) -> dict[str, Any]:
        if not self.cfg.dora_api:
            return {"available": False, "reason": "not read (dora_api: false)"}
        if not self.dora_api.enabled:
            return {"available": False, "reason": self.dora_api.reason}
        values: dict[str, Any] = {}
        params = {
            "start_date": self.w.start.date().isoformat(),
            "end_date": min(self.w.end.date(), date.today()).isoformat(),
            "interval": "all",
            "environment_tiers[]": "production",
        }
        for metric in DORA_METRICS:
            try:
                rows = self.api.get(f"{self.base}/dora/metrics", {**params, "metric": metric})
            except ApiError as exc:
                if exc.status == 404:  # the instance has no DORA API at all: stop asking
                    self.dora_api.enabled, self.dora_api.reason = (
                        False,
                        f"the instance does not offer it ({exc.reason})",
                    )
                return {"available": False, "reason": exc.reason}
            vals = [r.get("value") for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
            values[metric] = vals[0] if len(vals) == 1 else vals
        return {"available": True, "metrics": values, "parameters": {k: v for k, v in params.items()}}

    def dora(
        self, deps: dict[str, list[dict[str, Any]]], mr: dict[str, Any] | None, incidents: list[dict[str, Any]]
    ) -> None:
        successes = [
            d for rows in deps.values() for d in finished_deployments(rows, self.w) if d.get("status") == "success"
        ]
        commit_lead = []
        for d in successes:
            c = parse_time(((d.get("deployable") or {}).get("commit") or {}).get("created_at"))
            t = parse_time(d.get("finished_at")) or parse_time(d.get("updated_at"))
            if c and t and t >= c:
                commit_lead.append((t - c).total_seconds() / 3600)
        figures = dora_figures(
            successes,
            self.w,
            mr_lead=(mr or {}).get("lead_time_merge_to_deploy_hours") or {},
            commit_lead=commit_lead,
            incidents=incidents,
            window_hours=self.cfg.failure_window_hours,
            hotfix=re.compile(self.cfg.hotfix_pattern),
        )
        self.emit(
            "gitlab.dora",
            self.path,
            {
                "project": self.path,
                "production_environments": sorted(deps),
                **figures,
                "gitlab_api": self.gitlab_dora(),
            },
            "/deployments",
        )


def _branch(b: dict[str, Any]) -> dict[str, Any]:
    def levels(key: str) -> list[int]:
        return [int(lv.get("access_level") or 0) for lv in b.get(key) or [] if lv.get("access_level") is not None]

    push, merge = levels("push_access_levels"), levels("merge_access_levels")
    return {
        "name": str(b.get("name")),
        "push_access": [str(lv.get("access_level_description")) for lv in b.get("push_access_levels") or []][:10],
        "merge_access": [str(lv.get("access_level_description")) for lv in b.get("merge_access_levels") or []][:10],
        # 0 = no one, 30 = developers, 40 = maintainers; a user or group grant has no level
        "push_min_level": min(push) if push else None,
        "merge_min_level": min(merge) if merge else None,
        "allow_force_push": bool(b.get("allow_force_push")),
        "code_owner_approval_required": bool(b.get("code_owner_approval_required")),
    }


def _glob_match(pattern: str, name: str | None) -> bool:
    return bool(name) and "*" in pattern and fnmatch.fnmatchcase(str(name), pattern)


def collect_project(
    api: Api, cfg: GitLabConfig, project: dict[str, Any], w: Window, dora_api: DoraApi
) -> ProjectResult:
    """Every kind's facts for one project; failures are recorded per kind, not raised."""
    c = _Collector(api, cfg, project, w, dora_api)
    envs = c.environments()
    c.project_facts(envs)
    deps = c.deployments(envs) if envs is not None else None
    times = None
    if deps:  # lead times only where there is a production environment whose deployments were read
        times = sorted(
            t
            for rows in deps.values()
            for d in finished_deployments(rows, w)
            if d.get("status") == "success"
            and (t := parse_time(d.get("finished_at")) or parse_time(d.get("updated_at")))
        )
    mr = c.merge_requests(times)
    c.pipelines()
    incidents = c.incidents()
    c.improvements()
    c.releases()
    if deps and mr is not None and incidents is not None:
        c.dora(deps, mr, incidents)
    return c.out
