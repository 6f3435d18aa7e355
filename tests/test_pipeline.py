"""End to end through the engine: scan -> report (schema, digest) -> bundle -> rescore/verify/diff."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any, ClassVar

import pytest

from scanner.bundle import read_bundle, write_bundle
from scanner.canonical import sha256_of
from scanner.diff import diff_reports
from scanner.errors import InputError
from scanner.pipeline import load_inputs, scan
from scanner.probe import ProbeRegistry
from scanner.report import dump_report, report_digest, validate_report
from tests.cli import maturity as run_maturity
from tests.conftest import FakeProbe, write


def cfg(tmp_path: Path, sources: str, extra: str = "") -> Path:
    return write(tmp_path / "maturity.yaml", f"sources:\n{sources}\n{extra}")


WIDGETS = """  - name: w
    probe: fake
    items:
      - {subject: a, data: {shiny: true}}
      - {subject: b, data: {shiny: true}}
      - {subject: c, data: {shiny: false}}
"""


def run(
    tmp_path: Path, registry: ProbeRegistry, rules: Path, sources: str = WIDGETS, extra: str = ""
) -> tuple[dict[str, Any], Any, Any]:
    inputs = load_inputs(cfg(tmp_path, sources, extra), registry=registry, rules_dir=rules)
    report, evidence, manifest = scan(inputs)
    return report, inputs, (evidence, manifest)


def req(report: dict[str, Any], rid: str) -> dict[str, Any]:
    for fw in report["frameworks"]:
        for cap in fw["capabilities"]:
            for r in cap["requirements"]:
                if r["id"] == rid:
                    return r
    raise KeyError(rid)


def cap(report: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for fw in report["frameworks"] for c in fw["capabilities"] if c["id"] == cid)


def rules_of(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [x for c in r["clauses"] for x in c["rules"]]


def test_report_follows_the_contract(tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path) -> None:
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir)
    validate_report(report)
    assert report["schema"] == "maturity-report/v2"
    assert report["digest"] == report_digest(report)
    assert report["scan"]["not_used"] == [] and report["scan"]["statement_max_months"] == 13
    src = report["scan"]["sources"][0]
    assert (src["name"], src["probe"], src["status"], src["error"], src["evidence_count"]) == (
        "w",
        "fake",
        "ok",
        None,
        3,
    )
    r = req(report, "ydt:5.1.1:L1.1")
    assert r["status"] == "met" and r["reason"] is None and r["text"]["zh"]
    (clause,) = r["clauses"]
    assert (clause["id"], clause["status"], clause["reason_code"], clause["statement"]) == (
        "ydt:5.1.1:L1.1#a",
        "met",
        None,
        None,
    )
    rule = clause["rules"][0]
    assert (rule["id"], rule["status"], rule["coverage"]) == ("fake.widgets.shiny", "met", "decides")
    assert len(rule["evidence"]) == 2  # cites the matching widgets
    ids = {e["id"] for e in report["evidence"]}
    assert set(rule["evidence"]) <= ids
    for e in report["evidence"]:
        assert e["sha256"] == sha256_of(
            {k: e[k] for k in ("source", "kind", "subject", "collected_at", "origin", "data")}
        )
    # the gadget kind was observed with zero items, and its rule says `empty: not_met`: a finding
    g = req(report, "ydt:5.1.2:L1.1")
    assert g["status"] == "not_met" and "counts that as not_met" in g["reason"]
    # v1 `partial` reads as `decides` on that item: one passing alternative decides it
    assert req(report, "wa:OPS04-BP01")["status"] == "met"
    # an item no rule decides says so per clause
    other = req(report, "ydt:5.1.1:L2.1")
    assert other["status"] == "unknown" and {c["reason_code"] for c in other["clauses"]} <= {
        "no_rule",
        "needs_attestation",
    }
    assert other["reason"].startswith("clause a ")
    c = cap(report, "ydt:5.1.1")
    assert c["in_scope"] and c["level"] == c["level_verified"] == 1 and c["level_ceiling"] == 5
    # 5.1.2 fails at level 1, so it cannot reach anything
    assert cap(report, "ydt:5.1.2")["level_ceiling"] == 0
    steps = {s["capability"]: s for s in report["next_steps"]}
    assert steps["ydt:5.1.2"]["items"][0] == {
        "requirement": "ydt:5.1.2:L1.1",
        "status": "not_met",
        "reason_codes": [],
        "action": "Add a gadget.",
    }
    assert report["frameworks"][0]["levels"]["1"] == {"zh": "初始级", "en": "Initial"}
    assert report["frameworks"][0]["levels"]["5"] == {"zh": "卓越级", "en": "Outstanding"}


def test_failed_source_makes_unknown_never_not_met(
    tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path
) -> None:
    sources = WIDGETS + "  - {name: g, probe: fake, fail: source}\n"
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, sources)
    g = next(s for s in report["scan"]["sources"] if s["name"] == "g")
    assert g["status"] == "error" and g["error"] == "connection refused"
    r = req(report, "ydt:5.1.2:L1.1")
    assert r["status"] == "unknown" and "connection refused" in r["reason"]
    # g would have contributed widgets too, so the widget population is incomplete: unknown,
    # not a verdict on half the estate. What w collected is kept, hashed, in the report.
    w = req(report, "ydt:5.1.1:L1.1")
    assert w["status"] == "unknown" and "source 'g': connection refused" in w["reason"]
    assert {e["subject"] for e in report["evidence"]} == {"a", "b", "c"}


def test_probe_that_raises_is_a_failed_source_and_secrets_are_redacted(
    tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path
) -> None:
    sources = "  - {name: boom, probe: fake, fail: raise, items: [{subject: a, data: {shiny: true}}]}\n"
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, sources)
    s = report["scan"]["sources"][0]
    assert s["status"] == "error" and "RuntimeError" in s["error"]
    text = json.dumps(report)
    assert "glpat-abcdefghijklmnopqrstuvwx" not in text
    assert req(report, "ydt:5.1.1:L1.1")["status"] == "unknown"


def test_forbidden_kind_degrades_only_that_kind(
    tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path
) -> None:
    sources = WIDGETS.replace("probe: fake\n", "probe: fake\n    fail: 'kind:fake.gadget'\n")
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, sources)
    assert report["scan"]["sources"][0]["status"] == "partial"
    assert req(report, "ydt:5.1.1:L1.1")["status"] == "met"
    r = req(report, "ydt:5.1.2:L1.1")
    assert r["status"] == "unknown" and "403 Forbidden" in r["reason"]


def test_absent_kind_does_not_spoil_another_source(
    tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path
) -> None:
    sources = "  - {name: a, probe: fake, fail: 'absent:fake.gadget'}\n  - {name: b, probe: fake, items: [{kind: fake.gadget, subject: g1}]}\n"
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, sources)
    assert req(report, "ydt:5.1.2:L1.1")["status"] == "met"
    only_a = "  - {name: a, probe: fake, fail: 'absent:fake.gadget'}\n"
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, only_a)
    r = req(report, "ydt:5.1.2:L1.1")
    assert r["status"] == "unknown" and "nothing of that here" in r["reason"]


def test_timeout_keeps_what_was_collected(tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path) -> None:
    sources = "  - {name: slow, probe: fake, fail: sleep, sleep_s: 5, timeout_s: 0.3, items: [{subject: a, data: {shiny: true}}]}\n"
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, sources)
    s = report["scan"]["sources"][0]
    assert s["status"] == "error" and "timed out after 0.3s" in s["error"]
    assert s["duration_s"] < 3
    assert req(report, "ydt:5.1.1:L1.1")["status"] == "unknown"


STATEMENTS = """
attestations:
  - requirements: ["ydt:6.1.1:L1.1"]
    statement: The on-call runbook defines the KPIs reviewed weekly.
    owner: sre-lead@example.com
    reviewer: auditor@example.com
    evidence_url: https://wiki.example.com/kpis
    date: {past}
    expires: {later}
  - requirements: ["ydt:6.1.1:L1.2"]
    statement: Duty roster exists and is staffed around the clock.
    owner: ops@example.com
    reviewer: auditor@example.com
    evidence_url: https://wiki.example.com/roster
    date: 2020-01-10
    expires: 2021-01-10
  - clauses: ["ydt:5.1.2:L1.1#a"]
    statement: Gadgets exist, we promise, although none were found.
    owner: ops@example.com
    reviewer: auditor@example.com
    evidence_url: https://wiki.example.com/gadgets
    date: {past}
    expires: {later}
  - requirements: ["ydt:6.1.1:L2.1"]
    statement: A v1 attestation that nobody reviewed.
    owner: ops@example.com
    evidence_url: https://wiki.example.com/v1
    date: {past}
    expires: {later}
  - requirements: ["ydt:6.1.1:L2.2"]
    statement: Evidence kept somewhere odd.
    owner: ops@example.com
    reviewer: auditor@example.com
    evidence_url: file:///etc/passwd
    date: {past}
    expires: {later}
