"""Declarative rules: load, lint and evaluate `rules/**/*.yaml` (format in docs/rules.md)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scanner.canonical import sha256_of
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.expr import CompileError, Condition, EvidenceIndex, Outcome, compile_condition
from scanner.model import ReasonCode
from scanner.partial import decide
from scanner.saferegex import RegexBudgetExceeded
from scanner.yamlio import LineDict, line_of, load_yaml_documents, validate

__all__ = [
    "Decides",
    "Rule",
    "RuleDoc",
    "RuleResult",
    "RuleSet",
    "declared_not_used",
    "default_rules_dir",
    "evaluate_rules",
    "kind_reason",
    "load_rules",
]

RULE_ID = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"


class Decides(BaseModel):
    """What a rule decides: one clause (`ydt:9.1.2:L2.1#a`) or a whole item (all its clauses).

    `decides` makes the rule one alternative for the clause; `supports` shows its evidence
    beside the clause without deciding it. (`full`/`partial` are v1 and read as decides on
    the item / on the clause.)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    requirement: str | None = None
    clause: str | None = None
    coverage: Literal["decides", "supports", "full", "partial"] = "decides"
    rationale: str = Field(min_length=10, description="one line an auditor reads: why this evidence decides it")

    @model_validator(mode="after")
    def _one_target(self) -> Decides:
        if (self.requirement is None) == (self.clause is None):
            raise ValueError("name exactly one of 'clause' or 'requirement'")
        if self.clause is not None and "#" not in self.clause:
            raise ValueError(f"a clause id ends in #<letter>: {self.clause!r}")
        return self

    @property
    def target(self) -> str:
        """The clause or item id this entry names."""
        return self.clause if self.clause is not None else str(self.requirement)

    @property
    def requirement_id(self) -> str:
        """The item the target belongs to."""
        return self.target.split("#", 1)[0]


class Explain(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    met: str = "{detail}"
    not_met: str = "{detail}"


class RuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=RULE_ID)
    title: str = Field(min_length=3)
    description: str | None = None
    evidence: list[str] = Field(min_length=1)
    decides: list[Decides] = Field(min_length=1)
    # A quantifier over an empty population: unknown (nothing_in_scope) unless the rule says so.
    empty: Literal["unknown", "not_met", "met"] = "unknown"
    params: dict[str, Any] = Field(default_factory=dict)
    condition: dict[str, Any]
    explain: Explain = Field(default_factory=Explain)
    remediation: str = Field(min_length=3)


@dataclass(frozen=True)
class Rule:
    doc: RuleDoc
    condition: Condition
    file: str
    line: int
    params: Mapping[str, Any]

    @property
    def id(self) -> str:
        return self.doc.id


@dataclass
class RuleSet:
    rules: list[Rule]
    digest: str

    def by_requirement(self) -> dict[str, list[tuple[Rule, Decides]]]:
        out: dict[str, list[tuple[Rule, Decides]]] = defaultdict(list)
        for r in sorted(self.rules, key=lambda r: r.id):  # one order, however the rules were loaded
            for d in r.doc.decides:
                out[d.requirement_id].append((r, d))
        return out

    def snapshot(self) -> list[dict[str, Any]]:
        """The effective rules (parameters applied) as data: stored in evidence bundles."""
        return [
            {**r.doc.model_dump(mode="json"), "params": dict(r.params), "file": _display_path(r.file)}
            for r in sorted(self.rules, key=lambda r: r.id)
        ]


@dataclass(frozen=True)
class RuleResult:
    rule: str
    status: str  # met | not_met | unknown
    explanation: str
    evidence: list[str]
    evidence_total: int
    stats: dict[str, Any]
    reason_code: ReasonCode | None = None  # why it is unknown
    subjects: tuple[str, ...] = ()  # subjects of the evidence cited (the failing ones when not_met)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.rule,
            "status": self.status,
            "explanation": self.explanation,
            "evidence": list(self.evidence),
            "evidence_total": self.evidence_total,
            "reason_code": self.reason_code.value if self.reason_code else None,
        }


def _display_path(file: str) -> str:
    """Installed rules by their place in the package (machine-independent), others as given."""
    try:
        return "rules/" + Path(file).resolve().relative_to(default_rules_dir().resolve()).as_posix()
    except ValueError:
        return file


def default_rules_dir() -> Path:
    return Path(str(resources.files("rules")))


