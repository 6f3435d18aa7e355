"""GitLab job annotations (`artifacts:reports:annotations`): a link to the HTML report on the job page.

The scanner cannot know where CI will serve the HTML, so the URL is given (`--report-url`; the
GitLab template passes `$CI_JOB_URL/artifacts/file/maturity/report.html`). The label carries the
headline: each framework's mean level (or met count), with scopes how many scopes sit below
their target, and the gate's verdict (the HTML behind the link switches between scopes). Only http(s) URLs
are accepted, so a mistyped variable cannot turn the link into `javascript:`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from scanner.errors import InputError

__all__ = ["SECTION", "check_report_url", "render_annotations"]

SECTION = "maturity"


def check_report_url(url: str) -> str:
    """`url` when it is an absolute http(s) URL, else InputError (checked before the scan)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"--report-url takes an absolute http(s) URL, got {url!r}", field="--report-url")
    return url


def _headline(report: Mapping[str, Any], gate: Any) -> str:
    bits = []
    for fid, s in (report.get("summary") or {}).items():
        lv = s.get("levels")
        if lv:
            bits.append(f"{fid} level {lv['level']} (verified {lv['level_verified']})")
        else:
            st = s["statuses"]
            bits.append(f"{fid} {st['met'] + st['attested']} of {sum(st.values())} satisfied")
    scopes = list(report.get("scopes") or [])
    if scopes:
        below = sum(1 for sc in scopes if sc.get("below_target"))
        bits.append(f"{below} of {len(scopes)} scopes below target")
    if gate is not None:
        bits.append("gates failed" if gate.failed else "gates passed")
    return "; ".join(bits)


def render_annotations(report: Mapping[str, Any], url: str, gate: Any = None) -> str:
    """The annotations JSON: one section with an external link to the HTML report at `url`."""
    label = "Maturity report (HTML)"
    headline = _headline(report, gate)
    if headline:
        label += f": {headline}"
    doc = {SECTION: [{"external_link": {"label": label, "url": check_report_url(url)}}]}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
