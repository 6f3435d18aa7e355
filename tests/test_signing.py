"""Signed reports (scanner/signing.py, `maturity keygen`, `verify --public-key`): a DSSE envelope
over an in-toto Statement whose subjects are report.json and the bundle manifest.

A signed scan round-trips; a tampered report, a tampered manifest, a wrong key, a missing
signature under --require-signature and a forged bundle whose every hash was recomputed all fail
`verify`. The forged bundle is the case hashes alone cannot catch: the test shows `verify`
without a key accepting it before the signature refuses it.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from scanner.bundle import BUNDLE_SCHEMA, manifest_seal, read_bundle, scan_part, write_bundle
from scanner.cli import main
from scanner.evidence import Evidence
from scanner.pipeline import assemble, load_inputs
from scanner.report import write_report
from scanner.signing import BUNDLE_SIGNATURE, PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, pae

REPO = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "registry.example.com/shop/web:1.0.0"}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


def keygen(prefix: Path) -> tuple[Path, Path]:
    assert main(["-q", "keygen", "--out", str(prefix)]) == 0
    return prefix.with_name(prefix.name + ".key"), prefix.with_name(prefix.name + ".pub")


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A signed scan: report.json, its signature, and a bundle ev/ with its own signature.json."""
    root = tmp_path_factory.mktemp("signed")
    (root / "repo").mkdir()
    (root / "repo" / "app.yaml").write_text(REPO, encoding="utf-8")
    # Kubernetes only: without `not_used: [aws]` an ECS alternative leaves a missing replica undecided
    config = "sources: [{name: repo, probe: files, path: repo}]\nnot_used: [aws]\n"
    (root / "m.yaml").write_text(config, encoding="utf-8")
    key, _ = keygen(root / "keys")
    args = ["-q", "scan", "-c", str(root / "m.yaml"), "--json", str(root / "report.json")]
    assert main([*args, "--evidence-dir", str(root / "ev"), "--sign-key", str(key)]) == 0
    return root


@pytest.fixture()
def work(signed: Path, tmp_path: Path) -> Path:
    """A copy of the signed scan that a test may tamper with."""
    dst = tmp_path / "w"
    shutil.copytree(signed, dst)
    return dst