waivers:
  - capabilities: ["ydt:11.1.1"]
    reason: Business-knowledge training is run by HR, out of this assessment's scope.
    owner: cto@example.com
    reviewer: auditor@example.com
    date: {past}
    expires: {later}
  - requirements: ["ydt:5.1.2:L1.1"]
    reason: Gadgets are somebody else's problem this year.
    owner: cto@example.com
    reviewer: auditor@example.com
    date: {past}
    expires: {later}
"""


def test_statements_v2(tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path) -> None:
    today = dt.date.today()
    write(
        tmp_path / "att" / "a.yaml",
        STATEMENTS.format(past=today - dt.timedelta(days=30), later=today + dt.timedelta(days=200)),
    )
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, extra="attestations: [att/]\n")
    validate_report(report)
    by_req = {
        s["requirements"][0] if s.get("requirements") else s.get("clauses", s.get("capabilities"))[0]: s
        for s in report["statements"]
    }
    att = req(report, "ydt:6.1.1:L1.1")
    assert att["status"] == "attested" and att["clauses"][0]["statement"] == by_req["ydt:6.1.1:L1.1"]["id"]
    assert by_req["ydt:6.1.1:L1.1"]["state"] == "applied"
    expired = req(report, "ydt:6.1.1:L1.2")
    assert expired["status"] == "unknown" and "expired on 2021-01-10" in expired["reason"]
    assert by_req["ydt:6.1.1:L1.2"]["state"] == "expired"
    # an attestation never overrides failing evidence: contested (and the waiver overrides it, visibly)
    assert by_req["ydt:5.1.2:L1.1#a"]["state"] == "contested"
    g = req(report, "ydt:5.1.2:L1.1")
    assert g["status"] == "not_applicable" and g["statement"] == by_req["ydt:5.1.2:L1.1"]["id"]
    assert by_req["ydt:5.1.2:L1.1"]["state"] == "overrides_not_met" and "overrides failing evidence" in g["reason"]
    # invalid statements are reported with why, never applied
    v1 = by_req["ydt:6.1.1:L2.1"]
    assert (v1["state"], v1["why"]) == ("invalid", "no reviewer")
    assert req(report, "ydt:6.1.1:L2.1")["status"] == "unknown"
    odd = by_req["ydt:6.1.1:L2.2"]
    assert odd["state"] == "invalid" and "https or http" in odd["why"]
    # a fully waived capability is out of scope: no levels, left out of the means
    hr = cap(report, "ydt:11.1.1")
    assert all(r["status"] == "not_applicable" for r in hr["requirements"])
    assert (hr["in_scope"], hr["level"], hr["level_verified"], hr["level_ceiling"]) == (False, None, None, None)
    assert by_req["ydt:11.1.1"]["state"] == "applied"
    summary = report["summary"]["ydt1756-4"]
    assert summary["in_scope"] == summary["capabilities"] - 1
    assert "ydt:11.1.1" not in {s["capability"] for s in report["next_steps"]}


def test_statement_dates_against_the_scan_date(
    tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path
) -> None:
    today = dt.date.today()
    write(
        tmp_path / "a.yaml",
        """
