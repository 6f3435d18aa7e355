"""Where a finding lives in the repository: for SARIF and other code-scanning outputs.

A scan records, per source, the config file (relative to the repository root) and the line of
the source's entry in it, and for a `files` source the folder it read (also repository-relative).
Evidence read from a repository carries `file://<path under the source's folder>[#doc][;line=N]`
(the files probe appends the document's first line). `evidence_location` turns the two into a
repository-relative URI and a line; everything else points at the source's entry in the config.

The repository root is the nearest folder above the config holding `.git`, else the working
directory: in CI both are the checkout.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["evidence_location", "repo_relative", "repo_root", "source_locations"]

_ORIGIN_LINE = re.compile(r"^file://([^#;]*)(?:#[^;]*)?;line=(\d+)$")


def repo_root(start: Path) -> Path:
    """The nearest folder at or above `start` with a `.git` entry, else the working directory."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return Path.cwd().resolve()


def repo_relative(path: Path, root: Path) -> str | None:
    """`path` relative to `root` in POSIX form (`""` for the root itself), or None when it lies outside."""
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return None
    return rel.as_posix() if str(rel) != "." else ""


def source_locations(config: Any) -> dict[str, dict[str, Any]]:
    """Per source name: {config, line[, root]} relative to the repository root (empty when the
    config was not read from a file or lies outside the repository)."""
    if not getattr(config, "path", "") or config.path == "<defaults>":
        return {}
    cfg_path = Path(config.path)
    root = repo_root(cfg_path.parent)
    uri = repo_relative(cfg_path, root)
    if not uri:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for src in config.source_configs():
        loc: dict[str, Any] = {"config": uri, "line": max(1, int(getattr(src, "_line", 0) or 1))}
        folder = getattr(src, "path", None)
        if src.probe == "files" and isinstance(folder, str):
            rel = repo_relative(src.resolve(folder), root)
            if rel is not None:
                loc["root"] = rel
        out[src.name] = loc
    return out


def evidence_location(origin: str, source: Mapping[str, Any] | None) -> tuple[str, int] | None:
    """(repository-relative URI, line) of an item read from a file at a known line, else None."""
    m = _ORIGIN_LINE.match(origin)
    if m is None or not source or "root" not in source:
        return None
    rel = m.group(1)
    if not rel or rel.startswith("/") or ".." in rel.split("/"):
        return None
    root = str(source["root"])
    return (f"{root}/{rel}" if root else rel).replace(os.sep, "/"), int(m.group(2))
