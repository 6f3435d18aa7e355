"""The grafana probe: dashboards, data sources, Grafana-managed alerting and who can see what,
read from Grafana's HTTP API (read-only; Grafana 9.1 or later for the alerting provisioning API).

It lists dashboards with /api/search (page + limit), reads each dashboard's JSON model
(/api/dashboards/uid/:uid) and turns it into the same facts the files probe makes of dashboards
kept in Git (probes/gitops/dashboards.py: one classifier of business and infrastructure
dashboards for both), and reads data sources, alert rules, contact points (types only), the
notification policy tree, annotation counts in a window, and users per role and teams as counts.
It never reads API keys, service-account tokens, data source secrets or contact settings.

The token is a service account token (Viewer is enough for everything but users, teams and
alerting provisioning, which need org Admin or the matching RBAC read actions); each step that is
refused fails only its own kinds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, as_completed
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import Field

from probes import netguard
from probes.daemonpool import DaemonThreadPool
from probes.grafana.facts import (
    alert_rule_facts,
    annotation_facts,
    datasource_permission_facts,
    live_dashboard_facts,
    notification_facts,
    role_counts,
)
from probes.grafana.kinds import MODELS
from probes.http import HttpSourceConfig, JsonClient, safe_url
from probes.netguard import LoopDetected, PageGuard
from scanner.evidence import Evidence
from scanner.probe import SOURCE_WIDE, CollectError, KindModel, Probe, ProbeContext

__all__ = ["KINDS", "GrafanaConfig", "GrafanaProbe"]

KINDS: dict[str, str] = {
    "grafana.instance": "the Grafana server: version, dashboards and folders visible, dashboards read, public dashboards",
    "grafana.dashboard": "a dashboard's JSON model: panels, data sources, variables, links, metrics, business or infrastructure (the classifier of gitops.dashboard)",
    "grafana.datasource": "a data source: name, type, default, provisioned (never its URL, user or secrets)",
    "grafana.alert_rule": "a Grafana-managed alert rule: expressions, threshold, pending period, labels, runbook, the panel it is drawn on",
    "grafana.notification": "contact points by integration type and the notification policy tree (never contact settings)",
    "grafana.annotations": "counts of alert and manual annotations in a window (never their text or authors)",
    "grafana.access": "users per organisation role and teams, as counts only",
}


class GrafanaConfig(HttpSourceConfig):
    """A Grafana (self-managed or Grafana Cloud). Authenticate with a service account token:
    `bearer_token_env: GRAFANA_TOKEN` (the token's organisation is the one read)."""

    max_dashboards: int = Field(default=2000, ge=1, le=100000, description="dashboards whose JSON model is read")
    page_size: int = Field(default=500, ge=1, le=5000, description="items per page of list calls")
    window_days: int = Field(default=30, ge=1, le=365, description="annotation window, days")
    annotation_limit: int = Field(
        default=5000, ge=1, le=100000, description="annotations counted per type (Grafana answers one capped page)"
    )


def _rows(body: Any, key: str | None, path: str) -> list[dict[str, Any]]:
    rows = (body.get(key) if isinstance(body, Mapping) else None) if key else body
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise CollectError(f"{path}: expected a list of objects", "malformed")
    return rows


def paged(
    client: JsonClient,
    path: str,
    params: dict[str, str],
    *,
    size: int,
    size_param: str = "limit",
    key: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of a Grafana list read page by page (`page` from 1 and `limit`/`perpage`).

    Grafana's page-numbered lists end with a short page. A server that ignores `page` would
    answer the first page forever: a page identical to an earlier one, or more than MAX_PAGES
    pages, ends the list as a malformed answer.
    """
    guard = PageGuard(path, netguard.MAX_PAGES)
    earlier: set[str] = set()  # every page's item ids: a server cycling a, b, a is a loop too
    page = 1
    while True:
        try:
            guard.page()
        except LoopDetected as exc:
            raise CollectError(str(exc), "malformed") from None
        rows = _rows(client.get_json(path, {**params, size_param: str(size), "page": str(page)}), key, path)
        marks = repr([r.get("uid", r.get("id", r.get("userId"))) for r in rows])
        if rows and marks in earlier:
            raise CollectError(f"{path}: page {page} repeats an earlier page (pagination loop); stopped", "malformed")
        earlier.add(marks)
        yield from rows
        if len(rows) < size:
            return
        page += 1


def _total(client: JsonClient, path: str) -> int:
    """`totalCount` of a Grafana search answer, asked for one item per page."""
    body = client.get_json(path, {"perpage": "1", "page": "1"})
    total = body.get("totalCount") if isinstance(body, Mapping) else None
    if not isinstance(total, int) or isinstance(total, bool):
        raise CollectError(f"{path}: no totalCount in the answer", "malformed")
    return total


def _optional(client: JsonClient, path: str, ctx: ProbeContext, params: dict[str, str] | None = None) -> Any:
    """An answer the probe can do without: None when absent (404) or refused (403), noted."""
    try:
        return client.get_json(path, params)
    except CollectError as exc:
        if exc.category in ("not_found", "forbidden"):
            ctx.log.debug("source %s: %s: %s", ctx.source, path, exc.reason)
            return None
        raise


MAX_PERMISSION_READS = 200  # data sources whose permissions are read (one call each)


def _permissions(client: JsonClient, ctx: ProbeContext, uid: str) -> dict[str, Any] | None:
    """Who may query one data source (Grafana Enterprise and Cloud), or None when this Grafana
    does not say: OSS answers 404, a token without datasources.permissions:read 403. Neither
    fails the data sources: their permissions are then simply unknown (null)."""
    if not uid:
        return {}  # nothing to ask about this one; the others are still read
    path = f"/api/access-control/datasources/{quote(uid, safe='')}"
    try:
        body = client.get_json(path)
    except CollectError as exc:
        if exc.category in SOURCE_WIDE:
            raise
        if exc.category not in ("not_found", "forbidden"):
            ctx.warn(f"{path}: {exc.reason}; data source permissions left unread")
        return None
    if not isinstance(body, list):
        ctx.warn(f"{path}: expected a list; data source permissions left unread")
        return None
    return datasource_permission_facts(body)


class GrafanaProbe(Probe):
    name = "grafana"
    kinds: ClassVar[dict[str, str]] = KINDS
    models: ClassVar[dict[str, type[KindModel]]] = MODELS
    config_model = GrafanaConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: GrafanaConfig = config
        base = safe_url(cfg.url).rstrip("/")
        with JsonClient(cfg, ctx) as client:
            health = client.get_json("/api/health")  # unreachable: the whole source fails
            hits: list[dict[str, Any]] = []
            items: list[Evidence] = []
            with ctx.step(("grafana.instance", "grafana.dashboard"), "dashboards"):
                hits = list(paged(client, "/api/search", {"type": "dash-db"}, size=cfg.page_size))
                folders = sum(1 for _ in paged(client, "/api/folders", {}, size=min(cfg.page_size, 1000)))
                public = _optional(client, "/api/dashboards/public-dashboards", ctx, {"perpage": "1", "page": "1"})
                total = public.get("totalCount") if isinstance(public, Mapping) else None
                items.append(
                    ctx.evidence(
                        "grafana.instance",
                        "grafana",
                        {
                            "version": str(health.get("version") or "")[:40] if isinstance(health, Mapping) else "",
                            "database_ok": isinstance(health, Mapping) and health.get("database") == "ok",
                            "dashboards": len(hits),
                            "dashboards_read": min(len(hits), cfg.max_dashboards),
                            "folders": folders,
                            "public_dashboards": total
                            if isinstance(total, int) and not isinstance(total, bool)
                            else None,
                        },
                        f"{base}/api/search",
                    )
                )
            yield from items
            if len(hits) > cfg.max_dashboards:
                ctx.warn(f"{len(hits)} dashboards; only the first {cfg.max_dashboards} (max_dashboards) were read")
            yield from self._dashboards(client, cfg, ctx, hits[: cfg.max_dashboards], base)
            types: dict[str, str] = {}
            items = []
            with ctx.step(("grafana.datasource",), "data sources"):  # alert rules go on without types
                readable = True  # until one read says this Grafana has no (readable) permissions
                for n, ds in enumerate(_rows(client.get_json("/api/datasources"), None, "/api/datasources")):
                    types[str(ds.get("uid") or "")] = str(ds.get("type") or "")[:100]
                    data = {
                        "name": str(ds.get("name") or "")[:200],
                        "type": str(ds.get("type") or "")[:100],
                        "is_default": bool(ds.get("isDefault")),
                        "read_only": bool(ds.get("readOnly")),
                    }
                    if readable and n == MAX_PERMISSION_READS:
                        ctx.warn(f"more than {MAX_PERMISSION_READS} data sources; the rest's permissions left unread")
                    if readable and n < MAX_PERMISSION_READS:
                        perms = _permissions(client, ctx, str(ds.get("uid") or ""))
                        readable = perms is not None
                        data.update(perms or {})
                    items.append(
                        ctx.evidence(
                            "grafana.datasource", f"datasources/{data['name']}", data, f"{base}/api/datasources"
                        )
                    )
            yield from items
            yield from self._alerting(client, ctx, types, base)
            yield from self._annotations(client, cfg, ctx, base)
            yield from self._access(client, cfg, ctx, base)

    @staticmethod
    def _dashboards(
        client: JsonClient, cfg: GrafanaConfig, ctx: ProbeContext, hits: list[dict[str, Any]], base: str
    ) -> Iterator[Evidence]:
        """Each dashboard's JSON model, read concurrently; one failure fails the kind (a missing
        dashboard, deleted since the search, is only skipped)."""
        if ctx.any_failed(("grafana.dashboard",)):
            return
        items: list[Evidence] = []

        def one(hit: dict[str, Any]) -> Evidence | None:
            uid = str(hit.get("uid") or "")
            path = f"/api/dashboards/uid/{quote(uid, safe='')}"
            try:
                answer = client.get_json(path)
            except CollectError as exc:
                if exc.category == "not_found":
                    ctx.warn(f"dashboard {uid!r} disappeared while it was read; skipped")
                    return None
                raise
            if not isinstance(answer, Mapping) or not isinstance(answer.get("dashboard"), Mapping):
                raise CollectError(f"{path}: not a dashboard answer", "malformed")
            return ctx.evidence(
                "grafana.dashboard", f"dashboards/{uid}", live_dashboard_facts(answer, hit), base + path
            )

        with ctx.step(("grafana.dashboard",), "dashboard models"):
            pool = DaemonThreadPool(max_workers=cfg.concurrency, thread_name_prefix=f"grafana-{ctx.source}")
            try:
                futures: list[Future[Evidence | None]] = [pool.submit(one, h) for h in hits if h.get("uid")]
                for fut in as_completed(futures):
                    ev = fut.result()
                    if ev is not None:
                        items.append(ev)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
        if not ctx.any_failed(("grafana.dashboard",)):
            yield from sorted(items, key=lambda e: e.subject)

    @staticmethod
    def _alerting(client: JsonClient, ctx: ProbeContext, types: dict[str, str], base: str) -> Iterator[Evidence]:
        items: list[Evidence] = []
        with ctx.step(("grafana.alert_rule",), "alert rules"):
            path = "/api/v1/provisioning/alert-rules"
            for rule in _rows(client.get_json(path), None, path):
                facts = alert_rule_facts(rule, types)
                subject = f"alert-rules/{facts['folder_uid']}/{facts['rule_group']}/{str(rule.get('uid') or facts['title'])[:100]}"
                items.append(ctx.evidence("grafana.alert_rule", subject, facts, base + path))
        with ctx.step(("grafana.notification",), "notifications"):
            path = "/api/v1/provisioning/contact-points"
            points = _rows(client.get_json(path), None, path)
            policy = client.get_json("/api/v1/provisioning/policies")
            if not isinstance(policy, Mapping):
                raise CollectError("/api/v1/provisioning/policies: expected an object", "malformed")
            mutes = _optional(client, "/api/v1/provisioning/mute-timings", ctx)
            facts = notification_facts(points, policy, len(mutes) if isinstance(mutes, list) else None)
            items.append(ctx.evidence("grafana.notification", "notification-policies", facts, base + path))
        yield from items

    @staticmethod
    def _annotations(client: JsonClient, cfg: GrafanaConfig, ctx: ProbeContext, base: str) -> Iterator[Evidence]:
        items: list[Evidence] = []
        with ctx.step(("grafana.annotations",), "annotations"):
            now_ms = int(time.time() * 1000)
            window = {"from": str(now_ms - cfg.window_days * 86_400_000), "to": str(now_ms)}
            found = {}
            for kind in ("alert", "annotation"):
                params = {**window, "type": kind, "limit": str(cfg.annotation_limit)}
                found[kind] = _rows(client.get_json("/api/annotations", params), None, "/api/annotations")
            facts = annotation_facts(found["alert"], found["annotation"], cfg.window_days, cfg.annotation_limit)
            items.append(ctx.evidence("grafana.annotations", "annotations", facts, f"{base}/api/annotations"))
        yield from items

    @staticmethod
    def _access(client: JsonClient, cfg: GrafanaConfig, ctx: ProbeContext, base: str) -> Iterator[Evidence]:
        items: list[Evidence] = []
        with ctx.step(("grafana.access",), "users and teams"):
            users = paged(
                client, "/api/org/users/search", {}, size=min(cfg.page_size, 1000), size_param="perpage", key="orgUsers"
            )
            roles = role_counts(users)
            data = {
                "users": sum(roles.values()),
                "roles": roles,
                "distinct_roles": sum(1 for r, n in roles.items() if n and r != "None"),
                "teams": _total(client, "/api/teams/search"),
            }
            items.append(ctx.evidence("grafana.access", "organisation", data, f"{base}/api/org/users/search"))
        yield from items
