"""The sentry probe: what real users experience, read from Sentry's REST API (sentry.io or
self-hosted): projects and whether they are browser/mobile apps, release health (crash-free
sessions and users), performance (transaction p75/p95, Web Vitals LCP/INP/CLS), metric and
issue alert rules, issue ownership and auto-assignment, issue-tracker integrations and user
feedback, custom dashboards, and whether traces started in browser or mobile apps continue into
backend projects. Read-only (an auth token with org:read, project:read, alerts:read,
event:read).

Steps: the organisation and its projects first (without them nothing else means anything);
then release health, performance, per-project facts, metric alerts and custom dashboards. A project's figures need
release health and performance: if either cannot be read, `sentry.project` fails, never
"no data". An organisation without the `global-views` feature is refused Discover over several
projects: performance is then asked one project at a time, and a project refused alone (or left
behind the last page read) has null figures and makes the kind partial, never "no transactions".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from pydantic import Field

from probes.http import HttpSourceConfig, safe_url
from probes.sentry import collect
from probes.sentry.client import SentryClient
from probes.sentry.kinds import MODELS
from scanner.evidence import Evidence
from scanner.partial import GAP_NOTE
from scanner.probe import KindModel, Probe, ProbeContext

__all__ = ["KINDS", "SentryConfig", "SentryProbe"]

KINDS: dict[str, str] = {
    "sentry.organization": "the organisation: open membership, installed integrations and issue trackers",
    "sentry.project": "a project: platform, teams, crash-free rates, transaction p75/p95, Web Vitals, alert rules, ownership, feedback",
    "sentry.metric_alert": "a metric alert rule: dataset, aggregate (Web Vitals, duration, crash-free rate ...), projects, triggers",
    "sentry.dashboard": "a custom dashboard: its widgets on real users' experience and the fields they break it down by",
    "sentry.trace_links": "traces started in browser or mobile apps in the last day, and how many continue into backend projects",
}


class SentryConfig(HttpSourceConfig):
    """A Sentry organisation. The token goes in `bearer_token_env` (an org auth token or a
    user token with read scopes); it is sent only to `url`."""

    url: str = Field(
        default="https://sentry.io",
        pattern=r"^https?://",
        description="Sentry base URL (SaaS region URL or self-hosted)",
    )
    organization: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$", description="organisation slug")
    window_days: int = Field(
        default=14, ge=1, le=90, description="window of the release-health and performance figures"
    )
    max_projects: int = Field(default=500, ge=1, le=10000, description="projects read (first pages of the list)")


class SentryProbe(Probe):
    name = "sentry"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = SentryConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: SentryConfig = config
        base = safe_url(cfg.url)
        org = cfg.organization
        every = tuple(KINDS)
        with SentryClient(cfg, ctx) as client:
            items: list[Evidence] = []
            rows: list[dict[str, Any]] = []
            with ctx.step(every, "organisation and projects"):
                info = collect.organization(client, org)
                rows = collect.projects(client, org, cfg.max_projects)
                info["projects"] = len(rows)
                items.append(ctx.evidence("sentry.organization", info["slug"], info, f"{base}{collect.org_path(org)}/"))
            yield from items
            if ctx.any_failed(every):
                return

            health: dict[str, dict[str, Any]] = {}
            items = []
            with ctx.step(("sentry.project",), "projects"):
                health = collect.sessions(client, org, cfg.window_days)
                perf = collect.performance(client, org, cfg.window_days, rows)
                for row in rows:
                    slug = str(row.get("slug") or "")
                    data = collect.project_facts(
                        client,
                        org,
                        row,
                        health.get(str(row.get("id"))),
                        perf.rows.get(slug),
                        cfg.window_days,
                        perf_known=slug not in perf.unknown,
                    )
                    items.append(
                        ctx.evidence(
                            "sentry.project", data["slug"], data, f"{base}/api/0/projects/{org}/{data['slug']}/"
                        )
                    )
                if perf.unknown:
                    _unknown_performance(ctx, perf.unknown, rows)
            yield from items
            client_side = {str(e.data["slug"]) for e in items if e.data.get("client_side")}
            if not items:  # without the projects' kind, fall back to the platform alone
                client_side = {
                    str(r.get("slug")) for r in rows if collect.CLIENT_PLATFORM.match(str(r.get("platform") or ""))
                }

            items = []
            with ctx.step(("sentry.metric_alert",), "metric alerts"):
                for data in collect.metric_alerts(client, org, client_side):
                    items.append(
                        ctx.evidence(
                            "sentry.metric_alert", data["name"], data, f"{base}{collect.org_path(org)}/alert-rules/"
                        )
                    )
            yield from items

            items = []
            with ctx.step(("sentry.dashboard",), "dashboards"):
                client_ids = {str(r.get("id")) for r in rows if str(r.get("slug")) in client_side}
                for data in collect.dashboards(client, org, client_ids):
                    items.append(
                        ctx.evidence(
                            "sentry.dashboard",
                            f"{data['title']} ({data['id']})",
                            data,
                            f"{base}{collect.org_path(org)}/dashboards/{data['id']}/",
                        )
                    )
            yield from items

            items = []
            with ctx.step(("sentry.trace_links",), "traces across projects"):
                ids = [(str(r.get("id")), str(r.get("slug")) in client_side) for r in rows if r.get("id") is not None]
                data = collect.trace_links(client, org, [i for i, c in ids if c], [i for i, c in ids if not c])
                items.append(ctx.evidence("sentry.trace_links", org, data, f"{base}{collect.org_path(org)}/events/"))
            yield from items


def _unknown_performance(ctx: ProbeContext, unknown: dict[str, str], rows: list[dict[str, Any]]) -> None:
    """Projects whose Discover figures were not read: their transactions and Web Vitals are
    null, so they may be missing from every population those figures define (client-side
    projects with transactions or vitals). The kind is partial with a gap: no `every` or ratio
    over the projects seen stands for the whole organisation, and no absence is a finding.
    When such a project's platform does not name a browser or mobile SDK, whether it is one
    (Web Vitals arrive) is unknown too, and so are the alerts and traces that depend on it."""
    names = sorted(unknown)
    shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
    why = f"{len(names)} {GAP_NOTE}: performance figures of {shown} not read ({unknown[names[0]]})"
    ctx.log.warning("source %s: %s", ctx.source, why)
    ctx.kind_partial("sentry.project", why)
    platforms = {str(r.get("slug")): str(r.get("platform") or "") for r in rows}
    if any(not collect.CLIENT_PLATFORM.match(platforms.get(s, "")) for s in names):
        for kind in ("sentry.metric_alert", "sentry.trace_links"):
            ctx.kind_partial(kind, f"{why}; whether they are browser apps is unknown")
