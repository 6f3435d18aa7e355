"""CI gates on a finished report: minimum levels, regressions against a baseline, source errors.

The baseline is read once (`load_any_report`, v1 or v2) before any work, so a bad baseline is
invalid input (exit 2, nothing written). `evaluate` returns every failure as a full line (no
cut reason): what, which subjects, previous and new status. `no_source_scanned` is not a gate
but a scan error (exit 3): a report from which no source could read anything grades nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.diff import Category, ReportDiff, diff_reports
from scanner.errors import InputError
from scanner.labels import level_label, level_names
from scanner.model import SourceState

__all__ = [
    "GateResult",
    "GateSpec",
    "check_min_level_names",
    "evaluate",
    "failed_sources",
    "load_any_report",
    "no_source_scanned",
    "parse_min_levels",
    "split_scope",
]


@dataclass(frozen=True)
class GateSpec:
    min_levels: tuple[tuple[str, int], ...] = ()
    fail_on_regression: bool = False
    fail_on_source_error: bool = False
    missing_baseline: str | None = None  # the baseline path that --allow-missing-baseline let be absent


@dataclass
class GateResult:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    diff: ReportDiff | None = None
    changed_files: list[Any] | None = None  # scanner.mrgate.ChangedFile, when --changed-files was given

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    def lines(self) -> list[str]:
        """What to print on stderr: notes first, the changed statement files, then each failure."""
        return [*self.notes, *(c.line() for c in self.changed_files or []), *self.failures]


def parse_min_levels(specs: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """`CAP=L` or `SCOPE:CAP=L` pairs; InputError on anything else (checked before the scan starts)."""
    out = []
    for spec in specs:
        cap, sep, lv = spec.rpartition("=")
        if not sep or not cap or not lv.isdigit() or not 0 <= int(lv) <= 5:
            raise InputError(
                f"--min-level takes CAP=L or SCOPE:CAP=L with L in 0..5, got {spec!r}", field="--min-level"
            )
        out.append((cap, int(lv)))
    return tuple(out)


def split_scope(target: str) -> tuple[str | None, str]:
    """(scope, capability) of a gate target: `shop:ydt:5.3=3` names scope shop. Capability ids
    always hold one colon (`ydt:5.3.1`, `wa:OPS04`) and scope names none, so two colons mean a scope."""
    if target.count(":") >= 2:
        scope, _, cap = target.partition(":")
        return scope, cap
    return None, target


def load_any_report(path: Path | str) -> dict[str, Any]:
    """A v2 report, or a v1 one kept as a baseline (each checked against its own schema)."""
    from scanner.report import load_report

    return load_report(path, accept_v1=True)


def _sources(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(report.get("scan", {}).get("sources", []))


def failed_sources(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, why) of each source that failed outright: status `error`, or every kind it tried failed.

    A source reported `partial` whose every kind failed (a ServiceAccount denied every list) read
    nothing: it is an error, whatever its status says.
    """
    out = []
    for src in _sources(report):
        if src.get("status") == SourceState.SKIPPED.value:
            continue
        failed = dict(src.get("failed_kinds") or {})
        if src.get("status") == SourceState.ERROR.value:
            out.append((str(src["name"]), str(src.get("error") or "failed")))
        elif failed and not src.get("observed_kinds"):
            kinds = "; ".join(f"{k}: {why}" for k, why in sorted(failed.items()))
            out.append((str(src["name"]), f"status {src.get('status')}, but every kind it tried failed ({kinds})"))
    return out


def no_source_scanned(report: Mapping[str, Any]) -> bool:
    """True when sources were tried and every one of them failed outright."""
    tried = [s for s in _sources(report) if s.get("status") != SourceState.SKIPPED.value]
    return bool(tried) and len(failed_sources(report)) == len(tried)


def _capabilities(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for fw in report.get("frameworks", []) for c in fw.get("capabilities", [])]


