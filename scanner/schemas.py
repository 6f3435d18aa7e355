"""JSON Schemas for every input format, generated from the pydantic models that validate them.

The committed copies in scanner/schema/ are what editors and other tools read; a test checks
they match the models (`python -m scanner.schemas` rewrites them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scanner.attest import StatementsFile
from scanner.catalog import CrosswalkDoc, DomainDoc, FrameworkDoc
from scanner.config import ScanConfig
from scanner.probe import load_probes
from scanner.report import generate_report_schema
from scanner.rules import RuleDoc

__all__ = ["SCHEMA_DIR", "generate"]

SCHEMA_DIR = Path(__file__).parent / "schema"


def _config_schema() -> dict[str, Any]:
    top = ScanConfig.model_json_schema(mode="validation")
    for k in ("base_dir", "path", "digest"):
        top["properties"].pop(k, None)
    variants = []
    defs: dict[str, Any] = dict(top.pop("$defs", {}))
    for name, model in sorted(load_probes().config_models().items()):
        s = model.model_json_schema(mode="validation")
        defs.update(s.pop("$defs", {}))
        s["properties"]["probe"] = {"const": name}
        s.setdefault("required", [])
        if "probe" not in s["required"]:
            s["required"].append("probe")
        s["title"] = f"{name} source"
        variants.append(s)
    top["properties"]["sources"] = {"type": "array", "items": {"oneOf": variants}}
    top["$defs"] = defs
    top["title"] = "maturity.yaml"
    top["additionalProperties"] = False
    return top


def generate() -> dict[str, dict[str, Any]]:
    """Every schema by file name."""
    return {
        "config.schema.json": _config_schema(),
        "rule.schema.json": RuleDoc.model_json_schema(),
        "statements.schema.json": StatementsFile.model_json_schema(),
        "catalog-framework.schema.json": FrameworkDoc.model_json_schema(),
        "catalog-domain.schema.json": DomainDoc.model_json_schema(),
        "crosswalk.schema.json": CrosswalkDoc.model_json_schema(),
        "report.schema.json": generate_report_schema(),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    for name, schema in generate().items():
        (SCHEMA_DIR / name).write_text(render(schema), encoding="utf-8")
        print(f"wrote {SCHEMA_DIR / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
