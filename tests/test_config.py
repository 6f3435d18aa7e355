"""The scan config: every mistake named with file, field and line; exit 2 from the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from scanner.config import load_config
from scanner.errors import InputError
from scanner.probe import ProbeRegistry
from scanner.schemas import SCHEMA_DIR, generate, render
from tests.cli import maturity
from tests.conftest import write

GOOD = """
sources:
  - {name: w, probe: fake, items: [{subject: a}]}
frameworks: [ydt1756-4]
rule_params: {fake.widgets.shiny: {min_ratio: 0.9}}
not_used: [pagerduty, wecom]
statements: {max_months: 24}
"""


def test_good_config(tmp_path: Path, fake_registry: ProbeRegistry) -> None:
    cfg = load_config(write(tmp_path / "m.yaml", GOOD), probe_models=fake_registry.config_models())
    assert [s.name for s in cfg.source_configs()] == ["w"]
    assert cfg.frameworks == ["ydt1756-4"]
    assert len(cfg.digest) == 64
    assert cfg.source_configs()[0].resolve("x") == tmp_path / "x"
    assert cfg.not_used == ["pagerduty", "wecom"] and cfg.statements.max_months == 24
    defaults = load_config(None, probe_models=fake_registry.config_models())
    assert defaults.not_used == [] and defaults.statements.max_months == 13


BAD = [
    ("bad yaml", "sources:\n  - {name: w, probe: fake\n", "invalid YAML", 3, None),
    ("unknown top key", "sources: []\ncolour: red\n", "unknown key", 2, "colour"),
    (
        "unknown source key",
        "sources:\n  - name: w\n    probe: fake\n    colour: red\n",
        "unknown key",
        4,
        "sources.0.colour",
    ),
    ("wrong type", "sources:\n  - name: w\n    probe: fake\n    timeout_s: soon\n", "number", 4, "sources.0.timeout_s"),
    ("unknown probe", "sources:\n  - {name: w, probe: telepathy}\n", "unknown probe 'telepathy'", 2, "sources.0.probe"),
    (
        "duplicate name",
        "sources:\n  - {name: w, probe: fake}\n  - {name: w, probe: fake}\n",
        "used twice",
        3,
        "sources.1.name",
    ),
    ("bad framework", "frameworks: [iso9001]\n", "Input should be", 1, "frameworks.0"),
    ("not a mapping", "- just\n- a list\n", "must be a mapping", 1, None),
    ("bad name", "sources:\n  - {name: 'has space', probe: fake}\n", "pattern", 2, "sources.0.name"),
    ("not_used twice", "not_used: [pagerduty, pagerduty]\n", "twice", 1, "not_used"),
    ("not_used case", "not_used: [PagerDuty]\n", "lower case", 1, "not_used"),
    ("statement months", "statements: {max_months: 0}\n", "greater than or equal", 1, "statements.max_months"),
    ("statements key", "statements: {max_month: 12}\n", "unknown key", 1, "statements.max_month"),
    ("misspelled top key", "sourcs: []\n", "unknown key (did you mean 'sources'?)", 1, "sourcs"),
    ("a field the loader sets", "sources: []\ndigest: abc\n", "unknown key", 2, "digest"),
    (
        "misspelled source key",
        "sources:\n  - name: w\n    probe: fake\n    timout_s: 3\n",
        "unknown key (did you mean 'timeout_s'?)",
        4,
        "sources.0.timout_s",
    ),
    (
        "misspelled nested key",
        "scopes:\n  - {name: a, owner: b, selectors: {kubernets: {}}}\n",
        "unknown key (did you mean 'kubernetes'?)",
        2,
        "scopes.0.selectors.kubernets",
    ),
]


@pytest.mark.parametrize(("name", "text", "message", "line", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_config(
    tmp_path: Path, fake_registry: ProbeRegistry, name: str, text: str, message: str, line: int, field: str | None
) -> None:
    f = write(tmp_path / "m.yaml", text)
    with pytest.raises(InputError) as ei:
        load_config(f, probe_models=fake_registry.config_models())
    e = ei.value
    assert message in str(e), str(e)
    assert e.file == str(f)
    assert e.line == line, str(e)
    if field:
        assert e.field == field


def test_no_hint_when_no_key_is_close(tmp_path: Path, fake_registry: ProbeRegistry) -> None:
    for text in ("colour: red\n", "wibble: 1\n"):
        with pytest.raises(InputError) as ei:
            load_config(write(tmp_path / "m.yaml", text), probe_models=fake_registry.config_models())
        assert ei.value.detail == "unknown key"


def test_cli_bad_config_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    """A true subprocess smoke test: `python -m scanner.cli` exits 2 on bad input."""
    f = write(tmp_path / "m.yaml", "sources:\n  - {name: r, probe: files, path: ., colour: red}\n")
    out = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "scan", "-c", str(f), "--json", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert f"{f}:2: sources.0.colour: unknown key" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.json").exists()


def test_missing_config_file(tmp_path: Path) -> None:
    out = maturity("scan", "-c", str(tmp_path / "nope.yaml"))  # in-process (tests/cli.py)
    assert out.returncode == 2 and "nope.yaml" in out.stderr and "cannot read" in out.stderr


def test_committed_schemas_match_the_models() -> None:
    for name, schema in generate().items():
        committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert committed == render(schema), f"{name} is stale: run `python -m scanner.schemas`"


def test_config_schema_accepts_the_examples_and_rejects_unknown_keys() -> None:
    schema = json.loads((SCHEMA_DIR / "config.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    example = yaml.safe_load((Path(__file__).parents[1] / "maturity.example.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(example, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"sources": [], "colour": "red"}, schema)
