"""Shared parts of the gitlab probe's kind models: the window and sample summaries (probes/gitlab/kinds.py)."""

from __future__ import annotations

from pydantic import Field

from scanner.probe import KindModel

__all__ = ["PROJECT", "SAMPLE_IDS", "MethodSummary", "Summary", "Window"]

PROJECT = "the project's path (group/subgroup/project)"
SAMPLE_IDS = "ids of up to five of the items counted, for an auditor to look up"


class Window(KindModel):
    """The time window a figure covers."""

    start: str = Field(description="start of the window (ISO 8601, UTC)")
    end: str = Field(description="end of the window (ISO 8601, UTC)")
    days: float = Field(description="length of the window in days")


class Summary(KindModel):
    """Median and 90th percentile (nearest rank) of a sample; both null when it is empty."""

    n: int = Field(description="sample size")
    median: float | None = Field(description="median (null: empty sample)")
    p90: float | None = Field(description="90th percentile, nearest rank (null: empty sample)")


class MethodSummary(Summary):
    """A Summary with how it was measured."""

    method: str = Field(description="how the figure was measured, in words")
