"""HTML report at scale: file size and first paint of a 100k-evidence report in real Chromium.

Run: .venv/bin/python bench/bench_html.py [--items N]   (budget: <= 20 MB, first paint <= 2 s)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.estate.harness import record
from scanner.html import render_html
from tests.browser import launch, open_report
from tests.reportgen import build_report

BUDGET_BYTES = 20 * 1024 * 1024
BUDGET_PAINT_MS = 2000.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=100_000, help="evidence items in the report")
    return run(ap.parse_args(argv).items)


def run(items: int = 100_000) -> int:
    """Build, render and load a report of `items` evidence items; print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        report = build_report(folder / "report", scale=items)
        t1 = time.perf_counter()
        html = render_html(report)
        t2 = time.perf_counter()
        path = folder / "report.html"
        path.write_text(html, encoding="utf-8")
        size = path.stat().st_size
        with launch() as browser:
            page, watch = open_report(browser, path)
            timing = page.evaluate(
                """() => ({
                  fp: (performance.getEntriesByName('first-paint')[0] || {}).startTime,
                  fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
                  dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
                  load: performance.getEntriesByType('navigation')[0].loadEventEnd,
                })"""
            )
            # Time to decode every evidence item (the first click on any evidence pays this once).
            t3 = time.perf_counter()
            page.eval_on_selector("button.ev", "b => b.click()")
            page.wait_for_selector(".evpanel[data-ready]", state="attached")
            decode_ms = (time.perf_counter() - t3) * 1000
            assert not watch.foreign_requests and not watch.errors
    print(f"evidence items        {items}")
    print(f"build report          {t1 - t0:.1f} s")
    print(f"render html           {t2 - t1:.1f} s")
    print(f"html size             {size / 2**20:.1f} MiB (budget {BUDGET_BYTES / 2**20:.0f} MiB)")
    print(f"first paint           {timing['fp']:.0f} ms (budget {BUDGET_PAINT_MS:.0f} ms)")
    print(f"first contentful paint {timing['fcp']:.0f} ms")
    print(f"DOMContentLoaded      {timing['dcl']:.0f} ms, load {timing['load']:.0f} ms")
    print(f"first evidence shown  {decode_ms:.0f} ms after the click (decodes all items once)")
    ok = size <= BUDGET_BYTES and timing["fp"] <= BUDGET_PAINT_MS
    record(
        "html",
        f"{items:,} evidence items, {size / 2**20:.1f} MiB",
        "first paint in Chromium",
        f"{timing['fp']:.0f} ms",
        "",
        "",
        f"<= {BUDGET_PAINT_MS:.0f} ms, <= {BUDGET_BYTES / 2**20:.0f} MiB",
        ok,
    )
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
