"""Shared fixtures: a fake probe plugin for engine tests, and small helpers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field

from scanner.config import SourceConfig
from scanner.evidence import Evidence
from scanner.probe import Probe, ProbeContext, ProbeRegistry, SourceFailure


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
