"""Collect one project's facts: a bounded, fixed number of list calls, never one per deployment.

Per project: protected branches, approval rules, the CI file, environments, protected
environments, deployments per production environment (probes/gitlab/project.py), pipelines,
merged MRs (+ a bounded sample of approvals), incidents (+ issue statistics and a bounded sample
of first responses), closed issues (improvement labels), releases and, where offered, GitLab's
DORA API (probes/gitlab/activity.py). A failing call fails only the kinds that need it
(`ProjectResult.failed`); the probe turns that into `ctx.kind_failed`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from probes.gitlab import activity
from probes.gitlab.collector import Collector, DoraApi, ProjectResult
from probes.gitlab.config import GitLabConfig
from probes.gitlab.project import deployments, environments, project_facts
from probes.gitlab.stats import finished_deployments
from probes.gitlab.window import Window, parse_time

if TYPE_CHECKING:  # the client (python-gitlab, requests) is imported when a source is scanned
    from probes.gitlab.http import Api

__all__ = ["DoraApi", "ProjectResult", "collect_project"]


def collect_project(
    api: Api, cfg: GitLabConfig, project: dict[str, Any], w: Window, dora_api: DoraApi
) -> ProjectResult:
    """Every kind's facts for one project; failures are recorded per kind, not raised."""
    c = Collector(api, cfg, project, w, dora_api)
    envs = environments(c)
    project_facts(c, envs)
    deps = deployments(c, envs) if envs is not None else None
    times = None
    if deps:  # lead times only where there is a production environment whose deployments were read
        times = sorted(
            t
            for rows in deps.values()
            for d in finished_deployments(rows, w)
            if d.get("status") == "success"
            and (t := parse_time(d.get("finished_at")) or parse_time(d.get("updated_at")))
        )
    mr = activity.merge_requests(c, times)
    activity.pipelines(c)
    incidents = activity.incidents(c)
    activity.improvements(c)
    activity.releases(c)
    if deps and mr is not None and incidents is not None:
        activity.dora(c, deps, mr, incidents)
    return c.out
