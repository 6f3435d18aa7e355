"""Sentry estates for tests and the demo: a well-run organisation (a browser app and a mobile
app with release health and Web Vitals, team-scoped projects, metric alerts on LCP and
crash-free rate and on LCP against the week before, Jira tickets from issue alerts, ownership
with auto-assignment, user feedback, a dashboard of Web Vitals and crash-free rates by browser, country and release, page-load traces
that continue into the API) and a backend-only one."""

from __future__ import annotations

from typing import Any

from sandbox.sentry.api import SentryAPI, SentryProjectData

__all__ = ["SentryAPI", "SentryProjectData", "backend_only", "issue_rule", "well_run"]  # the API: sandbox.sentry.api

JIRA_ACTION = {"id": "sentry.integrations.jira.notify_action.JiraCreateTicketAction", "integration": "1"}
MAIL_ACTION = {"id": "sentry.mail.actions.NotifyEmailAction", "targetType": "IssueOwners"}


def issue_rule(
    rid: str, name: str, *actions: dict[str, Any], owner: str | None = None, environment: str | None = None
) -> dict[str, Any]:
    """An issue alert rule as `GET /projects/:org/:project/rules/` lists it: `actions` on the first
    event of a new issue, at most every 30 minutes; `owner` like "team:1"."""
    return {
        "id": rid,
        "name": name,
        "owner": owner,
        "actionMatch": "all",
        "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
        "filters": [],
        "actions": list(actions),
        "frequency": 30,
        "environment": environment,
    }


def well_run(token: str | None = None, page_size: int = 100) -> SentryAPI:
    web = SentryProjectData(
        1,
        "storefront-web",
        "javascript-react",
        ["web"],
        sessions=120_000,
        crash_free_sessions=0.998,
        crash_free_users=0.997,
        perf={
            "count()": 50_000,
            "p75(transaction.duration)": 820.0,
            "p95(transaction.duration)": 2400.0,
            "p75(measurements.lcp)": 2100.0,
            "p75(measurements.inp)": 180.0,
            "p75(measurements.cls)": 0.05,
        },
        rules=[{"id": "1", "name": "new issue to Jira", "actions": [JIRA_ACTION], "conditions": [], "filters": []}],
        ownership="url:*/checkout/* #checkout\npath:src/cart/* #web\n",
        auto_assignment="Auto Assign to Issue Owner",
        feedback=3,
        traces=[f"{i:032x}" for i in range(1, 21)],
    )
    app = SentryProjectData(
        2,
        "shop-android",
        "android",
        ["mobile"],
        sessions=40_000,
        crash_free_sessions=0.994,
        crash_free_users=0.991,
        perf={"count()": 9_000, "p75(transaction.duration)": 1300.0, "p95(transaction.duration)": 3900.0},
        rules=[{"id": "2", "name": "notify owners", "actions": [MAIL_ACTION], "conditions": [], "filters": []}],
    )
    api_p = SentryProjectData(
        3,
        "checkout-api",
        "python-django",
        ["backend"],
        perf={"count()": 200_000, "p75(transaction.duration)": 90.0, "p95(transaction.duration)": 310.0},
        # the web app's page loads and the app's screens call the API: their traces continue here
        traces=[f"{i:032x}" for i in (*range(1, 16), 101, 102)] + [f"{i:032x}" for i in range(900, 930)],
    )
    app.traces = [f"{i:032x}" for i in range(101, 111)]
    alerts = [
        {
            "id": "10",
            "name": "LCP regression",
            "dataset": "transactions",
            "aggregate": "p75(measurements.lcp)",
            "query": "",
            "projects": ["storefront-web"],
            "timeWindow": 60,
            "triggers": [{"label": "critical", "alertThreshold": 4000, "actions": [{"type": "slack"}]}],
        },
        {
            "id": "11",
            "name": "Android crash-free",
            "dataset": "metrics",
            "aggregate": "percentage(sessions_crashed, sessions) AS _crash_rate_alert_aggregate",
            "query": "",
            "projects": ["shop-android"],
            "timeWindow": 60,
            "triggers": [{"label": "critical", "alertThreshold": 1, "actions": [{"type": "email"}]}],
        },
        {
            "id": "13",
            "name": "LCP week over week",
            "dataset": "transactions",
            "aggregate": "p75(measurements.lcp)",
            "query": "transaction.op:pageload",
            "projects": ["storefront-web"],
            "timeWindow": 60,
            "comparisonDelta": 10080,
            "detectionType": "percent",
            "triggers": [{"label": "critical", "alertThreshold": 120, "actions": [{"type": "slack"}]}],
        },
        {
            "id": "12",
            "name": "API errors",
            "dataset": "events",
            "aggregate": "count()",
            "query": "",
            "projects": ["checkout-api"],
            "timeWindow": 5,
            "triggers": [{"label": "critical", "alertThreshold": 100, "actions": []}],
        },
    ]
    experience = {
        "id": 7,
        "title": "User experience",
        "projects": [1, 2],
        "widgets": [
            {
                "title": "LCP and INP by browser",
                "displayType": "table",
                "queries": [
                    {"columns": ["browser.name"], "aggregates": ["p75(measurements.lcp)", "p75(measurements.inp)"]}
                ],
            },
            {
                "title": "LCP by country",
                "displayType": "line",
                "queries": [{"columns": ["geo.country_code"], "aggregates": ["p75(measurements.lcp)"]}],
            },
            {
                "title": "Crash-free sessions by release",
                "displayType": "line",
                "widgetType": "metrics",
                "queries": [{"columns": ["release"], "aggregates": ["crash_free_rate(session)"]}],
            },
        ],
    }
    backend = {
        "id": 8,
        "title": "API",
        "widgets": [
            {
                "title": "p95 by endpoint",
                "queries": [{"columns": ["transaction"], "aggregates": ["p95(transaction.duration)"]}],
            }
        ],
    }
    api = SentryAPI(
        token=token,
        projects=[web, app, api_p],
        integrations=["jira", "slack"],
        metric_alerts=alerts,
        dashboards=[experience, backend],
        page_size=page_size,
    )
    api.start()
    return api


def backend_only(token: str | None = None) -> SentryAPI:
    api_p = SentryProjectData(
        3,
        "checkout-api",
        "python-django",
        [],
        perf={"count()": 200_000, "p75(transaction.duration)": 90.0, "p95(transaction.duration)": 310.0},
    )
    api = SentryAPI(token=token, projects=[api_p], open_membership=True)
    api.start()
    return api
