"""The fleet test: 40 clusters (loopback Kubernetes APIs, one kubeconfig, a context each) and an
AWS Organization of 20 accounts (moto: Organizations, STS AssumeRole) scanned as one run and as
4 shards; the merged shards grade exactly as the one run, and a missing shard is refused.

One context points at a port nothing listens on and the management account is excluded: the
fleet goes on without them, says so per unit, and reads their gap as partial, never a finding.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer

from sandbox.aws import DUMMY_KEY, DUMMY_SECRET, moto_clients
from sandbox.kubernetes import KubeApiServer, default_estate_dir, load_objects
from tests.cli import maturity
from tests.conftest import write

pytestmark = pytest.mark.slow

TOKEN = "fleet-reader-token"  # the loopback servers' bearer token, not a credential
CLUSTERS, ACCOUNTS, SHARDS = 40, 20, 4
MANAGEMENT = "123456789012"  # moto's own account: where the organization is created


def _kubeconfig(path: Path, servers: list[str]) -> Path:
    names = [f"c{i:02}" for i in range(CLUSTERS)] + ["dead"]
    urls = [servers[i % len(servers)] for i in range(CLUSTERS)] + ["http://127.0.0.1:9"]
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": u}} for n, u in zip(names, urls, strict=True)],
        "users": [{"name": "reader", "user": {"token": TOKEN}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "reader"}} for n in names],
        "current-context": names[0],
    }
    return write(path, yaml.safe_dump(doc))


def _organization(url: str) -> list[str]:
    org = boto3.client("organizations", endpoint_url=url, region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    ids = [
        str(
            org.create_account(Email=f"team{i}@example.com", AccountName=f"team-{i}")["CreateAccountStatus"][
                "AccountId"
            ]
        )
        for i in range(ACCOUNTS)
    ]
    for n, ident in enumerate(ids[:6]):  # a few accounts hold data, so accounts differ
        make = moto_clients(url, ident)
        make("s3", "us-east-1").create_bucket(Bucket=f"data-{ident}")
        if n % 2 == 0:
            make("dynamodb", "us-east-1").create_table(
                TableName="orders",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
    return ids


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("fleet")
    objects = load_objects(default_estate_dir())
    small = [o for o in objects if (o.get("metadata") or {}).get("namespace") != "shop"]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": DUMMY_KEY, "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET}
    env |= {"AWS_DEFAULT_REGION": "us-east-1", "MATURITY_RUN_ID": "fleet-1"}
    old = dict(os.environ)
    os.environ.update(env)  # the seeding clients read the same dummy credentials
    try:
        with KubeApiServer(objects, token=TOKEN) as a, KubeApiServer(small, token=TOKEN) as b:
            host, port = moto.get_host_and_port()
            url = f"http://{host}:{port}"
            accounts = _organization(url)
            _kubeconfig(tmp / "kubeconfig.yaml", [a.url, b.url])
            cfg = write(
                tmp / "maturity.yaml",
                "scan: {concurrency: 8}\n"
                "sources:\n"
                "  - {name: k8s, probe: kubernetes, kubeconfig: kubeconfig.yaml, all_contexts: true, retries: 0}\n"
                f"  - {{name: org, probe: aws, regions: [us-east-1], endpoint_url: '{url}', retries: 3, weight: 3,\n"
                "     read_timeout_s: 300, timeout_s: 1200,\n"
                f"     organization: {{role_name: maturity-read, exclude_accounts: ['{MANAGEMENT}']}}}}\n",
            )
            args = [
                "-q",
                "scan",
                "-c",
                str(cfg),
                "--json",
                str(tmp / "whole.json"),
                "--evidence-dir",
                str(tmp / "whole"),
            ]
            whole = maturity(*args, env=env)
            assert whole.returncode == 0, whole.stderr
            shards = []
            for i in range(SHARDS):
                d = tmp / f"shard-{i}"
                args = ["-q", "scan", "-c", str(cfg), "--shard", f"{i}/{SHARDS}", "--evidence-dir", str(d)]
                out = maturity(*args, "--json", str(tmp / f"s{i}.json"), env=env)
                assert out.returncode == 0, out.stderr
                shards.append(d)
            yield {"tmp": tmp, "env": env, "shards": shards, "accounts": accounts}
    finally:
        moto.stop()
        os.environ.clear()
        os.environ.update(old)


def _read(p: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return doc


def _grades(r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fw in r["frameworks"]:
        for cap in fw["capabilities"]:
            out[cap["id"]] = (cap["level"], cap["level_verified"], cap["level_ceiling"])
            for q in cap["requirements"]:
                out[q["id"]] = (q["status"], [(c["id"], c["status"], c.get("reason_code")) for c in q["clauses"]])
    return out


def _timeless(data: Any) -> Any:
    """Evidence data without the fields measured from the moment of the scan (days since a chaos
    run, a job's age, a restore point's lag): the shards scan minutes after the one run."""
    if isinstance(data, dict):
        return {
            k: _timeless(v)
            for k, v in data.items()
            if not (k.startswith(("days_since", "age_")) or k == "age_days" or k.endswith("_lag_minutes"))
        }
    if isinstance(data, list):
        return [_timeless(v) for v in data]
    return data


def _facts(r: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (e["source"], e["kind"], e["subject"], json.dumps(_timeless(e["data"]), sort_keys=True)) for e in r["evidence"]
    }


def _statuses(r: dict[str, Any]) -> set[tuple[str, str, str | None, str | None]]:
    """Each unit's status, fleet, and why it was skipped (an excluded account says so after a merge too)."""
    return {
        (s["name"], s["status"], s.get("fleet"), s["error"] if s["status"] == "skipped" else None)
        for s in r["scan"]["sources"]
    }


