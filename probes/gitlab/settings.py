"""A project's outward links: chat integrations, webhooks and its wiki (read-only, bounded).

Integrations and webhooks need the Maintainer role; with a Reporter token GitLab answers 403,
which is recorded as "not readable" (null facts, never "none configured"). Webhook URLs and
integration properties can carry credentials, so neither is ever read into evidence: only
which events are sent and how many hooks there are. Wiki pages are listed by title only,
never their content.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from probes.gitlab.ids import ApiError

if TYPE_CHECKING:  # the client (python-gitlab, requests) is imported when a source is scanned
    from probes.gitlab.http import Api

__all__ = ["CHAT_INTEGRATIONS", "integrations_facts", "issue_templates", "webhook_facts", "wiki_edits", "wiki_facts"]

# Integrations that post to people (chat rooms, mail): where a change announcement lands.
CHAT_INTEGRATIONS = frozenset(
    {
        "slack",
        "gitlab-slack-application",
        "mattermost",
        "microsoft-teams",
        "discord",
        "hangouts-chat",
        "google-chat",
        "webex-teams",
        "telegram",
        "pumble",
        "unify-circuit",
        "matrix",
        "irker",
        "pipelines-email",
        "emails-on-push",
    }
)
MAX_HOOKS = 200
MAX_WIKI_PAGES = 5000
MAX_WIKI_EVENTS = 1000  # per action: enough to show a wiki is kept, bounded on busy projects
MAX_TEMPLATES = 200


def _unreadable(exc: ApiError) -> bool:
    """403/404: the token's role (or the tier) does not allow it; anything else is a failure."""
    return exc.status in (403, 404)


def wiki_edits(
    api: Api,
    base: str,
    since: str,
    fail: Callable[[ApiError], None],
    runbook: re.Pattern[str] | None = None,
) -> dict[str, Any]:
    """Wiki page creations and edits since `since`, from the project's activity events.

    The wiki list API has no dates; its pages are a Git repository GitLab records as
    `WikiPage::Meta` events (actions created and updated), so those are counted, bounded. An
    event's `target_title` is the page's title (or slug): with `runbook`, the distinct pages it
    names a runbook that were edited and not also created in the window (a plan written in the window
    is not a plan kept current) are counted apart.
    """
    count, last = 0, None
    books: set[str] = set()
    created: set[str] = set()
    try:
        for action in ("created", "updated"):
            rows = itertools.islice(api.pages(f"{base}/events", {"action": action, "after": since}), MAX_WIKI_EVENTS)
            for e in rows:
                if "wiki" in str(e.get("target_type") or "").lower():
                    count += 1
                    title = str(e.get("target_title") or "")[:300]
                    if action == "created":
                        created.add(title)
                    elif runbook is not None and runbook.search(title):  # bounded by the event cap
                        books.add(title)
                    when = str(e.get("created_at") or "")[:25]
                    last = max(last or when, when)
    except ApiError as exc:
        if not _unreadable(exc):
            fail(exc)
        return {"edits_in_window": None, "runbook_edits_in_window": None, "last_edit_at": None}
    return {
        "edits_in_window": count,
        # a page written in the window is new, not revised, however often it was saved after
        "runbook_edits_in_window": len(books - created) if runbook is not None else None,
        "last_edit_at": last,
    }


def integrations_facts(api: Api, base: str, fail: Callable[[ApiError], None]) -> dict[str, Any]:
    """Active integrations by slug, and those that announce deployments or pipelines to people."""
    try:
        rows = api.get(f"{base}/integrations")
    except ApiError as exc:
        if not _unreadable(exc):
            fail(exc)
        return {
            "readable": False,
            "active": [],
            "deployment_notifications": [],
            "pipeline_notifications": [],
            "note": f"integrations not readable (HTTP {exc.status}): they need the Maintainer role",
        }
    active = [r for r in rows if isinstance(r, dict) and r.get("active")] if isinstance(rows, list) else []
    slugs = sorted({str(r.get("slug"))[:60] for r in active if r.get("slug")})
    chat = [r for r in active if str(r.get("slug")) in CHAT_INTEGRATIONS]
    return {
        "readable": True,
        "active": slugs[:50],
        "deployment_notifications": sorted({str(r["slug"]) for r in chat if r.get("deployment_events")}),
        "pipeline_notifications": sorted({str(r["slug"]) for r in chat if r.get("pipeline_events")}),
        "note": None,
    }


