"""The self-contained HTML evidence report auditors read (`maturity report F.json --html F.html`).

One file, no network: CSS, JS and SVG are inlined and a Content-Security-Policy forbids every
fetch. The page structure (overview, roadmap, baseline changes, statements, the domain →
capability → level → item → clause → rule tree) is rendered here with Jinja2 (autoescape on: everything from a
scanned system is escaped). Evidence items are embedded once, as gzip-compressed JSON in base64,
and rendered on demand by the page script with `textContent` only: a 100k-item report stays a
few megabytes and paints fast, because the browser never builds DOM for evidence nobody opened.

Everything shown comes from the report itself (names, texts, level names, rule titles), never
from the installed catalog: an old report renders with its own words. A capability whose every
item is waived (`in_scope: false`) reads "out of scope", never a level, and is left out of the
charts' means.

The page data is shaped in scanner.html_views (the citation index behind the Resources view and
each evidence panel's "cited by" in scanner.html_resources) and its fixed words live in
scanner.html_text; this module renders and embeds.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import zlib
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from scanner.diff import diff_reports
from scanner.headline import headline
from scanner.html_resources import resource_blob
from scanner.html_roadmap import roadmap_view
from scanner.html_scopes import scope_switch_blob
from scanner.html_text import SOURCE_STATUS_TEXT, STATEMENT_STATE_TEXT, STATUS_TEXT, STATUSES, UI
from scanner.html_views import anchor, changes_view, chart, frameworks_view, scopes_view, source_health

__all__ = ["CSP", "EXCERPT_CHARS", "iter_html", "render_html"]

EXCERPT_CHARS = 1500  # characters of an evidence item's data kept in the HTML (the JSON has all)
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scanner", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["anchor"] = anchor
    return env


def _asset(name: str) -> str:
    return resources.files("scanner").joinpath("templates", name).read_text(encoding="utf-8")


def _excerpt(data: Any) -> Any:
    """The data itself when small, else a cut JSON text saying how much was kept."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    if len(text) <= EXCERPT_CHARS:
        return data
    return f"{text[:EXCERPT_CHARS]}… [excerpt: {EXCERPT_CHARS} of {len(text)} characters; the JSON report has all]"


def _cited(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The evidence items some rule cites, in report order: the printed appendix."""
    ids = {
        str(i)
        for fw in report.get("frameworks", [])
        for cap in fw.get("capabilities", [])
        for req in cap.get("requirements", [])
        for cl in req.get("clauses", [])
        for rule in cl.get("rules", [])
        for i in rule.get("evidence", [])
    }
    return [e for e in report.get("evidence", []) if e.get("id") in ids]


_ROW = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_BLOB_CHUNK = 1 << 16


def _evidence_blob(evidence: Iterable[Mapping[str, Any]]) -> str:
    """All evidence as gzip+base64 JSON rows: [sha256, source, kind, subject, collected_at, origin, data]."""
    return "".join(_evidence_blob_pieces(evidence))


def _evidence_blob_pieces(evidence: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The text of `_evidence_blob` in pieces, made as they are asked for: each row is encoded
    and compressed as it comes, and the compressed bytes are base64-encoded as they come out, so
    neither the rows' JSON nor the blob is ever held whole. The bytes are those of
    `base64(gzip.compress(json, compresslevel=6, mtime=0))`: zlib's gzip format at level 6,
    with no mtime, does not depend on how its input is divided."""
    gz = zlib.compressobj(6, zlib.DEFLATED, 31)
    rest = b""
    buf: list[str] = ["["]
    size = 0
    for n, e in enumerate(evidence):
        row = [
            e["sha256"],
            e["source"],
            e["kind"],
            e["subject"],
            e["collected_at"],
            e["origin"],
            _excerpt(e.get("data")),
        ]
        piece = ("," if n else "") + _ROW.encode(row)
        buf.append(piece)
        size += len(piece)
        if size >= _BLOB_CHUNK:
            text, rest = _base64_whole_groups(rest + gz.compress("".join(buf).encode("utf-8")))
            yield text
            buf, size = [], 0
    buf.append("]")
    text, rest = _base64_whole_groups(rest + gz.compress("".join(buf).encode("utf-8")) + gz.flush())
    yield text + base64.b64encode(rest).decode("ascii")


def _base64_whole_groups(data: bytes) -> tuple[str, bytes]:
    """Base64 of the whole 3-byte groups of `data` (the same text as in the whole's), and the rest."""
    cut = len(data) - len(data) % 3
    return base64.b64encode(data[:cut]).decode("ascii"), data[cut:]


def _with_blob(pieces: Iterator[str], mark: str, evidence: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The page's pieces with the evidence blob streamed where the template put `mark`."""
    for piece in pieces:
        if mark in piece:
            head, tail = piece.split(mark, 1)
            yield head
            yield from _evidence_blob_pieces(evidence)
            yield tail
            yield from pieces
            return
        yield piece


def render_html(report: Mapping[str, Any], baseline: Mapping[str, Any] | None = None, lang: str | None = None) -> str:
    """The report as one self-contained, offline HTML page (zh/en); `baseline` adds a diff view.
    `lang` fixes the language it opens in; without it the page follows the browser's language."""
    return "".join(iter_html(report, baseline, lang))


def iter_html(
    report: Mapping[str, Any], baseline: Mapping[str, Any] | None = None, lang: str | None = None
) -> Iterator[str]:
    """The page of `render_html` in pieces, as the template renders them (written as they come)."""
    frameworks = frameworks_view(report)
    diff = diff_reports(baseline, report) if baseline is not None else None
    cap_names = {c["id"]: c["name"] for fw in report["frameworks"] for c in fw["capabilities"]}
    sources = sorted({s["name"] for s in report["scan"].get("sources", [])})
    template = _environment().get_template("report.html.j2")
    evidence = report.get("evidence", [])
    mark = f"evidence-blob-{secrets.token_hex(16)}"  # unguessable: scanned text cannot place it
    pieces = template.generate(
        report=report,
        scan=report["scan"],
        frameworks=frameworks,
        charts=chart(frameworks),
        health=source_health(report),
        changes=changes_view(diff) if diff is not None else None,
        change_notes=diff.notes if diff is not None else [],
        statements=[s for s in report.get("statements", []) if isinstance(s, Mapping)],
        headline=headline(report).to_json(),
        roadmap=roadmap_view(report),
        scopes=scopes_view(report),
        scope_blob=scope_switch_blob(report, frameworks),
        cap_names=cap_names,
        source_names=sources,
        statuses=STATUSES,
        ui=UI,
        status_text=STATUS_TEXT,
        source_status_text=SOURCE_STATUS_TEXT,
        statement_state_text=STATEMENT_STATE_TEXT,
        evidence_blob=Markup(mark),  # noqa: S704 - our own token, replaced by the streamed blob
        resource_blob=resource_blob(report),
        evidence_count=len(evidence),
        cited=_cited(report),
        css=_inline_safe(_asset("report.css"), "style"),
        js=_inline_safe(_asset("report.js") + "\n" + _asset("report_evidence.js"), "script"),
        csp=CSP,
        lang=lang or "zh",
        lang_auto=lang is None,
    )
    return _with_blob(pieces, mark, evidence)


def _inline_safe(text: str, element: str) -> Markup:
    """Our own CSS or JS, marked safe for inlining; refuse text that could close the element."""
    if re.search(rf"</{element}|<!--", text, re.I):
        raise ValueError(f"an inlined {element} must not contain '</{element}' or '<!--'")
    return Markup(text)  # noqa: S704 - our packaged asset, checked above, not scanned data
