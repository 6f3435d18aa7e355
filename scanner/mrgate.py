"""The merge-request gate: grade the change's own files, never the live estate.

A merge-request pipeline runs code anyone with a branch can write, so it gets no production
credential: `maturity scan --files-only` keeps only the config's `files` sources (the checkout)
and compares with a baseline scanned the same way from the target branch. Comparing a files-only
scan with a live report would call every live finding "evidence lost", so a baseline that
scanned anything but files is refused.

Statements change grades without changing any system: a new waiver or attestation in the merge
request must be seen by whoever approves it. `--changed-files F` (one repository-relative path a
line, e.g. `git diff --name-only BASE HEAD`) lists the changed files the scan reads as
statements, as its config or as extra rules; the gate prints them, the Markdown summary and
dotenv carry them. Listing is the tool's part; requiring an approval is the forge's (CODEOWNERS,
approval rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.locations import repo_relative, repo_root
from scanner.model import SourceState

__all__ = [
    "ChangedFile",
    "changed_inputs",
    "check_files_only_baseline",
    "keep_files_sources",
    "read_changed_files",
]

FILES_PROBE = "files"
MAX_CHANGED = 100_000  # lines of --changed-files read; a merge request touching more is cut here
MAX_PATH = 4096
YAML = (".yaml", ".yml")


@dataclass(frozen=True)
class ChangedFile:
    """A changed file the scan reads, and as what (`statements`, `scan config`, `rules`)."""

    path: str
    role: str

    def line(self) -> str:
        return f"changed in this merge request ({self.role}; review before approving): {self.path}"


def keep_files_sources(config: Any) -> None:
    """Drop every source but the `files` ones from `config` (in place); InputError when none is left."""
    kept = [s for s in config.sources if getattr(s, "probe", None) == FILES_PROBE]
    if not kept:
        raise InputError(
            "--files-only: the config has no `files` source to scan (add one over the repository's GitOps folder)",
            file=str(config.path),
            field="sources",
        )
    config.sources = kept


def check_files_only_baseline(baseline: Mapping[str, Any], path: str) -> None:
    """A files-only scan is compared only with a files-only baseline (InputError otherwise)."""
    sources = (baseline.get("scan") or {}).get("sources") or []
    live = [
        f"{s.get('name')} ({s.get('probe')})"
        for s in sources
        if s.get("probe") != FILES_PROBE and s.get("status") != SourceState.SKIPPED.value
    ]
    if live:
        raise InputError(
            f"--files-only compares with a files-only baseline, but this one scanned {', '.join(live)}: "
            "scan the target branch with --files-only too",
            file=path,
        )


def read_changed_files(path: Path) -> list[str]:
    """The repository-relative paths listed in `path`, one a line (blank lines skipped)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            lines = [line.strip() for _, line in zip(range(MAX_CHANGED), fh, strict=False)]
    except OSError as exc:
        raise InputError(f"cannot read the changed-files list: {exc.strerror or exc}", file=str(path)) from exc
    return [line.removeprefix("./") for line in lines if line and len(line) <= MAX_PATH]


def changed_inputs(config: Any, changed: list[str]) -> list[ChangedFile]:
    """The changed files that are statement files (or under a statement folder), the config
    itself, or extra rules, each once, in the order given."""
    cfg_path = Path(config.path)
    root = repo_root(cfg_path.parent)
    watched: list[tuple[str, str, bool]] = []  # (repository-relative path, role, is a folder)
    for role, entries in (("statements", [*config.attestations, *config.waivers]), ("rules", config.rules)):
        for entry in entries:
            target = config.resolve(entry)
            rel = repo_relative(target, root)
            if rel is not None:
                watched.append((rel, role, target.is_dir() or not target.suffix))
    own = repo_relative(cfg_path, root)
    if own is not None:
        watched.append((own, "scan config", False))
    out: list[ChangedFile] = []
    seen: set[str] = set()
    for path in changed:
        for rel, role, folder in watched:
            prefix = f"{rel.rstrip('/')}/" if rel else ""
            hit = path.startswith(prefix) and path.endswith(YAML) if folder else path == rel
            if hit and path not in seen:
                seen.add(path)
                out.append(ChangedFile(path, role))
                break
    return out
