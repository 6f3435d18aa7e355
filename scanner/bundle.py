"""Evidence bundles: the frozen evidence of a scan, with a manifest of hashes.

    D/manifest.json     schema, scanner version, config/catalog/rules digests, sources,
                        observations, and the sha256 of every other file
    D/evidence.jsonl    one evidence item a line (canonical JSON)
    D/rules.json        the effective rules (parameters applied) used by the scan
    D/statements.json   attestations and waivers in force

A bundle is written into a temporary folder beside D and renamed into place, so an
interrupted scan never leaves half a bundle. D must be missing, empty, or an earlier bundle
(exactly the files above): any other folder is refused and never deleted.

The manifest seals itself: `manifest_sha256` is the SHA-256 of the JCS of every other manifest
field (file hashes included), so editing only the manifest makes the bundle unreadable. The
manifest's scan fields are derived from the report's `scan` (`manifest_from_scan`), never built
on their own, so `verify` compares one derivation with the digest-sealed report.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.canonical import canonical_json
from scanner.errors import InputError
from scanner.evidence import Evidence

__all__ = [
    "BUNDLE_SCHEMA",
    "Bundle",
    "check_destination",
    "is_bundle_folder",
    "manifest_from_scan",
    "manifest_seal",
    "read_bundle",
    "scan_part",
    "write_bundle",
]

BUNDLE_SCHEMA = "maturity-bundle/v1"
FILES = ("evidence.jsonl", "rules.json", "statements.json")
SEAL = "manifest_sha256"
# Manifest fields that belong to the bundle itself, not to the report's `scan`.
OWN_FIELDS = frozenset({"schema", "evidence_count", "files", SEAL, "shard"})


def manifest_from_scan(scan: Mapping[str, Any], *, shard: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The manifest of a bundle: the report's `scan` (a copy), plus the shard it is, when sharded."""
    manifest: dict[str, Any] = json.loads(json.dumps(scan))
    if shard is not None:
        manifest["shard"] = dict(shard)
    return manifest


def scan_part(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What `manifest_from_scan` took from the report (the manifest less its own fields)."""
    return {k: v for k, v in manifest.items() if k not in OWN_FIELDS}


def manifest_seal(manifest: Mapping[str, Any]) -> str:
    """The SHA-256 of the JCS of every manifest field but the seal itself."""
    return hashlib.sha256(canonical_json({k: v for k, v in manifest.items() if k != SEAL})).hexdigest()


def is_bundle_folder(path: Path) -> bool:
    """True when `path` holds exactly a bundle's files and its manifest names our schema."""
    names = {p.name for p in path.iterdir()}
    if names - {"signature.json"} != {"manifest.json", *FILES}:  # signature.json: scanner/signing.py
        return False
    try:
        doc = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("schema") == BUNDLE_SCHEMA


def check_destination(dest: Path) -> None:
    """Refuse (InputError) a destination that is not missing, an empty folder or a bundle."""
    if not dest.exists():
        return
    if not dest.is_dir() or dest.is_symlink():
        raise InputError("refusing to write an evidence bundle over something that is not a folder", file=str(dest))
    if any(dest.iterdir()) and not is_bundle_folder(dest):
        raise InputError(
            "refusing to write an evidence bundle into a folder that is neither empty nor an earlier bundle "
            "(its contents are left as they are)",
            file=str(dest),
        )


@dataclass
class Bundle:
    path: Path
    manifest: dict[str, Any]
    evidence: list[Evidence]
    rules: list[dict[str, Any]]
    statements: dict[str, Any]


def write_bundle(
    dest: Path,
    *,
    manifest: Mapping[str, Any],
    evidence: Iterable[Evidence],
    rules: list[dict[str, Any]],
    statements: Mapping[str, Any],
) -> None:
    dest = Path(dest)
    check_destination(dest)  # before anything is written: a foreign folder is never touched
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would hide the bundle from its readers
    try:
        hashes: dict[str, str] = {}
        h = hashlib.sha256()
        count = 0
        with open(tmp / "evidence.jsonl", "wb") as fh:
            for ev in evidence:
                line = canonical_json(ev.to_json()) + b"\n"
                h.update(line)
                fh.write(line)
                count += 1
        hashes["evidence.jsonl"] = h.hexdigest()
        for name, doc in (("rules.json", rules), ("statements.json", statements)):
            raw = canonical_json(doc) + b"\n"
            (tmp / name).write_bytes(raw)
            hashes[name] = hashlib.sha256(raw).hexdigest()
        full = {**manifest, "schema": BUNDLE_SCHEMA, "evidence_count": count, "files": hashes}
        full[SEAL] = manifest_seal(full)
        (tmp / "manifest.json").write_text(json.dumps(full, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if dest.exists():
            check_destination(dest)  # again: it may have changed while the evidence was written
            if not any(dest.iterdir()):
                dest.rmdir()
                os.replace(tmp, dest)
            else:
                old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old.", dir=dest.parent))
                os.replace(dest, old / "bundle")
                os.replace(tmp, dest)
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError("missing from the evidence bundle", file=str(path)) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"unreadable: {exc}", file=str(path), line=getattr(exc, "lineno", None)) from exc


def read_bundle(path: Path, *, check_hashes: bool = True) -> Bundle:
    """Read a bundle; a missing file, a bad line or (with check_hashes) a changed file is an InputError."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("no such evidence bundle folder", file=str(path))
    manifest = _read_json(path / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("schema") != BUNDLE_SCHEMA:
        raise InputError(f"not a {BUNDLE_SCHEMA} manifest", file=str(path / "manifest.json"), field="schema")
    listed = manifest.get("files")
    files: dict[str, Any] = listed if isinstance(listed, dict) else {}
    for name in FILES:
        if not (path / name).is_file():
            raise InputError("missing from the evidence bundle", file=str(path / name))
    if check_hashes and manifest.get(SEAL) != manifest_seal(manifest):
        raise InputError(
            "the manifest does not match its seal (edited after the scan, or written by a scanner "
            "that did not seal manifests)",
            file=str(path / "manifest.json"),
            field=SEAL,
        )
    for name in FILES:
        f = path / name
        if check_hashes and hashlib.sha256(f.read_bytes()).hexdigest() != files.get(name):
            raise InputError("content does not match the manifest hash (changed after the scan)", file=str(f))
    evidence: list[Evidence] = []
    with open(path / "evidence.jsonl", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                evidence.append(Evidence.from_json(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(f"bad evidence item: {exc}", file=str(path / "evidence.jsonl"), line=n) from exc
    rules = _read_json(path / "rules.json")
    statements = _read_json(path / "statements.json")
    return Bundle(path, manifest, evidence, rules, statements)
