"""Sentry's REST API (/api/0/) through the shared JsonClient, plus cursor pagination.

Sentry paginates lists with a Link header: `<url>; rel="next"; results="true"; cursor="..."`.
A next link is followed only while it says results="true", only on the configured origin
(netguard.check_origin: the token never leaves it), never twice (PageGuard), and never past
`max_pages`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from probes import netguard
from probes.http import ApiError, JsonClient
from probes.netguard import LoopDetected, OriginRefused, PageGuard, check_origin
from scanner.jsonio import load_json

__all__ = ["SentryClient", "next_link"]

MAX_DETAIL = 200  # characters of an error answer's `detail` kept in the failure's reason


def next_link(header: str | None) -> str | None:
    """The URL of the rel="next" link when it has results="true", else None."""
    if not header:
        return None
    import httpx  # here, not at import (probes.http)

    for part in httpx.Response(200, headers={"Link": header}).headers.get_list("Link", split_commas=True):
        url, _, params = part.partition(";")
        attrs = {}
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            attrs[key.strip().lower()] = value.strip().strip('"')
        if attrs.get("rel") == "next" and attrs.get("results") == "true":
            return url.strip().lstrip("<").rstrip(">")
    return None


class SentryClient(JsonClient):
    """GET JSON from Sentry's API; `pages` walks a cursor-paginated list to its end."""

    def __enter__(self) -> SentryClient:
        return self

    @staticmethod
    def _api_error(body: bytes) -> str:
        """Sentry puts its reason in `detail` ("You cannot view events from multiple projects."):
        a bounded bit of it goes into the reason, so callers can tell refusals apart."""
        try:
            doc = load_json(body)
        except ValueError:
            return ""
        detail = doc.get("detail") if isinstance(doc, dict) else None
        return ": " + detail[:MAX_DETAIL] if isinstance(detail, str) else ""

    def data_pages(self, path: str, max_pages: int) -> tuple[list[dict[str, Any]], bool]:
        """The rows of a Discover answer (`{"data": [...]}`) at `path` (with its query), following rel="next"
        links with results for at most `max_pages` pages; and whether the list was read to its
        end (False: a next page with results was left unread, so rows may be missing)."""
        guard = PageGuard(path, min(max_pages, netguard.MAX_PAGES))
        url: str | None = None
        out: list[dict[str, Any]] = []
        guard.page()
        while True:
            headers, body = self.get_answer(path, url=url)
            try:
                doc = load_json(body)
            except ValueError:
                raise ApiError(f"{path}: the answer is not JSON", "malformed") from None
            rows = doc.get("data") if isinstance(doc, dict) else None
            if not isinstance(rows, list):
                raise ApiError(f"{path}: unexpected answer shape (data)", "malformed")
            out += [r for r in rows if isinstance(r, dict)]
            nxt = next_link(headers.get("link"))
            if not nxt:
                return out, True
            if guard.pages >= guard.max_pages:
                return out, False
            url = self._follow(path, nxt, guard)

    def pages(self, path: str, params: dict[str, str] | None = None, max_pages: int = 100) -> Iterator[dict[str, Any]]:
        """Every object of the list at `path`, following rel="next" links with results."""
        guard = PageGuard(path, min(max_pages, netguard.MAX_PAGES))  # the global cap is read at run time
        url: str | None = None  # the first page is base+path; later ones the checked next link
        query = params
        guard.page()
        while True:
            headers, body = self.get_answer(path, query, url=url)
            try:
                rows = load_json(body)
            except ValueError:
                raise ApiError(f"{path}: the answer is not JSON", "malformed") from None
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ApiError(f"{path}: expected a list of objects", "malformed")
            yield from rows
            nxt = next_link(headers.get("link"))
            if not nxt:
                return
            url, query = self._follow(path, nxt, guard), None

    def _follow(self, path: str, nxt: str, guard: PageGuard) -> str:
        """The next-page link, once it is on the configured origin and not seen before."""
        try:
            check_origin(nxt, self.base, what="next-page link", logger=self.ctx.log)
            guard.next(nxt)
        except OriginRefused as exc:
            raise ApiError(f"{path}: {exc}", "error") from None
        except LoopDetected as exc:
            raise ApiError(str(exc), "malformed") from None
        return nxt