def _rule_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            # `<topic>.cases.yaml` beside a rules file holds its test cases, not rules.
            files.extend(sorted(q for q in p.rglob("*.y*ml") if q.is_file() and ".cases." not in q.name))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError("no such rule file or folder", file=str(p))
    return files


def _fill(template: str, values: Mapping[str, Any]) -> str:
    """Fill {name} placeholders from `values` only (no attribute access, no format spec)."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)


def load_rules(
    paths: Sequence[Path] | None = None,
    *,
    requirement_ids: set[str],  # the item and clause ids rules may name (Catalog.decidable_ids())
    kinds: set[str],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    docs: Sequence[tuple[str, int, Mapping[str, Any]]] | None = None,
) -> RuleSet:
    """Load and lint rules; any problem is an InputError naming file and line.

    `docs` (file, line, document) replaces reading files: used to re-score from a snapshot.
    """
    overrides = dict(overrides or {})
    raw: list[tuple[str, int, Any]] = []
    if docs is not None:
        raw = [(f, ln, d) for f, ln, d in docs]
    else:
        raw = _read_rule_files(_rule_files(paths if paths is not None else [default_rules_dir()]))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for file, line, doc in raw:
        if not isinstance(doc, Mapping):
            raise InputError("a rule is a mapping", file=file, line=line)
        parsed = validate(RuleDoc, doc, file)
        if parsed.id in seen:
            raise InputError(
                f"duplicate rule id {parsed.id!r} (first in {seen[parsed.id]})",
                file=file,
                line=_line(doc, "id"),
                field="id",
            )
        seen[parsed.id] = f"{file}:{_line(doc, 'id')}"
        for i, dec in enumerate(parsed.decides):
            if dec.target not in requirement_ids:
                what = "clause" if dec.clause is not None else "requirement"
                raise InputError(
                    f"unknown {what} id {dec.target!r}",
                    file=file,
                    line=_line(doc, "decides", i),
                    field=f"decides.{i}.{what}",
                )
        for i, k in enumerate(parsed.evidence):
            if k not in kinds:
                raise InputError(
                    f"unknown evidence kind {k!r}", file=file, line=_line(doc, "evidence", i), field=f"evidence.{i}"
                )
        params = dict(parsed.params)
        for name, value in overrides.pop(parsed.id, {}).items():
            if name not in params:
                raise InputError(
                    f"rule {parsed.id!r} has no parameter {name!r} (has: {', '.join(sorted(params)) or 'none'})",
                    field=f"rule_params.{parsed.id}.{name}",
                )
            params[name] = value
        try:
            cond = compile_condition(parsed.condition, params, kinds)
        except CompileError as exc:
            loc = _compile_loc(exc.path)
            raise InputError(
                f"condition does not compile: {exc}",
                file=file,
                line=_inner_line(doc, loc),
                field=exc.path or "condition",
            ) from exc
        missing = cond.kinds - set(parsed.evidence)
        if missing:
            raise InputError(
                f"condition reads kinds not listed in `evidence`: {', '.join(sorted(missing))}",
                file=file,
                line=_line(doc, "evidence"),
                field="evidence",
            )
        rules.append(Rule(parsed, cond, file, line, params))
    if overrides:
        raise InputError(f"rule_params names unknown rule {next(iter(overrides))!r}", field="rule_params")
    snapshot = [{**r.doc.model_dump(mode="json"), "params": dict(r.params)} for r in sorted(rules, key=lambda r: r.id)]
    return RuleSet(rules, sha256_of(snapshot))


def _read_rule_files(files: list[Path]) -> list[tuple[str, int, Any]]:
    """(file, line, document) of every rule document, YAML read once per content: the parsed
    documents (line marks included) are cached by the digest of the files (scanner.cache), as
    the compiled catalog is. Reading the YAML is half the cost of loading the rules; the other
    half, compiling conditions, yields closures that cannot be cached and is done every time."""
    from scanner.cache import cached, files_digest

    def read() -> list[tuple[str, int, Any]]:
        out: list[tuple[str, int, Any]] = []
        for f in files:
            for doc in load_yaml_documents(f):
                if doc is not None:
                    out.append((str(f), getattr(doc, "line", 1), doc))
        return out

    return cached("rule-docs", files_digest(files), read, list)


def _compile_loc(path: str) -> list[str | int]:
    """'condition.all_of[0].some.that' -> ['condition', 'all_of', 0, 'some', 'that']."""
    out: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        if rest:
            out.append(int(rest.rstrip("]")))
    return out


def _inner_line(doc: Any, loc: list[str | int]) -> int | None:
    """The line of the first key inside the node at `loc` (where an operator error sits)."""
    node = doc
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return _line(doc, *loc)
    if isinstance(node, LineDict) and node.key_lines:
        return min(node.key_lines.values())
    return _line(doc, *loc)


def _line(doc: Any, *path: str | int) -> int | None:
    return line_of(doc, list(path))


def index_evidence(evidence: Iterable[Evidence]) -> EvidenceIndex:
    """Evidence by kind, each kind in a stable order (subject, id) so explanations are stable.

    The same object seen live and in Git is one subject (DESIGN "Probes"): where a kind has an
    item for a subject from a live system, items of that kind and subject read from files
    (origin `file://`) are left out, so a workload declared in Git and running in the cluster
    counts once, as it runs. Both stay in the report's evidence.
    """
    index = EvidenceIndex()
    for e in evidence:
        index.setdefault(e.kind, []).append(e)
    for kind, items in list(index.items()):
        live = {e.subject for e in items if not e.origin.startswith("file://")}
        if live and len(live) < len(items):
            items = [e for e in items if e.subject not in live or not e.origin.startswith("file://")]
        items.sort(key=lambda e: (e.subject, e.id))
        index[kind] = items
    return index


def kind_reason(observation: Mapping[str, Any] | None) -> ReasonCode:
    """The reason code of a kind that was not observed.

    The runner records per kind `state` (failed / absent / not_configured); reports written
    before it are read from `sources` and the reason text.
    """
    if not observation:
        return ReasonCode.SOURCE_NOT_CONFIGURED
    state = observation.get("state")
    if state == "failed":
        return ReasonCode.SOURCE_FAILED
    if state == "absent":
        return ReasonCode.EVIDENCE_NOT_OBSERVED
    if state == "not_configured":
        return ReasonCode.SOURCE_NOT_CONFIGURED
    reason = str(observation.get("reason") or "")
    if reason.startswith("no source configured"):
        return ReasonCode.SOURCE_NOT_CONFIGURED
    if observation.get("sources"):
        return ReasonCode.SOURCE_FAILED  # some source completed it and another failed it
    return ReasonCode.EVIDENCE_NOT_OBSERVED if "source" in reason else ReasonCode.SOURCE_NOT_CONFIGURED


def declared_not_used(rule: Rule, not_used: Collection[str]) -> str | None:
    """The `not_used` entry that covers the rule (its id's or every kind's system), if any.

    A system is named by the first segment of a kind or rule id (`pagerduty.services` ->
    `pagerduty`).
    """
    if not not_used:
        return None
    head = rule.id.split(".", 1)[0]
    if head in not_used:
        return head
    systems = {k.split(".", 1)[0] for k in rule.doc.evidence}
    if systems <= set(not_used):
        return ", ".join(sorted(systems))
    return None


def evaluate_rules(
    ruleset: RuleSet,
    evidence: Iterable[Evidence],
    observations: Mapping[str, Mapping[str, Any]],
    *,
    not_used: Collection[str] = (),
) -> dict[str, RuleResult]:
    """Evaluate every rule (contract "Rules decide clauses").

    A rule whose kinds were not all observed is `unknown` with a reason code, unless the
    config declares its system `not_used` (then it is observed and `not_met`) or it holds over
    what was observed in a way more evidence cannot undo (scanner.partial). A rule over a kind
    observed only in part decides only such verdicts; otherwise it is `unknown`
    (`evidence_not_observed`). A condition over an empty population follows the rule's `empty:`
    (unknown `nothing_in_scope` by default).
    """
    index = index_evidence(evidence)
    by_id = {e.id: e for items in index.values() for e in items}
    out: dict[str, RuleResult] = {}
    for rule in ruleset.rules:
        unobserved = [k for k in rule.doc.evidence if not observations.get(k, {}).get("observed")]
        partial = {k: str(observations[k]["partial"]) for k in rule.doc.evidence if _partial(observations.get(k))}
        note = ""
        try:
            if unobserved:
                system = declared_not_used(rule, not_used)
                if system is not None:
                    why = f"not used: the config declares {system} not used (not_used)"
                    out[rule.id] = RuleResult(rule.id, "not_met", why, [], 0, {})
                    continue
                if not _met_alternative(rule, index, set(partial), set(unobserved)):
                    codes = [kind_reason(observations.get(k)) for k in unobserved]
                    code = next(c for c in _SOURCE_PRIORITY if c in codes)
                    reasons = "; ".join(
                        f"{k}: {observations.get(k, {}).get('reason') or 'not observed'}" for k in unobserved
                    )
                    out[rule.id] = RuleResult(rule.id, "unknown", f"evidence not observed ({reasons})", [], 0, {}, code)
                    continue
                note = f" ({', '.join(sorted(unobserved))} not observed; this alternative holds without it)"
            elif partial:
                verdict = decide(rule.doc.condition, rule.params, index, set(partial), set())
                if verdict.value is None:
                    out[rule.id] = _part_only(rule, verdict.outcome, partial, by_id)
                    continue
                note = f" ({', '.join(sorted(partial))} observed only in part; more of it cannot undo this)"
            o = rule.condition.evaluate(index)
        except RegexBudgetExceeded as exc:  # a rule regex past its time budget: undecided, never a hang
            out[rule.id] = RuleResult(rule.id, "unknown", f"not evaluated: {exc}", [], 0, {}, ReasonCode.NO_RULE)
            continue
        values: dict[str, Any] = {
            "detail": o.detail,
            **{k: v for k, v in o.stats.items() if isinstance(v, (int, float, str))},
        }
        if isinstance(o.stats.get("ratio"), float):
            values["percent"] = f"{o.stats['ratio']:.0%}"
        values.update({f"param_{k}": v for k, v in rule.params.items()})
        subjects = tuple(sorted({by_id[i].subject for i in o.evidence if i in by_id}))
        if o.empty and rule.doc.empty == "unknown":
            out[rule.id] = RuleResult(
                rule.id, "unknown", o.detail, o.evidence, o.evidence_total, o.stats, ReasonCode.NOTHING_IN_SCOPE
            )
            continue
        ok = rule.doc.empty == "met" if o.empty else o.ok
        template = rule.doc.explain.met if ok else rule.doc.explain.not_met
        explanation = (
            _fill(template, values) if not o.empty else f"{o.detail}; the rule counts that as {rule.doc.empty}"
        )
        out[rule.id] = RuleResult(
            rule.id,
            "met" if ok else "not_met",
            explanation + note,
            o.evidence,
            o.evidence_total,
            o.stats,
            None,
            subjects,
        )
    return out


def _met_alternative(rule: Rule, index: EvidenceIndex, partial: set[str], unobserved: set[str]) -> bool:
    """Whether a rule whose condition is `any_of` holds through one branch over observed kinds:
    what was not observed can only add alternatives, never undo one (alert rules in a repository
    without its recording rules still show custom metrics). Only whole top-level branches count:
    a field of an observed kind may be derived from the unobserved one (a workload's PDB)."""
    body = rule.doc.condition.get("any_of") if len(rule.doc.condition) == 1 else None
    if not isinstance(body, list):
        return False
    for branch in body:
        if compile_condition(branch, rule.params).kinds & unobserved:
            continue
        if decide(branch, rule.params, index, partial, set()).value is True:
            return True
    return False


def _partial(observation: Mapping[str, Any] | None) -> bool:
    return bool(observation and observation.get("observed") and observation.get("partial"))


def _part_only(rule: Rule, o: Outcome, partial: Mapping[str, str], by_id: Mapping[str, Evidence]) -> RuleResult:
    """`unknown` for a rule whose verdict more evidence of a partially observed kind could change."""
    reasons = "; ".join(f"{k}: {why}" for k, why in sorted(partial.items()))
    why = (
        f"only part of the configuration was observed, so this is no finding ({reasons}); in the part seen: {o.detail}"
    )
    subjects = tuple(sorted({by_id[i].subject for i in o.evidence if i in by_id}))
    return RuleResult(
        rule.id, "unknown", why, o.evidence, o.evidence_total, o.stats, ReasonCode.EVIDENCE_NOT_OBSERVED, subjects
    )


_SOURCE_PRIORITY = (ReasonCode.SOURCE_FAILED, ReasonCode.SOURCE_NOT_CONFIGURED, ReasonCode.EVIDENCE_NOT_OBSERVED)
