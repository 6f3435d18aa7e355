"""The `aws` source's configuration (keys beyond the common SourceConfig ones)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scanner.config import SourceConfig

__all__ = ["AwsConfig", "AwsOrganization"]

_REGION = r"^[a-z]{2}(-[a-z]+)+-\d$"


class AwsOrganization(BaseModel):
    """An AWS Organization scanned as a fleet, one unit per account (probes/aws/fleet.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role_name: str = Field(
        pattern=r"^[\w+=,.@/-]{1,64}$", description="the read-only role assumed in every member account"
    )
    accounts: list[str] = Field(default_factory=list, description="only these account ids (default: every one)")
    exclude_accounts: list[str] = Field(
        default_factory=list, description="account ids reported as skipped (e.g. the management account)"
    )

    @field_validator("accounts", "exclude_accounts")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        import re

        for a in v:
            if not re.fullmatch(r"\d{12}", a):
                raise ValueError(f"an AWS account id is 12 digits, got {a!r}")
        return v


class AwsConfig(SourceConfig):
    """Where and as whom to read an AWS account. No key holds a secret.

    Credentials come from boto3's default chain (environment, shared files, SSO, instance or
    pod role), optionally narrowed to a named `profile` of the shared files (which may be given
    as `credentials_file` / `config_file`, resolved against the scan config's folder), then
    optionally exchanged for a role (`role_arn`, `external_id`, `session_name`).
    """

    regions: list[str] = Field(min_length=1, description="regions to read; global services are read once")
    profile: str | None = None
    credentials_file: str | None = Field(
        default=None, description="a shared credentials file (AWS_SHARED_CREDENTIALS_FILE)"
    )
    config_file: str | None = Field(default=None, description="a shared config file (AWS_CONFIG_FILE)")
    role_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
    external_id: str | None = None
    session_name: str = Field(default="maturity-scanner", pattern=r"^[\w+=,.@-]{2,64}$")
    endpoint_url: str | None = Field(default=None, description="one endpoint for every service (moto, LocalStack)")
    global_region: str = Field(
        default="us-east-1",
        pattern=_REGION,
        description="where global services (budgets, ce, route53, s3 listing) are called",
    )
    connect_timeout_s: float = Field(default=10.0, gt=0, le=120)
    read_timeout_s: float = Field(default=30.0, gt=0, le=600)
    window_days: int = Field(default=30, ge=1, le=365, description="how far back backup, restore and FIS runs are read")
    organization: AwsOrganization | None = Field(
        default=None, description="a fleet: every account of the AWS Organization, entered through a named role"
    )
    max_items_per_kind: int = Field(
        default=2000, ge=1, le=100_000, description="bound on job/record items read per region"
    )

    @field_validator("regions")
    @classmethod
    def _regions(cls, v: list[str]) -> list[str]:
        import re

        for r in v:
            if not re.match(_REGION, r):
                raise ValueError(f"not a region name: {r!r}")
        if len(set(v)) != len(v):
            raise ValueError("a region is listed twice")
        return v

    def is_fleet(self) -> bool:
        """Whether this source stands for an organization's accounts (scanner/fleet.py)."""
        return self.organization is not None
