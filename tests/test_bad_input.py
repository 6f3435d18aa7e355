"""The bad-input corpus: every case one clear line naming file/field/line, exit 2, nothing written.

docs/reliability.md lists these cases (generated from CORPUS by `python -m tests.reliability_doc`).

A statement that reads but breaks a hygiene rule (expiry before its date, a link that is not a
URL, no reviewer) is not bad input: the v2 contract (DESIGN.md "Statements") records it with
the state `invalid` and why, and never applies it. test_invalid_statement_is_recorded_not_applied
holds those cases.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.cli import main
from tests.promserver import statuses

RULE = """id: team.widgets.ok
title: A test rule
evidence: [kubernetes.workload]
decides:
  - requirement: "ydt:9.1.2:L2.1"
    coverage: partial
    rationale: Replicated workloads are one necessary clause of having no single point.
condition:
  some: {kind: kubernetes.workload}
remediation: Replicate the workloads.
"""
ATT = """attestations:
  - requirements: ["ydt:6.1.1:L1.2"]
    statement: On-call is staffed around the clock.
    owner: sre@example.com
    evidence_url: https://wiki.example.com/oncall
    date: "2026-01-01"
    expires: "2027-01-01"
"""
WAIVER = """waivers:
  - capabilities: ["ydt:11.1.1"]
    reason: Out of scope for this assessment.
    owner: cto@example.com
    expires: "2027-01-01"
