"""The `files` probe: evidence from a GitOps repository on disk.

It walks the folder (skipping VCS and vendor folders, bounded in file count and size), loads
every YAML/JSON document and offers each to the file parsers of the other sources
(Prometheus rule files and prometheus.yml, alertmanager.yml, Kubernetes manifests), which
produce the *same* evidence kinds as the live probes. A parser that found no file of its family
leaves its kinds absent (not observed), so an unrelated repository never reads as "zero alert
rules". A file that does not parse is itself evidence (`files.parse_error`) and makes the source
`partial`; it never stops the scan, and every kind the file could have fed is failed for the
source (its rules are unknown): a broken document may hide exactly the objects that fail a
rule. The same holds for a file over `max_file_bytes` and for the files past `max_files`.

Helm charts (a `templates/` folder beside a Chart.yaml) are not parsed as they are: with helm on
PATH each chart is rendered (`helm template`, default values, bounded) and its output read like
any manifest; without it, the chart is recorded (`gitops.helm_chart`, rendered: false) and the
kinds its templates could feed (judged per kind by `base.template_kinds`; every kind when a
template can emit objects its text does not spell) are reported absent, naming the chart, so
objects hidden in a template are never counted as missing (probes/files/helm.py).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from probes.files.base import FileParser, could_feed, load_parsers, marked_kinds, template_is_open
from probes.files.helm import Chart, ChartIndex, helm_binary, render
from probes.files.kinds import MODELS as FILE_MODELS
from scanner.config import SourceConfig
from scanner.errors import InputError
from scanner.evidence import Evidence
from scanner.probe import Cancelled, KindModel, Probe, ProbeContext, SourceFailure
from scanner.yamlio import load_yaml, load_yaml_documents

__all__ = ["FilesConfig", "FilesProbe"]

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "vendor", ".terraform", "__pycache__", ".venv"}
SUFFIXES = {".yaml", ".yml", ".json", ".rules"}


class FilesConfig(SourceConfig):
    path: str
    include: list[str] = Field(
        default_factory=list, description="glob patterns relative to path; default every YAML/JSON file"
    )
    exclude: list[str] = Field(default_factory=list)
    max_files: int = Field(default=20000, ge=1)
    max_file_bytes: int = Field(default=5_000_000, ge=1)


def _file_could_feed(path: Path, parser: FileParser, chunk: int = 1 << 20, limit: int = 64 << 20) -> bool:
    """`could_feed` for a file too large to load: its text is scanned in overlapping chunks."""
    if not parser.markers:
        return True
    tail = ""
    with path.open("rb") as f:
        read = 0
        while piece := f.read(chunk):
            read += len(piece)
            text = tail + piece.decode("utf-8", errors="replace")
            if could_feed(parser, text):
                return True
            if read >= limit:  # too large even to look through: assume the worst
                return True
            tail = text[-32:]
    return False


def _has_content(doc: str) -> bool:
    """Whether a YAML document's text holds more than comments and blank lines."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in doc.splitlines())


def _with_line(ev: Evidence, rel: str, line: int) -> Evidence:
    """`ev` with its document's first line appended to a `file://rel` origin (`;line=N`), so
    SARIF and code-quality reports can point at the file and line. Rendered Helm output has no
    file of its own and keeps its origin as it is. The result is a draft: `collect` seals it."""
    if line <= 0 or rel.endswith("(rendered)") or not ev.origin.startswith(f"file://{rel}"):
        return ev
    if ev.origin[len("file://") + len(rel) :][:1] not in ("", "#"):
        return ev
    return ev.unsealed(origin=f"{ev.origin};line={line}")


def _chart_meta(path: Path) -> dict[str, Any]:
    """name and version from Chart.yaml (the folder name when unreadable)."""
    try:
        doc = load_yaml(path)
    except (InputError, RecursionError, MemoryError, ValueError, TypeError):
        doc = None
    doc = doc if isinstance(doc, dict) else {}
    version = doc.get("version")
    return {
        "name": str(doc.get("name") or path.parent.name)[:200],
        "version": str(version)[:100] if version else None,
        "dependencies": bool(doc.get("dependencies")),
    }


