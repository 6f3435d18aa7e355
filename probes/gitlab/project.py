"""A project's settings, environments and production deployments (see probes/gitlab/collector.py).

Settings: protected branches, approval rules, the CI file, integrations, webhooks, wiki and issue
templates. Environments with their protection; deployments per production environment, which
the merge-request lead time and the DORA figures (probes/gitlab/activity.py) reuse.
"""

from __future__ import annotations

import fnmatch
import re
from functools import partial
from typing import Any

from probes.gitlab.ci import ci_facts
from probes.gitlab.collector import Collector
from probes.gitlab.ids import ApiError, encode_id
from probes.gitlab.settings import integrations_facts, issue_templates, webhook_facts, wiki_facts
from probes.gitlab.stats import deployment_stats

__all__ = ["deployments", "environments", "project_facts"]


def project_facts(c: Collector, envs: list[dict[str, Any]] | None) -> None:
    kind = ("gitlab.project",)
    branches = c.listing(kind, "/protected_branches") or []
    try:
        rules: list[dict[str, Any]] | None = list(c.api.pages(f"{c.base}/approval_rules"))
        rules_note = None
    except ApiError as exc:
        if exc.category == "unauthorized" or (exc.status or 0) >= 500 or exc.status is None:
            c.fail(kind, exc)
        rules, rules_note = None, f"approval rules unavailable (HTTP {exc.status}): they need GitLab Premium"
    ci_path = c.p.get("ci_config_path") or ".gitlab-ci.yml"
    ci_text: str | None = None
    if "@" not in ci_path and ":" not in ci_path:  # a config kept in another project is not read
        raw = c.attempt(
            kind,
            lambda: c.api.raw(
                f"{c.base}/repository/files/{encode_id(ci_path)}/raw",
                {"ref": c.p.get("default_branch") or "HEAD"},
            ),
        )
        ci_text = raw[:1_000_000].decode("utf-8", errors="replace") if raw is not None else None
    ci = ci_facts(ci_text, c.cfg.is_production)
    fail = partial(c.fail, kind)
    links = {
        "integrations": integrations_facts(c.api, c.base, fail),
        "webhooks": webhook_facts(c.api, c.base, fail),
        "wiki": wiki_facts(
            c.api,
            c.base,
            c.p,
            {
                "runbook": re.compile(c.cfg.runbook_title_pattern),
                "playbook": re.compile(c.cfg.playbook_title_pattern),
                "postmortem": re.compile(c.cfg.postmortem_pattern),
            },
            fail,
            since=c.w.start.strftime("%Y-%m-%d"),
        ),
        "issue_templates": issue_templates(c.api, c.base, c.p, fail),
    }
    if ci_path != ".gitlab-ci.yml":
        ci["config_path"] = ci_path[:200]
    default = c.p.get("default_branch")
    prot = [_branch(b) for b in branches]
    cover = [b for b in prot if default and (b["name"] == default or _glob_match(b["name"], default))]
    code_owners = any(b["code_owner_approval_required"] for b in cover) if cover else None
    owners_file = codeowners_facts(c, default) if code_owners else None
    prod = sorted(e["name"] for e in envs or [] if c.cfg.is_production(e["name"], e.get("tier")))
    c.emit(
        "gitlab.project",
        c.path,
        {
            "id": c.p["id"],
            "path": c.path,
            "default_branch": default,
            "archived": bool(c.p.get("archived")),
            "visibility": c.p.get("visibility"),
            "default_branch_protected": bool(cover) if default else None,
            # GitLab applies the most permissive of the rules that match a branch.
            "default_branch_push_min_level": min(levels)
            if (levels := [b["push_min_level"] for b in cover if b["push_min_level"] is not None])
            else None,
            "default_branch_code_owners": code_owners,
            "codeowners": owners_file,
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


def environments(c: Collector) -> list[dict[str, Any]] | None:
    kinds = ("gitlab.environment", "gitlab.deployment_stats", "gitlab.dora")
    envs = c.listing(kinds, "/environments")
    if envs is None:
        return None
    try:
        protected: dict[str, dict[str, Any]] | None = {
            str(p.get("name")): p for p in c.api.pages(f"{c.base}/protected_environments")
        }
    except ApiError as exc:
        c.fail(
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
        c.emit(
            "gitlab.environment",
            f"{c.path}:{name}",
            {
                "project": c.path,
                "name": name,
                "tier": tier,
                "state": e.get("state"),
                "production": c.cfg.is_production(name, tier),
                "protected": pe is not None if protected is not None else None,
                "deploy_access": [str(lv.get("access_level_description") or lv.get("access_level")) for lv in levels][
                    :20
                ],
                "required_approvals": required,
                "approval_rules": len(approval_rules),
            },
            "/environments",
        )
    return envs


def deployments(c: Collector, envs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]] | None:
    kinds = ("gitlab.deployment_stats", "gitlab.dora")
    out: dict[str, list[dict[str, Any]]] = {}
    for e in envs:
        name = str(e.get("name"))
        if not c.cfg.is_production(name, e.get("tier")) or e.get("state") == "stopped":
            continue
        params = {"environment": name, "updated_after": c.since, "order_by": "updated_at", "sort": "asc"}
        deps = c.listing(kinds, "/deployments", params)
        if deps is None:
            return None
        out[name] = deps
        c.emit(
            "gitlab.deployment_stats",
            f"{c.path}:{name}",
            {"project": c.path, "environment": name, "tier": e.get("tier"), **deployment_stats(deps, c.w)},
            "/deployments",
        )
    return out


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


CODEOWNERS_PATHS = ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")  # GitLab's order of lookup
MAX_CODEOWNERS_BYTES = 256 * 1024


def codeowners_facts(c: Collector, ref: str | None) -> dict[str, Any] | None:
    """The CODEOWNERS file GitLab would use on the default branch: its path, how many path rules
    it holds and how many distinct owners they name (never the names). Read only where the
    default branch requires code-owner approval; None when the file could not be read (a refused
    or failed read loses this fact only, never the project's other facts)."""
    for path in CODEOWNERS_PATHS:
        try:
            raw = c.api.raw(f"{c.base}/repository/files/{encode_id(path)}/raw", {"ref": ref or "HEAD"})
        except ApiError:
            return None
        if raw is None:
            continue
        rules, owners = codeowners_counts(raw[:MAX_CODEOWNERS_BYTES].decode("utf-8", errors="replace"))
        return {"path": path, "rules": rules, "owners": owners}
    return {"path": None, "rules": 0, "owners": 0}


def codeowners_counts(text: str) -> tuple[int, int]:
    """Path rules (paths with at least one owner of their own or from their section) and distinct
    owners in a CODEOWNERS text, as GitLab reads it: comments and blank lines skipped; a section
    header (`[Section]`, `^[Optional]`, `[Section][2]`) may name default owners for the bare paths
    under it; an owner is an `@user`, `@group/subgroup` or an e-mail address. Role owners
    (`@@maintainer`, `@@developer`, `@@owner`) are not counted: a role is not a part of the
    organisation's division of work."""
    rules, owners = 0, set[str]()
    section: list[str] = []
    for raw in text.splitlines()[:10_000]:
        line = _COMMENT.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.match(line)
        if header:
            section = _owners(header.group(1).split())
            continue
        names = _owners(line.split()[1:]) or section
        if names:
            rules += 1
            owners.update(names)
    return rules, len(owners)


def _owners(words: list[str]) -> list[str]:
    return [
        w.lower()[:200]
        for w in words
        if (w.startswith("@") and not w.startswith("@@")) or ("@" in w and "." in w.rsplit("@", 1)[-1])
    ]


_COMMENT = re.compile(r"\s#.*$")
_SECTION = re.compile(r"^\^?\[[^\]]+\](?:\[\d+\])?\s*(.*)$")
