"""The per-project collector's state and its failure bookkeeping, shared by the collection modules.

A failing call fails only the kinds that need it (`ProjectResult.failed`); the probe turns that
into `ctx.kind_failed`. The calls themselves live in probes/gitlab/project.py (settings,
environments, deployments) and probes/gitlab/activity.py (merge requests, pipelines, incidents,
issues, releases, DORA); probes/gitlab/collect.py runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from probes.gitlab.config import GitLabConfig
from probes.gitlab.ids import ApiError, encode_id
from probes.gitlab.window import Window
from scanner.evidence import Evidence

if TYPE_CHECKING:  # the client (python-gitlab, requests) is imported when a source is scanned
    from probes.gitlab.http import Api

__all__ = ["Collector", "DoraApi", "ProjectResult"]


@dataclass
class DoraApi:
    """Whether the instance offers GitLab's DORA API; switched off for all projects on a 404."""

    enabled: bool
    reason: str = ""


@dataclass
class ProjectResult:
    evidence: list[Evidence] = field(default_factory=list)
    failed: dict[str, ApiError] = field(default_factory=dict)
    path: str = ""
    # the project's share of gitlab.incident_feedback (None: its incidents were not read)
    incident_feedback: dict[str, Any] | None = None


class Collector:
    """One project being read: where to emit its evidence and which kinds failed."""

    def __init__(self, api: Api, cfg: GitLabConfig, project: dict[str, Any], w: Window, dora_api: DoraApi) -> None:
        self.api, self.cfg, self.p, self.w, self.dora_api = api, cfg, project, w, dora_api
        self.pid = encode_id(project["id"])
        self.path = str(project.get("path_with_namespace") or project["id"])
        self.base = f"/projects/{self.pid}"
        self.out = ProjectResult(path=self.path)
        self.since = self.w.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        # iids of plain issues labelled as incidents seen so far (activity.incidents, improvements)
        self.untyped: set[int] = set()

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