attestations:
  - requirements: ["ydt:6.1.1:L1.1"]
    statement: Signed in the future by somebody with a time machine.
    owner: a@example.com
    reviewer: b@example.com
    evidence_url: https://wiki.example.com/x
    date: 2999-01-01
    expires: 2999-06-01
  - requirements: ["ydt:6.1.1:L1.2"]
    statement: Valid for far too long to mean anything.
    owner: a@example.com
    reviewer: b@example.com
    evidence_url: https://wiki.example.com/y
    date: {past}
    expires: {far}
  - requirements: ["ydt:6.1.1:L2.1"]
    statement: Reviewed by the same person who wrote it.
    owner: a@example.com
    reviewer: A@example.com
    evidence_url: https://wiki.example.com/z
    date: {past}
    expires: {soon}
""".format(past=today - dt.timedelta(days=10), far=today + dt.timedelta(days=1200), soon=today + dt.timedelta(days=20)),
    )
    report, _, _ = run(tmp_path, fake_registry, fake_rules_dir, extra="attestations: [a.yaml]\n")
    whys = [s["why"] for s in report["statements"]]
    assert [s["state"] for s in report["statements"]] == ["invalid"] * 3
    assert "after the scan date" in whys[0] and "more than 13 months" in whys[1] and "reviewer is the owner" in whys[2]
    # the config may allow a longer validity
    report, _, _ = run(
        tmp_path, fake_registry, fake_rules_dir, extra="attestations: [a.yaml]\nstatements: {max_months: 48}\n"
    )
    assert report["statements"][1]["state"] != "invalid" and report["scan"]["statement_max_months"] == 48


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "attestations:\n  - requirements: [ydt:5.1.1:L1.1]\n    statement: long enough statement\n    evidence_url: https://x.example\n    date: 2026-01-01\n    expires: 2027-01-01\n",
            "owner",
        ),
        (
            "attestations:\n  - requirements: [ydt:5.1.1:L1.1]\n    statement: long enough statement\n    owner: me\n    evidence_url: https://x.example\n    date: 2026-13-01\n    expires: 2027-01-01\n",
            "date",
        ),
        (
            "attestations:\n  - requirements: [ydt:9.9.9:L1.1]\n    statement: long enough statement\n    owner: me\n    evidence_url: https://x.example\n    date: 2026-01-01\n    expires: 2027-01-01\n",
            "unknown requirement",
        ),
        (
            "attestations:\n  - clauses: [ydt:5.1.1:L1.1#z]\n    statement: long enough statement\n    owner: me\n    evidence_url: https://x.example\n    date: 2026-01-01\n    expires: 2027-01-01\n",
            "unknown clause",
        ),
        (
            "waivers:\n  - capabilities: [ydt:99.1.1]\n    reason: a sufficiently long reason\n    owner: me\n    expires: 2027-01-01\n",
            "unknown capability",
        ),
        (
            "disputes:\n  - rule: fake.widgets.shiny\n    clause: ydt:5.1.1:L1.1\n    subjects: [c]\n    reason: a sufficiently long reason\n    owner: me\n    expires: 2027-01-01\n",
            "clause",
        ),
    ],
)
def test_bad_statements_are_input_errors(
    tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path, text: str, message: str
) -> None:
    write(tmp_path / "a.yaml", text)
    with pytest.raises(InputError, match=message) as ei:
        load_inputs(
            cfg(tmp_path, WIDGETS, "attestations: [a.yaml]\n"), registry=fake_registry, rules_dir=fake_rules_dir
        )
    assert "a.yaml" in str(ei.value) and ei.value.line


def test_bundle_round_trip_and_tamper_detection(
    tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path
) -> None:
    report, inputs, (evidence, manifest) = run(tmp_path, fake_registry, fake_rules_dir)
    d = tmp_path / "ev"
    write_bundle(
        d, manifest=manifest, evidence=evidence, rules=inputs.ruleset.snapshot(), statements=inputs.statements.to_json()
    )
    b = read_bundle(d)
    assert {e.id for e in b.evidence} == {e["id"] for e in report["evidence"]}
    assert b.manifest["evidence_count"] == 3
    original = (d / "evidence.jsonl").read_text(encoding="utf-8")
    lines = original.splitlines()
    (d / "evidence.jsonl").write_text(
        "\n".join([lines[0].replace("true", "false"), *lines[1:]]) + "\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="does not match the manifest"):
        read_bundle(d)
    (d / "evidence.jsonl").write_text(original, encoding="utf-8")
    read_bundle(d)
    (d / "rules.json").unlink()
    with pytest.raises(InputError, match="missing"):
        read_bundle(d)


def test_diff_finds_regressions(tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path) -> None:
    base, _, _ = run(tmp_path, fake_registry, fake_rules_dir)
    worse, _, _ = run(
        tmp_path,
        fake_registry,
        fake_rules_dir,
        WIDGETS.replace("shiny: true}}\n      - {subject: b", "shiny: false}}\n      - {subject: b"),
    )
    d = diff_reports(base, worse)
    flips = {(c.id, c.before, c.after) for c in d.regressions if c.kind == "requirement"}
    assert ("ydt:5.1.1:L1.1", "met", "not_met") in flips
    assert not diff_reports(base, base).changes
    back = diff_reports(worse, base)
    assert not back.regressions and back.changes


# ---------------------------------------------------------------- CLI on real files


def maturity(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_maturity("-q", *args, cwd=cwd)  # in-process (tests/cli.py)


@pytest.fixture
def saved(tmp_path: Path, fake_registry: ProbeRegistry, fake_rules_dir: Path) -> tuple[Path, Path]:
    report, inputs, (evidence, manifest) = run(tmp_path, fake_registry, fake_rules_dir)
    path = tmp_path / "report.json"
    path.write_text(dump_report(report), encoding="utf-8")
    d = tmp_path / "ev"
    write_bundle(
        d, manifest=manifest, evidence=evidence, rules=inputs.ruleset.snapshot(), statements=inputs.statements.to_json()
    )
    return path, d


def test_cli_verify_accepts_an_intact_report(saved: tuple[Path, Path]) -> None:
    path, d = saved
    out = maturity("verify", str(path), "--evidence-dir", str(d))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "check out" in out.stdout


def _edit(path: Path, fn: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "edit", "expect"),
    [
        (
            "status",
            lambda d: d["frameworks"][0]["capabilities"][1]["requirements"][0].update(status="met"),
            "requirement ydt:5.1.2:L1.1: status met in the report, not_met from the evidence",
        ),
        ("level", lambda d: d["frameworks"][0]["capabilities"][1].update(level=3), "capability ydt:5.1.2: level is 3"),
        ("evidence", lambda d: d["evidence"][0]["data"].update(shiny="yes"), "sha256 does not match"),
        ("evidence-rehashed", lambda d: _rehash(d["evidence"][2]), "requirement ydt:5.1.1:L1.1"),
    ],
)
def test_cli_verify_detects_edits(saved: tuple[Path, Path], name: str, edit: Any, expect: str) -> None:
    path, _ = saved
    _edit(path, edit)
    out = maturity("verify", str(path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "digest mismatch" in out.stdout
    assert expect in out.stdout


def _rehash(item: dict[str, Any]) -> None:
    """A forger who flips evidence and recomputes its hash and id still fails re-derivation."""
    item["data"]["shiny"] = True
    digest = sha256_of({k: item[k] for k in ("source", "kind", "subject", "collected_at", "origin", "data")})
    item["sha256"], item["id"] = digest, "ev-" + digest[:20]


def test_cli_verify_rejects_non_reports(tmp_path: Path) -> None:
    bad = write(tmp_path / "x.json", '{"schema": "maturity-report/v0"}')
    out = maturity("verify", str(bad))
    assert out.returncode == 2 and "unsupported report schema" in out.stderr
    trunc = write(tmp_path / "t.json", '{"schema": "maturity-report/v2", "scan": {')
    out = maturity("verify", str(trunc))
    assert out.returncode == 2 and "t.json" in out.stderr and "not valid JSON" in out.stderr


def test_cli_diff_and_regression_gate(saved: tuple[Path, Path], tmp_path: Path) -> None:
    path, _ = saved
    new = tmp_path / "new.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["frameworks"][0]["capabilities"][0]["requirements"][0]["status"] = "not_met"
    new.write_text(json.dumps(doc), encoding="utf-8")
    out = maturity("diff", str(path), str(new))
    assert out.returncode == 0 and "REGRESSION" in out.stdout and "ydt:5.1.1:L1.1: met -> not_met" in out.stdout
    out = maturity("diff", str(path), str(new), "--fail-on-regression")
    assert out.returncode == 1
    out = maturity("diff", str(path), str(path), "--fail-on-regression", "--format", "json")
    doc = json.loads(out.stdout)
    assert out.returncode == 0 and doc["regressions"] == [] and doc["improvements"] == []


def test_cli_rescore_recorded_rules_reproduces_grades(saved: tuple[Path, Path], tmp_path: Path) -> None:
    path, d = saved
    out_json = tmp_path / "again.json"
    out = maturity(
        "rescore",
        "--evidence-dir",
        str(d),
        "--recorded-rules",
        "--json",
        str(out_json),
        "--baseline",
        str(path),
        "--fail-on-regression",
    )
    assert out.returncode == 0, out.stderr
    again = json.loads(out_json.read_text(encoding="utf-8"))
    orig = json.loads(path.read_text(encoding="utf-8"))
    assert again["frameworks"] == orig["frameworks"]
    assert again["evidence"] == orig["evidence"]


def test_cli_min_level_gate(saved: tuple[Path, Path], tmp_path: Path) -> None:
    _, d = saved
    out = maturity(
        "rescore",
        "--evidence-dir",
        str(d),
        "--recorded-rules",
        "--json",
        str(tmp_path / "r.json"),
        "--min-level",
        "ydt:5.1.2=1",
    )
    assert out.returncode == 1 and "ydt:5.1.2" in out.stderr and "level 0" in out.stderr
    out = maturity(
        "rescore",
        "--evidence-dir",
        str(d),
        "--recorded-rules",
        "--json",
        str(tmp_path / "r.json"),
        "--min-level",
        "ydt:5.1.2=0",
    )
    assert out.returncode == 0
    out = maturity("rescore", "--evidence-dir", str(d), "--json", str(tmp_path / "r.json"), "--min-level", "nonsense")
    assert out.returncode == 2 and "--min-level" in out.stderr


def test_cli_rescore_rejects_a_tampered_bundle(saved: tuple[Path, Path], tmp_path: Path) -> None:
    _, d = saved
    with open(d / "evidence.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{}\n")
    target = tmp_path / "nothing.json"
    out = maturity("rescore", "--evidence-dir", str(d), "--json", str(target))
    assert out.returncode == 2 and "evidence.jsonl" in out.stderr
    assert not target.exists()


def test_cli_source_error_gate_and_redacted_verbose_log(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "m.yaml",
        "sources:\n"
        "  - {name: gone, probe: files, path: ./does-not-exist}\n"
        "  - {name: prom, probe: prometheus, url: 'http://admin:hunter2-canary@127.0.0.1:1', timeout_s: 5, retries: 0}\n",
    )
    out = run_maturity("-v", "scan", "-c", str(cfg), "--json", str(tmp_path / "r.json"), "--fail-on-source-error")
    assert out.returncode == 3, out.stderr  # no source could be scanned: a scan error (contract)
    assert "gate failed: source gone failed: no such folder" in out.stderr
    assert "hunter2-canary" not in out.stderr + out.stdout
    assert "hunter2-canary" not in (tmp_path / "r.json").read_text(encoding="utf-8")
    without = maturity("scan", "-c", str(cfg), "--json", str(tmp_path / "r.json"))
    assert without.returncode == 3, without.stderr


def test_cli_scan_without_config_is_an_error(tmp_path: Path) -> None:
    out = run_maturity("scan", cwd=tmp_path)
    assert out.returncode == 2 and "no scan config" in out.stderr
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- alternatives, not_used, disputes


class PagerProbe(FakeProbe):
    """A second system that can satisfy the same clause (another alerting channel)."""

    name = "pager"
    kinds: ClassVar[dict[str, str]] = {"pager.service": "a paging service"}


ALTERNATIVES = """
id: fake.alerting.widgets
title: Widgets alert
evidence: [fake.widget]
decides:
  - clause: "ydt:5.1.1:L1.1#a"
    rationale: A widget that alerts shows alerting is in place (test rule).
