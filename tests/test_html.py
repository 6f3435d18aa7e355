"""The HTML report without a browser: escaping, self-containment, the embedded evidence."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from scanner.html import CSP, EXCERPT_CHARS, render_html
from tests.reportgen import build_report

PAYLOAD = "\"'><script>window.__pwned=1</script><img src=x onerror=alert(1)><!--"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("html")
    return {
        "evil": build_report(d / "evil", payload=PAYLOAD),
        "good": build_report(d / "good"),
        "bad": build_report(d / "bad", good=False),
    }


def _blob(html: str) -> list[list[Any]]:
    m = re.search(r'<script type="application/octet-stream" id="evidence-data"[^>]*>([^<]*)</script>', html)
    assert m
    rows: list[list[Any]] = json.loads(gzip.decompress(base64.b64decode(m.group(1))))
    return rows


def test_payloads_are_escaped_everywhere(reports: dict[str, Any]) -> None:
    html = render_html(reports["evil"])
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # shown as text, e.g. in the source error
    # the only <script> elements are ours: the evidence blob and the page script
    assert len(re.findall(r"<script\b", html)) == 2
    # the payload's attribute break-out is escaped inside attributes too (data-sources, title)
    assert 'data-sources="aws"' not in html


def test_self_contained_and_locked_down(reports: dict[str, Any]) -> None:
    html = render_html(reports["good"])
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html.replace("&#39;", "'")
    assert not re.search(r"<(link|iframe|object|embed)\b", html)
    assert not re.search(r"\bsrc=", html)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html)
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", html)


def test_evidence_is_embedded_compactly(reports: dict[str, Any]) -> None:
    report = reports["evil"]
    rows = _blob(render_html(report))
    assert len(rows) == len(report["evidence"])
    by_id = {"ev-" + r[0][:20]: r for r in rows}
    for e in report["evidence"]:
        row = by_id[e["id"]]
        assert row[0] == e["sha256"] and row[3] == e["subject"] and row[5] == e["origin"]
        assert row[6] == e["data"]  # small data is kept whole


def test_large_data_is_cut_to_an_excerpt(tmp_path: Path) -> None:
    report = build_report(tmp_path)
    report["evidence"][0]["data"] = {"big": "x" * 4000}
    row = _blob(render_html(report))[0]
    assert isinstance(row[6], str) and len(row[6]) < EXCERPT_CHARS + 200 and "excerpt" in row[6]


def test_baseline_diff_lists_regressions_first(reports: dict[str, Any]) -> None:
    html = render_html(reports["bad"], baseline=reports["good"])
    section = html[html.index('id="changes"') : html.index('id="roadmap"')]
    rows = re.findall(r'<tr class="(regression|improvement)">', section)
    assert rows and rows[0] == "regression"
    assert "ydt:5.3.1:L1.1" in section
    assert 'id="changes"' not in render_html(reports["good"])


def test_every_requirement_and_capability_is_reachable(reports: dict[str, Any]) -> None:
    report = reports["good"]
    html = render_html(report)
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            anchor = "cap-" + re.sub(r"[^A-Za-z0-9_-]", "-", cap["id"])
            assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
            for req in cap["requirements"]:
                assert f'id="req-{re.sub(r"[^A-Za-z0-9_-]", "-", req["id"])}"' in html


def test_rendering_is_deterministic(reports: dict[str, Any]) -> None:
    assert render_html(reports["good"]) == render_html(reports["good"])
