"""The grading vocabulary (contract in DESIGN.md) as enums that carry their own properties, and
the result models grading returns. Writers, diff, verify and gates walk these, not strings.

`Status.rank` orders statuses from worst to best for "worse than"; `Status.counts_for` says
which of the three levels a status satisfies (contract "Levels"):
`verified` (met, not_applicable) < `level` (+ attested) < `ceiling` (+ unknown); not_met none.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "LEVEL_KINDS",
    "SATISFIED",
    "CapabilityResult",
    "ClauseResult",
    "Counts",
    "Coverage",
    "EvidenceResult",
    "FrameworkResult",
    "KindObservationResult",
    "Label",
    "NextStep",
    "NextStepItem",
    "ReasonCode",
    "Report",
    "RequirementResult",
    "RuleOutcome",
    "ScanInfo",
    "ScopeEvidenceCounts",
    "ScopeResult",
    "SourceRunResult",
    "SourceState",
    "StatementResult",
    "StatementState",
    "Status",
]

LevelKind = Literal["verified", "level", "ceiling"]
LEVEL_KINDS: tuple[LevelKind, ...] = ("verified", "level", "ceiling")


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str


class Status(StrEnum):
    """Requirement, clause and rule status."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    ATTESTED = "attested"
    NOT_APPLICABLE = "not_applicable"

    @property
    def rank(self) -> int:
        """Higher is better; `a.rank < b.rank` reads "a is worse than b"."""
        return _STATUS[self][0]

    def worse_than(self, other: Status) -> bool:
        return self.rank < other.rank

    @property
    def counts_for(self) -> LevelKind | None:
        """The strictest level this status satisfies (None: it satisfies no level)."""
        return _STATUS[self][1]

    def satisfies(self, level_kind: LevelKind) -> bool:
        """Whether an item with this status lets a capability reach `level_kind`'s level."""
        own = self.counts_for
        return own is not None and LEVEL_KINDS.index(own) <= LEVEL_KINDS.index(level_kind)

    @property
    def label(self) -> Label:
        return _STATUS[self][2]

    @property
    def sarif_level(self) -> str:
        """SARIF result level: error / warning / note / none."""
        return _STATUS[self][3]


_STATUS: dict[Status, tuple[int, LevelKind | None, Label, str]] = {
    Status.NOT_MET: (0, None, Label(zh="未满足", en="not met"), "error"),
    Status.UNKNOWN: (1, "ceiling", Label(zh="未知", en="unknown"), "warning"),
    Status.ATTESTED: (2, "level", Label(zh="声明满足", en="attested"), "note"),
    Status.NOT_APPLICABLE: (3, "verified", Label(zh="不适用", en="not applicable"), "none"),
    Status.MET: (4, "verified", Label(zh="满足", en="met"), "none"),
}


class Coverage(StrEnum):
    """How a rule relates to a clause: one alternative that decides it, or evidence beside it."""

    DECIDES = "decides"
    SUPPORTS = "supports"

    @classmethod
    def of(cls, raw: str) -> Coverage:
        """v2 values as they are; v1 `full`/`partial` both decide (at item or clause level)."""
        return cls.SUPPORTS if raw == "supports" else cls.DECIDES


# Statuses that satisfy an item for the "satisfied" counts (met, attested, not applicable),
# as the report's string values.
SATISFIED = frozenset({Status.MET.value, Status.ATTESTED.value, Status.NOT_APPLICABLE.value})


class ReasonCode(StrEnum):
    """Why a clause is left unknown (or why an alternative did not decide it)."""

    NEEDS_ATTESTATION = "needs_attestation"
    NO_RULE = "no_rule"
    SOURCE_NOT_CONFIGURED = "source_not_configured"
    SOURCE_FAILED = "source_failed"
    EVIDENCE_NOT_OBSERVED = "evidence_not_observed"
    NOTHING_IN_SCOPE = "nothing_in_scope"
    ALTERNATIVE_NOT_SCANNED = "alternative_not_scanned"
    DISPUTED = "disputed"

    @property
    def label(self) -> Label:
        return _REASON[self][0]

    @property
    def action(self) -> Label:
        """What a reader can do about it, in a few words."""
        return _REASON[self][1]


