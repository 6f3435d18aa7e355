"""The interface of a sandbox estate: something `maturity demo` starts, scans and stops."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

__all__ = ["ESTATES", "Estate", "load_estates"]

# Each live source contributes one estate to the demo; the demo starts every one it can.
ESTATES = (
    "sandbox.gitops:GitOpsEstate",
    "sandbox.prometheus:PrometheusEstate",
    "sandbox.kubernetes:KubernetesEstate",
    "sandbox.aws:AwsEstate",
    "sandbox.gitlab:GitLabEstate",
)


class Estate:
    """Start servers (on free loopback ports) seeded with a realistic estate; stop them."""

    name = ""

    def start(self, workdir: Path) -> list[dict[str, Any]]:
        """Start and seed; return the `sources:` entries of maturity.yaml that scan it."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop everything `start` started (idempotent, safe after a failed start)."""


def load_estates() -> list[type[Estate]]:
    out: list[type[Estate]] = []
    for spec in ESTATES:
        mod, _, cls = spec.partition(":")
        try:
            out.append(getattr(import_module(mod), cls))
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
    return out
