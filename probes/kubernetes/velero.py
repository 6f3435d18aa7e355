"""Velero Restores: the recovery drills a cluster has actually run (live only).

A Restore is history, not desired state: it exists because someone (or a drill pipeline) ran a
restore, and its status says whether it completed, with how many errors and how long it took.
Manifests in Git do not hold Restores, so the kind is read from a live cluster only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["velero_restore_facts"]


def _m(obj: Any, key: str) -> Mapping[str, Any]:
    v = obj.get(key) if isinstance(obj, Mapping) else None
    return v if isinstance(v, Mapping) else {}


def _time(stamp: Any) -> datetime | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        t = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _count(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else 0


def velero_restore_facts(obj: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Phase, age, duration and error counts of one Velero Restore."""
    meta, spec, status = _m(obj, "metadata"), _m(obj, "spec"), _m(obj, "status")
    started, completed = _time(status.get("startTimestamp")), _time(status.get("completionTimestamp"))
    now = now or datetime.now(UTC)
    return {
        "namespace": str(meta.get("namespace") or "default"),
        "name": str(meta.get("name") or ""),
        "phase": str(status.get("phase") or "New"),
        "backup": str(spec.get("backupName") or spec.get("scheduleName") or "")[:200] or None,
        "included_namespaces": [str(x) for x in spec.get("includedNamespaces") or []] or ["*"],
        "days_since_completed": round(max(0.0, (now - completed).total_seconds() / 86400), 2) if completed else None,
        "duration_minutes": round((completed - started).total_seconds() / 60, 1)
        if started and completed and completed >= started
        else None,
        "errors": _count(status.get("errors")),
        "warnings": _count(status.get("warnings")),
    }
