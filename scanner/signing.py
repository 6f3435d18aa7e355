"""Signed reports: an in-toto Statement v1 in a DSSE envelope, signed with Ed25519.

A digest proves that nothing changed since the digest was computed, not who computed it: a
forged bundle whose hashes, seal and report digest are all recomputed passes every hash check.
The signature closes that gap. The statement's subjects are the bytes of report.json and of the
bundle's manifest.json (which holds the hash of every other bundle file, and seals itself), so
one signature covers the report, the manifest and, through the manifest, all the evidence.

    envelope = {payloadType: application/vnd.in-toto+json, payload: b64(statement),
                signatures: [{keyid, sig: b64(Ed25519(PAE(payloadType, payload)))}]}

PAE is DSSE's pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
lengths in ASCII decimal. The signature sits beside the report (`report.json.sig.json`) and
inside a local bundle (`signature.json`, which the manifest cannot list: it signs the manifest).
Everything is checked offline: only the public key is needed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError

__all__ = [
    "BUNDLE_SIGNATURE",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "Signer",
    "add_sign_flags",
    "bundle_signature_problems",
    "check_bundle_signatures",
    "check_sign_args",
    "default_signature_path",
    "envelope",
    "generate_keypair",
    "load_public_key",
    "load_signer",
    "make_statement",
    "open_envelope",
    "pae",
    "sign_outputs",
    "sign_written",
    "signature_problems",
]

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATE_TYPE = "https://maturity-scanner.dev/attestation/scan-report/v1"
BUNDLE_SIGNATURE = "signature.json"
MAX_ENVELOPE = 1 << 20  # an envelope holds a small statement; anything bigger is not ours


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding of (type, body): what is actually signed."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def _key_bytes(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror or exc}", file=str(path)) from exc


def _keyid(public: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key and its key id (sha256 of the raw public key)."""

    key: Any
    keyid: str

    def sign(self, data: bytes) -> bytes:
        return bytes(self.key.sign(data))


def load_signer(path: Path) -> Signer:
    """An Ed25519 private key from a PEM (PKCS#8) file; a password comes from
    $MATURITY_SIGN_KEY_PASSWORD when the key is encrypted. InputError on anything else."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = _key_bytes(path, "signing key")
    password = os.environ.get("MATURITY_SIGN_KEY_PASSWORD")
    try:
        key = serialization.load_pem_private_key(pem, password=password.encode() if password else None)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a usable PEM private key: {exc}", file=str(path), field="--sign-key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"the signing key must be Ed25519, got {type(key).__name__}", file=str(path))
    return Signer(key, _keyid(key.public_key()))


def load_public_key(path: Path) -> Any:
    """An Ed25519 public key from a PEM (SubjectPublicKeyInfo) file; InputError otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    pem = _key_bytes(path, "public key")
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise InputError(f"not a PEM public key: {exc}", file=str(path), field="--public-key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"the public key must be Ed25519, got {type(key).__name__}", file=str(path))
    return key


def generate_keypair(private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 key pair (private key mode 0600, never over an existing file); the key id."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    for p in (private_path, public_path):
        if Path(p).exists():
            raise InputError("refusing to overwrite an existing key file", file=str(p))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    Path(public_path).write_bytes(pub)
    return _keyid(key.public_key())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_statement(
    report: Mapping[str, Any], report_name: str, report_bytes: bytes, manifest_bytes: bytes | None
) -> dict[str, Any]:
    """The in-toto Statement v1 over report.json (and the bundle manifest, when there is one)."""
    scan = report.get("scan", {})
    subjects = [{"name": report_name, "digest": {"sha256": _sha256(report_bytes)}}]
    if manifest_bytes is not None:
        subjects.append({"name": "manifest.json", "digest": {"sha256": _sha256(manifest_bytes)}})
    shards = scan.get("shards") if isinstance(scan.get("shards"), Mapping) else {}
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "run_id": scan.get("run_id") or shards.get("run_id"),
            "report_digest": report.get("digest"),
            "config_digest": scan.get("config_digest"),
            "rules_digest": scan.get("rules_digest"),
            "catalog_digest": scan.get("catalog_digest"),
            "scanner_version": scan.get("scanner_version"),
            "started": scan.get("started"),
            "finished": scan.get("finished"),
        },
    }