def webhook_facts(api: Api, base: str, fail: Callable[[ApiError], None]) -> dict[str, Any]:
    """How many webhooks send which events (never their URLs or tokens)."""
    try:
        hooks = list(itertools.islice(api.pages(f"{base}/hooks"), MAX_HOOKS))
    except ApiError as exc:
        if not _unreadable(exc):
            fail(exc)
        return {
            "readable": False,
            "count": None,
            "deployment_events": None,
            "push_events": None,
            "pipeline_events": None,
            "releases_events": None,
            "note": f"webhooks not readable (HTTP {exc.status}): they need the Maintainer role",
        }

    def n(key: str) -> int:
        return sum(1 for h in hooks if h.get(key) is True)

    return {
        "readable": True,
        "count": len(hooks),
        "deployment_events": n("deployment_events"),
        "push_events": n("push_events"),
        "pipeline_events": n("pipeline_events"),
        "releases_events": n("releases_events"),
        "note": None,
    }


def wiki_facts(
    api: Api,
    base: str,
    project: dict[str, Any],
    patterns: dict[str, re.Pattern[str]],
    fail: Callable[[ApiError], None],
    since: str | None = None,
) -> dict[str, Any]:
    """The project wiki's pages by title: how many name runbooks, playbooks or postmortems,
    and (with `since`, a YYYY-MM-DD date) how often pages were created or edited since then.

    `patterns` has `runbook`, `playbook` and `postmortem`, each searched in slug and title.
    """
    level = project.get("wiki_access_level")
    enabled = level != "disabled" if level is not None else project.get("wiki_enabled") is not False
    facts: dict[str, Any] = {
        "enabled": enabled,
        "readable": True,
        "pages": 0,
        "runbook_pages": 0,
        "playbook_pages": 0,
        "postmortem_pages": 0,
        "runbook_titles": [],
        "edits_in_window": None,
        "runbook_edits_in_window": None,
        "runbook_revised_share": None,
        "last_edit_at": None,
    }
    if not enabled:
        return facts
    try:
        pages = list(itertools.islice(api.pages(f"{base}/wikis"), MAX_WIKI_PAGES))
    except ApiError as exc:
        if not _unreadable(exc):
            fail(exc)
        unknown = dict.fromkeys(("pages", "runbook_pages", "playbook_pages", "postmortem_pages"))
        return {**facts, **unknown, "readable": False}
    titles = [
        (str(p.get("title") or p.get("slug") or "")[:100], f"{p.get('slug') or ''} {p.get('title') or ''}"[:300])
        for p in pages
    ]
    books = [title for title, text in titles if patterns["runbook"].search(text)]
    edits = (
        wiki_edits(api, base, since, fail, patterns["runbook"])
        if since and pages
        else {"edits_in_window": 0 if since else None, "runbook_edits_in_window": 0 if since else None}
    )
    revised = edits.get("runbook_edits_in_window")
    return {
        **facts,
        **edits,
        "runbook_revised_share": round(min(revised, len(books)) / len(books), 4)
        if books and revised is not None
        else None,
        "pages": len(pages),
        "runbook_pages": len(books),
        "playbook_pages": sum(1 for _t, text in titles if patterns["playbook"].search(text)),
        "postmortem_pages": sum(1 for _t, text in titles if patterns["postmortem"].search(text)),
        "runbook_titles": books[:5],
    }


def issue_templates(api: Api, base: str, project: dict[str, Any], fail: Callable[[ApiError], None]) -> int | None:
    """How many issue description templates the project offers (its own and inherited ones)."""
    if project.get("issues_enabled") is False:
        return None
    try:
        return sum(1 for _ in itertools.islice(api.pages(f"{base}/templates/issues"), MAX_TEMPLATES))
    except ApiError as exc:
        # 400/403/404: an instance too old for issue templates in this API, or the role; not "none".
        if exc.status not in (400, 403, 404):
            fail(exc)
        return None
