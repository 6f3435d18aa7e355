"""Fidelity: scan the expert-graded estates under tests/estates/ and compare with their grades.

Each estate is a folder with `maturity.yaml` (what to scan) and `expected.yaml` (an expert's
grade of every item the scanner decides and every item the estate's files clearly decide).
An estate that needs an AWS account has `seed.py` with `seed(client)`: the harness starts a
moto server, seeds it, and points every source whose `endpoint_url` is `moto` at it. An estate
with a GitLab history has `history.py` with `build(now)`: the harness serves it on the loopback
GitLab API of sandbox/ and points every gitlab source whose `url` is `loopback` at it. An estate
served by other loopback APIs of sandbox/ (Grafana, PagerDuty, Loki, Sentry, JSM) has `estate.py`
with `loopback()` returning `sandbox.base.Estate`s: the harness starts each one, adds the sources
it returns to the scan, and stops them all after it.

    python -m tests.fidelity [ESTATE ...]      # or: make fidelity

prints, per estate, the items decided (by the scanner and by the expert), the agreement and
every disagreement with the rule(s) and their explanations. Exit 1 on any disagreement: a
decision the expert does not share, or an item the scanner decides that the expert has not
graded. An item the expert decides and the scanner leaves undecided is listed as MISSED and
counted apart (a coverage gap, not a wrong grade); it fails nothing.
tests/test_fidelity.py runs the same comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent / "estates"
DECIDED = ("met", "not_met")
STATUSES = ("met", "not_met", "unknown")

__all__ = ["ROOT", "Disagreement", "EstateResult", "compare", "estates", "load_expected", "main", "scan_estate"]


@dataclass(frozen=True)
class Disagreement:
    item: str
    expected: str
    got: str
    expert_reason: str
    rules: list[str]

    def lines(self) -> list[str]:
        out = [f"  DISAGREE {self.item}: expected {self.expected}, got {self.got}"]
        out.append(f"      expert: {self.expert_reason}")
        out.extend(f"      rule:   {r}" for r in self.rules or ["(no rule decided it)"])
        return out


@dataclass
class EstateResult:
    name: str
    scanner_decided: int = 0
    expert_decided: int = 0
    graded: int = 0
    agreed: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    # The expert decides the item from the estate, the scanner leaves it undecided: a gap in what
    # the scanner can read (coverage), not a wrong grade. Printed and counted; fails nothing.
    missed: list[Disagreement] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return 100.0 * self.agreed / self.graded if self.graded else 0.0

    def lines(self) -> list[str]:
        out = [
            f"{self.name}: scanner decided {self.scanner_decided} items, expert decided {self.expert_decided}; "
            f"agreement {self.agreed}/{self.graded} = {self.agreement:.1f}%"
            f" ({len(self.disagreements)} disagreements, {len(self.missed)} missed)"
        ]
        out.extend(f"  source {s}" for s in self.sources)
        for d in self.disagreements:
            out.extend(d.lines())
        for d in self.missed:
            out.extend(d.lines()[:1])
            out[-1] = out[-1].replace("  DISAGREE ", "  MISSED   ", 1) + " (the scanner does not decide it)"
        return out


def estates() -> list[Path]:
    """Every estate folder (one with maturity.yaml and expected.yaml), in name order."""
    return sorted(p for p in ROOT.iterdir() if (p / "maturity.yaml").is_file() and (p / "expected.yaml").is_file())


def load_expected(folder: Path) -> dict[str, dict[str, Any]]:
    """expected.yaml's items, checked: each has `expected` (met | not_met | unknown) and `reason`."""
    doc = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8")) or {}
    items = doc.get("items") or {}
    for item, grade in items.items():
        if not isinstance(grade, dict) or grade.get("expected") not in STATUSES or not grade.get("reason"):
            raise ValueError(
                f"{folder.name}/expected.yaml: {item}: needs `expected` (met|not_met|unknown) and `reason`"
            )
        unknown_keys = set(grade) - {"expected", "reason"}
        if unknown_keys:
            raise ValueError(f"{folder.name}/expected.yaml: {item}: unknown keys {sorted(unknown_keys)}")
    return items


