"""Pagination of the loopback GitLab (sandbox.gitlab.api), as GitLab sends it.

Offset pagination answers a page with X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page,
X-Prev-Page and a Link header (rel next, prev, first, last); keyset pagination (`GET
/projects?pagination=keyset`) answers only a Link rel="next" carrying `id_after`/`id_before`.
`url` is the listing's absolute URL without its query; links point back at it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sandbox.gitlab.query import one as _one
from sandbox.gitlab.query import per_page as _per_page

__all__ = ["keyset_page", "offset_page"]


def offset_page(url: str, q: dict[str, list[str]], rows: list[dict[str, Any]]) -> tuple[Any, dict[str, str]]:
    """The page of `rows` that `page`/`per_page` in `q` ask for, with GitLab's headers."""
    per = _per_page(q)
    total = len(rows)
    pages = max(1, -(-total // per))
    try:
        page = max(1, int(_one(q, "page") or 1))
    except ValueError:
        page = 1
    chunk = rows[(page - 1) * per : page * per]
    base = {k: v[-1] for k, v in q.items() if k != "page"}

    def link(n: int) -> str:
        return f"{url}?{urlencode({**base, 'page': n, 'per_page': per})}"

    links = []
    if page < pages:
        links.append(f'<{link(page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{link(page - 1)}>; rel="prev"')
    links += [f'<{link(1)}>; rel="first"', f'<{link(pages)}>; rel="last"']
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per),
        "X-Total": str(total),
        "X-Total-Pages": str(pages),
        "X-Next-Page": str(page + 1) if page < pages else "",
        "X-Prev-Page": str(page - 1) if page > 1 else "",
        "Link": ", ".join(links),
    }
    return chunk, headers


def keyset_page(url: str, q: dict[str, list[str]], rows: list[dict[str, Any]]) -> tuple[Any, dict[str, str]]:
    """One keyset page of `rows` (sorted by ascending id) after `id_after` / before `id_before`."""
    desc = _one(q, "sort") == "desc"
    rows = list(reversed(rows)) if desc else rows
    after = _one(q, "id_after")
    before = _one(q, "id_before")
    if after:
        rows = [r for r in rows if r["id"] > int(after)]
    if before:
        rows = [r for r in rows if r["id"] < int(before)]
    per = _per_page(q)
    page, more = rows[:per], len(rows) > per
    headers: dict[str, str] = {}
    if more:
        nq = {k: v[-1] for k, v in q.items() if k not in ("id_after", "id_before")}
        nq["id_before" if desc else "id_after"] = str(page[-1]["id"])
        headers["Link"] = f'<{url}?{urlencode(nq)}>; rel="next"'
    return page, headers
