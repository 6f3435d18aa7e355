"""The CLI's writers stream (issue 22 part 4): report.json, the evidence bundle and the HTML are
written piece by piece, so what a writer holds at once is bounded by an item, never by the
report; and the bytes are exactly those of the non-streamed form. Memory is measured with
tracemalloc's peak (what the writer allocated above what existed before), never with time."""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from scanner.bundle import read_bundle
from scanner.evidence import Evidence
from scanner.html import _evidence_blob, _excerpt, render_html
from scanner.outputs import WriteContext, write_outputs
from scanner.report import dump_report, report_digest, write_report
from tests.reportgen import build_report

GOLDEN = Path(__file__).parent / "golden"


def _peak(run: Callable[[], object]) -> int:
    """Bytes `run` allocated at its peak, above what was allocated when it started."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _item(i: int) -> dict[str, Any]:
    data = {
        "namespace": f"team-{i % 40:02d}",
        "name": f"svc-{i}",
        "replicas": i % 5,
        "labels": {"app": f"svc-{i}", "tier": "backend", "note": "données"},
        "images": [f"registry.example.com/svc-{i}:1.{i % 9}.0"],
        "ratio": 0.25 * (i % 4),
    }
    at = "2026-11-20T10:00:00Z"
    return Evidence.make(
        "demo.item", f"svc-{i}", data, "https://example.com/items", source="src", collected_at=at
    ).to_json()


def test_report_json_is_streamed_with_the_bytes_of_the_whole_text(tmp_path: Path) -> None:
    report = {"schema": "maturity-report/v2", "scan": {"n": 1}, "evidence": [_item(i) for i in range(4000)]}
    report["digest"] = report_digest(report)
    whole = dump_report(report).encode("utf-8")
    path = tmp_path / "report.json"
    peak = _peak(lambda: write_report(path, report))
    assert path.read_bytes() == whole
    assert json.loads(whole)["evidence"] == report["evidence"]
    # The text is ~1.9 MB; written item by item the writer never holds more than a sliver of it
    # (json.dumps of the report, then its bytes, held it twice over).
    assert peak < len(whole) / 20, (peak, len(whole))


def test_report_digest_is_computed_in_pieces() -> None:
    small = {"schema": "maturity-report/v2", "evidence": [_item(i) for i in range(1000)]}
    large = {"schema": "maturity-report/v2", "evidence": [_item(i) for i in range(4000)]}
    # Four times the items, the same working memory: it does not grow with the report.
    assert _peak(lambda: report_digest(large)) < 1.5 * _peak(lambda: report_digest(small))


def _blob_rows(items: list[dict[str, Any]]) -> str:
    """The non-streamed form of the HTML evidence blob: all rows, one JSON text, one gzip."""
    rows = [
        [e["sha256"], e["source"], e["kind"], e["subject"], e["collected_at"], e["origin"], _excerpt(e.get("data"))]
        for e in items
    ]
    raw = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def _made(n: int) -> Iterator[dict[str, Any]]:
    """Items made one at a time, when the writer asks for the next."""
    for i in range(n):
        yield _item(i)


def test_html_evidence_blob_is_streamed_from_a_generator_with_the_same_bytes() -> None:
    items = [_item(i) for i in range(3000)]
    assert _evidence_blob(_made(3000)) == _blob_rows(items)
    assert _evidence_blob([]) == _blob_rows([])
    # What 3000 more items cost the writer at its peak: fed from a generator, each row is let go
    # once compressed, so only the compressed blob grows; the non-streamed form holds every row,
    # their JSON and its bytes at once.
    streamed = _peak(lambda: _evidence_blob(_made(4000))) - _peak(lambda: _evidence_blob(_made(1000)))
    whole = _peak(lambda: _blob_rows(list(_made(4000)))) - _peak(lambda: _blob_rows(list(_made(1000))))
    assert streamed < whole / 4, (streamed, whole)


def test_cli_writers_give_the_golden_json_a_sealed_bundle_and_the_rendered_page(tmp_path: Path) -> None:
    report = build_report(tmp_path / "bad", good=False)  # the golden report (tests/test_golden.py)
    targets = {"json": str(tmp_path / "report.json"), "html": str(tmp_path / "report.html")}
    targets["evidence"] = str(tmp_path / "evidence")
    write_outputs(report, targets, WriteContext())
    assert (tmp_path / "report.json").read_bytes() == (GOLDEN / "report.json").read_bytes()
    assert (tmp_path / "report.json").read_bytes() == dump_report(report).encode("utf-8")
    written = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report_digest(written) == written["digest"]
    bundle = read_bundle(tmp_path / "evidence")  # every file hash and the manifest seal checked
    assert sorted(e.id for e in bundle.evidence) == sorted(e["id"] for e in report["evidence"])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page == render_html(report)
    # The blob streamed into the page while it was written is the non-streamed blob, byte for byte.
    n = len(report["evidence"])
    assert f'id="evidence-data" data-count="{n}">{_blob_rows(report["evidence"])}</script>' in page