def _requirements(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for fw in report.get("frameworks", []):
        for cap in fw.get("capabilities", []):
            for req in cap.get("requirements", []):
                out[req["id"]] = req
    return out


def _rule_lines(req: dict[str, Any]) -> list[str]:
    out = []
    for clause in req.get("clauses", []):
        for rule in clause.get("rules", []):
            if rule.get("status") in DECIDED or rule.get("coverage") != "supports":
                cid = clause["id"].rsplit("#", 1)[-1]
                out.append(f"#{cid} {rule['id']} -> {rule.get('status')}: {rule.get('explanation', '')}")
    return out


@contextlib.contextmanager
def _moto(seed_file: Path) -> Iterator[str]:
    """A moto server on a loopback port, seeded by the estate's seed.py; yields its URL."""
    from moto.server import ThreadedMotoServer

    from sandbox.aws import moto_clients

    for name in ("werkzeug", "moto"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    module = _load(seed_file, f"estate_seed_{seed_file.parent.name}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        account = getattr(module, "ACCOUNT", None)
        module.seed(moto_clients(url, account), account)
        yield url
    finally:
        server.stop()


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _gitlab(history_file: Path) -> Iterator[tuple[str, str]]:
    """The estate's GitLab history (history.py `build(now)`) on a loopback API; yields URL and token."""
    from sandbox.gitlab import GitLabAPI

    module = _load(history_file, f"estate_history_{history_file.parent.name}")
    token = "fidelity-" + secrets.token_hex(8)  # a throwaway: the loopback server accepts only this
    api = GitLabAPI(module.build(), token=token)
    url = api.start()
    try:
        yield url, token
    finally:
        api.stop()


@contextlib.contextmanager
def _loopback(estate_file: Path, work: Path) -> Iterator[list[dict[str, Any]]]:
    """Start the estate's loopback servers (estate.py `loopback()`); yields their `sources:` entries."""
    module = _load(estate_file, f"estate_loopback_{estate_file.parent.name}")
    started: list[Any] = []
    sources: list[dict[str, Any]] = []
    try:
        for server in module.loopback():
            started.append(server)  # stop() is safe after a failed start
            sources.extend(server.start(work))
        yield sources
    finally:
        for server in reversed(started):
            server.stop()


def _config(
    folder: Path,
    work: Path,
    moto_url: str | None,
    gitlab: tuple[str, str] | None = None,
    loopback: list[dict[str, Any]] | None = None,
) -> Path:
    """The estate's maturity.yaml with paths made absolute, `endpoint_url: moto` and `url: loopback` filled in,
    and the sources of its loopback servers added."""
    from sandbox.aws import DUMMY_KEY, DUMMY_SECRET

    doc = yaml.safe_load((folder / "maturity.yaml").read_text(encoding="utf-8"))
    doc["sources"] = list(doc.get("sources") or []) + list(loopback or [])
    for src in doc.get("sources", []):
        if src.get("probe") == "gitlab" and src.get("url") == "loopback":
            if gitlab is None:
                raise ValueError(f"{folder.name}: a source needs the GitLab loopback but the estate has no history.py")
            os.environ[src["token_env"]] = gitlab[1]
            src["url"] = gitlab[0]
        if src.get("probe") == "files":
            src["path"] = str((folder / src["path"]).resolve())
        if src.get("endpoint_url") == "moto":
            if moto_url is None:
                raise ValueError(f"{folder.name}: a source needs moto but the estate has no seed.py")
            creds = work / "aws-credentials"
            creds.write_text(
                f"[fidelity]\naws_access_key_id = {DUMMY_KEY}\naws_secret_access_key = {DUMMY_SECRET}\n",
                encoding="utf-8",
            )
            src.update(endpoint_url=moto_url, profile="fidelity", credentials_file=str(creds))
    path = work / "maturity.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def scan_estate(folder: Path) -> dict[str, Any]:
    """Scan one estate as `maturity scan` would; returns the report."""
    from scanner.pipeline import load_inputs, scan

    seed = folder / "seed.py"
    history = folder / "history.py"
    servers = folder / "estate.py"
    with tempfile.TemporaryDirectory(prefix=f"fidelity-{folder.name}-") as tmp:
        with (
            _moto(seed) if seed.is_file() else contextlib.nullcontext(None) as url,
            _gitlab(history) if history.is_file() else contextlib.nullcontext(None) as gitlab,
            _loopback(servers, Path(tmp)) if servers.is_file() else contextlib.nullcontext(None) as loopback,
        ):
            report, _evidence, _manifest = scan(load_inputs(_config(folder, Path(tmp), url, gitlab, loopback)))
    return report


def compare(name: str, report: dict[str, Any], expected: dict[str, dict[str, Any]]) -> EstateResult:
    """Grade the scanner against the expert: every item either of them decides, or the expert grades."""
    reqs = _requirements(report)
    result = EstateResult(name)
    result.sources = [
        f"{s['name']} ({s['probe']}): {s['status']}, {s.get('evidence_count', 0)} evidence"
        + (f", error: {s['error']}" if s.get("error") else "")
        for s in report.get("scan", {}).get("sources", [])
    ]
    result.scanner_decided = sum(1 for r in reqs.values() if r["status"] in DECIDED)
    result.expert_decided = sum(1 for g in expected.values() if g["expected"] in DECIDED)
    ids = sorted({i for i, r in reqs.items() if r["status"] in DECIDED} | set(expected))
    for item in ids:
        req = reqs.get(item)
        got = req["status"] if req else "absent"
        grade = expected.get(item)
        result.graded += 1
        if grade is None:
            result.disagreements.append(
                Disagreement(item, "(not graded)", got, "the expert has not graded this item", _rule_lines(req or {}))
            )
            continue
        want = grade["expected"]
        # "unknown" from the expert means no system state decides it: any not-decided status agrees
        if want == got or (want == "unknown" and got not in DECIDED and got != "absent"):
            result.agreed += 1
            continue
        if want in DECIDED and got not in DECIDED and got != "absent":
            result.graded -= 1  # agreement is over decisions; a miss is counted apart
            result.missed.append(Disagreement(item, want, got, grade["reason"], _rule_lines(req or {})))
            continue
        result.disagreements.append(Disagreement(item, want, got, grade["reason"], _rule_lines(req or {})))
    return result


def run(names: list[str] | None = None) -> list[EstateResult]:
    out = []
    for folder in estates():
        if names and folder.name not in names:
            continue
        out.append(compare(folder.name, scan_estate(folder), load_expected(folder)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("estates", nargs="*", help="estate names (default: all)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    results = run(args.estates or None)
    for res in results:
        print("\n".join(res.lines()))
        print()
    graded = sum(r.graded for r in results)
    agreed = sum(r.agreed for r in results)
    failures = sum(len(r.disagreements) for r in results)
    missed = sum(len(r.missed) for r in results)
    pct = 100.0 * agreed / graded if graded else 0.0
    print(
        f"total: {len(results)} estates, agreement {agreed}/{graded} = {pct:.1f}%, {failures} disagreements, "
        f"{missed} missed (the expert decides, the scanner does not)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
