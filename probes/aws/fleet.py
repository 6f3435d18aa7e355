"""An AWS Organization as a fleet: one unit of work per member account.

With `organization: {role_name: R}`, the source's own credentials (profile, optionally
`role_arn`: a role in the management or delegated-administrator account) list the
organization's accounts (organizations:ListAccounts); each active account becomes a unit
`SOURCE/ACCOUNT_ID` that assumes `arn:PARTITION:iam::ACCOUNT_ID:role/R` straight from the base
credentials (so the member roles trust the scanner's principal, not the listing role). An
account whose role cannot be assumed fails its own unit and is reported; the others go on
(scanner/runner.py reads such a gap as a partial fleet, never as a finding). Suspended or
closing accounts, and those in `exclude_accounts`, are reported as skipped.
"""

from __future__ import annotations

from typing import Any

from probes.aws.config import AwsConfig
from probes.aws.session import ApiError, ClientFactory, Clients, classify, pages
from scanner.fleet import Unit, member_name, narrowed
from scanner.probe import Cancelled, ProbeContext, SourceFailure

__all__ = ["account_units"]


def _list_accounts(cfg: AwsConfig, ctx: ProbeContext, factory: ClientFactory | None) -> list[dict[str, Any]]:
    try:
        clients = Clients(cfg, ctx, factory)
        org = clients.prepare("organizations", cfg.global_region)
        return [a for a in pages(org, "list_accounts", "Accounts") if isinstance(a, dict)]
    except Cancelled:
        raise
    except ApiError as exc:
        raise SourceFailure(exc.reason, category=exc.category) from exc
    except Exception as exc:
        err = classify(exc, "organizations:ListAccounts")
        raise SourceFailure(err.reason, category=err.category) from exc


def account_units(cfg: AwsConfig, ctx: ProbeContext, factory: ClientFactory | None = None) -> list[Unit]:
    """One unit per account of the organization (module docstring)."""
    org = cfg.organization
    assert org is not None  # only fleets are expanded
    wanted = set(org.accounts)
    units: list[Unit] = []
    for acct in sorted(_list_accounts(cfg, ctx, factory), key=lambda a: str(a.get("Id"))):
        ident, status = str(acct.get("Id", "")), str(acct.get("Status", "ACTIVE"))
        if len(ident) != 12 or not ident.isdigit() or (wanted and ident not in wanted):
            continue
        partition = str(acct.get("Arn", "arn:aws:")).split(":")[1] or "aws"
        role = f"arn:{partition}:iam::{ident}:role/{org.role_name}"
        member = narrowed(cfg, member_name(cfg.name, ident), {"role_arn": role, "organization": None})
        preset = None
        if ident in org.exclude_accounts:
            preset = ("skipped", "excluded by organization.exclude_accounts")
        elif status != "ACTIVE":
            preset = ("skipped", f"account status {status[:40]}: not scanned")
        units.append(Unit(member, cfg.weight, preset))
    missing = sorted(wanted - {u.config.name.rsplit("/", 1)[1] for u in units})
    for ident in missing:  # asked for by id but not in the organization: say so
        member = narrowed(cfg, member_name(cfg.name, ident), {"organization": None})
        units.append(Unit(member, cfg.weight, ("error", f"account {ident} is not in the organization")))
    return units