condition:
  every: {kind: fake.widget, that: {path: data.alerts, eq: true}}
remediation: Make the widgets alert.
---
id: pager.services.on-call
title: A paging service pages someone
evidence: [pager.service]
decides:
  - clause: "ydt:5.1.1:L1.1#a"
    rationale: A paging service shows alerting is in place (test rule).
condition:
  some: {kind: pager.service, that: {path: data.on_call, eq: true}}
remediation: Put someone on call.
"""


@pytest.fixture
def two_systems(tmp_path: Path) -> tuple[ProbeRegistry, Path]:
    d = write(tmp_path / "rules" / "alt.yaml", ALTERNATIVES).parent
    return ProbeRegistry({"fake": FakeProbe, "pager": PagerProbe}), d


SILENT = "  - name: w\n    probe: fake\n    items:\n      - {subject: ns/quiet, data: {alerts: false}}\n"


def test_one_absent_alternative_never_fails_a_clause(tmp_path: Path, two_systems: tuple[ProbeRegistry, Path]) -> None:
    registry, rules = two_systems
    report, _, _ = run(tmp_path, registry, rules, SILENT)
    r = req(report, "ydt:5.1.1:L1.1")
    # widgets do not alert, and the paging system was not scanned: not a failure
    assert r["status"] == "unknown" and r["clauses"][0]["reason_code"] == "alternative_not_scanned"
    assert "an alternative system was not scanned" in r["reason"]
    # the paging system is scanned and pages someone: one alternative is enough
    both = (
        SILENT
        + "  - name: p\n    probe: pager\n    items: [{kind: pager.service, subject: svc, data: {on_call: true}}]\n"
    )
    report, _, _ = run(tmp_path, registry, rules, both)
    assert req(report, "ydt:5.1.1:L1.1")["status"] == "met"
    # the organisation declares it runs no paging system: the clause is decided not_met
    report, _, _ = run(tmp_path, registry, rules, SILENT, extra="not_used: [pager]\n")
    r = req(report, "ydt:5.1.1:L1.1")
    assert r["status"] == "not_met" and report["scan"]["not_used"] == ["pager"]
    assert {x["id"]: x["status"] for x in rules_of(r)} == {
        "fake.alerting.widgets": "not_met",
        "pager.services.on-call": "not_met",
    }


def test_dispute_turns_a_verdict_into_unknown_and_verify_rederives_it(
    tmp_path: Path, two_systems: tuple[ProbeRegistry, Path]
) -> None:
    registry, rules = two_systems
    today = dt.date.today()
    write(
        tmp_path / "d.yaml",
        f"""
