"""The pagerduty source's config keys (`probe: pagerduty` in maturity.yaml)."""

from __future__ import annotations

from pydantic import Field, model_validator

from probes.http import HttpSourceConfig

__all__ = ["PagerDutyConfig"]


class PagerDutyConfig(HttpSourceConfig):
    """Where the PagerDuty REST API is, the token's variable, and what to read.

    The HTTP options (TLS, timeouts, retries, rate limit) are the shared ones of every HTTP
    source; PagerDuty's own auth scheme (`Authorization: Token token=...`) replaces the bearer
    and basic options, which are refused here.
    """

    url: str = Field(
        default="https://api.pagerduty.com",
        pattern=r"^https?://",
        description="REST API base URL (api.pagerduty.com, or api.eu.pagerduty.com for EU accounts)",
    )
    token_env: str = Field(
        default="PAGERDUTY_TOKEN",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="environment variable holding a read-only REST API key (account or user token)",
    )
    window_days: int = Field(
        default=90, ge=1, le=180, description="incidents created in the last N days (the API allows 180 at most)"
    )
    coverage_days: int = Field(
        default=28, ge=1, le=90, description="the on-call schedules' coverage is computed over the next N days"
    )
    team_ids: list[str] = Field(
        default_factory=list, description="read only these teams' services, policies and incidents (empty: all)"
    )
    per_page: int = Field(default=100, ge=1, le=100)
    max_items: int = Field(
        default=10000, ge=100, le=10000, description="items of one list read at most (PagerDuty's offset limit)"
    )
    max_schedules: int = Field(default=500, ge=1, le=5000, description="schedules whose shifts are rendered")
    max_status_update_lookups: int = Field(
        default=50,
        ge=0,
        le=500,
        description="resolved incidents whose full log is read for status updates (one call each; 0: none)",
    )

    @model_validator(mode="after")
    def _pagerduty_auth(self) -> PagerDutyConfig:
        given = [k for k in ("bearer_token_env", "bearer_token_file", "basic_auth_env") if getattr(self, k)]
        if given:
            raise ValueError(f"{', '.join(given)}: PagerDuty authenticates with a REST API key; use token_env")
        return self
