"""The demo's estates for the sources no real server can serve here: Grafana, PagerDuty, Loki,
Sentry and Jira Service Management, each a loopback API (sandbox/grafana/, sandbox/pagerduty/,
sandbox/loki/, sandbox/sentry/, sandbox/jsm/) holding its well-run estate
(or another `build`'s, as the fidelity estates in tests/estates/ give). Each one that asks for a token gets a throwaway
one, put in the environment variable its source reads, and removed again on stop.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.base import Estate
from sandbox.grafana import GrafanaAPI, GrafanaEstate
from sandbox.grafana import well_run as grafana_well_run
from sandbox.jsm import well_run as jsm_well_run
from sandbox.jsm.api import EMAIL as JSM_EMAIL
from sandbox.jsm.api import JsmAPI
from sandbox.loki import well_run as loki_well_run
from sandbox.loki.api import LokiAPI
from sandbox.pagerduty import Estate as PagerDutyEstate
from sandbox.pagerduty import PagerDutyAPI, well_run_estate
from sandbox.sentry import well_run as sentry_well_run
from sandbox.sentry.api import SentryAPI

__all__ = ["GrafanaDemoEstate", "JsmDemoEstate", "LokiDemoEstate", "PagerDutyDemoEstate", "SentryDemoEstate"]

# Names of variables, not secrets.
GRAFANA_ENV = "MATURITY_DEMO_GRAFANA_TOKEN"
PAGERDUTY_ENV = "MATURITY_DEMO_PAGERDUTY_TOKEN"
SENTRY_ENV = "MATURITY_DEMO_SENTRY_TOKEN"
JSM_ENV = "MATURITY_DEMO_JSM_AUTH"


def _token(env: str) -> str:
    """A dummy token (the server accepts only this one), exported for the scan to read."""
    token = "sandbox-" + secrets.token_hex(12)
    os.environ[env] = token
    return token


class GrafanaDemoEstate(Estate):
    """Business and infrastructure dashboards, Grafana-managed alerting, users and teams."""

    name = "grafana"

    def __init__(self, build: Callable[[], GrafanaEstate] = grafana_well_run) -> None:
        self.build = build  # another estate's data (tests/estates/*/estate.py); the demo's by default
        self.api: GrafanaAPI | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        self.api = GrafanaAPI(self.build(), token=_token(GRAFANA_ENV))
        url = self.api.start()
        return [{"name": "grafana", "probe": "grafana", "url": url, "bearer_token_env": GRAFANA_ENV}]

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None
        os.environ.pop(GRAFANA_ENV, None)


class PagerDutyDemoEstate(Estate):
    """Two services fed by Alertmanager, a two-level escalation policy on 24x7 schedules, fast responses."""

    name = "pagerduty"

    def __init__(self, build: Callable[[], PagerDutyEstate] = well_run_estate) -> None:
        self.build = build
        self.api: PagerDutyAPI | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        api = PagerDutyAPI(self.build(), token=_token(PAGERDUTY_ENV))
        self.api = api.__enter__()
        return [{"name": "pagerduty", "probe": "pagerduty", "url": api.url, "token_env": PAGERDUTY_ENV}]

    def stop(self) -> None:
        if self.api is not None:
            self.api.__exit__(None, None, None)
            self.api = None
        os.environ.pop(PAGERDUTY_ENV, None)


class LokiDemoEstate(Estate):
    """Journal, application, access and audit streams, per-stream retention, log-based alerting."""

    name = "loki"

    def __init__(self, build: Callable[[], LokiAPI] = loki_well_run) -> None:
        self.build = build  # starts the server and feeds it
        self.api: LokiAPI | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        self.api = self.build()  # a single-tenant Loki without auth, as most are behind a gateway
        return [{"name": "loki", "probe": "loki", "url": self.api.url}]

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None


class SentryDemoEstate(Estate):
    """A browser and a mobile app with release health and Web Vitals, alerts, ownership, feedback."""

    name = "sentry"

    def __init__(self, build: Callable[[str], SentryAPI] = sentry_well_run) -> None:
        self.build = build  # starts the server accepting the token it is given
        self.api: SentryAPI | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        self.api = self.build(_token(SENTRY_ENV))
        return [
            {
                "name": "sentry",
                "probe": "sentry",
                "url": self.api.url,
                "organization": "acme",
                "bearer_token_env": SENTRY_ENV,
            }
        ]

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None
        os.environ.pop(SENTRY_ENV, None)


class JsmDemoEstate(Estate):
    """An IT service desk: incidents with priority-graded SLAs, problems linked to them, changes."""

    name = "jsm"

    def __init__(self, build: Callable[[str], JsmAPI] = jsm_well_run) -> None:
        self.build = build  # starts the server accepting the token it is given
        self.api: JsmAPI | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        token = _token(JSM_ENV)
        os.environ[JSM_ENV] = f"{JSM_EMAIL}:{token}"  # basic auth: an agent's e-mail and API token
        self.api = self.build(token)
        return [{"name": "jsm", "probe": "jsm", "url": self.api.url, "basic_auth_env": JSM_ENV}]

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None
        os.environ.pop(JSM_ENV, None)
