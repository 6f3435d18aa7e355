"""docs/reliability.md is generated from the test definitions and must not go stale."""

from __future__ import annotations

from tests.reliability_doc import DOC, render


def test_reliability_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/reliability.md is stale: run `python -m tests.reliability_doc`"
    )


def test_reliability_doc_shows_the_counts() -> None:
    text = render()
    for needle in (
        "Faults survived: 141",
        "Bad inputs tried:",
        "Nothing lost",
        "| aws |",
        "| gitlab |",
        "| sentry |",
        "| loki |",
        "| jsm |",
    ):
        assert needle in text, needle
