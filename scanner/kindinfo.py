"""What each probe collects, field by field: `maturity probes` and docs/sources/kinds.md.

Fields are read from the probes' kind models (scanner.probe.KindModel); nested objects are
listed as `parent.child` (`parent[].child` for a list of objects), so the names shown are the
paths a rule writes after `data.`.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from scanner.probe import ProbeRegistry

__all__ = ["kind_fields", "kinds_json", "kinds_markdown", "kinds_text", "type_name"]


def type_name(tp: Any) -> str:
    """A short readable name of a field type: `int | null`, `list[str]`, `map[str, int]`."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(a) for a in get_args(tp))
    if origin is list:
        return f"list[{type_name(get_args(tp)[0])}]"
    if origin is dict:
        k, v = get_args(tp)
        return f"map[{type_name(k)}, {type_name(v)}]"
    if tp is type(None):
        return "null"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "object"
    return getattr(tp, "__name__", str(tp))


def _nested(tp: Any) -> tuple[type[BaseModel] | None, str]:
    """The model inside `tp` (X, X | None, list[X]) and the path suffix it takes ("" or "[]")."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        for a in get_args(tp):
            m, suffix = _nested(a)
            if m is not None:
                return m, suffix
        return None, ""
    if origin is list:
        m, _ = _nested(get_args(tp)[0])
        return m, "[]"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp, ""
    return None, ""


def kind_fields(model: type[BaseModel], prefix: str = "") -> list[dict[str, Any]]:
    """Every field of `model` (nested ones as `a.b`, `a[].b`), with type, description and
    whether the probe always sends it."""
    out: list[dict[str, Any]] = []
    for name, f in sorted(model.model_fields.items(), key=lambda kv: kv[1].alias or kv[0]):
        key = prefix + (f.alias or name)
        out.append(
            {
                "field": key,
                "type": type_name(f.annotation),
                "description": f.description or "",
                "always": f.is_required(),
            }
        )
        sub, suffix = _nested(f.annotation)
        if sub is not None:
            out.extend(kind_fields(sub, f"{key}{suffix}."))
    return out


def kinds_json(reg: ProbeRegistry) -> list[dict[str, Any]]:
    """Probes, their kinds and their fields as data (`maturity probes --format json`)."""
    out: list[dict[str, Any]] = []
    for name in reg:
        p = reg.probes[name]
        kinds = []
        for kind, desc in sorted(p.kinds.items()):
            model = p.models.get(kind)
            kinds.append({"kind": kind, "description": desc, "fields": kind_fields(model) if model else None})
        out.append({"probe": name, "kinds": kinds})
    return out


def kinds_text(reg: ProbeRegistry) -> str:
    """The same as readable text, one field a line."""
    lines: list[str] = []
    for probe in kinds_json(reg):
        lines.append(probe["probe"])
        for k in probe["kinds"]:
            lines.append(f"  {k['kind']}: {k['description']}")
            for f in k["fields"] or []:
                opt = "" if f["always"] else " (optional)"
                lines.append(f"      data.{f['field']}: {f['type']}{opt}  {f['description']}")
    return "\n".join(lines)


def kinds_markdown(reg: ProbeRegistry) -> str:
    """docs/sources/kinds.md: every kind of every built-in probe and its fields."""
    lines = [
        "# Evidence kinds and their fields",
        "",
        "Generated from the probes' kind models (`probes/<source>/kinds.py`) by",
        "`python -m scanner.kindinfo > docs/sources/kinds.md`; a test keeps it current.",
        "A rule's `data.*` path must be one of the fields below (`maturity rules lint` checks it).",
        "Types: `null` means the probe sends the field with no value; *optional* fields may be",
        "absent altogether. The `files` probe emits the same kinds as the live probes it shares",
        "parsers with, so they are listed once, under the live probe.",
        "",
    ]
    seen: set[str] = set()
    for probe in kinds_json(reg):
        kinds = [k for k in probe["kinds"] if k["kind"] not in seen]
        if not kinds:
            continue
        lines += [f"## {probe['probe']}", ""]
        for k in kinds:
            seen.add(k["kind"])
            lines += [f"### `{k['kind']}`", "", k["description"], ""]
            if not k["fields"]:
                lines += ["(no model declared)", ""]
                continue
            lines += ["| field | type | description |", "|---|---|---|"]
            for f in k["fields"]:
                opt = " (optional)" if not f["always"] else ""
                desc = f["description"].replace("|", "\\|")
                typ = f["type"].replace("|", "\\|")  # GitHub tables split on | even inside code
                lines.append(f"| `{f['field']}` | `{typ}`{opt} | {desc} |")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    from scanner.probe import load_probes

    print(kinds_markdown(load_probes()), end="")
