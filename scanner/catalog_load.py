"""Compiling catalog/<framework>/*.yaml into a Catalog: parse and validate each file, then check
consistency across files (unique ids, ids that match their place, levels 1..5 without gaps,
clauses that cover their item verbatim, crosswalk targets that exist), naming file and line on
every error."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.catalog_docs import CapabilityDoc, CrosswalkDoc, DomainDoc, FrameworkDoc, RequirementDoc, SubdomainDoc
from scanner.catalog_model import Capability, Catalog, Clause, Domain, Framework, Requirement
from scanner.errors import InputError
from scanner.yamlio import LineDict, LineList, load_yaml, validate

__all__ = ["FRAGMENT_SEP", "FRAMEWORK_IDS", "YDT_REQ_RE", "clause_gaps", "compile_catalog"]

FRAMEWORK_IDS = ("ydt1756-4", "aws-wa-ops")
YDT_CAP_RE = re.compile(r"^ydt:(\d+)\.(\d+)\.(\d+)$")
YDT_REQ_RE = re.compile(r"^ydt:(\d+\.\d+\.\d+):L([1-5])\.([1-9]\d*)$")
WA_Q_RE = re.compile(r"^wa:OPS(\d{2})$")
WA_BP_RE = re.compile(r"^wa:OPS(\d{2})-BP(\d{2})$")
# Between the verbatim fragments of one clause (a demand whose words are not contiguous).
FRAGMENT_SEP = "……"
_NOT_WORDS = re.compile(r"[\s，。、；：,.;:（）()“”\"'《》！？!?\-—…]+")


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


def compile_catalog(root: Path) -> Catalog:
    """Every framework under `root` and the crosswalk, checked (uncached: see load_catalog)."""
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
