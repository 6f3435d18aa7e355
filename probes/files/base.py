"""The interface between the `files` probe and each source's file parser.

Parsers register like probes, through an entry-point group (`maturity.file_parsers`), so a
third-party source can read its own files from a GitOps repository without touching this one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any, ClassVar

from scanner.errors import InputError
from scanner.evidence import Evidence

__all__ = [
    "ENTRY_POINT_GROUP",
    "FileParser",
    "could_feed",
    "load_parsers",
    "marked_kinds",
    "template_is_open",
    "template_kinds",
]

# Each source that can be read from a GitOps repository registers one parser here.
ENTRY_POINT_GROUP = "maturity.file_parsers"


class FileParser:
    """Offered every YAML document of the repository; keeps what belongs to its family.

    `accept` yields evidence right away where a document stands alone, or remembers it and
    yields derived evidence from `finish` (e.g. joining workloads with their HPAs). Set
    `found = True` once a document of the family was seen: only then are its kinds observed.
    Items are best built with `Evidence.draft`: the files probe adds the document's line and the
    source and hashes each once (an item already sealed is sealed again with them).
    """

    family: ClassVar[str] = ""
    kinds: ClassVar[dict[str, str]] = {}
    # Keys without which no document of the family can be accepted. A file that cannot be read
    # fails the family's kinds only if its text holds one of them (or an escape that could spell
    # one); empty means "any file could be of this family".
    markers: ClassVar[tuple[str, ...]] = ()
    # For an unrendered Helm chart: kinds fed only by objects whose manifest must match one of
    # these regular expressions (multi-line: an apiVersion group, a kind line, a label key), so a
    # chart whose templates match none cannot hide such an object. A kind not listed falls back
    # to `markers`; an empty tuple: templates never feed it.
    template_markers: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self) -> None:
        self.found = False

    def accept(self, path: str, index: int, doc: Any) -> Iterable[Evidence]:
        return ()

    def finish(self) -> Iterable[Evidence]:
        return ()

    def absent_kinds(self) -> dict[str, str]:
        """Kinds of the family this repository says nothing about, with why.

        A repository with rule files but no prometheus.yml has observed alert rules but not the
        scrape configuration: those kinds stay absent rather than "observed, zero".
        """
        return {}

    def partial_kinds(self) -> dict[str, str]:
        """Observed kinds of which the repository holds only part, with why.

        An application's PrometheusRule without the Prometheus that loads it is some of that
        Prometheus's rules, not all of them: an absence among them is no finding.
        """
        return {}


_ESCAPES = ("\\x", "\\u", "\\U", "\\\n", "\\\r")  # YAML/JSON escapes that could spell a key


# A template that can emit objects its text does not spell: a templated apiVersion or kind, or
# values or files rendered whole at the start of a line (an `extraObjects` list, raw manifests).
_TEMPLATED_KIND = re.compile(
    # `[ \t]*`, never `\s*`: under MULTILINE a `^\s*` retried at every line of a run of blank
    # lines is quadratic in the run (a hostile template of blank lines held a scan for minutes).
    r"^[ \t]*(?:apiVersion|kind)[ \t]*:[ \t]*[\"']?\{\{",  # apiVersion: {{ ... }}, kind: {{ ... }}
    re.MULTILINE,
)
_WHOLE_ACTION = re.compile(
    # at the start of a line of a template that renders documents, an action that renders values,
    # files or a named template whole: `toYaml`/`toJson`, `tpl`, `.Files`, `include`/`template`
    # (a helper may define a whole object), a bare `.Values.x`; not a variable assignment
    # (`{{- $name := include ... }}` is common), a condition or a define. Helper files
    # (`_helpers.tpl`) are left out: their line-start includes assemble label snippets, and an
    # object they define spells its own apiVersion and kind.
    r"^\{\{(?!-?[ \t]*(?:\$|if\b|else\b|end\b|define\b|/\*))[^\n]*?"
    r"(?:\b(?:tpl|toYaml|toJson|toPrettyJson|toRawJson|include|template)\b|\.Files\.|\.Values\.)"
    r"|^\{\{-?[ \t]*(?:range|with)\b[^\n]*\.Values\.(?:extra|additional)",  # extraObjects, extraManifests
    re.MULTILINE,
)


def template_is_open(text: str, *, helper: bool = False) -> bool:
    """Whether an unrendered chart template with `text` could emit objects its text does not spell
    (then it could feed any kind; `helper`: a named-template file such as `_helpers.tpl`, which
    renders no document by itself)."""
    return (
        not text
        or _TEMPLATED_KIND.search(text) is not None
        or (not helper and _WHOLE_ACTION.search(text) is not None)
        or any(e in text for e in _ESCAPES)
    )


def marked_kinds(parser: type[FileParser] | FileParser, text: str) -> set[str]:
    """The kinds of `parser` a closed template (not `template_is_open`) could feed, by the words
    their objects must spell (`template_markers`, else the family's `markers`)."""
    family_wide = could_feed(parser, text)
    out = set()
    for kind in parser.kinds:
        words = parser.template_markers.get(kind)
        if words is None:
            if family_wide:
                out.add(kind)
        elif any(re.search(w, text, re.MULTILINE) for w in words):
            out.add(kind)
    return out


def template_kinds(parser: type[FileParser] | FileParser, text: str, *, helper: bool = False) -> set[str]:
    """The kinds of `parser` that an unrendered chart template with `text` could feed."""
    return set(parser.kinds) if template_is_open(text, helper=helper) else marked_kinds(parser, text)


def could_feed(parser: type[FileParser] | FileParser, text: str) -> bool:
    """Whether a file with `text` (which failed to load) could have held a document of the family."""
    if not parser.markers or any(e in text for e in _ESCAPES):
        return True
    return any(m in text for m in parser.markers)


def load_parsers() -> list[type[FileParser]]:
    """Every parser registered under `maturity.file_parsers`, in the order of their names (one
    order on every machine). One that fails to load is an input error naming its package."""
    out: list[type[FileParser]] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            obj = ep.load()
        except Exception as exc:
            pkg = ep.dist.name if ep.dist else ep.value
            raise InputError(
                f"file parser {ep.name!r} from package {pkg!r} failed to load: {exc}", file=ep.value
            ) from exc
        if not (isinstance(obj, type) and issubclass(obj, FileParser)):
            raise InputError(f"file parser {ep.name!r} ({ep.value}) is not a FileParser subclass", file=ep.value)
        out.append(obj)
    return out
