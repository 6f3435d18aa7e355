"""A loopback Grafana HTTP API that serves a `GrafanaEstate` in Grafana's wire format.

What it speaks, as Grafana does: `/api/health` without credentials; everything else needs
`Authorization: Bearer <service account token>` (401 `{"message": "Unauthorized"}` otherwise);
page-numbered lists (`page` from 1 with `limit` on /api/search and /api/folders, `perpage` with
a `totalCount` envelope on the org-user and team searches); one capped page of annotations
(`limit`, filtered by `type` and the `from`/`to` window in epoch milliseconds); 404
`{"message": "Dashboard not found"}`; data source permissions
(`/api/access-control/datasources/:uid`) as Grafana Enterprise lists them, or 404 as OSS
answers when the estate has none; a Viewer token (`role="Viewer"`) refused with 403 on the
admin-only reads; injected faults (429 with Retry-After, 500, bad bodies). Read-only: any
method but GET is 405. Every request is recorded without its credentials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from sandbox.grafana.estate import GrafanaEstate, default_permissions, well_run
from sandbox.loopback_api import Answer, Fault, LoopbackAPI

__all__ = ["Fault", "GrafanaAPI", "GrafanaEstate", "well_run"]

ADMIN_ONLY = re.compile(r"^/api/(org/users|teams/search|v1/provisioning/|datasources|access-control/)")


def _int(query: dict[str, list[str]], key: str, default: int) -> int:
    try:
        return int(query.get(key, [str(default)])[0])
    except ValueError:
        return default


@dataclass
class GrafanaAPI(LoopbackAPI):
    """Serve `estate` on 127.0.0.1:<free port>; `url` is set by `start`."""

    estate: GrafanaEstate
    role: str = "Admin"  # the token's organisation role: a Viewer is refused the admin-only reads
    ignore_page: bool = False  # a broken server that answers page 1 whatever is asked
    name: str = field(default="grafana-api", kw_only=True)  # overrides a keyword-only base field

    def check_auth(self, header: str, path: str) -> str:
        if path == "/api/health":  # Grafana answers its health check without credentials
            return "ok"
        if not header:
            return "none"
        return "ok" if header == f"Bearer {self.token}" else "bad"

    def unauthorized(self) -> Answer:
        return Answer(401, {"message": "Unauthorized"})

    def route(self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes) -> Any:
        if method != "GET":
            raise Answer(405, {"message": "Method Not Allowed"})
        if path == "/api/health":
            return {"commit": "abc123", "database": "ok", "version": self.estate.version}
        if self.role != "Admin" and ADMIN_ONLY.match(path):
            raise Answer(
                403,
                {
                    "accessErrorId": "ACE0000000001",
                    "message": "You'll need additional permissions to perform this action.",
                    "title": "Access denied",
                },
            )
        return self._read(path, query)

    def _page(self, rows: list[Any], query: dict[str, list[str]], size_key: str, default: int) -> list[Any]:
        size = max(1, _int(query, size_key, default))
        page = 1 if self.ignore_page else max(1, _int(query, "page", 1))
        return rows[(page - 1) * size : page * size]

    def _read(self, path: str, query: dict[str, list[str]]) -> Any:
        e = self.estate
        if path == "/api/search":
            hits: list[dict[str, Any]] = []
            for d in e.dashboards:
                m, meta = d["dashboard"], d["meta"]
                hits.append(
                    {
                        "id": len(hits) + 1,
                        "uid": m["uid"],
                        "title": m["title"],
                        "uri": f"db/{m['uid']}",
                        "url": meta["url"],
                        "slug": m["uid"],
                        "type": "dash-db",
                        "tags": m.get("tags", []),
                        "isStarred": False,
                        "folderUid": meta["folderUid"],
                        "folderTitle": meta["folderTitle"],
                        "sortMeta": 0,
                    }
                )
            return self._page(hits, query, "limit", 1000)
        if path == "/api/folders":
            return self._page(e.folders, query, "limit", 1000)
        if path == "/api/dashboards/public-dashboards":
            if e.public_dashboards is None:
                raise Answer(404, {"message": "Not found"})
            return {
                "publicDashboards": e.public_dashboards,
                "totalCount": len(e.public_dashboards),
                "page": 1,
                "perPage": 1,
            }
        if path.startswith("/api/dashboards/uid/"):
            uid = unquote(path.rsplit("/", 1)[1])
            for d in e.dashboards:
                if d["dashboard"]["uid"] == uid:
                    return d
            raise Answer(404, {"message": "Dashboard not found"})
        if path == "/api/datasources":
            return e.datasources
        if path.startswith("/api/access-control/datasources/"):
            uid = unquote(path.rsplit("/", 1)[1])
            if e.datasource_permissions is None:  # Grafana OSS: no data source permissions API
                raise Answer(404, {"message": "Not found"})
            if not any(d.get("uid") == uid for d in e.datasources):
                raise Answer(404, {"message": "Data source not found"})
            return e.datasource_permissions.get(uid, default_permissions())
        if path == "/api/v1/provisioning/alert-rules":
            return e.alert_rules
        if path == "/api/v1/provisioning/contact-points":
            return e.contact_points
        if path == "/api/v1/provisioning/policies":
            return e.policy
        if path == "/api/v1/provisioning/mute-timings":
            return e.mute_timings
        if path == "/api/annotations":
            kind = query.get("type", [""])[0]
            start, end = _int(query, "from", 0), _int(query, "to", 2**62)
            rows = [a for a in e.annotations if (not kind or a.get("type") == kind) and start <= a["time"] <= end]
            return rows[: _int(query, "limit", 100)]
        if path == "/api/org/users/search":
            rows = self._page(e.users, query, "perpage", 1000)
            return {
                "totalCount": len(e.users),
                "orgUsers": rows,
                "page": _int(query, "page", 1),
                "perPage": _int(query, "perpage", 1000),
            }
        if path == "/api/teams/search":
            rows = self._page(e.teams, query, "perpage", 1000)
            return {
                "totalCount": len(e.teams),
                "teams": rows,
                "page": _int(query, "page", 1),
                "perPage": _int(query, "perpage", 1000),
            }
        raise Answer(404, {"message": "Not found"})
