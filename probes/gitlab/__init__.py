"""The gitlab probe: change and incident history from GitLab (GitLab.com or self-managed).

It reads, read-only, the projects of the configured groups (with subgroups) or projects — or,
with neither, every project the token is a member of (keyset pagination) — and reports
derived facts per project and per production environment: settings (protected branches,
approval rules, what the CI file shows), environments, deployment statistics, merge request,
pipeline and incident statistics, releases, and the four DORA keys computed transparently
(method, parameters, window and sample size beside each figure; GitLab's own DORA API figures
beside them where the instance offers it). Raw deployments never become evidence.

Projects are collected concurrently (`concurrency` workers); each makes a fixed number of list
calls plus bounded samples, never one call per deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, as_completed
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from probes.daemonpool import DaemonThreadPool
from probes.gitlab.collect import DoraApi, ProjectResult, collect_project
from probes.gitlab.config import GitLabConfig
from probes.gitlab.fleet import group_units
from probes.gitlab.ids import encode_id
from probes.gitlab.incident_stats import incident_feedback
from probes.gitlab.kinds import MODELS
from probes.gitlab.window import Window
from scanner.evidence import Evidence
from scanner.fleet import Unit
from scanner.probe import CollectError, KindModel, Probe, ProbeContext, SourceFailure

if TYPE_CHECKING:  # the client (python-gitlab, requests) is imported when a source is scanned
    from probes.gitlab.http import Api

__all__ = ["GitLabConfig", "GitLabProbe"]

KINDS: dict[str, str] = {
    "gitlab.project": "a project's change controls: protected branches, approval rules and what its CI file shows (environments, manual gates, rollout, tests, security jobs)",
    "gitlab.environment": "an environment of a project: tier, whether it is production, protected, and the approvals its deployments need",
    "gitlab.deployment_stats": "deployments to one production environment in the window: frequency, success rate, rollbacks, lead time, with sample size",
    "gitlab.merge_request_stats": "a project's merge requests merged in the window: count, approval coverage (sampled), merge-to-production lead time",
    "gitlab.pipeline_stats": "a project's pipelines in the window: success rate, duration, trigger sources",
    "gitlab.incident_stats": "a project's incidents (issues of type incident) in the window: severity and postmortem coverage, response and restore times",
    "gitlab.release": "a project's releases in the window: count, notes and release evidence",
    "gitlab.improvement_stats": "a project's issues closed in the window: how many were improvement/tech-debt work, and in how many 30-day periods",
    "gitlab.incident_feedback": "the source's incidents in the window over every project read together: closed incidents, how many had their links read and show a postmortem by label or linked issue, how many are left open",
    "gitlab.dora": "a project's four DORA keys over its production environments, each with method, parameters and sample; GitLab's own DORA API figures beside them when offered",
}


class GitLabProbe(Probe):
    name = "gitlab"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = GitLabConfig

    def units(self, config: Any, ctx: ProbeContext) -> list[Unit]:
        """A split source's groups, one unit each (probes/gitlab/fleet.py)."""
        return group_units(config, ctx)

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        from probes.gitlab.http import Api  # python-gitlab and requests: loaded for a GitLab scan only

        cfg: GitLabConfig = config
        api = Api(cfg, ctx)  # a missing token is a CollectError: the runner fails the source
        try:
            projects, not_read = _projects(api, cfg, ctx)
            ctx.progress(f"{len(projects)} projects")
            now = datetime.now(UTC)
            window = Window(now - timedelta(days=cfg.window_days), now)
            dora = DoraApi(enabled=cfg.dora_api)
            pool = DaemonThreadPool(max_workers=cfg.concurrency, thread_name_prefix=f"gitlab-{ctx.source}")
            try:
                futures: list[Future[ProjectResult]] = [
                    pool.submit(collect_project, api, cfg, p, window, dora) for p in projects
                ]
                shares: list[tuple[str, dict[str, Any] | None, str]] = []
                for done, fut in enumerate(as_completed(futures), start=1):
                    result = fut.result()
                    for kind, err in result.failed.items():
                        ctx.fail((kind,), err)  # a refused token fails the source, the rest its kinds
                    yield from result.evidence
                    listing = result.failed.get("gitlab.incident_stats")
                    why = listing.reason if listing is not None else ""
                    shares.append((result.path, result.incident_feedback, why))
                    if done % 10 == 0:
                        ctx.progress(f"{done}/{len(projects)} projects")
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            yield from _incident_feedback(ctx, cfg, shares, not_read, window)
        finally:
            api.close()