_REASON: dict[ReasonCode, tuple[Label, Label]] = {
    ReasonCode.NEEDS_ATTESTATION: (
        Label(zh="需要人工声明", en="needs attestation"),
        Label(zh="由负责人提交声明并附证据链接", en="have its owner attest it with an evidence link"),
    ),
    ReasonCode.NO_RULE: (
        Label(zh="尚无规则判定", en="no rule decides it yet"),
        Label(zh="提交声明，或补充能判定它的规则", en="attest it, or add a rule that decides it"),
    ),
    ReasonCode.SOURCE_NOT_CONFIGURED: (
        Label(zh="未配置数据源", en="source not configured"),
        Label(
            zh="在配置中添加该数据源，或在 not_used 中声明未使用",
            en="add the source to the config, or declare it in not_used",
        ),
    ),
    ReasonCode.SOURCE_FAILED: (
        Label(zh="数据源采集失败", en="source failed"),
        Label(zh="修复数据源的连接或权限后重新扫描", en="fix the source's access or connectivity and scan again"),
    ),
    ReasonCode.EVIDENCE_NOT_OBSERVED: (
        Label(zh="未采集到该类证据", en="evidence not observed"),
        Label(zh="让数据源采集该类证据后重新扫描", en="let the source collect this evidence and scan again"),
    ),
    ReasonCode.NOTHING_IN_SCOPE: (
        Label(zh="范围内没有对象", en="nothing in scope"),
        Label(zh="确认范围是否正确；如确实没有，可提交声明", en="check the scope; if there is truly none, attest it"),
    ),
    ReasonCode.ALTERNATIVE_NOT_SCANNED: (
        Label(zh="另一可满足的系统未扫描", en="an alternative system was not scanned"),
        Label(
            zh="扫描该替代系统，或在 not_used 中声明未使用",
            en="scan the alternative system, or declare it in not_used",
        ),
    ),
    ReasonCode.DISPUTED: (
        Label(zh="规则结论有异议", en="rule verdict disputed"),
        Label(
            zh="复核异议；到期前修正规则或证据", en="review the dispute; fix the rule or the estate before it expires"
        ),
    ),
}


