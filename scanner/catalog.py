"""The maturity models as data: load, validate and index catalog/<framework>/*.yaml.

A framework file (`framework.yaml`) names the framework and pins its source; every other YAML
file in the folder holds one domain (YD/T) or one area (AWS WA) with its capabilities and their
requirements. Loading checks the structure with pydantic and the consistency across files
(unique ids, ids that match their place, levels 1..5 without gaps, crosswalk targets that exist)
and names file and line on every error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scanner.errors import InputError
from scanner.yamlio import LineDict, LineList, load_yaml, validate

__all__ = [
    "Capability",
    "Catalog",
    "Clause",
    "Framework",
    "Requirement",
    "Text",
    "default_catalog_dir",
    "load_catalog",
]

FRAMEWORK_IDS = ("ydt1756-4", "aws-wa-ops")
YDT_CAP_RE = re.compile(r"^ydt:(\d+)\.(\d+)\.(\d+)$")
YDT_REQ_RE = re.compile(r"^ydt:(\d+\.\d+\.\d+):L([1-5])\.([1-9]\d*)$")
WA_Q_RE = re.compile(r"^wa:OPS(\d{2})$")
WA_BP_RE = re.compile(r"^wa:OPS(\d{2})-BP(\d{2})$")

ClauseAssessment = Literal["evidence", "organisational"]
# Between the verbatim fragments of one clause (a demand whose words are not contiguous).
FRAGMENT_SEP = "……"
_NOT_WORDS = re.compile(r"[\s，。、；：,.;:（）()“”\"'《》！？!?\-—…]+")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A bilingual text: `zh` as the source has it, `en` a faithful translation."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ClauseDoc(_Strict):
    """One demand of an item: its verbatim words (fragments joined by ……), a translation, and
    whether a system can show it (`evidence`) or only people can vouch for it."""

    id: str = Field(pattern=r"^[a-z]$")
    text: Text
    assessment: ClauseAssessment


class RequirementDoc(_Strict):
    id: str
    text: Text
    # Required (v2); optional here only so that a missing list gets an error naming the item.
    clauses: list[ClauseDoc] | None = None
    note: str | None = None
    risk: Literal["high", "medium", "low"] | None = None  # AWS WA: risk if not established


class CapabilityDoc(_Strict):
    id: str
    name: Text
    description: Text | None = None
    note: str | None = None
    # YD/T: levels "1".."5" -> items (an empty list for a cell that says 同上 or 无).
    levels: dict[int, list[RequirementDoc]] | None = None
    # AWS WA: the best practices of a question, in order.
    best_practices: list[RequirementDoc] | None = None


class SubdomainDoc(_Strict):
    id: str
    name: Text
    description: Text | None = None
    table: int | None = None
    note: str | None = None
    capabilities: list[CapabilityDoc]


class DomainDoc(_Strict):
    id: str
    name: Text
    description: Text | None = None
    note: str | None = None
    subdomains: list[SubdomainDoc] | None = None  # YD/T
    questions: list[CapabilityDoc] | None = None  # AWS WA (an "area" holds questions)


class PrincipleDoc(_Strict):
    name: Text
    description: Text


class SourceDoc(_Strict):
    title: str
    edition: str
    date: str
    file: str
    note: str | None = None


class FrameworkDoc(_Strict):
    id: Literal["ydt1756-4", "aws-wa-ops"]
    name: Text
    source: SourceDoc
    levels: dict[int, Text] | None = None
    cumulative: bool = Field(
        default=False,
        description="capabilities have levels 1-5 and level L needs every item of levels 1..L (同上)",
    )
    design_principles: list[PrincipleDoc] | None = None
    domains: list[str] = Field(description="domain files, in order")


class CrosswalkDoc(_Strict):
    source: str
    target: str
    note: str | None = None
    mappings: dict[str, list[str]]


@dataclass(frozen=True)
class Clause:
    """One demand of a requirement: `<requirement id>#<letter>`."""

    id: str
    requirement: str
    text: Text
    assessment: ClauseAssessment


@dataclass(frozen=True)
class Requirement:
    """One gradeable item: a YD/T cell item or an AWS WA best practice."""

    id: str
    framework: str
    capability: str
    level: int | None  # YD/T 1..5; None for AWS WA best practices
    text: Text
    clauses: tuple[Clause, ...]
    note: str | None = None
    risk: str | None = None

    @property
    def assessment(self) -> str:
        """`evidence`, `organisational`, or `mixed`, from the clauses."""
        kinds = {c.assessment for c in self.clauses}
        return kinds.pop() if len(kinds) == 1 else "mixed"


@dataclass(frozen=True)
class Capability:
    """A graded capability (YD/T) or a question (AWS WA) with its requirements."""

    id: str
    framework: str
    domain: str
    subdomain: str | None
    name: Text
    description: Text | None
    requirements: tuple[Requirement, ...]
    note: str | None = None

    def at_level(self, level: int) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.level == level)


@dataclass(frozen=True)
class Domain:
    id: str
    name: Text
    parent: str | None = None


@dataclass
class Framework:
    id: str
    name: Text
    source: SourceDoc
    capabilities: list[Capability] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    levels: dict[int, Text] = field(default_factory=dict)
    design_principles: list[PrincipleDoc] = field(default_factory=list)
    cumulative: bool = False  # graded in cumulative levels (YD/T) rather than practices met (AWS WA)


@dataclass
class Catalog:
    """Every framework, indexed by requirement and capability id."""

    frameworks: dict[str, Framework]
    requirements: dict[str, Requirement]
    capabilities: dict[str, Capability]
    crosswalk: dict[str, tuple[str, ...]]  # WA best practice -> YD/T requirement ids
    digest: str = ""
    clauses: dict[str, Clause] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.clauses:
            self.clauses = {c.id: c for r in self.requirements.values() for c in r.clauses}

    def requirement(self, rid: str) -> Requirement:
        return self.requirements[rid]

    def decidable_ids(self) -> set[str]:
        """Every id a rule's `decides` may name: items and their clauses."""
        return set(self.requirements) | set(self.clauses)

    def related(self, rid: str) -> tuple[str, ...]:
        """Ids in the other framework that express the same practice (both directions)."""
        if rid in self.crosswalk:
            return self.crosswalk[rid]
        return tuple(sorted(k for k, v in self.crosswalk.items() if rid in v))

    def iter_requirements(self, framework: str | None = None) -> Iterator[Requirement]:
        for fw in self.frameworks.values():
            if framework is None or fw.id == framework:
                for cap in fw.capabilities:
                    yield from cap.requirements