def test_a_fleet_run_reports_each_cluster_and_account(fleet: dict[str, Any]) -> None:
    r = _read(fleet["tmp"] / "whole.json")
    by = {s["name"]: s for s in r["scan"]["sources"]}
    clusters = [n for n in by if n.startswith("k8s/c")]
    assert len(clusters) == CLUSTERS and all(by[n]["status"] == "ok" and by[n]["fleet"] == "k8s" for n in clusters)
    assert by["k8s/dead"]["status"] == "error"
    members = [f"org/{a}" for a in fleet["accounts"]]
    assert all(by[m]["status"] in ("ok", "partial") and by[m]["evidence_count"] > 0 for m in members)
    assert by[f"org/{MANAGEMENT}"]["status"] == "skipped" and "exclude_accounts" in by[f"org/{MANAGEMENT}"]["error"]
    # each account was entered through its own role: the buckets seeded in one are found under it
    seeded = fleet["accounts"][0]
    assert any(e["source"] == f"org/{seeded}" and seeded in json.dumps(e) for e in r["evidence"])
    # the cluster that did not answer leaves Kubernetes kinds observed in part, not failed
    wl = r["scan"]["observations"]["kubernetes.workload"]
    assert wl["observed"] and "k8s/dead" in wl["partial"]


def test_four_shards_merge_to_the_grades_of_one_run(fleet: dict[str, Any]) -> None:
    tmp, env = fleet["tmp"], fleet["env"]
    plans = [_read(d / "manifest.json")["shard"]["plan"] for d in fleet["shards"]]
    assert all(p == plans[0] for p in plans) and len(plans[0]) == CLUSTERS + 1 + ACCOUNTS + 1
    scanned = [
        sum(1 for s in _read(tmp / f"s{i}.json")["scan"]["sources"] if s["status"] != "skipped") for i in range(SHARDS)
    ]
    assert min(scanned) >= 8, scanned  # by weight: every shard takes a share of the fleet
    # The one run's evidence is graded again now, beside the merge, so both read the same
    # installed rules even in a tree whose rule files are being edited while this test runs.
    out = maturity(
        "-q", "rescore", "--evidence-dir", str(tmp / "whole"), "--json", str(tmp / "whole-now.json"), env=env
    )
    assert out.returncode == 0, out.stderr
    out = maturity("-q", "merge", *map(str, fleet["shards"]), "--json", str(tmp / "merged.json"), env=env)
    assert out.returncode == 0, out.stderr
    whole, merged = _read(tmp / "whole.json"), _read(tmp / "merged.json")
    a, b = _grades(_read(tmp / "whole-now.json")), _grades(merged)
    assert a == b, [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)][:5]
    assert merged["scan"]["observations"] == whole["scan"]["observations"]
    # both read back from bundles (JCS numbers); on a difference, name the differing facts only
    fm, fw = _facts(merged), _facts(_read(tmp / "whole-now.json"))
    assert fm == fw, {"only_merged": sorted(fm - fw)[:5], "only_whole": sorted(fw - fm)[:5]}
    assert _statuses(merged) == _statuses(whole)


def test_a_missing_shard_is_refused_unless_partial_is_allowed(fleet: dict[str, Any]) -> None:
    tmp, env, shards = fleet["tmp"], fleet["env"], fleet["shards"]
    three = [str(shards[i]) for i in (0, 1, 3)]
    out = maturity("-q", "merge", *three, "--json", str(tmp / "m3.json"), env=env)
    assert out.returncode == 2 and "2/4" in out.stderr and not (tmp / "m3.json").exists()
    out = maturity("-q", "merge", *three, "--allow-partial", "--json", str(tmp / "m3.json"), env=env)
    assert out.returncode == 0, out.stderr
    r = _read(tmp / "m3.json")
    assert r["scan"]["shards"]["missing"] == ["2/4"]
    plan = _read(shards[0] / "manifest.json")["shard"]["plan"]
    lost = {u for u, i in plan.items() if i == 2}
    by = {s["name"]: s for s in r["scan"]["sources"]}
    assert lost and all("shard 2/4 is missing" in (by[u]["error"] or "") for u in lost)