class SourceState(StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    ERROR = "error"
    SKIPPED = "skipped"


class StatementState(StrEnum):
    APPLIED = "applied"
    EXPIRED = "expired"
    EXPIRING_SOON = "expiring_soon"
    UNUSED = "unused"
    CONTESTED = "contested"
    OVERRIDES_NOT_MET = "overrides_not_met"
    INVALID = "invalid"

    @property
    def in_force(self) -> bool:
        """Whether the statement was applied to a grade (possibly with a warning)."""
        return self in (StatementState.APPLIED, StatementState.EXPIRING_SOON, StatementState.OVERRIDES_NOT_MET)


# ---------------------------------------------------------------- result models


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class RuleOutcome(_Result):
    """One rule's verdict on one clause (after disputes)."""

    id: str
    status: Status = Field(description="met, not_met or unknown")
    coverage: Coverage
    explanation: str
    explanation_zh: str = Field(default="", description="the explanation in Chinese")
    evidence: list[str] = Field(description="ids of the evidence items that decided it (capped)")
    evidence_total: int = 0
    reason_code: ReasonCode | None = Field(default=None, description="why the rule is unknown")


class ClauseResult(_Result):
    id: str
    assessment: Literal["evidence", "organisational"]
    status: Status
    reason_code: ReasonCode | None = None
    rules: list[RuleOutcome]
    statement: str | None = Field(default=None, description="id of the attestation that attests it")


class RequirementResult(_Result):
    id: str
    level: int | None
    text: Label
    status: Status
    reason: str | None = Field(description="one readable line; set whenever status is not met")
    reason_zh: str | None = Field(default=None, description="the reason in Chinese")
    clauses: list[ClauseResult]
    statement: str | None = Field(default=None, description="id of the waiver that makes it not_applicable")
    related: list[str] = Field(default_factory=list)


class Counts(_Result):
    met: int = 0
    not_met: int = 0
    unknown: int = 0
    attested: int = 0
    not_applicable: int = 0


class CapabilityResult(_Result):
    id: str
    name: Label
    domain: str
    in_scope: bool
    level: int | None
    level_verified: int | None
    level_ceiling: int | None
    counts: Counts
    requirements: list[RequirementResult]


class FrameworkResult(_Result):
    id: str
    name: Label
    source: dict[str, Any]
    levels: dict[str, Label] = Field(default_factory=dict, description="level number -> name")
    capabilities: list[CapabilityResult]


class NextStepItem(_Result):
    requirement: str
    status: Status
    reason_codes: list[ReasonCode]
    action: str


class NextStep(_Result):
    capability: str
    framework: str
    target_level: int | None
    items: list[NextStepItem]


class StatementResult(BaseModel):
    """One attestation, waiver or dispute as the report lists it, with its state."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    type: Literal["attestation", "waiver", "dispute"]
    state: StatementState
    why: str | None = None
    file: str
    line: int | None


# ---------------------------------------------------------------- the whole report (schema source)


class _Open(BaseModel):
    """Report parts whose extra fields are allowed (newer writers add detail)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class SourceRunResult(_Open):
    name: str
    probe: str
    status: SourceState
    error: str | None
    evidence_count: int = Field(ge=0)
    duration_s: float = Field(ge=0)
    fleet: str | None = Field(default=None, description="the configured source this unit is a member of (fleets)")


class KindObservationResult(_Open):
    observed: bool
    sources: list[str]
    reason: str | None
    state: Literal["observed", "failed", "absent", "not_configured"] | None = None
    # set when every source that observed the kind holds only part of its population
    partial: str | None = None


class ScanInfo(_Open):
    started: str
    finished: str
    scanner_version: str
    config_digest: str
    catalog_digest: str
    rules_digest: str
    frameworks: list[Literal["ydt1756-4", "aws-wa-ops"]]
    not_used: list[str] = Field(description="systems the config declares not used")
    statement_max_months: int = Field(ge=1)
    sources: list[SourceRunResult]
    observations: dict[str, KindObservationResult]


class EvidenceResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^ev-[0-9a-f]{20}$")
    source: str
    kind: str
    subject: str
    collected_at: str
    origin: str
    data: Any
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ScopeEvidenceCounts(_Result):
    own: int = Field(ge=0, description="evidence items the scope's selectors matched")
    shared: int = Field(ge=0, description="platform evidence counted for every scope")


class ScopeResult(_Result):
    """One declared scope graded over its own and the shared evidence (scanner/scopes.py)."""

    name: str
    owner: str
    target_level: int | None = Field(ge=1, le=5)
    selectors: dict[str, Any] = Field(description="the scope's selectors per probe, as configured")
    evidence: ScopeEvidenceCounts
    shared_evidence: list[str] = Field(description="ids of the shared (platform) evidence the scope counts")
    below_target: list[str] = Field(description="capabilities whose level is below target_level")
    summary: dict[str, Any]
    frameworks: list[FrameworkResult]


class Report(BaseModel):
    """`maturity-report/v2` (contract in DESIGN.md "Report JSON"); the JSON Schema is generated
    from this model."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="maturity-scanner report")

    schema_: Literal["maturity-report/v2"] = Field(alias="schema")
    scan: ScanInfo
    summary: dict[str, Any]
    frameworks: list[FrameworkResult]
    next_steps: list[NextStep]
    statements: list[StatementResult]
    rules: list[dict[str, Any]]
    evidence: list[EvidenceResult]
    scopes: list[ScopeResult] | None = Field(default=None, description="present when the config declares scopes")
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