def _incident_feedback(
    ctx: ProbeContext,
    cfg: GitLabConfig,
    shares: list[tuple[str, dict[str, Any] | None, str]],
    not_read: int,
    window: Window,
) -> Iterator[Evidence]:
    """The source's gitlab.incident_feedback, or the kind failed when a project's incidents or
    their links were not read (or projects were left beyond max_projects): "every incident"
    cannot be summed without them."""
    unread = [
        (path, why or (share or {}).get("postmortem_linked_note") or "incidents not read")
        for path, share, why in shares
        if share is None or share.get("postmortem_linked_checked") is None
    ]
    if unread or not_read:
        parts = [f"{len(unread)} project(s) not read ({unread[0][0]}: {unread[0][1]})"] if unread else []
        parts += [f"{not_read} project(s) beyond max_projects not read"] if not_read else []
        ctx.kind_failed("gitlab.incident_feedback", "; ".join(parts)[:500])
        return
    data = incident_feedback([(path, share) for path, share, _ in shares if share is not None], window, cfg)
    origin = f"{cfg.url.rstrip('/')}/api/v4/projects/*/issues?issue_type=incident"
    yield ctx.evidence("gitlab.incident_feedback", ctx.source, data, origin)


def _projects(api: Api, cfg: GitLabConfig, ctx: ProbeContext) -> tuple[list[dict[str, Any]], int]:
    """The projects to read: configured groups' and projects', or the token's memberships, and
    how many more were found and left unread (max_projects)."""
    found: dict[Any, dict[str, Any]] = {}
    archived = {} if cfg.include_archived else {"archived": "false"}
    try:
        for g in cfg.groups:
            where = f"group {g!r}"
            api.get(f"/groups/{encode_id(g)}", {"with_projects": "false"})
            params = {
                "include_subgroups": str(cfg.include_subgroups).lower(),
                "with_shared": "false",
                "order_by": "id",
                "sort": "asc",
                **archived,
            }
            for p in api.pages(f"/groups/{encode_id(g)}/projects", params):
                found.setdefault(p.get("id"), p)
        for key in cfg.projects:
            where = f"project {key!r}"
            p = api.get(f"/projects/{encode_id(key)}")
            found.setdefault(p.get("id"), p)
        if not cfg.groups and not cfg.projects:
            where = "the token's projects"
            # GET /projects offers keyset pagination: stable and cheap however many projects there are.
            params = {
                "membership": "true",
                "pagination": "keyset",
                "order_by": "id",
                "sort": "asc",
                "simple": "false",
                **archived,
            }
            for p in api.pages("/projects", params):
                found.setdefault(p.get("id"), p)
    except CollectError as exc:
        if exc.status == 404:
            raise SourceFailure(f"{where}: not found, or not visible to the token", "forbidden") from None
        raise SourceFailure(exc.reason, exc.category, exc.status) from None
    rows = [
        p
        for p in found.values()
        if isinstance(p, dict) and p.get("id") is not None and (cfg.include_archived or not p.get("archived"))
    ]
    rows.sort(key=lambda p: str(p.get("path_with_namespace")))
    if len(rows) > cfg.max_projects:
        ctx.warn(f"{len(rows)} projects found; only the first {cfg.max_projects} (max_projects) were read")
        return rows[: cfg.max_projects], len(rows) - cfg.max_projects
    return rows, 0
