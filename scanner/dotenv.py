"""Levels and gate results as `KEY=VALUE` lines for downstream CI jobs (`--dotenv F`).

GitLab passes an `artifacts:reports:dotenv` file to later jobs as variables; GitHub reads the same
lines from `$GITHUB_OUTPUT`. GitLab's parser is stricter than dotenv: one `KEY=VALUE` a line, no
quotes, no comments, no blank lines, names of ASCII letters, digits and `_`, the file under 5 KB
and (on some plans) at most 20 variables. So every value here is a number or one of a few fixed
words, never text from a scanned system (which could smuggle a second variable or a newline),
and the set stays small: the gate, counts, each framework's statuses and mean levels, and per
YD/T domain the lowest level of its in-scope capabilities (what `--min-level ydt:9=L` checks).

    MATURITY_GATE=passed|failed|none      MATURITY_REGRESSIONS=N (with a baseline)
    MATURITY_SOURCES_FAILED=N             MATURITY_CHANGED_STATEMENT_FILES=N (with --changed-files)
    MATURITY_<FW>_MET|NOT_MET|ATTESTED|UNKNOWN|NOT_APPLICABLE=N
    MATURITY_<FW>_LEVEL|LEVEL_VERIFIED|LEVEL_CEILING=mean   (levelled frameworks)
    MATURITY_<DOMAIN>_LEVEL=lowest level                     (e.g. MATURITY_YDT_9_LEVEL)
    MATURITY_SCOPES=N  MATURITY_SCOPES_OMITTED=N                (a report with scopes)
    MATURITY_SCOPE_<NAME>_BELOW_TARGET=N                     (per scope, config order)

Scope variables fill what is left of `MAX_VARIABLES` and `MAX_BYTES` after the fixed set, in
the config's order; the scopes past that are counted in `MATURITY_SCOPES_OMITTED`, never cut
silently. Two scope names that give the same variable name (`shop-a`, `shop_a`) are kept apart
by the later one's position (`MATURITY_SCOPE_SHOP_A_2_BELOW_TARGET`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_BYTES", "MAX_VARIABLES", "dotenv_name", "render_dotenv"]

MAX_VARIABLES = 50  # GitLab Free's limit; the set below stays well under it
MAX_BYTES = 5 * 1024 - 1  # GitLab refuses a dotenv report of 5 KB or more
_NOT_NAME = re.compile(r"[^A-Z0-9]+")
STATUSES = ("met", "not_met", "attested", "unknown", "not_applicable")
LEVELS = (("LEVEL", "level"), ("LEVEL_VERIFIED", "level_verified"), ("LEVEL_CEILING", "level_ceiling"))


def dotenv_name(*parts: str) -> str:
    """`MATURITY_` + the parts upper-cased, every run of other characters one `_`."""
    return "_".join(["MATURITY", *(_NOT_NAME.sub("_", p.upper()).strip("_") for p in parts)])


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a dotenv value must be a number, got {value!r}")
    return str(value)


def _domains(report: Mapping[str, Any]) -> dict[str, int]:
    """Top-level domain (`ydt:9`) -> lowest `level` of its in-scope, levelled capabilities."""
    lowest: dict[str, int] = {}
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            if cap.get("in_scope", True) is False or cap.get("level") is None:
                continue
            domain = str(cap.get("domain") or cap["id"]).split(".")[0]
            lowest[domain] = min(lowest.get(domain, 5), int(cap["level"]))
    return dict(sorted(lowest.items(), key=lambda kv: (len(kv[0]), kv[0])))


def _lines(out: Mapping[str, str]) -> str:
    return "".join(f"{k}={v}\n" for k, v in out.items())


def _scopes(report: Mapping[str, Any], out: dict[str, str]) -> None:
    """Per scope its count of capabilities below target, as many as the limits leave room for."""
    scopes = list(report.get("scopes") or [])
    if not scopes:
        return
    total, omitted = dotenv_name("scopes"), dotenv_name("scopes", "omitted")
    reserved = {total: _number(len(scopes)), omitted: "0" * len(str(len(scopes)))}  # widest omitted count
    room = MAX_VARIABLES - len(out) - len(reserved)
    size = len(_lines({**out, **reserved}))
    per_scope: dict[str, str] = {}
    for i, sc in enumerate(scopes, 1):
        key = dotenv_name("scope", str(sc["name"]), "below_target")
        if key in per_scope:
            key = dotenv_name("scope", f"{sc['name']}_{i}", "below_target")
        value = _number(len(sc.get("below_target") or []))
        line = len(_lines({key: value}))
        if key in per_scope or key in out or len(per_scope) >= room or size + line > MAX_BYTES:
            continue
        per_scope[key] = value
        size += line
    out[total] = reserved[total]
    out[omitted] = _number(len(scopes) - len(per_scope))
    out.update(per_scope)


def render_dotenv(report: Mapping[str, Any], gate: Any = None, changed: list[Any] | None = None) -> str:
    """The variables as dotenv text; `gate` the gates' result (scanner.gates.GateResult) or
    None, `changed` the statement files changed in the merge request (None: not asked)."""
    from scanner.gates import failed_sources

    out: dict[str, str] = {}
    out[dotenv_name("gate")] = "none" if gate is None else ("failed" if gate.failed else "passed")
    if gate is not None and gate.diff is not None:
        out[dotenv_name("regressions")] = _number(len(gate.diff.regressions))
    out[dotenv_name("sources_failed")] = _number(len(failed_sources(report)))
    if changed is not None:
        out[dotenv_name("changed_statement_files")] = _number(len(changed))
    for fid, summary in (report.get("summary") or {}).items():
        for st in STATUSES:
            out[dotenv_name(fid, st)] = _number(summary["statuses"].get(st, 0))
        levels = summary.get("levels")
        if levels:
            for suffix, key in LEVELS:
                out[dotenv_name(fid, suffix)] = _number(levels[key])
    for domain, level in _domains(report).items():
        out[dotenv_name(domain, "level")] = _number(level)
    if len(out) > MAX_VARIABLES:  # a catalog with many more domains: fail loudly, never truncate
        raise ValueError(f"{len(out)} dotenv variables, more than GitLab accepts ({MAX_VARIABLES})")
    _scopes(report, out)
    return _lines(out)