def verify(root: Path, *extra: str, report: str = "report.json", bundle: str | None = "ev") -> int:
    args = ["-q", "verify", str(root / report), "--public-key", str(root / "keys.pub"), *extra]
    if bundle is not None:
        args += ["--evidence-dir", str(root / bundle)]
    return main(args)


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, pub = keygen(tmp_path / "k")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes() and b"PUBLIC KEY" in pub.read_bytes()
    before = key.read_bytes()
    capsys.readouterr()
    assert main(["-q", "keygen", "--out", str(tmp_path / "k")]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert key.read_bytes() == before


def test_signed_scan_round_trips(signed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(signed, "--require-signature") == 0, capsys.readouterr().out
    # The envelope is DSSE over an in-toto Statement v1 naming both files by their sha256.
    env = json.loads((signed / "report.json.sig.json").read_text(encoding="utf-8"))
    assert env["payloadType"] == PAYLOAD_TYPE and len(env["signatures"]) == 1
    statement = json.loads(base64.b64decode(env["payload"]))
    assert statement["_type"] == STATEMENT_TYPE and statement["predicateType"] == PREDICATE_TYPE
    assert [s["name"] for s in statement["subject"]] == ["report.json", "manifest.json"]
    report = json.loads((signed / "report.json").read_text(encoding="utf-8"))
    assert statement["predicate"]["report_digest"] == report["digest"]
    # The bundle carries the same envelope (merge checks shards by it).
    assert json.loads((signed / "ev" / BUNDLE_SIGNATURE).read_text(encoding="utf-8")) == env


def test_the_signature_is_ed25519_over_the_dsse_pae(signed: Path) -> None:
    """Checked with the library directly, not through our verifier: any DSSE tool would agree."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    env = json.loads((signed / "report.json.sig.json").read_text(encoding="utf-8"))
    key = load_pem_public_key((signed / "keys.pub").read_bytes())
    payload = base64.b64decode(env["payload"])
    key.verify(base64.b64decode(env["signatures"][0]["sig"]), pae(PAYLOAD_TYPE, payload))  # type: ignore[union-attr]
    assert pae("t", b"ab") == b"DSSEv1 1 t 2 ab"


def test_tampered_report_fails(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # One byte more (a space): the JSON and its digest are unchanged, the signed bytes are not.
    path = work / "report.json"
    path.write_bytes(path.read_bytes() + b" ")
    assert main(["-q", "verify", str(path)]) == 0  # the digest alone cannot see it
    capsys.readouterr()
    assert verify(work) == 1
    assert "report.json is not the report that was signed" in capsys.readouterr().out


def test_tampered_manifest_fails_even_when_resealed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "ev" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["scanner_version"] = "9.9.9"
    manifest["manifest_sha256"] = manifest_seal(manifest)  # the seal recomputed: the bundle reads
    path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    read_bundle(work / "ev")
    assert verify(work) == 1
    assert "manifest.json is not the one that was signed" in capsys.readouterr().out


def test_wrong_key_fails(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, other = keygen(work / "other")
    code = main(["-q", "verify", str(work / "report.json"), "--public-key", str(other), "--require-signature"])
    assert code == 1
    assert "no signature in the envelope verifies with this public key" in capsys.readouterr().out


def test_unsigned_report_fails_only_when_a_signature_is_required(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "report.json.sig.json").unlink()
    assert verify(work, bundle=None) == 0
    assert "the report is not signed" in capsys.readouterr().out
    assert verify(work, "--require-signature", bundle=None) == 1
    assert "--require-signature" in capsys.readouterr().out


def test_require_signature_needs_a_public_key(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "verify", str(work / "report.json"), "--require-signature"]) == 2
    assert "need --public-key" in capsys.readouterr().err


def forge(work: Path) -> None:
    """Rewrite the bundle and the report as a forger without the key would: the single replica
    becomes three, every evidence hash, the manifest's file hashes, its seal and the report's
    digest recomputed so that they all agree."""
    bundle = read_bundle(work / "ev")
    forged: list[Evidence] = []
    for e in bundle.evidence:
        data: dict[str, Any] = json.loads(json.dumps(e.data))
        if e.kind == "kubernetes.workload":
            for key in ("replicas", "min_replicas"):
                if key in data:
                    data[key] = 3
        forged.append(Evidence.make(e.kind, e.subject, data, e.origin, source=e.source, collected_at=e.collected_at))
    assert [e.id for e in forged] != [e.id for e in bundle.evidence], "the forgery changed nothing"
    old = json.loads((work / "report.json").read_text(encoding="utf-8"))
    inputs = load_inputs(work / "m.yaml")
    report = assemble(
        inputs.catalog,
        inputs.ruleset,
        inputs.statements,
        forged,
        old["scan"]["observations"],
        frameworks=list(old["scan"]["frameworks"]),
        scan_meta=dict(old["scan"]),
    )
    shutil.rmtree(work / "ev")
    write_bundle(
        work / "ev",
        manifest=scan_part(bundle.manifest),
        evidence=forged,
        rules=bundle.rules,
        statements=bundle.statements,
    )
    assert json.loads((work / "ev" / "manifest.json").read_text(encoding="utf-8"))["schema"] == BUNDLE_SCHEMA
    write_report(work / "report.json", report)


@pytest.mark.slow  # several whole re-gradings (verify, merge)
def test_forged_bundle_rehashed_consistently_fails_verify(
    signed: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = json.loads((signed / "report.json").read_text(encoding="utf-8"))
    forge(work)
    after = json.loads((work / "report.json").read_text(encoding="utf-8"))

    def replicas(r: dict[str, Any]) -> str:
        return next(
            c["status"]
            for fw in r["frameworks"]
            for cap in fw["capabilities"]
            for q in cap["requirements"]
            for c in q["clauses"]
            if c["id"] == "ydt:9.1.2:L2.1#a"
        )

    assert (replicas(before), replicas(after)) == ("not_met", "met")  # the forgery improves a grade
    # Every hash agrees: verify without a key accepts the forgery...
    assert main(["-q", "verify", str(work / "report.json"), "--evidence-dir", str(work / "ev")]) == 0
    capsys.readouterr()
    # ...the signature copied over from the real scan does not name these bytes...
    (work / "ev" / BUNDLE_SIGNATURE).write_bytes((signed / "ev" / BUNDLE_SIGNATURE).read_bytes())
    assert verify(work, "--require-signature") == 1
    out = capsys.readouterr().out
    assert "report.json is not the report that was signed" in out
    assert "manifest.json is not the one that was signed" in out
    # ...a signature the forger makes with a key of their own does not verify with ours...
    own, _ = keygen(work / "forger")
    scan = ["-q", "verify", str(work / "report.json")]
    from scanner.signing import load_signer, sign_outputs

    sign_outputs(load_signer(own), after, work / "report.json", bundle_dir=work / "ev")
    assert main([*scan, "--evidence-dir", str(work / "ev")]) == 0
    assert verify(work, "--require-signature") == 1
    assert "no signature in the envelope verifies" in capsys.readouterr().out
    # ...and with no signature at all, --require-signature refuses it.
    (work / "report.json.sig.json").unlink()
    assert verify(work, "--require-signature") == 1


@pytest.mark.slow  # several whole re-gradings (verify, merge)
def test_merge_takes_only_shards_signed_by_the_key(
    signed: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = str(signed / "keys.pub")
    out = work / "merged.json"
    assert main(["-q", "merge", str(signed / "ev"), "--public-key", pub, "--json", str(out)]) == 0
    assert out.is_file()
    out.unlink()
    forge(work)
    assert main(["-q", "merge", str(work / "ev"), "--public-key", pub, "--json", str(out)]) == 2
    assert "the bundle is not signed" in capsys.readouterr().err
    (work / "ev" / BUNDLE_SIGNATURE).write_bytes((signed / "ev" / BUNDLE_SIGNATURE).read_bytes())
    assert main(["-q", "merge", str(work / "ev"), "--public-key", pub, "--json", str(out)]) == 2
    assert "the manifest is not the one that was signed" in capsys.readouterr().err
    assert not out.exists()
