"""Level names as a report carries them (`frameworks[].levels`), for every writer and gate.

Writers read names from the report itself, so an old report renders with its own names; a
report without them (v1) falls back to the names CAICT's assessments use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_LEVEL_NAMES", "level_label", "level_names"]

DEFAULT_LEVEL_NAMES: dict[int, dict[str, str]] = {
    1: {"zh": "初始级", "en": "Initial"},
    2: {"zh": "基础级", "en": "Basic"},
    3: {"zh": "全面级", "en": "Comprehensive"},
    4: {"zh": "优秀级", "en": "Excellent"},
    5: {"zh": "卓越级", "en": "Outstanding"},
}
NO_LEVEL = {"zh": "未达初始级", "en": "below Initial"}


def level_names(framework: Mapping[str, Any] | None) -> dict[int, dict[str, str]]:
    """Level number -> {zh, en} from the framework entry of a report (string keys in JSON)."""
    raw = (framework or {}).get("levels") or {}
    names = {int(k): {"zh": str(v["zh"]), "en": str(v["en"])} for k, v in raw.items()}
    return names or dict(DEFAULT_LEVEL_NAMES)


def level_label(n: int, names: Mapping[int, Mapping[str, str]] | None = None) -> str:
    """`2 基础级 Basic`; level 0 reads `0 (below Initial)`."""
    name = (names or DEFAULT_LEVEL_NAMES).get(n)
    if name is None:
        return f"{n} ({NO_LEVEL['en']})" if n == 0 else str(n)
    return f"{n} {name['zh']} {name['en']}"
