"""Single GitLab REST API v4 records in their JSON shapes (users, groups, integrations, hooks,
wiki pages and events), plus deterministic ids and commit shas for the sandbox history."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sandbox.gitlab.model import iso

__all__ = [
    "Ids",
    "fake_sha",
    "group_json",
    "hook_json",
    "integration_json",
    "user_json",
    "wiki_event_json",
    "wiki_page_json",
]


class Ids:
    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def next(self, what: str) -> int:
        self.n[what] = self.n.get(what, 0) + 1
        return self.n[what] + {"project": 100, "group": 10, "deployment": 5000, "pipeline": 90000, "job": 700000}.get(
            what, 0
        )


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def user_json(name: str) -> dict[str, Any]:
    uid = int(fake_sha(name)[:5], 16) % 9000 + 1000
    return {
        "id": uid,
        "username": name,
        "name": name.title(),
        "state": "active",
        "avatar_url": None,
        "web_url": f"https://gitlab.example/{name}",
    }


def integration_json(slug: str, **events: bool) -> dict[str, Any]:
    """An active integration as GET /projects/:id/integrations lists it (no properties: they hold secrets)."""
    flags = (
        "commit",
        "push",
        "issues",
        "confidential_issues",
        "merge_requests",
        "tag_push",
        "deployment",
        "note",
        "confidential_note",
        "pipeline",
        "wiki_page",
        "job",
        "incident",
        "alert",
    )
    row: dict[str, Any] = {
        "id": int(fake_sha(slug)[:4], 16),
        "title": slug.replace("-", " ").title(),
        "slug": slug,
        "created_at": "2025-01-10T09:00:00.000Z",
        "updated_at": "2025-01-10T09:00:00.000Z",
        "active": True,
        "comment_on_event_enabled": False,
    }
    for f in flags:
        row[f"{f}_events"] = events.get(f"{f}_events", f in ("push", "pipeline"))
    return row


def hook_json(**events: bool) -> dict[str, Any]:
    n = int(fake_sha(sorted(events.items()))[:4], 16)
    return {
        "id": n,
        "url": f"https://hooks.example/{n}?token=secret-{n}",  # what a real hook may hold: never read into evidence
        "name": None,
        "created_at": "2025-01-10T09:00:00.000Z",
        "push_events": True,
        "tag_push_events": False,
        "merge_requests_events": False,
        "repository_update_events": False,
        "enable_ssl_verification": True,
        "issues_events": False,
        "confidential_issues_events": False,
        "note_events": False,
        "confidential_note_events": None,
        "pipeline_events": False,
        "wiki_page_events": False,
        "deployment_events": events.get("deployment_events", False),
        "releases_events": False,
        "job_events": False,
        "alert_status": "executable",
        "push_events_branch_filter": None,
    }


def wiki_event_json(at: datetime, action: str, slug: str) -> dict[str, Any]:
    """A project activity event for a wiki page, as GitLab's events API lists it."""
    return {
        "action_name": action,
        "target_type": "WikiPage::Meta",
        "target_title": slug,
        "created_at": iso(at),
    }


def wiki_page_json(slug: str, title: str | None = None) -> dict[str, Any]:
    return {"format": "markdown", "slug": slug, "title": title or slug, "encoding": "UTF-8"}


def group_json(ids: Ids, path: str, parent: dict[str, Any] | None) -> dict[str, Any]:
    full = f"{parent['full_path']}/{path}" if parent else path
    return {
        "id": ids.next("group"),
        "name": path.title(),
        "path": path,
        "full_path": full,
        "full_name": full.replace("/", " / "),
        "parent_id": parent["id"] if parent else None,
        "visibility": "private",
        "web_url": f"https://gitlab.example/groups/{full}",
    }