disputes:
  - rule: fake.alerting.widgets
    clause: "ydt:5.1.1:L1.1#a"
    subjects: [ns/quiet]
    reason: The quiet widget is a batch job nobody needs paged about.
    owner: platform-lead@example.com
    reviewer: auditor@example.com
    date: {today - dt.timedelta(days=3)}
    expires: {today + dt.timedelta(days=90)}
""",
    )
    report, _, _ = run(tmp_path, registry, rules, SILENT, extra="waivers: [d.yaml]\nnot_used: [pager]\n")
    r = req(report, "ydt:5.1.1:L1.1")
    assert r["status"] == "unknown" and r["clauses"][0]["reason_code"] == "disputed"
    widget = next(x for x in rules_of(r) if x["id"] == "fake.alerting.widgets")
    assert (
        widget["status"] == "unknown" and widget["reason_code"] == "disputed" and "batch job" in widget["explanation"]
    )
    (dsp,) = report["statements"]
    assert (dsp["type"], dsp["state"]) == ("dispute", "applied")
    path = tmp_path / "report.json"
    path.write_text(dump_report(report), encoding="utf-8")
    out = maturity("verify", str(path))
    assert out.returncode == 0, out.stdout + out.stderr


def test_report_schema_is_generated_from_the_models(tmp_path: Path) -> None:
    from scanner.report import generate_report_schema, load_report
    from scanner.schemas import SCHEMA_DIR, render

    committed = (SCHEMA_DIR / "report.schema.json").read_text(encoding="utf-8")
    assert committed == render(generate_report_schema()), "run `python -m scanner.schemas`"
    schema = json.loads(committed)
    assert schema["$id"] == "maturity-report/v2"
    assert set(schema["$defs"]["ReasonCode"]["enum"]) == {
        "needs_attestation",
        "no_rule",
        "source_not_configured",
        "source_failed",
        "evidence_not_observed",
        "nothing_in_scope",
        "alternative_not_scanned",
        "disputed",
    }
    # a v1 report is read only where the caller accepts it (diff baselines)
    v1 = write(tmp_path / "v1.json", json.dumps({"schema": "maturity-report/v1"}))
    with pytest.raises(InputError, match="reads maturity-report/v2"):
        load_report(v1)
    with pytest.raises(InputError, match="not a maturity-report/v1 report"):
        load_report(v1, accept_v1=True)
