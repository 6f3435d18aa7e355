"""The PagerDuty REST API v2 behind the shared HTTP client (probes.http.JsonClient):
its retries (429 with Retry-After, 5xx), deadlines, byte caps and same-origin redirects, plus
PagerDuty's auth header, media type and classic offset pagination.

Pagination: `offset`/`limit` with `more` in each answer and `total=false` (counting is costly
for PagerDuty and useless to us). A page that says `more` but is empty, an offset that does not
advance, or more items than `max_items` (PagerDuty refuses offsets past 10000) stop the list:
the first two are a malformed answer (the step's kinds fail), the cap is reported as truncated.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from probes import netguard
from probes.http import JsonClient
from probes.netguard import LoopDetected, PageGuard
from probes.pagerduty.config import PagerDutyConfig
from scanner.probe import CollectError, ProbeContext

if TYPE_CHECKING:  # httpx is imported when a client is made (probes.http)
    import httpx

__all__ = ["PagerDutyClient"]

MEDIA_TYPE = "application/vnd.pagerduty+json;version=2"


class PagerDutyClient(JsonClient):
    """GET-only client of one PagerDuty account."""

    def __init__(
        self, cfg: PagerDutyConfig, ctx: ProbeContext, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        token = os.environ.get(cfg.token_env, "").strip()
        if not token:
            raise CollectError(f"environment variable {cfg.token_env} is not set", "unauthorized")
        super().__init__(cfg, ctx, transport=transport)
        self.pd = cfg
        self.client.headers["Authorization"] = f"Token token={token}"
        self.client.headers["Accept"] = MEDIA_TYPE

    def list(self, path: str, key: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a classic paginated list (the answer's `key` array), page by page."""
        guard = PageGuard(path, netguard.MAX_PAGES)  # read at run time: tests lower it
        offset = 0
        seen: set[str] = set()
        while True:
            query = {**(params or {}), "offset": str(offset), "limit": str(self.pd.per_page), "total": "false"}
            try:
                guard.next(str(offset))
            except LoopDetected as exc:
                raise CollectError(str(exc), "malformed") from None
            doc = self.get_json(path, query)  # list values (include[], team_ids[]) go as repeated keys
            items = doc.get(key) if isinstance(doc, dict) else None
            if not isinstance(items, list):
                raise CollectError(f"{path}: the answer has no {key!r} list", "malformed")
            rows = [i for i in items if isinstance(i, dict)]
            ids = {str(i.get("id")) for i in rows if i.get("id") is not None}
            if ids and ids <= seen:  # a server ignoring `offset` would hand out page one forever
                raise CollectError(
                    f"{path}: a page repeated items already read (pagination loop); stopped", "malformed"
                )
            seen |= ids
            yield from rows
            if not doc.get("more"):
                return
            if not items:
                raise CollectError(f"{path}: an empty page says there are more (pagination loop); stopped", "malformed")
            offset += len(items)
            if offset >= self.pd.max_items:
                self.ctx.warn(f"{path}: more than {self.pd.max_items} items; only the first {offset} were read")
                return
