"""The jsm source's config keys (`probe: jsm` in maturity.yaml): Jira Service Management Cloud."""

from __future__ import annotations

from pydantic import Field, model_validator

from probes.http import HttpSourceConfig

__all__ = ["CATEGORIES", "JsmConfig"]

CATEGORIES = ("incident", "problem", "change", "service_request", "post_incident_review", "other")


class JsmConfig(HttpSourceConfig):
    """Where the Jira site is, its credentials and what to read.

    Jira Cloud takes basic auth with an account's e-mail and an API token
    (`basic_auth_env` holding "email:token") or an OAuth 2.0 bearer token (`bearer_token_env`
    or `bearer_token_file`); one of them is required. The token only ever goes to `url`.
    """

    url: str = Field(pattern=r"^https?://", description="the Jira site, e.g. https://acme.atlassian.net")
    window_days: int = Field(default=90, ge=1, le=365, description="requests created in the last N days")
    service_desk_ids: list[str] = Field(
        default_factory=list, description="read only these service desks (ids; empty: every desk the account sees)"
    )
    request_type_categories: dict[str, str] = Field(
        default_factory=dict,
        description="request type id -> category (incident, problem, change, service_request, "
        "post_incident_review, other) for request types whose `practice` is not set",
    )
    per_page: int = Field(default=50, ge=1, le=100, description="items per page (`limit`; JSM caps it at 100)")
    max_requests: int = Field(
        default=5000, ge=50, le=50000, description="requests read at most per service desk (newest activity first)"
    )
    max_feedback_lookups: int = Field(
        default=200,
        ge=0,
        le=2000,
        description="resolved incident requests whose customer-satisfaction feedback is read (one call each)",
    )
    max_priority_lookups: int = Field(
        default=200,
        ge=0,
        le=2000,
        description="incident requests whose priority is read (`GET /rest/api/3/issue/{key}?fields=priority`, one call each)",
    )
    max_problem_lookups: int = Field(
        default=200, ge=0, le=2000, description="problem records whose issue links are read (one call each)"
    )
    max_review_lookups: int = Field(
        default=200,
        ge=0,
        le=2000,
        description="done post-incident reviews whose issue links are read (one call each)",
    )
    max_change_lookups: int = Field(
        default=200, ge=0, le=2000, description="change requests whose risk and impact fields are read (one call each)"
    )
    change_risk_fields: list[str] = Field(
        default_factory=lambda: ["Change risk"],
        max_length=10,
        description="names of the Jira fields holding a change's risk grade (JSM's change template: Change risk)",
    )
    change_impact_fields: list[str] = Field(
        default_factory=lambda: ["Impact"],
        max_length=10,
        description="names of the Jira fields holding a change's impact (JSM's change template: Impact)",
    )

    change_plan_fields: list[str] = Field(
        default_factory=lambda: ["Implementation plan"],
        max_length=10,
        description="names of the Jira fields holding a change's implementation plan (JSM's change template: Implementation plan)",
    )
    change_test_fields: list[str] = Field(
        default_factory=lambda: ["Test plan"],
        max_length=10,
        description="names of the Jira fields holding how a change is tested before production (JSM's change template: Test plan)",
    )
    change_schedule_fields: list[str] = Field(
        default_factory=lambda: ["Planned start", "Change start date"],
        max_length=10,
        description="names of the Jira fields holding when a change is scheduled to start (JSM Cloud: Planned start; Data Center: Change start date)",
    )

    @model_validator(mode="after")
    def _jsm(self) -> JsmConfig:
        if not (self.basic_auth_env or self.bearer_token_env or self.bearer_token_file):
            raise ValueError(
                'Jira needs credentials: basic_auth_env ("email:api-token") or bearer_token_env/bearer_token_file'
            )
        bad = {k: v for k, v in self.request_type_categories.items() if v not in CATEGORIES}
        if bad:
            raise ValueError(
                f"request_type_categories: unknown categories {sorted(set(bad.values()))}; use {CATEGORIES}"
            )
        return self