def default_catalog_dir() -> Path:
    """The catalog shipped with the package."""
    return Path(str(resources.files("catalog")))


def _line(doc: Any, *path: str | int) -> int | None:
    node = doc
    line = getattr(doc, "line", None)
    for part in path:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def clause_gaps(item_zh: str, clause_zh: Iterable[str]) -> tuple[list[str], str]:
    """(fragments that are not verbatim words of the item, the item's words no clause covers).

    A clause's zh text is one or more verbatim fragments of the item joined by `……`; together
    the clauses must cover every character of the item except punctuation and white space.
    """
    norm = " ".join(item_zh.split())
    covered = [False] * len(norm)
    foreign: list[str] = []
    for text in clause_zh:
        start = 0
        for frag in (" ".join(f.split()) for f in text.split(FRAGMENT_SEP)):
            frag = frag.strip()
            if not frag:
                continue
            at = norm.find(frag, start)
            if at < 0:
                at = norm.find(frag)
            if at < 0:
                foreign.append(frag)
                continue
            for i in range(at, at + len(frag)):
                covered[i] = True
            start = at + len(frag)
    left = "".join(ch if not ok else " " for ch, ok in zip(norm, covered, strict=True))
    return foreign, _NOT_WORDS.sub(" ", left).strip()


def _clauses(item: RequirementDoc, file: Path, line: int | None) -> tuple[Clause, ...]:
    """The item's clauses, checked: lettered a, b, … in order, verbatim, covering the whole item.

    Every item must list its clauses: a missing list is an error, never an implicit single
    clause, because that would silently grade a joined demand as one (v1 did).
    """
    if not item.clauses:
        raise InputError(
            f"{item.id}: no clauses (every item lists its demands as clauses a, b, …; docs/catalog.md)",
            file=str(file),
            line=line,
        )
    letters = [c.id for c in item.clauses]
    want = [chr(ord("a") + i) for i in range(len(letters))]
    if letters != want:
        raise InputError(
            f"{item.id}: clauses must be lettered {want} in order, found {letters}", file=str(file), line=line
        )
    foreign, left = clause_gaps(item.text.zh, (c.text.zh for c in item.clauses))
    if foreign:
        raise InputError(f"{item.id}: clause text is not the item's words: {foreign[0]!r}", file=str(file), line=line)
    if left:
        raise InputError(f"{item.id}: no clause covers {left!r}", file=str(file), line=line)
    return tuple(Clause(f"{item.id}#{c.id}", item.id, c.text, c.assessment) for c in item.clauses)


