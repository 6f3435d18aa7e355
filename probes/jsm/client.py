"""The Jira Service Management REST API (/rest/servicedeskapi) behind the shared JsonClient:
its retries (429 with Retry-After, 5xx), deadlines, byte caps and same-origin redirects.

Pagination is JSM's paged envelope: `{"size", "start", "limit", "isLastPage", "values",
"_links"}`. The client counts `start` itself from the items it received and never follows
`_links.next` (a URL the server chose could name another host). A page that is not last but
empty, a page repeating items already read, and more than `cap` items stop the list: the first
two are a malformed answer, the cap a warning with what was read kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from probes import netguard
from probes.http import JsonClient
from probes.netguard import LoopDetected, PageGuard
from scanner.probe import CollectError

__all__ = ["PREFIX", "JsmClient"]

PREFIX = "/rest/servicedeskapi"


class JsmClient(JsonClient):
    """GET-only client of one Jira site (auth and TLS from the shared HTTP options)."""

    def feedback_rating(self, key: str) -> int | None:
        """A request's CSAT rating (1..5; `GET /request/{key}/feedback`, an experimental endpoint
        that needs the `X-ExperimentalApi: opt-in` header); None when the request has none (404)."""
        self.client.headers["X-ExperimentalApi"] = "opt-in"
        try:
            doc = self.get_json(f"{PREFIX}/request/{key}/feedback")
        except CollectError as exc:
            if exc.status == 404:
                return None
            raise
        rating = doc.get("rating") if isinstance(doc, dict) else None
        if isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5:
            return rating
        return None

    def paged(
        self, path: str, params: dict[str, str] | None = None, *, limit: int = 50, cap: int = 10_000
    ) -> Iterator[dict[str, Any]]:
        """Every object of a paged list, `start` advanced by what each page held."""
        guard = PageGuard(path, netguard.MAX_PAGES)  # read at run time: tests lower it
        start, read = 0, 0
        seen: set[str] = set()
        while True:
            try:
                guard.next(str(start))
            except LoopDetected as exc:
                raise CollectError(str(exc), "malformed") from None
            doc = self.get_json(path, {**(params or {}), "start": str(start), "limit": str(limit)})
            values = doc.get("values") if isinstance(doc, dict) else None
            if not isinstance(values, list):
                raise CollectError(f"{path}: the answer has no 'values' list", "malformed")
            rows = [v for v in values if isinstance(v, dict)]
            ids = {_key(r) for r in rows} - {""}
            if ids and ids <= seen:
                raise CollectError(
                    f"{path}: a page repeated items already read (pagination loop); stopped", "malformed"
                )
            seen |= ids
            for r in rows:
                if read >= cap:
                    self.ctx.warn(f"{path}: more than {cap} items; only the first {cap} were read")
                    return
                read += 1
                yield r
            if doc.get("isLastPage") is not False:  # absent or true: nothing more
                return
            if not values:
                raise CollectError(
                    f"{path}: an empty page says it is not the last (pagination loop); stopped", "malformed"
                )
            start += len(values)


def _key(row: dict[str, Any]) -> str:
    for k in ("issueId", "id", "issueKey"):
        v = row.get(k)
        if v is not None:
            return str(v)
    return ""