class _Spoiled:
    """Kinds the files probe could not read completely, with the files that spoiled them."""

    def __init__(self, parsers: list[FileParser]) -> None:
        self.order = [k for p in parsers for k in p.kinds]
        self.why: dict[str, list[str]] = {}
        self.messages: list[str] = []

    def add(self, why: str, families: list[FileParser]) -> None:
        self.messages.append(why)
        for parser in families:
            for kind in parser.kinds:
                self.why.setdefault(kind, []).append(why)

    def report(self, ctx: ProbeContext) -> None:
        for kind in self.order:
            whys = self.why.get(kind)
            if whys:
                more = f" (and {len(whys) - 1} more)" if len(whys) > 1 else ""
                ctx.kind_failed(kind, f"could not read {whys[0]}{more}", "malformed")
        for msg in self.messages:
            ctx.warn(f"could not parse {msg}")


@cache
def _kinds() -> dict[str, str]:
    out = {
        "files.parse_error": "a file in the repository that could not be parsed",
        "files.repository": "one summary of the repository: files read and the families of configuration found in them",
    }
    for p in load_parsers():
        out.update(p.kinds)
    return out


@cache
def _models() -> dict[str, type[KindModel]]:
    """Each parser's kinds keep the models of the probe whose package it lives in
    (probes/<source>/files.py -> probes/<source>/kinds.py): the same kinds, the same fields."""
    out: dict[str, type[KindModel]] = dict(FILE_MODELS)
    for p in load_parsers():
        models: dict[str, type[KindModel]] = import_module(p.__module__.rsplit(".", 1)[0] + ".kinds").MODELS
        out.update({k: models[k] for k in p.kinds if k in models})
    return out


class _LazyKinds:
    """The union of the parsers' kinds, computed on first use.

    Computing it at import would import every parser while a parser may itself be importing
    probes.files.base (a cycle); by first use every module is complete.
    """

    def __get__(self, obj: object, owner: type | None = None) -> dict[str, str]:
        return _kinds()


class _LazyModels:
    """The union of the parsers' kind models, computed on first use (as `_LazyKinds`)."""

    def __get__(self, obj: object, owner: type | None = None) -> dict[str, type[KindModel]]:
        return _models()


