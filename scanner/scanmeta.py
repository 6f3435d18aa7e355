"""The report's `scan` metadata: one builder for scan, rescore and merge.

A fresh scan takes everything from its config. Rescore and merge re-grade recorded evidence:
they take what was recorded (times, sources, config digest) from the bundle's manifest, and the
settings that change grading (`not_used`, `statement_max_months`) from the config the user
passed, else from the manifest. The bundle manifest is in turn derived from the finished
report's `scan` (`scanner.bundle.manifest_from_scan`), so there is one copy to trust.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner import __version__
from scanner.config import ScanConfig
from scanner.evidence import now_iso
from scanner.scopes import scope_meta

__all__ = ["scan_meta"]


def scan_meta(
    *,
    sources: list[dict[str, Any]],
    config: ScanConfig | None,
    recorded: Mapping[str, Any] | None = None,
    started: str | None = None,
    finished: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """`scan` fields before grading (assemble adds digests, frameworks and observations).

    `config` is the user's own config (None: take the grading settings from `recorded`, the
    manifest of a recorded scan). `extra` carries what only one verb records (`merged_from`,
    `shards`, `rescored_at`).
    """
    rec: Mapping[str, Any] = recorded or {}
    if recorded is not None:
        digest = str(rec.get("config_digest", ""))
    elif config is not None:
        digest = config.digest
    else:
        raise ValueError("scan_meta needs a config or a recorded manifest")
    meta: dict[str, Any] = {
        "started": started or str(rec.get("started") or now_iso()),
        "finished": finished or str(rec.get("finished") or now_iso()),
        "scanner_version": __version__,
        "config_digest": digest,
        "sources": sources,
        "not_used": sorted(set(config.not_used)) if config is not None else list(rec.get("not_used", [])),
        "statement_max_months": (
            config.statements.max_months if config is not None else rec.get("statement_max_months")
        ),
    }
    meta.update(scope_meta(config, rec))  # scanner/scopes.py: scope definitions, re-derived by verify
    meta.update(extra)
    return meta
