"""The GitLab part of `maturity demo`: a loopback GitLab API serving two teams' history."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from sandbox.base import Estate
from sandbox.gitlab.api import Fault, GitLabAPI, RecordedRequest
from sandbox.gitlab.history import History, ProjectHistory, build_history

__all__ = [  # the demo estate, and the loopback API and history (sandbox.gitlab.api, .history)
    "TOKEN_ENV",
    "Fault",
    "GitLabAPI",
    "GitLabEstate",
    "History",
    "ProjectHistory",
    "RecordedRequest",
    "build_history",
]

TOKEN_ENV = "MATURITY_DEMO_GITLAB_TOKEN"  # noqa: S105 - the name of a variable, not a secret


class GitLabEstate(Estate):
    """`acme/web` deploys several times a day; `acme/ledger` deploys monthly (sandbox.gitlab.history)."""

    name = "gitlab"

    def __init__(self) -> None:
        self.api: GitLabAPI | None = None

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        """Serve the history on a free loopback port; the scan reads a throwaway token from the environment."""
        token = "sandbox-" + secrets.token_hex(12)  # a dummy: the server only accepts this one
        self.api = GitLabAPI(build_history(), token=token)
        url = self.api.start()
        os.environ[TOKEN_ENV] = token
        return [
            {
                "name": "gitlab",
                "probe": "gitlab",
                "url": url,
                "token_env": TOKEN_ENV,
                "groups": ["acme"],
                "include_subgroups": True,
            }
        ]

    def stop(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None
        os.environ.pop(TOKEN_ENV, None)
