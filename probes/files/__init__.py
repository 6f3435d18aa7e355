"""The `files` probe: evidence from a GitOps repository on disk.

It walks the folder (skipping VCS and vendor folders, bounded in file count and size), loads
every YAML/JSON document and offers each to the file parsers of the other sources
(Prometheus rule files and prometheus.yml, alertmanager.yml, Kubernetes manifests), which
produce the *same* evidence kinds as the live probes. A parser that found no file of its family
leaves its kinds absent (not observed), so an unrelated repository never reads as "zero alert
rules". A file that does not parse is itself evidence (`files.parse_error`) and makes the source
`partial`; it never stops the scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from probes.files.base import FileParser, load_parsers
from scanner.config import SourceConfig
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.probe import Probe, ProbeContext, SourceFailure
from scanner.yamlio import load_yaml_documents

__all__ = ["FilesConfig", "FilesProbe"]

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "vendor", ".terraform", "__pycache__", ".venv"}
SUFFIXES = {".yaml", ".yml", ".json", ".rules"}


class FilesConfig(SourceConfig):
    path: str
    include: list[str] = Field(
        default_factory=list, description="glob patterns relative to path; default every YAML/JSON file"
    )
    exclude: list[str] = Field(default_factory=list)
    max_files: int = Field(default=20000, ge=1)
    max_file_bytes: int = Field(default=5_000_000, ge=1)


@cache
def _kinds() -> dict[str, str]:
    out = {"files.parse_error": "a file in the repository that could not be parsed"}
    for p in load_parsers():
        out.update(p.kinds)
    return out


class _LazyKinds:
    """The union of the parsers' kinds, computed on first use.

    Computing it at import would import every parser while a parser may itself be importing
    probes.files.base (a cycle); by first use every module is complete.
    """

    def __get__(self, obj: object, owner: type | None = None) -> dict[str, str]:
        return _kinds()


class FilesProbe(Probe):
    name = "files"
    kinds: ClassVar[dict[str, str]] = _LazyKinds()  # type: ignore[assignment]
    config_model = FilesConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: FilesConfig = config
        root = cfg.resolve(cfg.path)
        if not root.is_dir():
            raise SourceFailure(f"no such folder: {cfg.path}", category="unreachable")
        parsers: list[FileParser] = [cls() for cls in type(self).parser_classes()]
        broken: list[str] = []
        count = 0
        for path in self._walk(root, cfg):
            ctx.check()
            count += 1
            if count > cfg.max_files:
                ctx.progress(f"stopped after {cfg.max_files} files (max_files)")
                broken.append(f"more than {cfg.max_files} files; the rest were not read")
                break
            rel = path.relative_to(root).as_posix()
            try:
                if path.stat().st_size > cfg.max_file_bytes:
                    raise InputError(f"larger than {cfg.max_file_bytes} bytes; not read", file=rel)
                docs = list(load_yaml_documents(rel, path.read_text(encoding="utf-8")))
            except (InputError, OSError, UnicodeDecodeError) as exc:
                msg = str(exc) if isinstance(exc, InputError) else f"{rel}: {exc}"
                broken.append(msg)
                yield Evidence.make("files.parse_error", rel, {"error": msg}, f"file://{rel}")
                continue
            for i, doc in enumerate(docs):
                if doc is None:
                    continue
                for parser in parsers:
                    try:
                        yield from parser.accept(rel, i, doc)
                    except (ValueError, TypeError, KeyError, AttributeError) as exc:
                        msg = f"{rel} (document {i + 1}): {parser.family}: {exc}"
                        broken.append(msg)
                        yield Evidence.make(
                            "files.parse_error",
                            f"{rel}#{i + 1}",
                            {"error": msg, "parser": parser.family},
                            f"file://{rel}",
                        )
        for parser in parsers:
            if parser.found:
                yield from parser.finish()
                for kind, why in parser.absent_kinds().items():
                    ctx.kind_absent(kind, why)
            else:
                for kind in parser.kinds:
                    ctx.kind_absent(kind, f"no {parser.family} files found under {cfg.path}")
        for msg in broken:
            ctx.warn(f"could not parse {msg}")

    @staticmethod
    def parser_classes() -> list[type[FileParser]]:
        return load_parsers()

    @staticmethod
    def _walk(root: Path, cfg: FilesConfig) -> Iterator[Path]:
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                p = Path(dirpath) / name
                # Regular files only: a symlink may point outside the repository, a FIFO would block.
                if p.suffix.lower() not in SUFFIXES or p.is_symlink() or not p.is_file():
                    continue
                rel = p.relative_to(root).as_posix()
                if cfg.include and not any(p.match(g) or Path(rel).match(g) for g in cfg.include):
                    continue
                if any(Path(rel).match(g) for g in cfg.exclude):
                    continue
                yield p
