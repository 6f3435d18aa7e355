"""Where evidence bundles live: a local folder, or an S3 prefix (`s3://bucket/prefix`).

A bundle is written locally first (atomically), then uploaded file by file with the manifest
last, so a reader that finds a manifest finds a complete bundle.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scanner.errors import InputError, ScanError

__all__ = ["is_s3", "local_bundle_dir", "publish_bundle", "s3_client"]

ORDER = ("evidence.jsonl", "rules.json", "statements.json", "manifest.json")


def is_s3(target: str | Path) -> bool:
    return str(target).startswith("s3://")


def _split(url: str) -> tuple[str, str]:
    rest = url[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise InputError(f"not an S3 URL: {url!r}", field="--evidence-dir")
    return bucket, prefix.strip("/")


def s3_client() -> Any:
    """An S3 client from the default credential chain; AWS_ENDPOINT_URL is honoured by boto3."""
    import boto3

    return boto3.client("s3")


def publish_bundle(local: Path, target: str) -> None:
    """Upload a local bundle folder to `s3://bucket/prefix`, manifest last."""
    bucket, prefix = _split(target)
    client = s3_client()
    try:
        for name in ORDER:
            client.upload_file(str(local / name), bucket, f"{prefix}/{name}" if prefix else name)
    except Exception as exc:
        raise ScanError(f"could not upload the evidence bundle to {target}: {exc}") from exc


@contextmanager
def local_bundle_dir(source: str) -> Iterator[Path]:
    """A local folder holding the bundle at `source` (downloaded first when it is on S3)."""
    if not is_s3(source):
        yield Path(source)
        return
    bucket, prefix = _split(source)
    client = s3_client()
    tmp = Path(tempfile.mkdtemp(prefix="maturity-bundle-"))
    try:
        for name in ORDER:
            key = f"{prefix}/{name}" if prefix else name
            try:
                client.download_file(bucket, key, str(tmp / name))
            except Exception as exc:
                raise InputError(f"cannot read {name} from the bundle: {exc}", file=f"s3://{bucket}/{key}") from exc
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
