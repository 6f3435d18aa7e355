"""The maturity models as data: load, validate and index catalog/<framework>/*.yaml.

A framework file (`framework.yaml`) names the framework and pins its source; every other YAML
file in the folder holds one domain (YD/T) or one area (AWS WA) with its capabilities and their
requirements. Loading checks the structure with pydantic and the consistency across files
(unique ids, ids that match their place, levels 1..5 without gaps, crosswalk targets that exist)
and names file and line on every error.

The work is split by responsibility: scanner.catalog_docs (file structure), scanner.catalog_model
(the in-memory catalog), scanner.catalog_load (compiling and checking); this module is the entry
point and re-exports what callers import from it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from scanner.catalog_docs import CrosswalkDoc, DomainDoc, FrameworkDoc, SourceDoc, Text
from scanner.catalog_load import YDT_REQ_RE, clause_gaps, compile_catalog
from scanner.catalog_model import Capability, Catalog, Clause, Domain, Framework, Requirement

__all__ = [
    "YDT_REQ_RE",
    "Capability",
    "Catalog",
    "Clause",
    "CrosswalkDoc",
    "Domain",
    "DomainDoc",
    "Framework",
    "FrameworkDoc",
    "Requirement",
    "SourceDoc",
    "Text",
    "clause_gaps",
    "default_catalog_dir",
    "load_catalog",
]


def default_catalog_dir() -> Path:
    """The catalog shipped with the package."""
    return Path(str(resources.files("catalog")))


def load_catalog(root: Path | None = None) -> Catalog:
    """Load every framework under `root` (default: the packaged catalog) and the crosswalk.

    The compiled catalog is cached by the digest of its files (`scanner.cache`): an unchanged
    catalog loads from the cache, a changed one is compiled (and checked) again.
    """
    from scanner.cache import cached, files_digest

    root = root or default_catalog_dir()
    files = [p for p in root.rglob("*.yaml") if p.is_file()]
    return cached("catalog", files_digest(files, root), lambda: compile_catalog(root), Catalog)