class _Builder:
    def __init__(self) -> None:
        self.requirements: dict[str, Requirement] = {}
        self.capabilities: dict[str, Capability] = {}
        self.where: dict[str, str] = {}

    def claim(self, oid: str, file: Path, line: int | None) -> None:
        if oid in self.where:
            raise InputError(f"duplicate id {oid!r} (first at {self.where[oid]})", file=str(file), line=line)
        self.where[oid] = f"{file.name}:{line}"

    def ydt_capability(
        self,
        fw: Framework,
        dom: DomainDoc,
        sub: SubdomainDoc,
        cap: CapabilityDoc,
        file: Path,
        line: int | None,
        raw: Any = None,
    ) -> Capability:
        """A YD/T capability; `raw` (its YAML node) gives each item's own line for errors."""
        m = YDT_CAP_RE.match(cap.id)
        if not m or not cap.id.startswith(sub.id + "."):
            raise InputError(f"capability id {cap.id!r} does not belong to {sub.id}", file=str(file), line=line)
        if cap.levels is None or cap.best_practices is not None:
            raise InputError(f"{cap.id}: a YD/T capability has levels, not best_practices", file=str(file), line=line)
        if sorted(cap.levels) != [1, 2, 3, 4, 5]:
            missing = sorted(set(range(1, 6)) - set(cap.levels))
            raise InputError(
                f"{cap.id}: levels must be 1..5 without gaps (missing {missing})", file=str(file), line=line
            )
        if not cap.levels[1]:
            raise InputError(f"{cap.id}: level 1 has no items", file=str(file), line=line)
        reqs: list[Requirement] = []
        for level in range(1, 6):
            for n, item in enumerate(cap.levels[level], start=1):
                want = f"{cap.id}:L{level}.{n}"
                if item.id != want:
                    raise InputError(
                        f"requirement id {item.id!r} should be {want!r} (items are numbered in order)",
                        file=str(file),
                        line=line,
                    )
                self.claim(item.id, file, line)
                iline = _line(raw, "levels", str(level), n - 1) if raw is not None else line
                reqs.append(
                    Requirement(
                        item.id, fw.id, cap.id, level, item.text, _clauses(item, file, iline), item.note, item.risk
                    )
                )
        return Capability(cap.id, fw.id, dom.id, sub.id, cap.name, cap.description, tuple(reqs), cap.note)

    def wa_question(
        self, fw: Framework, area: DomainDoc, q: CapabilityDoc, file: Path, line: int | None, raw: Any = None
    ) -> Capability:
        """An AWS WA question; `raw` (its YAML node) gives each best practice's line for errors."""
        if not WA_Q_RE.match(q.id):
            raise InputError(f"question id {q.id!r} is not of the form wa:OPSnn", file=str(file), line=line)
        if not q.best_practices or q.levels is not None:
            raise InputError(f"{q.id}: a WA question has best_practices, not levels", file=str(file), line=line)
        reqs = []
        for n, bp in enumerate(q.best_practices, start=1):
            want = f"{q.id}-BP{n:02d}"
            if bp.id != want:
                raise InputError(
                    f"best practice id {bp.id!r} should be {want!r} (numbered in order)", file=str(file), line=line
                )
            self.claim(bp.id, file, line)
            iline = _line(raw, "best_practices", n - 1) if raw is not None else line
            reqs.append(Requirement(bp.id, fw.id, q.id, None, bp.text, _clauses(bp, file, iline), bp.note, bp.risk))
        return Capability(q.id, fw.id, area.id, None, q.name, q.description, tuple(reqs), q.note)


