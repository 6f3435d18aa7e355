"""The user-facing lists of sources stay true: the README's source table and the commented
entries of maturity.example.yaml name every probe, link its page and count its rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scanner.pipeline import load_inputs

ROOT = Path(__file__).resolve().parents[1]
# The sources added by issue 18: one README row each, counted from their own rule files.
NEW_SOURCES = ("grafana", "pagerduty", "loki", "sentry", "jsm")


def _readme_row(probe: str) -> str:
    rows = [line for line in (ROOT / "README.md").read_text("utf-8").splitlines() if f"(`{probe}`)" in line]
    assert len(rows) == 1, f"README: {len(rows)} source-table rows for {probe}"
    return rows[0]


def _rule_ids(probe: str) -> set[str]:
    ids: set[str] = set()
    for path in sorted((ROOT / "rules" / probe).glob("*.yaml")):
        if path.name.endswith(".cases.yaml"):
            continue
        ids |= {doc["id"] for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc}
    return ids


@pytest.mark.parametrize("probe", NEW_SOURCES)
def test_readme_row_counts_the_rules_and_links_the_page(probe: str) -> None:
    row = _readme_row(probe)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == 4, row
    count = re.match(r"(\d+):", cells[2])
    assert count, row
    assert int(count.group(1)) == len(_rule_ids(probe)), (probe, count.group(1), sorted(_rule_ids(probe)))
    assert f"(docs/sources/{probe}.md)" in cells[3]
    assert (ROOT / "docs" / "sources" / f"{probe}.md").is_file()


def _commented_sources() -> list[dict[str, object]]:
    """The example's commented source entries, uncommented: `  # - name: x` blocks."""
    lines = (ROOT / "maturity.example.yaml").read_text("utf-8").splitlines()
    out: list[dict[str, object]] = []
    block: list[str] = []
    for line in lines:
        m = re.match(r"^  # ( {0,3}\S.*)$", line)
        if m and (m.group(1).startswith("- ") or (block and m.group(1).startswith("  "))):
            block.append(m.group(1))
        elif block:
            out.extend(yaml.safe_load("\n".join(block)))
            block = []
    return out


def test_example_config_has_one_commented_entry_per_new_source_that_validates() -> None:
    entries = _commented_sources()
    assert sorted(str(e["probe"]) for e in entries) == sorted(NEW_SOURCES)
    models = load_inputs(None).registry.config_models()
    for entry in entries:
        model = models[str(entry["probe"])]
        cfg = model.model_validate(entry)  # every key is one the probe knows, with a valid value
        creds = [k for k in ("bearer_token_env", "token_env", "basic_auth_env") if getattr(cfg, k, None)]
        assert creds, f"{entry['name']}: no credential shown"
