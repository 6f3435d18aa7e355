"""Shared fixtures: a fake probe plugin for engine tests, small helpers, and the test tiers.

Tiers: `make test-fast` runs `-m "not slow"` (no servers, no Chromium); `make test` runs all.
A test is slow when it is marked so, lives in a module of SLOW_MODULES (every test there starts
servers or whole demo runs), or uses a fixture of SLOW_FIXTURES (each starts a real or loopback
server). Mark a new server-starting test `@pytest.mark.slow`, or add its fixture here.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field

from scanner.config import SourceConfig
from scanner.evidence import Evidence
from scanner.probe import Probe, ProbeContext, ProbeRegistry, SourceFailure

SLOW_MODULES = frozenset(
    {
        "test_demo",
        "test_html_browser",
        "test_hostile_scan",
        "test_interrupt",
        "test_performance_requests",
        "test_probe_gitlab_e2e",
        "test_probe_prometheus",
        "test_redact_canary",
        "test_shard",
    }
)
SLOW_FIXTURES = frozenset(
    {
        "server",  # test_metrics (real Prometheus), test_kubeapi, test_probe_gitlab, test_probe_prometheus_faults
        "moto_url",
        "well_run",
        "neglected",  # test_probe_aws (moto)
        "estate",
        # test_probe_kubernetes, test_security (sandbox estates)
        "api",
        "full_scan",  # GitLab loopback API
        "promstack",
        "prometheus_live",
        "alertmanager_live",
        "kubernetes_live",
        "gitlab_live",
        "aws_live",
        "live",  # test_faults
    }
)


def pytest_configure(config: pytest.Config) -> None:
    # The compiled-catalog cache of this run lives in a folder of its own, never the user's.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="maturity-test-cache-")


# The longest modules (measured with --durations), longest first. `make test` runs modules whole
# on 2 workers (pytest-xdist, --dist loadfile, in collection order): starting these first keeps
# one long module from running alone at the end while the other worker idles.
LONGEST_FIRST = (
    "test_html_browser",
    "test_faults",
    "test_fleet_scale",
    "test_ci_templates",
    "test_probe_aws",
    "test_demo",
    "test_fidelity",
    "test_bundle_merge_gates",
    "test_security",
)


def _module(item: pytest.Item) -> str:
    return item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow = pytest.mark.slow
    for item in items:
        if _module(item) in SLOW_MODULES or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(slow)
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_module(item), len(rank)))  # stable: modules stay whole, in order


class FakeConfig(SourceConfig):
    """A test source: yields the items it is given, or fails as told."""

    items: list[dict[str, Any]] = Field(default_factory=list)
    fail: str | None = None  # raise | source | kind:<kind> | sleep | absent:<kind>
    sleep_s: float = 0.0


class FakeProbe(Probe):
    """A probe plugin for tests (registered directly, as a third-party probe would be)."""

    name = "fake"
    kinds: ClassVar[dict[str, str]] = {
        "fake.widget": "a widget",
        "fake.gadget": "a gadget",
    }
    config_model = FakeConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: FakeConfig = config
        for it in cfg.items:
            yield Evidence.make(it.get("kind", "fake.widget"), it["subject"], it.get("data", {}), f"fake://{cfg.name}")
        if cfg.fail == "raise":
            raise RuntimeError("boom token=glpat-abcdefghijklmnopqrstuvwx")
        if cfg.fail == "source":
            raise SourceFailure("connection refused", category="unreachable")
        if cfg.fail and cfg.fail.startswith("kind:"):
            ctx.kind_failed(cfg.fail[5:], "403 Forbidden", "forbidden")
        if cfg.fail and cfg.fail.startswith("absent:"):
            ctx.kind_absent(cfg.fail[7:], "nothing of that here")
        if cfg.fail == "sleep":
            end = time.monotonic() + cfg.sleep_s
            while time.monotonic() < end:
                ctx.check()
                time.sleep(0.01)


@pytest.fixture
def fake_registry() -> ProbeRegistry:
    return ProbeRegistry({"fake": FakeProbe})


FAKE_RULES = """
id: fake.widgets.shiny
title: Widgets are shiny
evidence: [fake.widget]
decides:
  - requirement: "ydt:5.1.1:L1.1"
    coverage: full
    rationale: Shiny widgets prove operating-system metrics are collected (test rule).
  - requirement: "wa:OPS04-BP01"
    coverage: partial
    rationale: A shiny widget is a necessary part of this practice (test rule).
params: {min_ratio: 0.5}
condition:
  ratio: {kind: fake.widget, that: {path: data.shiny, eq: true}, gte: $min_ratio, label: shiny}
remediation: Polish the widgets.
---
id: fake.gadgets.present
title: Gadgets exist
evidence: [fake.gadget]
decides:
  - requirement: "ydt:5.1.2:L1.1"
    coverage: full
    rationale: A gadget transmits data over a standard protocol (test rule).
empty: not_met
condition:
  some: {kind: fake.gadget}
remediation: Add a gadget.
"""


@pytest.fixture
def fake_rules_dir(tmp_path: Path) -> Path:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "fake.yaml").write_text(FAKE_RULES, encoding="utf-8")
    return d


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