def _load_framework(folder: Path, b: _Builder) -> Framework:
    fpath = folder / "framework.yaml"
    doc = load_yaml(fpath)
    fdoc = validate(FrameworkDoc, doc, fpath)
    if fdoc.id != folder.name:
        raise InputError(
            f"framework id {fdoc.id!r} does not match its folder {folder.name!r}",
            file=str(fpath),
            line=_line(doc, "id"),
        )
    fw = Framework(
        fdoc.id,
        fdoc.name,
        fdoc.source,
        levels=dict(fdoc.levels or {}),
        design_principles=list(fdoc.design_principles or []),
        cumulative=fdoc.cumulative,
    )
    for di, dname in enumerate(fdoc.domains):
        dpath = folder / dname
        if not dpath.is_file():
            raise InputError(f"domain file {dname!r} not found", file=str(fpath), line=_line(doc, "domains", di))
        ddoc_raw = load_yaml(dpath)
        ddoc = validate(DomainDoc, ddoc_raw, dpath)
        b.claim(ddoc.id, dpath, _line(ddoc_raw, "id"))
        fw.domains.append(Domain(ddoc.id, ddoc.name))
        if fw.cumulative:  # graded in levels: domains -> subdomains -> capabilities with levels 1-5
            if not ddoc.subdomains or ddoc.questions:
                raise InputError(
                    "a domain of a framework graded in levels (cumulative: true) lists subdomains",
                    file=str(dpath),
                    line=_line(ddoc_raw, "id"),
                )
            for si, sub in enumerate(ddoc.subdomains):
                sline = _line(ddoc_raw, "subdomains", si)
                if not sub.id.startswith(ddoc.id + "."):
                    raise InputError(f"subdomain {sub.id!r} does not belong to {ddoc.id}", file=str(dpath), line=sline)
                b.claim(sub.id, dpath, sline)
                fw.domains.append(Domain(sub.id, sub.name, parent=ddoc.id))
                for ci, cap in enumerate(sub.capabilities):
                    cline = _line(ddoc_raw, "subdomains", si, "capabilities", ci)
                    b.claim(cap.id, dpath, cline)
                    craw = ddoc_raw["subdomains"][si]["capabilities"][ci]
                    fw.capabilities.append(b.ydt_capability(fw, ddoc, sub, cap, dpath, cline, craw))
        else:
            if not ddoc.questions or ddoc.subdomains:
                raise InputError(
                    "an area of a framework graded by best practices lists questions",
                    file=str(dpath),
                    line=_line(ddoc_raw, "id"),
                )
            for qi, q in enumerate(ddoc.questions):
                qline = _line(ddoc_raw, "questions", qi)
                b.claim(q.id, dpath, qline)
                fw.capabilities.append(b.wa_question(fw, ddoc, q, dpath, qline, ddoc_raw["questions"][qi]))
    for graded in fw.capabilities:
        b.capabilities[graded.id] = graded
        for r in graded.requirements:
            b.requirements[r.id] = r
    return fw


def _load_crosswalk(path: Path, b: _Builder) -> dict[str, tuple[str, ...]]:
    doc = load_yaml(path)
    cw = validate(CrosswalkDoc, doc, path)
    out: dict[str, tuple[str, ...]] = {}
    for key, targets in cw.mappings.items():
        line = _line(doc, "mappings", key)
        if key not in b.requirements or not WA_BP_RE.match(key):
            raise InputError(f"crosswalk names unknown best practice {key!r}", file=str(path), line=line)
        for t in targets:
            if t not in b.requirements or not YDT_REQ_RE.match(t):
                raise InputError(f"crosswalk maps {key} to unknown YD/T requirement {t!r}", file=str(path), line=line)
        out[key] = tuple(targets)
    return out


def load_catalog(root: Path | None = None) -> Catalog:
    """Load every framework under `root` (default: the packaged catalog) and the crosswalk.

    The compiled catalog is cached by the digest of its files (`scanner.cache`): an unchanged
    catalog loads from the cache, a changed one is compiled (and checked) again.
    """
    from scanner.cache import cached, files_digest

    root = root or default_catalog_dir()
    files = [p for p in root.rglob("*.yaml") if p.is_file()]
    return cached("catalog", files_digest(files, root), lambda: _compile_catalog(root), Catalog)


def _compile_catalog(root: Path) -> Catalog:
    b = _Builder()
    frameworks: dict[str, Framework] = {}
    for fid in FRAMEWORK_IDS:
        folder = root / fid
        if (folder / "framework.yaml").is_file():
            frameworks[fid] = _load_framework(folder, b)
    if not frameworks:
        raise InputError("no framework found (expected <id>/framework.yaml)", file=str(root))
    crosswalk: dict[str, tuple[str, ...]] = {}
    cw_path = root / "crosswalk.yaml"
    if cw_path.is_file():
        crosswalk = _load_crosswalk(cw_path, b)
    files = [p for p in root.rglob("*.yaml") if p.is_file()]
    from scanner.cache import files_digest

    return Catalog(frameworks, b.requirements, b.capabilities, crosswalk, files_digest(files, root))