class FilesProbe(Probe):
    name = "files"
    kinds: ClassVar[dict[str, str]] = _LazyKinds()  # type: ignore[assignment]
    models: ClassVar[dict[str, type[KindModel]]] = _LazyModels()  # type: ignore[assignment]
    config_model = FilesConfig

    def collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        """Every item stamped with the source and hashed here, once: the parsers of this
        repository's families build drafts (`Evidence.draft`), and the line a document starts
        on is added to its items' origins before they are sealed."""
        for ev in self._collect(config, ctx):
            yield ev if ev.sha256 and ev.source == ctx.source else ev.sealed(source=ctx.source)

    def _collect(self, config: Any, ctx: ProbeContext) -> Iterator[Evidence]:
        cfg: FilesConfig = config
        root = cfg.resolve(cfg.path)
        if not root.is_dir():
            raise SourceFailure(f"no such folder: {cfg.path}", category="unreachable")
        parsers: list[FileParser] = [cls() for cls in type(self).parser_classes()]
        spoiled = _Spoiled(parsers)
        charts = ChartIndex(root)
        count = 0
        for path in self._walk(root, cfg):
            ctx.check()
            count += 1
            if count > cfg.max_files:
                ctx.progress(f"stopped after {cfg.max_files} files (max_files)")
                spoiled.add(f"more than {cfg.max_files} files (max_files); the rest were not read", parsers)
                break
            rel = path.relative_to(root).as_posix()
            chart = charts.chart_of_template(path)
            if chart is not None:
                self._note_template(path, chart, parsers)
                continue
            if path.suffix.lower() == ".tpl":  # a templates/ folder of no chart: nothing reads it
                continue
            yield from self._read_file(path, rel, cfg, parsers, spoiled)
        unrendered = yield from self._charts(charts, parsers, spoiled)
        for parser in parsers:
            if parser.found:
                try:
                    yield from parser.finish()
                except (Cancelled, SourceFailure):
                    raise
                except Exception as exc:  # noqa: BLE001 - a fault joining the family fails the family
                    spoiled.add(f"{parser.family}: {type(exc).__name__}: {exc}", [parser])
                for kind, why in parser.absent_kinds().items():
                    ctx.kind_absent(kind, why)
                for kind, why in parser.partial_kinds().items():
                    ctx.kind_partial(kind, why)
            else:
                for kind in parser.kinds:
                    ctx.kind_absent(kind, f"no {parser.family} files found under {cfg.path}")
        for parser in parsers:
            for kind in parser.kinds:
                # Only the kinds an unrendered chart's templates could feed (by the words their
                # objects must spell; any kind at all where a template is open, see template_kinds).
                hidden = [c for c in unrendered if kind in c.kinds]
                if hidden:
                    names = ", ".join(c.rel for c in hidden[:3]) + (
                        f" and {len(hidden) - 3} more" if len(hidden) > 3 else ""
                    )
                    ctx.kind_absent(kind, f"Helm chart {names} not rendered ({hidden[0].why}): its objects are unknown")
        yield Evidence.draft(
            "files.repository",
            ".",
            {
                "files": min(count, cfg.max_files),
                "families": sorted(p.family for p in parsers if p.found),
                "helm_charts": len(charts.charts),
                "unreadable": len(spoiled.messages),
            },
            "file://.",
        )
        spoiled.report(ctx)

    @staticmethod
    def _note_template(path: Path, chart: Chart, parsers: list[FileParser]) -> None:
        """Count a chart template and the kinds its text could feed (it is not parsed)."""
        chart.templates += 1
        try:
            text = path.read_bytes()[: 1 << 20].decode("utf-8", errors="replace")
        except OSError:
            text = ""
        # _helpers.tpl: named templates, no document of its own; openness is judged once per text
        if template_is_open(text, helper=path.name.startswith("_")):
            chart.kinds.update(k for p in parsers for k in p.kinds)
        else:
            for p in parsers:
                chart.kinds |= marked_kinds(p, text)

    def _charts(
        self, charts: ChartIndex, parsers: list[FileParser], spoiled: _Spoiled
    ) -> Generator[Evidence, None, list[Chart]]:
        """Render each chart (helm on PATH) and read its output; return the charts left unrendered."""
        helm = helm_binary()
        gitops = next((p for p in parsers if hasattr(p, "add_chart")), None)
        left: list[Chart] = []
        for chart in sorted(charts.charts.values(), key=lambda c: c.rel):
            meta = _chart_meta(chart.root / "Chart.yaml")
            if meta.pop("dependencies") or (chart.root / "charts").is_dir():
                # Subcharts render objects no template of this chart spells: any kind at all.
                chart.kinds |= {k for p in parsers for k in p.kinds}
            text, why = render(helm, chart) if helm else (None, "helm is not installed where the scan ran")
            objects = None
            if text is not None:
                before = len(spoiled.messages)
                yield from self._read_text(f"{chart.rel}/templates (rendered)", text, parsers, spoiled)
                objects = sum(1 for d in ("\n" + text).split("\n---") if _has_content(d))
                if len(spoiled.messages) > before:
                    why = "its rendered output did not parse"
            if why is not None:
                chart.why = why
                left.append(chart)
            if gitops is not None:
                data = {
                    **meta,
                    "templates": chart.templates,
                    "rendered": why is None,
                    "reason": why,
                    "objects": objects if why is None else None,
                }
                gitops.add_chart(chart.rel, data)
        return left

    def _read_file(
        self, path: Path, rel: str, cfg: FilesConfig, parsers: list[FileParser], spoiled: _Spoiled
    ) -> Iterator[Evidence]:
        """Every document of one file offered to every parser; a failure spoils this file only.

        The documents before a broken one are still offered (they are evidence), but every
        family the file could have fed is failed for the source: what the broken part hid may
        have changed a verdict, so those kinds are never reported as completely observed.
        """
        try:
            size = path.stat().st_size
            if size > cfg.max_file_bytes:
                why = f"{rel}: larger than {cfg.max_file_bytes} bytes (max_file_bytes); not read"
                yield self._broken(rel, why, spoiled, [p for p in parsers if _file_could_feed(path, p)])
                return
            raw = path.read_bytes()
        except OSError as exc:
            yield self._broken(rel, f"{rel}: cannot read: {exc.strerror or exc}", spoiled, parsers)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            yield self._broken(rel, f"{rel}: not UTF-8 text", spoiled, [p for p in parsers if could_feed(p, text)])
            return
        yield from self._read_text(rel, text, parsers, spoiled)

    def _read_text(self, rel: str, text: str, parsers: list[FileParser], spoiled: _Spoiled) -> Iterator[Evidence]:
        """Every document of one text offered to every parser (see `_read_file`)."""
        docs = load_yaml_documents(rel, text)
        i = 0
        while True:
            try:
                doc = next(docs)
            except StopIteration:
                return
            except InputError as exc:
                why = str(exc)
                if "{{" in text:  # an unrendered template: its objects are unknown until rendered
                    why += " (a template? scan its rendered output, or leave it out with `exclude:`)"
                yield self._broken(rel, why, spoiled, [p for p in parsers if could_feed(p, text)])
                return
            except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # a pathological document
                why = f"{rel} (document {i + 1}): cannot load: {type(exc).__name__}"
                yield self._broken(rel, why, spoiled, [p for p in parsers if could_feed(p, text)])
                return
            if doc is not None:
                for parser in parsers:
                    try:
                        for ev in parser.accept(rel, i, doc):
                            yield _with_line(ev, rel, getattr(doc, "line", 0))
                    except (Cancelled, SourceFailure):
                        raise
                    except Exception as exc:  # noqa: BLE001 - any parser fault fails its family only
                        why = f"{rel} (document {i + 1}): {parser.family}: {type(exc).__name__}: {exc}"
                        yield self._broken(f"{rel}#{i + 1}", why, spoiled, [parser], parser.family)
            i += 1

    @staticmethod
    def _broken(
        subject: str, why: str, spoiled: _Spoiled, families: list[FileParser], parser: str | None = None
    ) -> Evidence:
        spoiled.add(why, families)
        data = {"error": why} if parser is None else {"error": why, "parser": parser}
        return Evidence.draft("files.parse_error", subject, data, f"file://{subject.split('#')[0]}")

    @staticmethod
    def parser_classes() -> list[type[FileParser]]:
        return load_parsers()

    @staticmethod
    def _walk(root: Path, cfg: FilesConfig) -> Iterator[Path]:
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                p = Path(dirpath) / name
                # Regular files only: a symlink may point outside the repository, a FIFO would block.
                suffix = p.suffix.lower()
                # `.tpl` only as a chart's template text (its named templates, e.g. _helpers.tpl)
                tpl = suffix == ".tpl" and "templates" in Path(dirpath).relative_to(root).parts
                if (suffix not in SUFFIXES and not tpl) or p.is_symlink() or not p.is_file():
                    continue
                rel = p.relative_to(root).as_posix()
                if cfg.include and not any(p.match(g) or Path(rel).match(g) for g in cfg.include):
                    continue
                if any(Path(rel).match(g) for g in cfg.exclude):
                    continue
                yield p
