"""Scale-out: sharded scans write bundles to S3 (moto server), `maturity merge` combines them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from scanner.canonical import canonical_text
from scanner.shard import shard_sources
from tests.cli import maturity
from tests.conftest import write

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: team-{name}, labels: {{team: {name}}}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: app
          image: example/{name}:1
"""


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    ).create_bucket(Bucket="bundles")
    old = {k: os.environ.get(k) for k in env}
    yield url
    server.stop()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)


def test_shards_are_a_partition() -> None:
    names = [f"src-{i}" for i in range(40)]
    parts = [shard_sources(names, f"{i}/4") for i in range(4)]
    assert set().union(*parts) == set(names)
    assert sum(len(p) for p in parts) == len(names)
    assert all(parts), "a stable hash should spread 40 sources over 4 shards"
    assert shard_sources(names, "1/4") == parts[1]


def _env(s3: str) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": s3,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def _maturity(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return maturity("-q", *args, env=env)  # in-process (tests/cli.py)


def test_sharded_scan_merges_to_the_same_grades(tmp_path: Path, s3: str) -> None:
    sources = []
    for name in ("alpha", "beta", "gamma", "delta"):
        write(tmp_path / name / "deploy.yaml", MANIFEST.format(name=name))
        sources.append(f"  - {{name: {name}, probe: files, path: ./{name}}}")
    cfg = write(tmp_path / "maturity.yaml", "sources:\n" + "\n".join(sources) + "\n")
    env = _env(s3)
    whole = _maturity(["scan", "-c", str(cfg), "--json", str(tmp_path / "whole.json")], env)
    assert whole.returncode == 0, whole.stderr
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scanner.cli",
                "-q",
                "scan",
                "-c",
                str(cfg),
                "--shard",
                f"{i}/3",
                "--evidence-dir",
                f"s3://bundles/run1/shard-{i}",
                "--json",
                str(tmp_path / f"s{i}.json"),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    merged = _maturity(
        [
            "merge",
            *[f"s3://bundles/run1/shard-{i}" for i in range(3)],
            "--json",
            str(tmp_path / "merged.json"),
            "--evidence-dir",
            str(tmp_path / "merged-ev"),
        ],
        env,
    )
    assert merged.returncode == 0, merged.stderr
    a = json.loads((tmp_path / "whole.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "merged.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in b["scan"]["sources"]] == ["alpha", "beta", "delta", "gamma"]
    assert all(s["status"] != "skipped" for s in b["scan"]["sources"])

    def facts(r: dict[str, Any]) -> set[tuple[str, str, str, str]]:
        # RFC 8785 text: 0.0 and 0 are one number, as in the evidence hashes
        return {(e["source"], e["kind"], e["subject"], canonical_text(e["data"])) for e in r["evidence"]}

    assert facts(a) == facts(b) and facts(a)

    def statuses(r: dict[str, Any]) -> dict[str, str]:
        return {q["id"]: q["status"] for fw in r["frameworks"] for c in fw["capabilities"] for q in c["requirements"]}

    assert statuses(a) == statuses(b)
    assert a["scan"]["observations"] == b["scan"]["observations"]
    v = _maturity(["verify", str(tmp_path / "merged.json"), "--evidence-dir", str(tmp_path / "merged-ev")], env)
    assert v.returncode == 0, v.stdout + v.stderr


def test_merge_refuses_a_tampered_shard(tmp_path: Path, s3: str) -> None:
    write(tmp_path / "a" / "d.yaml", MANIFEST.format(name="a"))
    cfg = write(tmp_path / "maturity.yaml", "sources:\n  - {name: a, probe: files, path: ./a}\n")
    env = _env(s3)
    out = _maturity(
        ["scan", "-c", str(cfg), "--evidence-dir", "s3://bundles/run2/shard-0", "--json", str(tmp_path / "r.json")], env
    )
    assert out.returncode == 0, out.stderr
    c = boto3.client(
        "s3", endpoint_url=s3, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    body = (
        c.get_object(Bucket="bundles", Key="run2/shard-0/evidence.jsonl")["Body"]
        .read()
        .replace(b"replicas", b"replicaz")
    )
    c.put_object(Bucket="bundles", Key="run2/shard-0/evidence.jsonl", Body=body)
    out = _maturity(["merge", "s3://bundles/run2/shard-0", "--json", str(tmp_path / "m.json")], env)
    assert out.returncode == 2 and "does not match the manifest" in out.stderr
    assert not (tmp_path / "m.json").exists()
