"""Query-string handling of the loopback GitLab (sandbox.gitlab.api): the filters, ordering and
page size GitLab's list endpoints apply, over rows held as the REST API's JSON objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["MAX_PER_PAGE", "filter_rows", "norm", "one", "order_rows", "per_page"]

MAX_PER_PAGE = 100


def one(q: dict[str, list[str]], key: str) -> str | None:
    v = q.get(key)
    return v[-1] if v else None


def per_page(q: dict[str, list[str]]) -> int:
    try:
        return min(MAX_PER_PAGE, max(1, int(one(q, "per_page") or 20)))
    except ValueError:
        return 20


def filter_rows(
    rows: list[dict[str, Any]],
    q: dict[str, list[str]],
    *,
    time_field: str,
    env: Callable[[dict[str, Any]], str] | None = None,
) -> list[dict[str, Any]]:
    out = rows
    if env is not None and one(q, "environment"):
        out = [r for r in out if env(r) == one(q, "environment")]
    for key in ("status", "state", "source", "ref", "target_branch"):
        if (one(q, key) and key != "state") or (key == "state" and one(q, key) not in (None, "all")):
            out = [r for r in out if r.get(key) == one(q, key)]
    for key, field_name, after in (
        ("updated_after", time_field, True),
        ("updated_before", time_field, False),
        ("created_after", "created_at", True),
        ("created_before", "created_at", False),
    ):
        bound = one(q, key)
        if bound:
            b = norm(bound)
            out = [r for r in out if (norm(r[field_name]) > b if after else norm(r[field_name]) < b)]
    return out


def norm(t: str) -> str:
    """ISO timestamps compare as text once normalised to YYYY-MM-DDTHH:MM:SS."""
    return t.replace(" ", "T")[:19]


def order_rows(
    rows: list[dict[str, Any]], q: dict[str, list[str]], *, default: str, default_sort: str = "asc"
) -> list[dict[str, Any]]:
    key = one(q, "order_by") or default
    desc = (one(q, "sort") or default_sort) == "desc"
    return sorted(
        rows, key=lambda r: (str(r.get(key) or "") if key != "id" else r.get("id", 0), r.get("id", 0)), reverse=desc
    )
