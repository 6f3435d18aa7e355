"""Tallyho's Sentry (a 15-person startup; see history.py for how the team works), served by the
loopback Sentry API of sandbox/. Written and graded blind.

- One project, `tallyho-web`: the Django monolith (its React pages are rendered inside it) with
  the Python SDK at its defaults: errors only (`traces_sample_rate` unset, so no transactions,
  no performance data, no Web Vitals; no release health sessions). No browser SDK.
- The issue alert rule Sentry created with the project (issue owners, else all active members,
  by mail), never edited; no metric alerts; no ownership rules, no auto-assignment, no user
  feedback; open membership (the default); no integrations (nobody connected Slack or GitLab).
"""

from __future__ import annotations

from sandbox.base import Estate
from sandbox.loopback_estates import SentryDemoEstate
from sandbox.sentry import SentryAPI, SentryProjectData, issue_rule

DEFAULT_ALERT = {  # what Sentry creates with a new project
    "id": "sentry.mail.actions.NotifyEmailAction",
    "targetType": "IssueOwners",
    "fallthroughType": "ActiveMembers",
}


def loopback() -> list[Estate]:
    return [SentryDemoEstate(sentry)]


def sentry(token: str) -> SentryAPI:
    web = SentryProjectData(
        1,
        "tallyho-web",
        "python-django",
        ["tallyho"],
        rules=[issue_rule("1", "Send a notification for high priority issues", DEFAULT_ALERT)],
    )
    api = SentryAPI(token=token, projects=[web], integrations=[], metric_alerts=[], open_membership=True)
    api.start()
    return api