"""


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    files: dict[str, str]
    argv: list[str]
    expect: str  # a substring of the one error line
    where: str  # the file (and line) the error must name


def cfg(extra: str = "", sources: str = "sources: [{name: repo, probe: files, path: .}]\n") -> str:
    return sources + extra


CORPUS: list[Case] = [
    # config
    Case(
        "config: bad YAML", "config", {"m.yaml": "sources: [\n"}, ["scan", "-c", "m.yaml"], "invalid YAML", "m.yaml:2"
    ),
    Case(
        "config: unknown top-level key",
        "config",
        {"m.yaml": cfg("colour: red\n")},
        ["scan", "-c", "m.yaml"],
        "colour: unknown key",
        "m.yaml:2",
    ),
    Case(
        "config: unknown source key",
        "config",
        {"m.yaml": "sources:\n  - {name: r, probe: files, path: ., depth: 3}\n"},
        ["scan", "-c", "m.yaml"],
        "sources.0.depth: unknown key",
        "m.yaml:2",
    ),
    Case(
        "config: wrong type",
        "config",
        {"m.yaml": "sources:\n  - name: r\n    probe: files\n    path: .\n    timeout_s: later\n"},
        ["scan", "-c", "m.yaml"],
        "sources.0.timeout_s",
        "m.yaml:5",
    ),
    Case(
        "config: unknown probe",
        "config",
        {"m.yaml": "sources:\n  - {name: r, probe: ftp}\n"},
        ["scan", "-c", "m.yaml"],
        "unknown probe 'ftp'",
        "m.yaml:2",
    ),
    Case(
        "config: duplicate source name",
        "config",
        {"m.yaml": "sources:\n  - {name: r, probe: files, path: .}\n  - {name: r, probe: files, path: .}\n"},
        ["scan", "-c", "m.yaml"],
        "used twice",
        "m.yaml:3",
    ),
    Case(
        "config: missing required key",
        "config",
        {"m.yaml": "sources:\n  - {name: r, probe: files}\n"},
        ["scan", "-c", "m.yaml"],
        "sources.0.path: Field required",
        "m.yaml:2",
    ),
    Case(
        "config: unknown framework",
        "config",
        {"m.yaml": cfg("frameworks: [cobit]\n")},
        ["scan", "-c", "m.yaml"],
        "frameworks.0",
        "m.yaml:2",
    ),
    Case(
        "config: not a mapping",
        "config",
        {"m.yaml": "- a\n- b\n"},
        ["scan", "-c", "m.yaml"],
        "must be a mapping",
        "m.yaml:1",
    ),
    Case("config: missing file", "config", {}, ["scan", "-c", "nope.yaml"], "cannot read config", "nope.yaml"),
    Case(
        "config: unknown rule parameter",
        "config",
        {"m.yaml": cfg("rule_params: {no.such.rule: {x: 1}}\n")},
        ["scan", "-c", "m.yaml"],
        "rule_params names unknown rule",
        "rule_params",
    ),
    Case(
        "config: missing attestation folder",
        "config",
        {"m.yaml": cfg("attestations: [att/]\n")},
        ["scan", "-c", "m.yaml"],
        "no such attestation",
        "att",
    ),
    # rules
    Case(
        "rule: bad YAML",
        "rules",
        {"r.yaml": RULE.replace("title: A test rule", "title: [oops")},
        ["rules", "lint", "r.yaml"],
        "invalid YAML",
        "r.yaml:3",
    ),
    Case(
        "rule: unknown requirement",
        "rules",
        {"r.yaml": RULE.replace("ydt:9.1.2:L2.1", "ydt:9.1.2:L7.1")},
        ["rules", "lint", "r.yaml"],
        "unknown requirement id",
        "r.yaml:5",
    ),
    Case(
        "rule: unknown evidence kind",
        "rules",
        {"r.yaml": RULE.replace("evidence: [kubernetes.workload]", "evidence: [kubernetes.pods]")},
        ["rules", "lint", "r.yaml"],
        "unknown evidence kind 'kubernetes.pods'",
        "r.yaml:3",
    ),
    Case(
        "rule: bad expression",
        "rules",
        {"r.yaml": RULE.replace("some: {kind: kubernetes.workload}", "most: {kind: kubernetes.workload}")},
        ["rules", "lint", "r.yaml"],
        "unknown operator 'most'",
        "r.yaml:9",
    ),
    Case(
        "rule: duplicate id",
        "rules",
        {"r.yaml": RULE + "---\n" + RULE},
        ["rules", "lint", "r.yaml"],
        "duplicate rule id",
        "r.yaml:12",
    ),
    Case(
        "rule: missing rationale",
        "rules",
        {
            "r.yaml": RULE.replace(
                "    rationale: Replicated workloads are one necessary clause of having no single point.\n", ""
            )
        },
        ["rules", "lint", "r.yaml"],
        "rationale: Field required",
        "r.yaml:5",
    ),
    Case(
        "rule: bad coverage",
        "rules",
        {"r.yaml": RULE.replace("coverage: partial", "coverage: most")},
        ["rules", "lint", "r.yaml"],
        "coverage",
        "r.yaml:6",
    ),
    Case(
        "rule: bad regex",
        "rules",
        {
            "r.yaml": RULE.replace(
                "some: {kind: kubernetes.workload}",
                'some: {kind: kubernetes.workload, that: {path: subject, regex: "["}}',
            )
        },
        ["rules", "lint", "r.yaml"],
        "does not compile",
        "r.yaml:9",
    ),
    Case("rule: missing file", "rules", {}, ["rules", "lint", "gone.yaml"], "no such rule file", "gone.yaml"),
    Case(
        "rule: catastrophic regex",
        "rules",
        {
            "r.yaml": RULE.replace(
                "some: {kind: kubernetes.workload}",
                'some: {kind: kubernetes.workload, that: {path: subject, regex: "(a+)+$"}}',
            )
        },
        ["rules", "lint", "r.yaml"],
        "exponential time",
        "r.yaml:9",
    ),
    Case(
        "config: alias bomb",
        "config",
        {
            "m.yaml": cfg()
            + 'x: &a ["l","l","l","l","l","l","l","l","l"]\n'
            + "".join(f"x{i}: &a{i} [" + ",".join([f"*a{i - 1}" if i else "*a"] * 9) + "]\n" for i in range(8))
        },
        ["scan", "-c", "m.yaml"],
        "aliases expand to more than",
        "m.yaml:",
    ),
    Case(
        "config: nested 3000 deep",
        "config",
        {"m.yaml": cfg("x: " + "[" * 3000 + "]" * 3000 + "\n")},
        ["scan", "-c", "m.yaml"],
        "nested deeper than",
        "m.yaml:2",
    ),
    # attestations and waivers
    Case(
        "attestation: missing owner",
        "statements",
        {"m.yaml": cfg("attestations: [a.yaml]\n"), "a.yaml": ATT.replace("    owner: sre@example.com\n", "")},
        ["scan", "-c", "m.yaml"],
        "owner: Field required",
        "a.yaml:2",
    ),
    Case(
        "attestation: bad date",
        "statements",
        {"m.yaml": cfg("attestations: [a.yaml]\n"), "a.yaml": ATT.replace('"2026-01-01"', '"2026-02-30"')},
        ["scan", "-c", "m.yaml"],
        "attestations.0.date",
        "a.yaml:6",
    ),
    Case(
        "attestation: unknown requirement",
        "statements",
        {"m.yaml": cfg("attestations: [a.yaml]\n"), "a.yaml": ATT.replace("ydt:6.1.1:L1.2", "ydt:6.1.1:L1.9")},
        ["scan", "-c", "m.yaml"],
        "unknown requirement 'ydt:6.1.1:L1.9'",
        "a.yaml:2",
    ),
    Case(
        "waiver: missing owner",
        "statements",
        {"m.yaml": cfg("waivers: [w.yaml]\n"), "w.yaml": WAIVER.replace("    owner: cto@example.com\n", "")},
        ["scan", "-c", "m.yaml"],
        "owner: Field required",
        "w.yaml:2",
    ),
    Case(
        "waiver: unknown capability",
        "statements",
        {"m.yaml": cfg("waivers: [w.yaml]\n"), "w.yaml": WAIVER.replace("ydt:11.1.1", "ydt:11.9.9")},
        ["scan", "-c", "m.yaml"],
        "unknown capability",
        "w.yaml:2",
    ),
    Case(
        "waiver: names nothing",
        "statements",
        {
            "m.yaml": cfg("waivers: [w.yaml]\n"),
            "w.yaml": WAIVER.replace('  - capabilities: ["ydt:11.1.1"]\n    reason', "  - reason"),
        },
        ["scan", "-c", "m.yaml"],
        "names requirements or capabilities",
        "w.yaml:2",
    ),
    # baselines and reports
    Case(
        "baseline: other schema version",
        "reports",
        {"m.yaml": cfg(), "b.json": '{"schema": "maturity-report/v0"}'},
        ["scan", "-c", "m.yaml", "--baseline", "b.json", "--fail-on-regression"],
        "unsupported report schema",
        "b.json",
    ),
    Case(
        "baseline: truncated",
        "reports",
        {"m.yaml": cfg(), "b.json": '{"schema": "maturity-report/v1", "scan": {"sta'},
        ["scan", "-c", "m.yaml", "--baseline", "b.json"],
        "not valid JSON",
        "b.json:1",
    ),
    Case(
        "baseline: not JSON at all",
        "reports",
        {"b.json": "<html>", "n.json": "{}"},
        ["diff", "b.json", "n.json"],
        "not valid JSON",
        "b.json",
    ),
    Case(
        "report: fails its schema",
        "reports",
        {
            "r.json": json.dumps(
                {
                    "schema": "maturity-report/v2",
                    "scan": {},
                    "frameworks": [],
                    "evidence": [],
                    "next_steps": [],
                    "digest": "x",
                }
            )
        },
        ["verify", "r.json"],
        "not a maturity-report/v2 report",
        "r.json",
    ),
    Case(
        "report: regression gate without baseline",
        "reports",
        {"m.yaml": cfg()},
        ["scan", "-c", "m.yaml", "--fail-on-regression"],
        "needs --baseline",
        "--baseline",
    ),
    Case(
        "gate: bad --min-level",
        "reports",
        {"m.yaml": cfg()},
        ["scan", "-c", "m.yaml", "--min-level", "ydt:5.3.1=high"],
        "--min-level takes CAP=L",
        "--min-level",
    ),
    # evidence bundles
    Case(
        "bundle: missing folder",
        "bundles",
        {},
        ["rescore", "--evidence-dir", "nowhere"],
        "no such evidence bundle",
        "nowhere",
    ),
    Case(
        "bundle: missing manifest",
        "bundles",
        {"ev/evidence.jsonl": ""},
        ["rescore", "--evidence-dir", "ev"],
        "missing from the evidence bundle",
        "ev/manifest.json",
    ),
    Case(
        "bundle: foreign manifest",
        "bundles",
        {"ev/manifest.json": '{"schema": "other"}'},
        ["rescore", "--evidence-dir", "ev"],
        "not a maturity-bundle/v1 manifest",
        "ev/manifest.json",
    ),
    Case(
        "bundle: missing evidence file",
        "bundles",
        {"ev/manifest.json": '{"schema": "maturity-bundle/v1", "files": {}}'},
        ["rescore", "--evidence-dir", "ev"],
        "missing from the evidence bundle",
        "ev/evidence.jsonl",
    ),
    Case(
        "shard: bad spec",
        "config",
        {"m.yaml": cfg()},
        ["scan", "-c", "m.yaml", "--shard", "3/2"],
        "--shard 3/2",
        "--shard",
    ),
]


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_bad_input(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in case.files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    before = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    monkeypatch.chdir(tmp_path)
    code = main(["-q", *case.argv])
    out = capsys.readouterr()
    assert code == 2, out.err
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert lines[0].startswith("maturity: error: ")
    assert case.expect in lines[0], lines[0]
    assert case.where in lines[0], lines[0]
    assert {p.relative_to(tmp_path) for p in tmp_path.rglob("*")} == before, "nothing may be written"


def _attestation(date: dt.date, expires: dt.date, link: str) -> str:
    return (
        ATT.replace('"2026-01-01"', f'"{date}"')
        .replace('"2027-01-01"', f'"{expires}"')
        .replace("https://wiki.example.com/oncall", link)
        .replace("    owner: sre@example.com\n", "    owner: sre@example.com\n    reviewer: auditor@example.com\n")
    )


# (name, date offset from today in days, validity in days, link, the reason the report must give)
INVALID_STATEMENTS = [
    ("expiry before date", -30, -365, "https://wiki.example.com/oncall", "on or before its date"),
    ("link is not a URL", -30, 300, "see the wiki", "https or http URL"),
]


def _scan_with(tmp_path: Path, name: str, attestation: str | None) -> dict[str, object]:
    folder = tmp_path / name
    folder.mkdir()
    extra = ""
    if attestation is not None:
        (folder / "statements").mkdir()
        (folder / "statements" / "a.yaml").write_text(attestation, encoding="utf-8")
        extra = "attestations: [statements/]\n"
    (folder / "repo").mkdir()
    (folder / "m.yaml").write_text(cfg(extra, "sources: [{name: repo, probe: files, path: repo}]\n"), encoding="utf-8")
    code = main(["-q", "scan", "-c", str(folder / "m.yaml"), "--json", str(folder / "r.json")])
    assert code == 0
    doc: dict[str, object] = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize(
    ("name", "offset", "validity", "link", "why"), INVALID_STATEMENTS, ids=[c[0] for c in INVALID_STATEMENTS]
)
def test_invalid_statement_is_recorded_not_applied(
    tmp_path: Path, name: str, offset: int, validity: int, link: str, why: str
) -> None:
    """Exit 0; the statement is listed `invalid` with its reason; every grade is as without it."""
    today = dt.datetime.now(dt.UTC).date()
    date = today + dt.timedelta(days=offset)
    bad = _scan_with(tmp_path, "bad", _attestation(date, date + dt.timedelta(days=validity), link))
    (stmt,) = bad["statements"]  # type: ignore[misc]
    assert stmt["type"] == "attestation" and stmt["state"] == "invalid", stmt
    assert why in stmt["why"], stmt
    assert stmt["file"].endswith("a.yaml") and stmt["line"] == 2, stmt
    bare = _scan_with(tmp_path, "bare", None)
    assert statuses(bad)["ydt:6.1.1:L1.2"]["status"] == statuses(bare)["ydt:6.1.1:L1.2"]["status"] == "unknown"
    assert bad["frameworks"] == bare["frameworks"] and bad["summary"] == bare["summary"]
    # The control: the same attestation with a valid date and link does attest the item, so the
    # equality above is the invalid statement being ignored, not attestations never applying.
    good = _scan_with(
        tmp_path, "good", _attestation(date, date + dt.timedelta(days=300), "https://wiki.example.com/oncall")
    )
    assert statuses(good)["ydt:6.1.1:L1.2"]["status"] == "attested"
    assert [s["state"] for s in good["statements"]] == ["applied"]  # type: ignore[attr-defined]


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30
    assert {c.group for c in CORPUS} == {"config", "rules", "statements", "reports", "bundles"}


def markdown() -> str:
    rows = ["| group | case | the error names |", "|---|---|---|"]
    rows += [f"| {c.group} | {c.name} | `{c.where}` — “{c.expect}” |" for c in CORPUS]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
