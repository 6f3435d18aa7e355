"""The summary a scan prints on stderr when it ends: per framework the items per status, the
capabilities per level (whole numbers, not a mean), why items are unknown and what resolves
it, one line per scope (target level, capabilities below it, items not met), the sources, and
where every file went. Built from the report's headline
(scanner/headline.py); `lang` picks zh, en or both for the words."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.headline import headline

__all__ = ["summary_text"]

_W: dict[str, tuple[str, str]] = {
    "items": ("评估项", "items"),
    "met": ("满足", "met"),
    "not_met": ("不满足", "not met"),
    "attested": ("已声明", "attested"),
    "unknown": ("未知", "unknown"),
    "not_applicable": ("不适用", "n/a"),
    "level_verified": ("已验证等级", "verified level"),
    "level": ("等级", "level"),
    "level_ceiling": ("上限", "ceiling"),
    "caps": ("能力数（范围内）", "capabilities in scope"),
    "why": ("未知原因", "unknown because"),
    "sources": ("数据源", "sources"),
    "not_configured": ("未配置", "not configured"),
    "scope": ("范围", "scope"),
    "target": ("目标等级", "target"),
    "no_target": ("未设目标", "no target"),
    "below": ("低于目标", "below target"),
    "written": ("已写入", "written"),
}
_STATUS_ORDER = ("met", "not_met", "attested", "unknown", "not_applicable")
MAX_BELOW_IDS = 8  # capability ids named per scope line; the count says how many in all


def _word(key: str, lang: str | None) -> str:
    zh, en = _W[key]
    return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"


def _label(text: Mapping[str, str], lang: str | None) -> str:
    return text["zh"] if lang == "zh" else text["en"] if lang == "en" else f"{text['zh']} {text['en']}"


def _scope_line(sc: Mapping[str, Any], lang: str | None) -> str:
    below = list(sc.get("below_target") or [])
    target = sc.get("target_level")
    ids = ", ".join(below[:MAX_BELOW_IDS]) + (", …" if len(below) > MAX_BELOW_IDS else "")
    failing = sum(
        1
        for fw in sc.get("frameworks") or []
        for c in fw["capabilities"]
        for r in c["requirements"]
        if r["status"] == "not_met"
    )
    aim = _word("no_target", lang) if target is None else f"{_word('target', lang)} L{target}"
    return (
        f"{_word('scope', lang)} {sc['name']}: {aim} · {_word('below', lang)} {len(below)}"
        + (f" ({ids})" if ids else "")
        + f" · {_word('not_met', lang)} {failing}"
    )


def summary_text(report: Mapping[str, Any], written: Mapping[str, str] | None = None, lang: str | None = None) -> str:
    """Lines for the end of a scan (no trailing newline)."""
    h = headline(report)
    lines: list[str] = []
    for fh in h.frameworks:
        counts = " · ".join(f"{_word(s, lang)} {fh.items.get(s, 0)}" for s in _STATUS_ORDER)
        lines.append(f"{fh.framework}: {_word('items', lang)} {sum(fh.items.values())}: {counts}")
        if fh.levels:
            lines.append(f"  {_word('caps', lang)} {fh.in_scope}/{fh.capabilities}:")
            lines.append("    " + "".join(f"{'L' + str(lv):>5}" for lv in sorted(fh.levels["level"])))
            for key in ("level_verified", "level", "level_ceiling"):
                cells = "".join(f"{n:>5}" for _, n in sorted(fh.levels[key].items()))
                lines.append(f"    {cells}  {_word(key, lang)}")
        if fh.unknowns:
            lines.append(f"  {_word('why', lang)}:")
            for u in fh.unknowns:
                rc = u.to_json()
                targets = ", ".join(f"{t['target']} {t['items']}" for t in rc["targets"][:6])
                more = f" ({targets})" if targets else ""
                lines.append(f"    {len(u.items):>4}  {_label(rc['label'], lang)}{more}: {_label(rc['action'], lang)}")
    lines += [_scope_line(sc, lang) for sc in report.get("scopes") or []]
    src = " · ".join(f"{k} {n}" for k, n in h.sources.items())
    line = f"{_word('sources', lang)}: {src}"
    if h.not_configured:
        line += f"; {_word('not_configured', lang)}: {', '.join(h.not_configured)}"
    lines.append(line)
    if written:
        files = ", ".join(f"{name} {Path(target)}" for name, target in written.items())
        lines.append(f"{_word('written', lang)}: {files}")
    return "\n".join(lines)
