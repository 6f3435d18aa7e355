"""`maturity catalog`: the catalog as a readable table or as JSON."""

from __future__ import annotations

from typing import Any

from scanner.catalog import Catalog

__all__ = ["catalog_json", "catalog_table"]


def catalog_json(catalog: Catalog, framework: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"digest": catalog.digest, "frameworks": []}
    for fw in catalog.frameworks.values():
        if framework and fw.id != framework:
            continue
        out["frameworks"].append(
            {
                "id": fw.id,
                "name": fw.name.model_dump(),
                "source": fw.source.model_dump(),
                "domains": [{"id": d.id, "name": d.name.model_dump(), "parent": d.parent} for d in fw.domains],
                "capabilities": [
                    {
                        "id": c.id,
                        "name": c.name.model_dump(),
                        "domain": c.subdomain or c.domain,
                        "description": c.description.model_dump() if c.description else None,
                        "note": c.note,
                        "requirements": [
                            {
                                "id": r.id,
                                "level": r.level,
                                "text": r.text.model_dump(),
                                "assessment": r.assessment,
                                "clauses": [
                                    {"id": c.id, "text": c.text.model_dump(), "assessment": c.assessment}
                                    for c in r.clauses
                                ],
                                **({"note": r.note} if r.note else {}),
                                **({"related": list(catalog.related(r.id))} if catalog.related(r.id) else {}),
                            }
                            for r in c.requirements
                        ],
                    }
                    for c in fw.capabilities
                ],
            }
        )
    return out


def _name(text: Any, lang: str | None) -> str:
    """A bilingual name in the language asked for (`--lang`), else both."""
    if text is None:
        return ""
    return str(getattr(text, lang)) if lang in ("zh", "en") else f"{text.zh} {text.en}"


def catalog_table(catalog: Catalog, framework: str | None = None, *, lang: str | None = None) -> str:
    lines: list[str] = []
    for fw in catalog.frameworks.values():
        if framework and fw.id != framework:
            continue
        total = sum(len(c.requirements) for c in fw.capabilities)
        lines.append(f"{fw.id}  {fw.name.zh} / {fw.name.en}" if lang is None else f"{fw.id}  {_name(fw.name, lang)}")
        lines.append(
            f"  source: {fw.source.title} ({fw.source.date}); {len(fw.capabilities)} capabilities, {total} requirements"
        )
        names = {d.id: d for d in fw.domains}
        if fw.cumulative:
            lines.append(
                f"  {'capability':<12} {'name':<34} {'L1':>3} {'L2':>3} {'L3':>3} {'L4':>3} {'L5':>3}  evidence/mixed/organisational"
            )
        last_domain = None
        for c in fw.capabilities:
            if c.domain != last_domain:
                d = names.get(c.domain)
                lines.append(f"  {c.domain} {_name(d.name if d else None, lang)}")
                last_domain = c.domain
            # items whose clauses a system can show / that mix both / that only people can vouch for
            a = sum(r.assessment == "evidence" for r in c.requirements)
            p = sum(r.assessment == "mixed" for r in c.requirements)
            m = sum(r.assessment == "organisational" for r in c.requirements)
            label = _name(c.name, lang)[:34]
            if fw.cumulative:
                counts = " ".join(f"{len(c.at_level(lv)):>3}" for lv in range(1, 6))
                lines.append(f"    {c.id:<10} {label:<34} {counts}  {a}/{p}/{m}")
            else:
                lines.append(f"    {c.id:<10} {label:<34} {len(c.requirements):>3} best practices  {a}/{p}/{m}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
