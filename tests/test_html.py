"""The HTML report without a browser: escaping, self-containment, the embedded evidence."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from scanner import html_resources
from scanner.html import CSP, EXCERPT_CHARS, render_html
from scanner.html_resources import deciding_index, read_paths
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
    # the only <script> elements are ours: the citation index, the evidence blob and the page script
    assert len(re.findall(r"<script\b", html)) == 3
    # the payload's attribute break-out is escaped inside attributes too (data-sources, title)
    assert 'data-sources="aws"' not in html
    # the baseline changes and the statements table carry scanned and hand-written text too
    with_diff = render_html(reports["evil"], baseline=reports["good"])
    assert 'id="changes"' in with_diff and "<script>window.__pwned" not in with_diff and "<img src=x" not in with_diff
    assert "sre-lead &#34;&#39;&gt;&lt;script&gt;" in with_diff  # the attestation owner, as text


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
    rows = re.findall(r'<tr class="chg ([a-z-]+) cat-([a-z_]+)">', section)
    assert rows and rows[0][0] == "regression"
    groups = [g for g, _ in rows]
    assert groups == sorted(groups, key=lambda g: g != "regression")  # regressions first
    assert ("regression", "worse") in rows
    assert 'data-open="req-ydt-5-3-1-L1-1"' in section and "ydt:5.3.1:L1.1#a" in section
    assert 'id="changes"' not in render_html(reports["good"])


def test_a_v1_baseline_is_named_in_the_changes(reports: dict[str, Any]) -> None:
    from scanner.report import load_report

    v1 = load_report(Path(__file__).parent / "fixtures" / "v2" / "baseline-v1.json", accept_v1=True)
    html = render_html(load_report(Path(__file__).parent / "fixtures" / "v2" / "report.json"), baseline=v1)
    section = html[html.index('id="changes"') : html.index('id="roadmap"')]
    assert "the baseline is a maturity-report/v1 report" in section


def test_out_of_scope_is_never_a_level(reports: dict[str, Any]) -> None:
    html = render_html(reports["good"])
    tile = re.search(r'<li class="tile out-of-scope" data-fw="ydt1756-4" data-cap="ydt:11.1.1">(.*?)</li>', html, re.S)
    assert tile, "the waived capability's tile is marked out of scope"
    assert "out of scope (every item waived)" in tile.group(1) and "不在评估范围" in tile.group(1)
    assert 'class="gauge"' not in tile.group(1) and "v-level" not in tile.group(1)
    cap = html[html.index('id="cap-ydt-11-1-1"') :]
    cap = cap[: cap.index("</summary>")]
    assert "out of scope" in cap and "<b>" not in cap


def test_clauses_sit_under_items_with_reason_codes_and_level_names(reports: dict[str, Any]) -> None:
    html = render_html(reports["bad"])
    item = html[html.index('id="req-ydt-5-3-1-L2-1"') :]
    item = item[: item.index("</details>")]
    assert item.index('id="cl-ydt-5-3-1-L2-1-a"') < item.index('id="cl-ydt-5-3-1-L2-1-b"')
    b = item[item.index('id="cl-ydt-5-3-1-L2-1-b"') :]
    assert "no rule decides it yet" in b and "尚无规则判定" in b  # the reason code, labelled in both languages
    assert "attest it, or add a rule that decides it" in b  # and what to do about it
    a = item[item.index('id="cl-ydt-5-3-1-L2-1-a"') : item.index('id="cl-ydt-5-3-1-L2-1-b"')]
    assert "demo.alerting.runbooks" in a and 'class="cov">decides<' in a
    assert (
        '<h6 class="lvl-h">L2 <span class="zh" lang="zh">基础级</span><span class="en" lang="en">Basic</span>' in html
    )


def test_statements_are_listed_with_their_state(reports: dict[str, Any]) -> None:
    html = render_html(reports["good"])
    section = html[html.index('id="statements"') : html.index('id="details"')]
    assert section.count('<tr class="stmt ') == len(reports["good"]["statements"]) == 3
    assert 'class="stmt stmt-expired"' in section and "expired on 2025-01-10" in section
    assert "auditor@example.com" in section


def test_names_come_from_the_report_not_the_installed_catalog(reports: dict[str, Any]) -> None:
    import copy

    old = copy.deepcopy(reports["good"])
    cap = old["frameworks"][0]["capabilities"][0]
    cap["name"] = {"zh": "旧版名称", "en": "An older name"}
    cap["requirements"][0]["text"] = {"zh": "旧版条目", "en": "An older item text"}
    old["frameworks"][0]["levels"]["1"] = {"zh": "旧一级", "en": "Old one"}
    html = render_html(old)
    assert "An older name" in html and "An older item text" in html and "旧一级" in html


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


def test_scopes_show_levels_against_their_target(reports: dict[str, Any]) -> None:
    import copy

    report = copy.deepcopy(reports["good"])
    ydt = copy.deepcopy(report["frameworks"][0])
    report["scopes"] = [{"name": "shop<b>", "owner": "shop-lead@example.com", "target_level": 1, "frameworks": [ydt]}]
    html = render_html(report)
    section = html[html.index('id="scopes"') : html.index('id="statements"')]
    assert "shop&lt;b&gt;" in section and "shop-lead@example.com" in section
    below = re.findall(r'<tr class="below">\s*<th scope="row"><code>([^<]+)</code>', section)
    assert below and all(next(c for c in ydt["capabilities"] if c["id"] == cid)["level"] < 1 for cid in below)
    waived = section[section.index("<code>ydt:11.1.1</code>") :]
    assert waived.index("out of scope") < waived.index("</tr>")
    assert 'id="scopes"' not in render_html(reports["good"])


def test_scope_switch_carries_each_scope_s_grades(reports: dict[str, Any]) -> None:
    import base64
    import copy
    import json

    report = copy.deepcopy(reports["good"])
    ydt = copy.deepcopy(report["frameworks"][0])
    cap = next(c for c in ydt["capabilities"] if c["id"] == "ydt:5.3.1")
    cap["level"] = 0
    cap["requirements"][0]["status"] = "not_met"
    report["scopes"] = [{"name": "shop<b>", "frameworks": [ydt]}]
    html = render_html(report)
    assert '<option value="shop&lt;b&gt;">shop&lt;b&gt;</option>' in html
    blob = re.search(r'<script type="application/octet-stream" id="scope-data">([^<]+)</script>', html)
    assert blob
    data = json.loads(base64.b64decode(blob.group(1)))
    assert set(data["views"]) == {"", "shop<b>"}
    whole, shop = data["views"][""], data["views"]["shop<b>"]
    assert shop["caps"]["ydt:5.3.1"][2] == 0 != whole["caps"]["ydt:5.3.1"][2]
    assert shop["reqs"][cap["requirements"][0]["id"]] == "not_met"
    assert whole["reqs"] == {
        r["id"]: r["status"] for fw in report["frameworks"] for c in fw["capabilities"] for r in c["requirements"]
    }
    assert 'id="scope-pick"' not in render_html(reports["good"]) and 'id="scope-data"' not in render_html(
        reports["good"]
    )


def _resource_index(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/octet-stream" id="resource-data">([^<]*)</script>', html)
    assert m
    doc: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(m.group(1))))
    return doc


def test_read_paths_follow_the_condition_into_list_elements() -> None:
    condition = {
        "all_of": [
            {
                "every": {
                    "kind": "k8s.workload",
                    "where": {"path": "data.namespace", "ne": "kube-system"},
                    "that": {
                        "path": "data.containers",
                        "all": {
                            "any_of": [
                                {"path": "resources.limits.cpu", "exists": True},
                                {"path": "data.replicas", "gte": 2},
                            ]
                        },
                    },
                }
            },
            {"not": {"some": {"kind": "k8s.workload", "that": {"path": "subject", "regex": "tmp"}}}},
        ]
    }
    assert read_paths(condition) == [
        "data.namespace",
        "data.containers",
        "data.containers.*.resources.limits.cpu",
        "data.containers.*.data.replicas",
        "subject",
    ]
    assert read_paths(None) == [] and read_paths({"path": 3}) == []


def test_the_rule_that_decided_a_clause_is_named() -> None:
    def r(status: str, coverage: str = "decides", code: str | None = None) -> dict[str, Any]:
        return {"status": status, "coverage": coverage, "reason_code": code}

    # met: the met alternative, wherever it sits; not met: every alternative failed, the first leads
    assert deciding_index([r("not_met", "supports"), r("not_met"), r("met")], "met", None) == 2
    assert deciding_index([r("met", "supports"), r("not_met"), r("not_met")], "not_met", None) == 1
    # unknown: the alternative whose reason is the clause's (an unscanned alternative beside a failing one)
    rules = [r("not_met"), r("unknown", code="evidence_not_observed"), r("unknown", code="source_not_configured")]
    assert deciding_index(rules, "unknown", "alternative_not_scanned") == 2
    assert deciding_index(rules, "unknown", "evidence_not_observed") == 1
    assert deciding_index(rules, "attested", None) == 1  # an attestation lifted it: the open alternative
    assert deciding_index([r("met", "supports")], "unknown", "no_rule") is None


def test_the_deciding_rule_is_listed_first_under_its_clause(reports: dict[str, Any]) -> None:
    report = copy.deepcopy(reports["good"])
    clause = next(
        cl
        for fw in report["frameworks"]
        for c in fw["capabilities"]
        for q in c["requirements"]
        for cl in q["clauses"]
        if cl["id"] == "ydt:5.3.1:L1.1#a"
    )
    met = clause["rules"][0]
    failing = {**met, "id": "demo.alerting.other", "status": "not_met", "explanation": "no other alerts"}
    clause["rules"] = [failing, met]  # the met alternative second, as the grader may list it
    html = render_html(report)
    section = html[html.index('id="cl-ydt-5-3-1-L1-1-a"') :]
    section = section[: section.index('<li class="clause"', 10)]
    order = re.findall(r'<li class="rule cov-decides( deciding)?" data-rule="([^"]+)"', section)
    assert order == [(" deciding", met["id"]), ("", "demo.alerting.other")]
    assert section.count('class="decider"') == 1 and "决定此条款" in section and "decided the clause" in section


def test_the_citation_index_answers_what_cites_each_subject(reports: dict[str, Any]) -> None:
    report = reports["bad"]
    doc = _resource_index(render_html(report))
    ev = {e["id"]: e for e in report["evidence"]}
    got = {
        (doc["ev"][row[0]][0], doc["rules"][row[1]], doc["clauses"][row[2]], doc["statuses"][row[3]], row[4:] == [1])
        for row in doc["cite"]
    }
    want = {
        (eid, rule["id"], cl["id"], rule["status"], rule["coverage"] == "supports")
        for fw in report["frameworks"]
        for cap in fw["capabilities"]
        for q in cap["requirements"]
        for cl in q["clauses"]
        for rule in cl["rules"]
        for eid in rule["evidence"]
    }
    assert got == want and len(got) == len(doc["cite"]) and doc["omitted"] == 0
    assert any(row[4:] == [1] for row in doc["cite"])  # the readiness rule only supports ydt:6.2.2:L1.1#a
    disk = next(e for e in report["evidence"] if e["subject"] == "DiskFull")
    assert [disk["id"], disk["kind"], "DiskFull", disk["source"]] in doc["ev"]
    assert all(ev[row[0]]["subject"] == row[2] for row in doc["ev"])
    assert doc["paths"]["demo.alerting.runbooks"] == ["data.annotations.runbook_url"]
    for key, (zh, en) in doc["ui"].items():  # every word the script shows, in both languages
        assert zh and en and zh != en, key
    assert 'id="resources"' in render_html(report) and "资源" in render_html(report)


def test_the_citation_index_is_bounded(reports: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_resources, "MAX_CITATIONS", 3)
    doc = _resource_index(render_html(reports["bad"]))
    total = sum(
        len(rule["evidence"])
        for fw in reports["bad"]["frameworks"]
        for cap in fw["capabilities"]
        for q in cap["requirements"]
        for cl in q["clauses"]
        for rule in cl["rules"]
    )
    assert len(doc["cite"]) == 3 and doc["omitted"] == total - 3 > 0


def test_an_open_organisational_clause_names_its_attestation_template(reports: dict[str, Any]) -> None:
    report = reports["bad"]
    html = render_html(report)
    opened = [
        (cap["id"], req, cl)
        for fw in report["frameworks"]
        for cap in fw["capabilities"]
        for req in cap["requirements"]
        for cl in req["clauses"]
        if cl["assessment"] == "organisational"
    ]
    assert any(cl["status"] == "unknown" for _, _, cl in opened)
    for cap, req, cl in opened:
        start = html.index(f'id="cl-{cl["id"].replace(":", "-").replace(".", "-").replace("#", "-")}"')
        head = html[start : html.index("</div>", start)]
        level = f" --level {req['level']}" if req["level"] is not None else ""
        command = f"maturity attest template --capability {cap}{level} --report report.json"
        assert (command in head) == (cl["status"] == "unknown"), (cl["id"], cl["status"])
