"""Bundles and shards that hold: a missing or mixed shard, an edited manifest, rewritten recorded
rules and a foreign --evidence-dir are refused (exit 2) or found by verify (exit 1); nothing
foreign is ever deleted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main
from tests.conftest import write

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: team-{name}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - {{name: app, image: "example/{name}:1"}}
"""
NAMES = ("alpha", "beta", "gamma", "delta")


def _config(tmp: Path, names: tuple[str, ...] = NAMES, extra: str = "") -> Path:
    for name in names:
        write(tmp / name / "deploy.yaml", MANIFEST.format(name=name))
    lines = [f"  - {{name: {n}, probe: files, path: ./{n}}}" for n in names]
    return write(tmp / "maturity.yaml", "sources:\n" + "\n".join(lines) + "\n" + extra)


def _shards(tmp: Path, cfg: Path, n: int, run_id: str | None = "run-1") -> list[Path]:
    out = []
    for i in range(n):
        d = tmp / f"shard-{i}"
        args = ["-q", "scan", "-c", str(cfg), "--shard", f"{i}/{n}", "--evidence-dir", str(d)]
        args += ["--json", str(tmp / f"s{i}.json")] + (["--run-id", run_id] if run_id else [])
        assert main(args) == 0
        out.append(d)
    return out