def _matches(cap: Mapping[str, Any], target: str) -> bool:
    """The capability itself, or every capability of a domain or sub-domain (`ydt:5`, `ydt:5.3`)."""
    cid, dom = str(cap["id"]), str(cap.get("domain") or "")
    return cid == target or cid.startswith(target + ".") or dom == target or dom.startswith(target + ".")


def check_min_level_names(
    specs: Iterable[tuple[str, int]], capabilities: Iterable[Mapping[str, Any]], scopes: Iterable[str] | None = None
) -> None:
    """InputError for a --min-level target that names no capability or domain, or (when `scopes`
    is given) no declared scope (checked before a scan)."""
    caps = list(capabilities)
    known = None if scopes is None else set(scopes)
    for spec, _ in specs:
        scope, target = split_scope(spec)
        if scope is not None and known is not None and scope not in known:
            raise InputError(f"--min-level names no scope of the config: {scope!r}", field="--min-level")
        if not any(_matches(c, target) for c in caps):
            raise InputError(
                f"--min-level names no capability or domain of the catalog: {target!r}", field="--min-level"
            )


def _min_levels(report: Mapping[str, Any], specs: Iterable[tuple[str, int]], out: GateResult) -> None:
    names = {str(c["id"]): level_names(fw) for fw in report.get("frameworks", []) for c in fw.get("capabilities", [])}
    scopes = {str(s["name"]): s for s in report.get("scopes") or []}
    for spec, want in specs:
        scope, target = split_scope(spec)
        if scope is None:
            caps, where = _capabilities(report), ""
        elif scope in scopes:
            caps, where = _capabilities(scopes[scope]), f"scope {scope}: "
        else:
            raise InputError(f"--min-level names no scope of this report: {scope!r}", field="--min-level")
        matched = [c for c in caps if _matches(c, target)]
        if not matched:
            raise InputError(
                f"--min-level names no capability or domain of this report: {target!r}", field="--min-level"
            )
        outside = [c for c in matched if c.get("in_scope") is False]
        graded = [c for c in matched if c.get("in_scope") is not False and c.get("level") is not None]
        for c in outside:
            out.notes.append(f"gate note: min-level: {where}{c['id']} is out of scope (every item waived): not gated")
        if not graded and not outside:
            raise InputError(
                f"--min-level: {target!r} has no levels (AWS WA questions are not levelled)", field="--min-level"
            )
        for c in graded:
            if int(c["level"]) < want:
                name = c.get("name", {}).get("en", "")
                out.failures.append(
                    f"gate failed: min-level: {where}{c['id']} {name} is at level {level_label(int(c['level']), names[str(c['id'])])}, "
                    f"needs {level_label(want, names[str(c['id'])])}"
                )


def _regressions(report: Mapping[str, Any], baseline: Mapping[str, Any], fail: bool, out: GateResult) -> None:
    d = diff_reports(baseline, report)
    out.diff = d
    out.notes.extend(f"baseline note: {n}" for n in d.notes)
    for ch in d.of(Category.BY_STATEMENT):
        out.notes.append(f"by statement (not an improvement): {ch.detail}")
    prefix = "gate failed: regression" if fail else "regression"
    for ch in d.regressions:
        line = f"{prefix} ({ch.category.heading}): {ch.detail}"
        (out.failures if fail else out.notes).append(line)


def evaluate(report: Mapping[str, Any], spec: GateSpec, baseline: Mapping[str, Any] | None = None) -> GateResult:
    """Apply every requested gate; `baseline` (already loaded) also lists regressions when not gating."""
    out = GateResult()
    _min_levels(report, spec.min_levels, out)
    if spec.fail_on_source_error:
        for name, why in failed_sources(report):
            out.failures.append(f"gate failed: source {name} failed: {why}")
    if spec.fail_on_regression and baseline is None:
        if spec.missing_baseline is None:
            raise InputError("--fail-on-regression needs --baseline", field="--baseline")
        out.notes.append(
            f"no baseline at {spec.missing_baseline} (allowed by --allow-missing-baseline): "
            "the regression gate was not applied"
        )
    if baseline is not None:
        _regressions(report, baseline, spec.fail_on_regression, out)
    return out