def envelope(statement: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """A DSSE envelope carrying `statement`, signed over PAE(payloadType, payload)."""
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sig = signer.sign(pae(PAYLOAD_TYPE, payload))
    return {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": signer.keyid, "sig": base64.b64encode(sig).decode("ascii")}],
    }


def open_envelope(doc: Any, public_key: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """The statement of an envelope whose signature `public_key` verifies, or (None, problems)."""
    from cryptography.exceptions import InvalidSignature

    if not isinstance(doc, Mapping) or doc.get("payloadType") != PAYLOAD_TYPE:
        return None, [f"signature: not a DSSE envelope of {PAYLOAD_TYPE}"]
    try:
        payload = base64.b64decode(str(doc.get("payload", "")), validate=True)
    except ValueError:
        return None, ["signature: the payload is not base64"]
    signed = pae(PAYLOAD_TYPE, payload)
    good = False
    for s in doc.get("signatures") or []:
        try:
            public_key.verify(base64.b64decode(str(s.get("sig", "")), validate=True), signed)
            good = True
            break
        except (InvalidSignature, ValueError, AttributeError):
            continue
    if not good:
        return None, ["signature: no signature in the envelope verifies with this public key"]
    try:
        statement = json.loads(payload)
    except ValueError:
        return None, ["signature: the signed payload is not JSON"]
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        return None, [f"signature: the signed payload is not an in-toto Statement ({STATEMENT_TYPE})"]
    if statement.get("predicateType") != PREDICATE_TYPE:
        return None, [f"signature: predicateType is not {PREDICATE_TYPE}"]
    return statement, []


def _read_envelope(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_ENVELOPE:
            raise InputError("the signature file is too large to be an envelope", file=str(path))
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"the signature file is not JSON: {exc}", file=str(path)) from exc


def _subject_digest(statement: Mapping[str, Any], name: str) -> str | None:
    for s in statement.get("subject") or []:
        if isinstance(s, Mapping) and s.get("name") == name:
            d = s.get("digest")
            return str(d.get("sha256")) if isinstance(d, Mapping) else None
    return None


def default_signature_path(report_path: Path) -> Path:
    """Where a report's signature goes unless --signature says otherwise: report.json.sig.json."""
    return report_path.with_name(report_path.name + ".sig.json")


def sign_outputs(
    signer: Signer,
    report: Mapping[str, Any],
    report_path: Path,
    *,
    signature_path: Path | None = None,
    bundle_dir: Path | None = None,
) -> Path:
    """Sign the written report (and the local bundle's manifest); write the envelope beside
    the report and, with a bundle, into it as signature.json. Returns the signature path."""
    from scanner.report import atomic_write

    report_bytes = Path(report_path).read_bytes()
    manifest_bytes = (bundle_dir / "manifest.json").read_bytes() if bundle_dir is not None else None
    doc = envelope(make_statement(report, "report.json", report_bytes, manifest_bytes), signer)
    text = json.dumps(doc, indent=1) + "\n"
    target = signature_path or default_signature_path(Path(report_path))
    atomic_write(target, text)
    if bundle_dir is not None:
        atomic_write(bundle_dir / BUNDLE_SIGNATURE, text)
    return target


def signature_problems(
    report_path: Path,
    public_key: Any,
    *,
    signature_path: Path | None = None,
    bundle_dir: Path | None = None,
    require: bool = False,
) -> tuple[list[str], list[str]]:
    """(problems, notes) of a report's signature. An unsigned report is a problem only with
    `require`; a present signature must verify with `public_key` and name these exact bytes."""
    path = signature_path or default_signature_path(Path(report_path))
    if not path.is_file():
        if require:
            return [f"signature: no signature at {path} (--require-signature)"], []
        return [], [f"note: the report is not signed (no {path})"]
    statement, problems = open_envelope(_read_envelope(path), public_key)
    if statement is None:
        return problems, []
    want = _subject_digest(statement, "report.json")
    if want is None:
        problems.append("signature: the statement names no report.json subject")
    elif want != _sha256(Path(report_path).read_bytes()):
        problems.append("signature: report.json is not the report that was signed (its sha256 differs)")
    notes = []
    manifest_digest = _subject_digest(statement, "manifest.json")
    if bundle_dir is not None:
        got = _sha256((Path(bundle_dir) / "manifest.json").read_bytes())
        if manifest_digest is None:
            problems.append("signature: the statement names no bundle manifest, but a bundle was given")
        elif manifest_digest != got:
            problems.append("signature: the bundle's manifest.json is not the one that was signed (sha256 differs)")
    elif manifest_digest is not None:
        notes.append("note: the signature also covers a bundle manifest; pass --evidence-dir to check it")
    return problems, notes


def bundle_signature_problems(bundle_dir: Path, public_key: Any) -> list[str]:
    """Problems of a bundle's own signature.json (required: merge trusts no unsigned shard
    once a public key is given)."""
    where = Path(bundle_dir)
    sig = where / BUNDLE_SIGNATURE
    if not sig.is_file():
        return [f"{where}: the bundle is not signed (no {BUNDLE_SIGNATURE})"]
    statement, problems = open_envelope(_read_envelope(sig), public_key)
    if statement is None:
        return [f"{where}: {p}" for p in problems]
    want = _subject_digest(statement, "manifest.json")
    if want is None or want != _sha256((where / "manifest.json").read_bytes()):
        return [f"{where}: the manifest is not the one that was signed"]
    return []


# -- command-line glue (scan, rescore, merge, verify, keygen call these) ------------------------


def add_sign_flags(p: Any) -> None:
    """`--sign-key K` and `--signature F` on the verbs that write a report."""
    p.add_argument(
        "--sign-key",
        metavar="K",
        type=Path,
        help="sign report.json (and a local bundle's manifest) with this Ed25519 PEM private key",
    )
    p.add_argument("--signature", metavar="F", type=Path, help="write the signature here (default: <report>.sig.json)")


def check_sign_args(args: Any) -> None:
    """Load the signing key before any work, so a bad key is invalid input with nothing written."""
    key = getattr(args, "sign_key", None)
    args.signer = load_signer(key) if key else None
    if getattr(args, "signature", None) and not key:
        raise InputError("--signature needs --sign-key", field="--signature")


def sign_written(report: Mapping[str, Any], args: Any, targets: Mapping[str, str]) -> str | None:
    """Sign what `targets` wrote (report JSON, and the bundle when it is a local folder); a line
    to print, or None when nothing was asked."""
    signer = getattr(args, "signer", None)
    if signer is None or "json" not in targets:
        return None
    from scanner.storage import is_s3

    bundle = targets.get("evidence")
    local = Path(bundle) if bundle and not is_s3(bundle) else None
    path = sign_outputs(signer, report, Path(targets["json"]), signature_path=args.signature, bundle_dir=local)
    line = f"signed {targets['json']} ({signer.keyid}): {path}"
    if local is not None:
        line += f" and {local / BUNDLE_SIGNATURE}"
    elif bundle:
        line += "; the S3 bundle itself is not signed (its evidence is bound by the hashes the signed report lists)"
    return line


def check_bundle_signatures(locations: Sequence[str], public_key_path: Path) -> None:
    """InputError unless every bundle carries a signature.json that verifies with the key and
    names its manifest (merge refuses unsigned, forged or foreign shards before reading any)."""
    from scanner.storage import is_s3

    key = load_public_key(public_key_path)
    problems = []
    for loc in locations:
        if is_s3(loc):
            problems.append(f"{loc}: signatures of S3 bundles are not checked yet; copy the bundle locally")
            continue
        problems.extend(bundle_signature_problems(Path(loc), key))
    if problems:
        raise InputError("merge --public-key: " + "; ".join(problems[:10]), field="--public-key")