def _manifest(d: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((d / "manifest.json").read_text(encoding="utf-8"))


def test_a_shard_records_its_run_index_and_count(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    d = _shards(tmp_path, cfg, 3)[1]
    shard = _manifest(d)["shard"]
    # four equal units over three shards: the sorted-first two take shards 0 and 1, ... (plan_shards)
    plan = {"alpha": 0, "beta": 1, "delta": 2, "gamma": 0}
    assert shard == {"run_id": "run-1", "index": 1, "count": 3, "plan": plan}


def test_merge_refuses_a_missing_shard_unless_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path)
    shards = _shards(tmp_path, cfg, 3)
    out = tmp_path / "m.json"
    assert main(["-q", "merge", str(shards[0]), str(shards[2]), "--json", str(out)]) == 2
    assert "shard(s) 1/3" in capsys.readouterr().err and not out.exists()

    assert main(["-q", "merge", str(shards[0]), str(shards[2]), "--json", str(out), "--allow-partial"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["scan"]["shards"]["missing"] == ["1/3"]
    lost = {n for n, k in _manifest(shards[0])["shard"]["plan"].items() if k == 1}
    assert lost, "the split should put a source in shard 1 (choose other names if the hash moves)"
    for src in report["scan"]["sources"]:
        if src["name"] in lost:
            assert "shard 1/3 is missing" in src["error"]
    # what the missing sources would have observed is failed (unknown), never observed or not_met
    assert not report["scan"]["observations"]["kubernetes.workload"]["observed"]


def test_merge_refuses_mixed_configs_runs_and_duplicates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path)
    a = _shards(tmp_path / "a", cfg, 2)
    b = _shards(tmp_path / "b", cfg, 2, run_id="run-2")
    other = _config(tmp_path / "o", extra="not_used: [pagerduty]\n")
    c = _shards(tmp_path / "c", other, 2)
    out = tmp_path / "m.json"
    assert main(["-q", "merge", str(a[0]), str(b[1]), "--json", str(out)]) == 2
    assert "different runs" in capsys.readouterr().err
    assert main(["-q", "merge", str(a[0]), str(c[1]), "--json", str(out)]) == 2
    assert "different configs" in capsys.readouterr().err
    # c was scanned as run-1 as well (--run-id): with --allow-partial the mix is merged and named
    assert main(["-q", "merge", str(a[0]), str(c[1]), "--json", str(out), "--allow-partial"]) == 0
    mixed = json.loads(out.read_text(encoding="utf-8"))["scan"]["shards"]["mixed"]
    assert len(mixed["config_digests"]) == 2
    out.unlink()
    assert main(["-q", "merge", str(a[0]), str(a[0]), "--json", str(out), "--allow-partial"]) == 2
    assert "given twice" in capsys.readouterr().err
    assert not out.exists()
    assert main(["-q", "merge", str(a[0]), str(a[1]), "--json", str(out)]) == 0


def test_shards_without_a_run_id_of_one_config_still_merge(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    shards = _shards(tmp_path, cfg, 2, run_id=None)
    assert _manifest(shards[0])["shard"]["run_id"].startswith("cfg-")
    assert main(["-q", "merge", *map(str, shards), "--json", str(tmp_path / "m.json")]) == 0


def _scan(tmp: Path) -> tuple[Path, Path]:
    cfg = _config(tmp, ("alpha",))
    report, bundle = tmp / "r.json", tmp / "ev"
    assert main(["-q", "scan", "-c", str(cfg), "--json", str(report), "--evidence-dir", str(bundle)]) == 0
    return report, bundle


def test_editing_only_the_manifest_fails_verify_merge_and_rescore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, bundle = _scan(tmp_path)
    assert main(["-q", "verify", str(report), "--evidence-dir", str(bundle)]) == 0
    doc = _manifest(bundle)
    kind = next(k for k, v in doc["observations"].items() if not v["observed"])
    doc["observations"][kind] = {**doc["observations"][kind], "observed": True, "reason": None}
    (bundle / "manifest.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    capsys.readouterr()
    assert main(["-q", "verify", str(report), "--evidence-dir", str(bundle)]) == 1
    assert "seal" in capsys.readouterr().out
    assert main(["-q", "merge", str(bundle), "--json", str(tmp_path / "m.json")]) == 2
    assert main(["-q", "rescore", "--evidence-dir", str(bundle), "--json", str(tmp_path / "x.json")]) == 2
    assert "seal" in capsys.readouterr().err


def test_resealed_manifest_edit_is_still_found_by_verify(tmp_path: Path) -> None:
    from scanner.bundle import SEAL, manifest_seal

    report, bundle = _scan(tmp_path)
    doc = _manifest(bundle)
    kind = next(k for k, v in doc["observations"].items() if not v["observed"])
    doc["observations"][kind] = {**doc["observations"][kind], "observed": True, "reason": None}
    doc[SEAL] = manifest_seal(doc)
    (bundle / "manifest.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    assert main(["-q", "verify", str(report), "--evidence-dir", str(bundle)]) == 1


def test_recorded_rules_must_match_the_rules_digest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    from scanner.bundle import SEAL, manifest_seal

    _report, bundle = _scan(tmp_path)
    assert (
        main(["-q", "rescore", "--evidence-dir", str(bundle), "--recorded-rules", "--json", str(tmp_path / "a.json")])
        == 0
    )
    rules = json.loads((bundle / "rules.json").read_text(encoding="utf-8"))
    victim = next(r for r in rules if r.get("params") or r.get("id"))
    victim["id"] = victim["id"] + "-rewritten"
    raw = json.dumps(rules).encode() + b"\n"
    (bundle / "rules.json").write_bytes(raw)
    doc = _manifest(bundle)
    doc["files"]["rules.json"] = hashlib.sha256(raw).hexdigest()  # an attacker updates the hashes too
    doc[SEAL] = manifest_seal(doc)
    (bundle / "manifest.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    capsys.readouterr()
    out = tmp_path / "b.json"
    assert main(["-q", "rescore", "--evidence-dir", str(bundle), "--recorded-rules", "--json", str(out)]) == 2
    assert "rules digest" in capsys.readouterr().err and not out.exists()
    assert main(["-q", "merge", str(bundle), "--recorded-rules", "--json", str(out)]) == 2


def test_evidence_dir_refuses_a_foreign_folder_and_deletes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, ("alpha",))
    foreign = tmp_path / "precious"
    write(foreign / "manifest.json", '{"not": "ours"}')
    write(foreign / "thesis.tex", "years of work")
    code = main(["-q", "scan", "-c", str(cfg), "--json", str(tmp_path / "r.json"), "--evidence-dir", str(foreign)])
    assert code == 2 and "neither empty nor an earlier bundle" in capsys.readouterr().err
    assert (foreign / "thesis.tex").read_text(encoding="utf-8") == "years of work"
    assert not (tmp_path / "r.json").exists()
    # a real earlier bundle with one extra file is not "a bundle" either
    good = tmp_path / "ev"
    assert main(["-q", "scan", "-c", str(cfg), "--json", str(tmp_path / "r.json"), "--evidence-dir", str(good)]) == 0
    write(good / "notes.txt", "mine")
    assert main(["-q", "scan", "-c", str(cfg), "--json", str(tmp_path / "r.json"), "--evidence-dir", str(good)]) == 2
    assert (good / "notes.txt").exists()
    (good / "notes.txt").unlink()
    assert main(["-q", "scan", "-c", str(cfg), "--json", str(tmp_path / "r.json"), "--evidence-dir", str(good)]) == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["-q", "scan", "-c", str(cfg), "--json", str(tmp_path / "r.json"), "--evidence-dir", str(empty)]) == 0
    assert (empty / "manifest.json").is_file()
